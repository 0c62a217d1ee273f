"""Every page renders with the demo network loaded, for every demo role, with headings in order."""

import re

from tests.conftest import run_async

from expertnet.demo import DEMO_ACCOUNTS, seed_demo

HEADING = re.compile(r"<h([1-6])\b")


def headings_in_order(html: str) -> bool:
    levels = [int(level) for level in HEADING.findall(html[html.find("<main") :])]
    return (
        bool(levels) and levels[0] == 1 and levels.count(1) == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:]))
    )


def _account(role: str, status: str = "approved") -> dict:
    return next(a for a in DEMO_ACCOUNTS if a["role"] == role and a.get("vetting_status", "approved") == status)


def _check(pages, paths):
    for path in paths:
        r = pages.get(path)
        assert r.status_code == 200, (path, r.status_code, r.text[-600:])
        assert headings_in_order(r.text), (path, HEADING.findall(r.text))


def test_pages_with_demo_data(env, pages):
    assert run_async(seed_demo(env.settings, 120, 11))["seeded"]

    official = _account("le_official")
    pages.login(official["email"], official["password"])
    _check(
        pages,
        [
            "/",
            "/directory",
            "/directory?q=coins",
            "/directory?category=numismatics&language=en",
            "/consultations",
            "/consultations/new",
        ],
    )
    hits = re.findall(r'href="/experts/(\d+)"', pages.get("/directory").text)
    assert len(hits) >= 10
    _check(pages, [f"/experts/{hits[0]}"])
    # A Cyrillic query against a mostly Latin directory still answers (and renders highlights safely).
    r = pages.get("/directory/results?q=монеты", headers={"hx-request": "true"})
    assert r.status_code == 200

    expert = _account("expert")
    pages.login(expert["email"], expert["password"])
    _check(pages, ["/", "/offers", "/consultations", "/profile"])

    applicant = _account("expert", "pending")
    r = pages.login(applicant["email"], applicant["password"])
    assert r.headers["location"] == "/application"
    _check(pages, ["/application", "/profile"])

    admin = _account("admin")
    pages.login(admin["email"], admin["password"])
    _check(
        pages,
        [
            "/",
            "/admin/members",
            "/admin/members?status=all&role=expert",
            "/admin/coverage",
            "/admin/audit",
            "/admin/audit?verify=1",
            "/admin/escalations",
            "/consultations",
            "/directory",
        ],
    )
    coverage = pages.get("/admin/coverage").text
    assert "cov-3" in coverage or "cov-2" in coverage  # with 120 experts some cells are well covered
    members = pages.get("/admin/members?status=all").text
    member_id = re.search(r'href="/admin/members/(\d+)"', members).group(1)
    _check(pages, [f"/admin/members/{member_id}"])


def test_pages_on_an_empty_database_in_russian(env, pages):
    official = env.member("le_official")
    pages.login(official)
    pages.post("/language", {"language": "ru", "next": "/"}, form_page="/")
    _check(pages, ["/", "/directory", "/consultations", "/consultations/new"])
    pages.login_admin()
    _check(pages, ["/", "/admin/members", "/admin/coverage", "/admin/audit", "/admin/escalations"])


def test_the_demo_admin_invites_the_imported_experts(env, pages, caplog):
    """`make run` without SMTP: the admin sees how many demo experts cannot sign in, invites them
    from the members page, and (development prints each link to the log) one of them joins."""
    import logging

    assert run_async(seed_demo(env.settings, 40, 5))["seeded"]
    admin = _account("admin")
    pages.login(admin["email"], admin["password"])
    page = pages.get("/admin/members").text
    found = re.search(r"Invite (\d+) experts without a password", page)
    assert found, page[page.find("<main") :][:1500]
    count = int(found.group(1))
    assert 0 < count <= 40
    with caplog.at_level(logging.WARNING, logger="expertnet.notifications.account_mail"):
        r = pages.post("/admin/members/invite-imported", {}, form_page="/admin/members")
        assert r.status_code == 303
        r = pages.get(r.headers["location"])
    assert "The invitations have been sent" in r.text
    links = re.findall(r"link for (\S+): \S+/join/([A-Za-z0-9_-]{43})", caplog.text)
    assert len(links) == count
    assert "Every imported expert has a password or an open invitation." in pages.get("/admin/members").text
    email, token = links[0]
    pages.logout_all()
    join = pages.get(f"/join/{token}")
    assert join.status_code == 200 and email in join.text and headings_in_order(join.text)
    r = pages.post(
        f"/join/{token}",
        {"password": "a demo expert's own passphrase", "password_confirm": "a demo expert's own passphrase"},
        form_page=f"/join/{token}",
    )
    assert r.status_code == 303, r.text
    assert pages.get(r.headers["location"]).status_code == 200
