"""Sign-in, sign-out, registration, the application page, CSRF, redirects and error pages."""

import re

import pytest
from sqlalchemy import select

from expertnet.core.auth import COOKIE_NAME
from expertnet.members.models import Member
from expertnet.web.common import safe_next


def _set_cookie_headers(response) -> list[str]:
    return response.headers.get_list("set-cookie")


def _cookie_header(response, name: str) -> str:
    for header in _set_cookie_headers(response):
        if header.startswith(f"{name}="):
            return header
    raise AssertionError(f"no Set-Cookie for {name}: {_set_cookie_headers(response)}")


def test_login_sets_a_hardened_session_cookie_and_rotates_it(env, pages):
    official = env.member("le_official")
    r = pages.login(official)
    assert r.headers["location"] == "/"
    header = _cookie_header(r, COOKIE_NAME).lower()
    assert "httponly" in header and "secure" in header and "samesite=lax" in header and "path=/" in header
    first = env.client.cookies.get(COOKIE_NAME)

    home = pages.get("/")
    assert home.status_code == 200
    assert official.extra["full_name"] in home.text

    # Signing in again issues a new token (no session fixation: nothing the browser held is reused).
    env.client.cookies.clear()
    pages.login(official)
    assert env.client.cookies.get(COOKIE_NAME) != first


def test_wrong_password_shows_the_form_again_without_a_session(env, pages):
    official = env.member("le_official")
    r = pages.post("/login", {"email": official.email, "password": "not the right passphrase"})
    assert r.status_code == 401
    assert "Wrong e-mail address or password" in r.text
    assert COOKIE_NAME not in env.client.cookies
    assert f'value="{official.email}"' in r.text  # the e-mail is kept, the password is not


def test_logout_revokes_the_token_and_clears_the_cookie(env, pages):
    official = env.member("le_official")
    pages.login(official)
    stolen = env.client.cookies.get(COOKIE_NAME)
    r = pages.post("/logout", {}, form_page="/")
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert re.search(rf"{COOKIE_NAME}=\"?\"?;", _cookie_header(r, COOKIE_NAME))
    # The old token no longer opens a page, even if someone kept a copy of the cookie.
    env.client.cookies.clear()
    env.client.cookies.set(COOKIE_NAME, stolen, domain="testserver.local")
    again = pages.get("/consultations")
    assert again.status_code == 303 and again.headers["location"].startswith("/login")


def test_forms_without_a_csrf_token_are_refused(env, pages):
    official = env.member("le_official")
    pages.token("/login")  # the browser has a CSRF cookie, but the form does not carry the token
    r = env.client.post(
        "/login", data={"email": official.email, "password": official.password}, headers={"accept": "text/html"}
    )
    assert r.status_code == 403
    assert COOKIE_NAME not in env.client.cookies

    pages.login(official)
    r = env.client.post("/logout", data={}, headers={"accept": "text/html"})
    assert r.status_code == 403
    assert pages.get("/").status_code == 200  # still signed in: the forged logout did nothing
    r = env.client.post("/logout", data={"_csrf_token": "0" * 128}, headers={"accept": "text/html"})
    assert r.status_code == 403


def test_htmx_requests_carry_the_token_in_a_header(env, pages):
    official = env.member("le_official")
    pages.login(official)
    token = pages.token("/")
    r = env.client.post(
        "/language", data={"language": "ru", "next": "/"}, headers={"x-csrftoken": token, "hx-request": "true"}
    )
    assert r.status_code == 200 and r.headers["hx-redirect"] == "/"
    r = env.client.post("/language", data={"language": "en", "next": "/"}, headers={"hx-request": "true"})
    assert r.status_code == 403


def test_anonymous_visitors_are_sent_to_login_with_a_safe_next(env, pages):
    for path in ("/", "/consultations", "/admin/members?status=pending", "/profile", "/directory?q=coins"):
        r = pages.get(path)
        assert r.status_code == 303, path
        assert r.headers["location"].startswith("/login"), path
    r = pages.get("/admin/members?status=pending")
    assert r.headers["location"] == "/login?next=/admin/members%3Fstatus%3Dpending"

    official = env.member("le_official")
    r = pages.post(
        "/login", {"email": official.email, "password": official.password, "next": "/consultations?status=draft"}
    )
    assert r.headers["location"] == "/consultations?status=draft"
    for evil in (
        "//evil.example/x",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "/ok\r\nSet-Cookie: x=1",
    ):
        env.client.cookies.clear()
        r = pages.post("/login", {"email": official.email, "password": official.password, "next": evil})
        assert r.status_code == 303
        assert r.headers["location"] == "/", evil


@pytest.mark.parametrize(
    "value, expected",
    [
        ("/consultations/3", "/consultations/3"),
        ("/directory?q=a&b=c", "/directory?q=a&b=c"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example", "/"),
        ("evil", "/"),
        ("", "/"),
        (None, "/"),
        ("/\tx", "/"),
    ],
)
def test_safe_next(value, expected):
    assert safe_next(value) == expected


def test_insufficient_role_gets_a_403_page(env, pages):
    official = env.member("le_official")
    pages.login(official)
    r = pages.get("/admin/members")
    assert r.status_code == 403
    assert "<html" in r.text and "Not allowed" in r.text
    r = pages.get("/offers")
    assert r.status_code == 403


def test_pending_applicant_sees_only_the_application(env, pages):
    applicant = env.register("le_official")
    r = pages.login(applicant)
    assert r.headers["location"] == "/application"
    page = pages.get("/application")
    assert page.status_code == 200
    assert "waiting for review" in page.text
    assert pages.get("/").headers["location"] == "/application"
    for path in ("/directory", "/consultations", "/consultations/new"):
        r = pages.get(path)
        assert r.status_code == 403, path
        assert "not approved yet" in r.text and 'href="/application"' in r.text


def test_register_as_expert_then_complete_the_application(env, pages):
    r = pages.post(
        "/register",
        [
            ("role", "expert"),
            ("full_name", "Ana <script>alert('x')</script> Petrović"),
            ("email", "ana.petrovic@museum.example"),
            ("password", "amphora ledger canyon 42"),
            ("password_confirm", "amphora ledger canyon 42"),
            ("organisation", "National Museum"),
            ("country", "RS"),
            ("languages", ["sr", "en"]),
            ("application_statement", "Curator of coins."),
            ("org_type", "museum"),
            ("categories", ["numismatics", "archaeology"]),
            ("specialties", "Roman Imperial coinage\nByzantine lead seals"),
            ("coverage_countries", ["RS", "BA"]),
            ("bio", "Twenty years at the coin cabinet."),
        ],
        form_page="/register",
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/login"  # the same answer for a new and a taken address: sign in next
    r = pages.post(
        "/login", {"email": "ana.petrovic@museum.example", "password": "amphora ledger canyon 42"}, form_page="/login"
    )
    assert r.status_code == 303 and r.headers["location"] == "/application"
    page = pages.get("/application")
    assert "Ana &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Petrović" in page.text
    assert "<script>alert" not in page.text
    member = env.db_run(lambda s: _member(s, "ana.petrovic@museum.example"))
    assert member.role == "expert" and member.vetting_status == "pending"

    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
    r = pages.post(
        "/application",
        {
            "version": version,
            "full_name": "Ana Petrović",
            "organisation": "National Museum",
            "country": "RS",
            "languages": ["sr", "en"],
            "referee": "Dr. M. Jovanović, director",
            "application_statement": "Curator.",
        },
        form_page="/application",
    )
    assert r.status_code == 303
    assert env.db_run(lambda s: _member(s, "ana.petrovic@museum.example")).referee == "Dr. M. Jovanović, director"

    # A stale version (a second tab) is refused with a clear message, nothing is overwritten.
    r = pages.post(
        "/application",
        {
            "version": version,
            "full_name": "Someone Else",
            "organisation": "National Museum",
            "country": "RS",
            "languages": ["sr"],
        },
        form_page="/application",
    )
    assert r.status_code == 409
    assert "changed in another window" in r.text
    assert env.db_run(lambda s: _member(s, "ana.petrovic@museum.example")).full_name == "Ana Petrović"


def test_register_errors_are_shown_next_to_the_fields(env, pages):
    r = pages.post(
        "/register",
        {
            "role": "expert",
            "full_name": "X",
            "email": "not-an-email",
            "password": "short",
            "password_confirm": "other",
            "organisation": "Museum",
            "country": "XX",
        },
        form_page="/register",
    )
    assert r.status_code == 400
    assert 'id="e-email"' in r.text
    assert 'id="e-country"' in r.text and "XX" in r.text
    assert 'id="e-password_confirm"' in r.text
    assert 'aria-invalid="true"' in r.text
    assert env.db_run(_count_members) == 0


def test_register_refuses_a_weak_password_and_a_taken_address(env, pages):
    existing = env.member("le_official")
    base = {
        "role": "le_official",
        "full_name": "Marko Marković",
        "organisation": "Border Police",
        "country": "RS",
        "languages": "sr",
    }
    r = pages.post(
        "/register",
        {**base, "email": "m@police.example", "password": "password1234", "password_confirm": "password1234"},
        form_page="/register",
    )
    assert r.status_code == 400 and "too common" in r.text
    # A taken address gets the answer a new one gets (registration does not reveal accounts), and
    # the existing account is left as it was.
    r = pages.post(
        "/register",
        {
            **base,
            "email": existing.email,
            "password": "granite harbour violet 7",
            "password_confirm": "granite harbour violet 7",
        },
        form_page="/register",
    )
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert env.db_run(lambda s: _member(s, existing.email)).full_name != "Marko Marković"


def test_security_headers_on_pages_and_errors(env, pages):
    for path, status in (("/login", 200), ("/no-such-page", 404)):
        r = pages.get(path)
        assert r.status_code == status
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["cache-control"] == "no-store"
    official = env.member("le_official")
    pages.login(official)
    assert pages.get("/consultations").headers["cache-control"] == "no-store"


def test_pages_have_no_inline_scripts_or_styles(env, pages):
    official = env.member("le_official")
    pages.login(official)
    for path in ("/", "/consultations", "/consultations/new", "/login"):
        html = pages.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert " style=" not in html and "<style" not in html, path
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html), path  # no inline event handlers


def test_static_assets_are_served_locally(env):
    js = env.client.get("/static/htmx.min.js")
    assert js.status_code == 200 and "htmx" in js.text[:200]
    assert env.client.get("/static/app.js").status_code == 200
    css = env.client.get("/static/site.css")
    assert css.status_code == 200 and ":focus-visible" in css.text


async def _member(session, email):
    return (await session.execute(select(Member).where(Member.email == email))).scalar_one()


async def _count_members(session):
    return len((await session.execute(select(Member.id))).all())


def test_a_server_error_page_shows_no_trace_or_sql(env, pages, monkeypatch):
    from expertnet.search import service as search_service

    async def broken(*args, **kwargs):
        raise RuntimeError("SELECT secret_column FROM members -- Traceback")

    monkeypatch.setattr(search_service, "search_experts", broken)
    pages.login(env.member("le_official"))
    r = pages.get("/directory?q=coins")
    assert r.status_code == 500
    assert "Something went wrong on our side" in r.text
    assert "SELECT" not in r.text and "Traceback" not in r.text and "secret_column" not in r.text
    assert r.headers["cache-control"] == "no-store" and "frame-ancestors 'none'" in r.headers["content-security-policy"]
    # An htmx request gets the error as a fragment it can swap into the results.
    r = pages.get("/directory/results?q=coins", headers={"hx-request": "true"})
    assert r.status_code == 500 and r.headers["hx-reswap"] == "innerHTML"
    assert "<html" not in r.text and "Something went wrong on our side" in r.text
