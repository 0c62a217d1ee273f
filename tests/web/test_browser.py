"""End-to-end journeys in a real Chromium against the real app (uvicorn, SQLite + Tantivy).

Needs Debian's `chromium` (Playwright's own browser download does not work here); without it the
module is skipped. Screenshots of the key pages go to test-artifacts/screenshots/ (gitignored).
"""

import re
import shutil
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest

from expertnet.config import Settings

pytestmark = pytest.mark.browser

CHROMIUM = (
    shutil.which("chromium")
    or shutil.which("chromium-browser")
    or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
)
if CHROMIUM is None:
    pytest.skip("browser tests need Chromium (`apt-get install chromium`); none found", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 256
PHONE = {"width": 390, "height": 844}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    def __init__(self, settings: Settings):
        import uvicorn

        from expertnet.app import create_app

        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(settings), host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            if time.time() > deadline or not self.thread.is_alive():
                raise RuntimeError("the app server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def live(sqlite_template, tmp_path_factory):
    """The real app over HTTP on 127.0.0.1, embedded default, on a migrated database copy."""
    from tests.conftest import TEST_SECRET, Env

    data_dir = tmp_path_factory.mktemp("browser") / "data"
    data_dir.mkdir()
    shutil.copy(sqlite_template, data_dir / "expertnet.db")
    settings = Settings(
        env="test",
        data_dir=data_dir,
        database_url=f"sqlite+aiosqlite:///{data_dir / 'expertnet.db'}",
        secret_key=TEST_SECRET,
        inline_worker=True,
        base_url="http://127.0.0.1",
        password_hash_profile="test",
    )
    with LiveServer(settings) as server, httpx.Client(base_url=server.url, timeout=30) as api:
        # Seed through the public API, like the other tests do (Env works with any httpx-like client).
        env = Env(settings, api)
        server.env = env
        yield server


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield b
        b.close()


class Person:
    """One browser context = one person with their own cookies."""

    def __init__(self, browser, live, name: str, viewport=None):
        self.context = browser.new_context(
            base_url=live.url, viewport=viewport or {"width": 1280, "height": 900}, locale="en-GB"
        )
        self.page = self.context.new_page()
        self.name = name
        self.console: list[str] = []
        self.page.on("console", lambda msg: self.console.append(f"{msg.type}: {msg.text} @ {msg.location}"))
        self.page.on("dialog", lambda dialog: dialog.accept())

    def shot(self, label: str, full_page: bool = True) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{label}.png"
        # caret="initial": hiding the caret would inject a <style>, which our CSP rightly refuses.
        self.page.screenshot(path=str(path), full_page=full_page, caret="initial")
        return path

    def login(self, email: str, password: str) -> None:
        page = self.page
        page.goto("/login")
        page.get_by_label("E-mail address").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()

    def csp_errors(self) -> list[str]:
        return [line for line in self.console if "Content Security Policy" in line or "Refused to" in line]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def people(browser, live):
    made: list[Person] = []

    def make(name: str, viewport=None) -> Person:
        person = Person(browser, live, name, viewport)
        made.append(person)
        return person

    yield make
    for person in made:
        assert not person.csp_errors(), (person.name, person.csp_errors())
        person.close()


def _htmx_idle(page) -> None:
    sync_api.expect(page.locator(".htmx-request")).to_have_count(0)


def _expect(locator, **kwargs):
    sync_api.expect(locator).to_be_visible(**kwargs)


def test_secure_session_cookie_works_over_http_on_loopback(live, people):
    official = live.env.member("le_official")
    me = people("official")
    me.login(official.email, official.password)
    cookies = {c["name"]: c for c in me.context.cookies()}
    assert "expertnet_session" in cookies, "Chromium refused the Secure cookie on http://127.0.0.1"
    session = cookies["expertnet_session"]
    assert session["secure"] and session["httpOnly"] and session["sameSite"] == "Lax"
    assert me.page.evaluate("document.cookie").find("expertnet_session") == -1  # HttpOnly: not readable by scripts


def test_consultation_journey_end_to_end(live, people):
    env = live.env
    alpha = env.member(
        "expert",
        full_name="Aleksandra Petrović",
        languages=["sr", "en"],
        expert={
            "categories": ["numismatics"],
            "specialties": ["Roman Imperial coinage", "Trajan denarii"],
            "coverage_countries": ["RS"],
            "bio": "Curator of the coin cabinet.",
        },
    )
    beta = env.member(
        "expert",
        full_name="Bojan Marković",
        languages=["sr", "en"],
        expert={"categories": ["numismatics"], "specialties": ["Roman provincial coins"], "coverage_countries": ["RS"]},
    )
    olga = env.member("le_official", full_name="Olga Border", languages=["sr", "en"])

    official = people("official")
    official.login(olga.email, olga.password)
    page = official.page
    _expect(page.get_by_role("heading", name="Welcome, Olga Border"))
    official.shot("01-official-dashboard")

    # Live directory search: typing updates the results without a page load.
    page.goto("/directory")
    official.shot("02-directory-empty-query")
    page.get_by_label("What is the object, or who are you looking for?").press_sequentially("roman imperial", delay=40)
    # Results are swapped in by htmx; the highlighted words show the search has answered.
    _expect(page.locator("#results mark").first, timeout=10_000)
    result = page.locator("#results").get_by_role("link", name=re.compile("Aleksandra"))
    _expect(result)
    page.wait_for_url(re.compile(r"/directory\?q=roman\+imperial$"))  # the address follows the live search
    _htmx_idle(page)
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # no page load happened
    page.locator("#facets").get_by_role("checkbox", name=re.compile("Numismatics")).check()
    _htmx_idle(page)
    assert "category=numismatics" in page.url
    _expect(page.locator("#results").get_by_role("link", name=re.compile("Aleksandra")))
    official.shot("03-directory-results")
    result.click()
    _expect(page.get_by_role("heading", name="Aleksandra Petrović", level=1))

    # File a request with a photo; the candidates with reasons come before submitting.
    page.goto("/consultations/new")
    page.get_by_label("Short title").fill("Silver denarius of Trajan at the border")
    page.get_by_label("Description").fill(
        "Border police found a silver Roman Imperial denarius of Trajan in a car. Is it genuine?"
    )
    page.get_by_label("Field of expertise").select_option("numismatics")
    page.get_by_label("Country where the object is now").select_option("RS")
    page.get_by_label("Attach files").set_input_files({"name": "denarius.png", "mimeType": "image/png", "buffer": PNG})
    official.shot("04-new-request")
    page.get_by_role("button", name="Save and see the candidates").click()
    _expect(page.get_by_role("heading", name="Check the candidates, then submit"))
    _expect(page.get_by_role("link", name="Aleksandra Petrović"))
    _expect(page.get_by_role("link", name="Bojan Marković"))
    _expect(page.get_by_role("link", name="denarius.png"))
    assert page.get_by_text("Works in Numismatics").count() >= 2
    official.shot("05-draft-with-candidates")
    cid = int(re.search(r"/consultations/(\d+)", page.url).group(1))
    page.get_by_label("Offer to how many experts at once").select_option("1")
    page.get_by_role("button", name="Submit the request").click()
    _expect(page.get_by_text("Your request has been submitted"))
    first_name = page.locator("#offers-title + ul li strong").first.inner_text()
    first, second = (alpha, beta) if first_name == "Aleksandra Petrović" else (beta, alpha)

    # The first expert declines (with a reason); the desk offers it to the second at once.
    decliner = people("expert-decline")
    decliner.login(first.email, first.password)
    decliner.page.goto("/offers")
    _expect(decliner.page.get_by_role("link", name=re.compile("Silver denarius")))
    decliner.shot("06-expert-offers")
    decliner.page.get_by_label("Reason for declining").fill("Travelling until next week")
    decliner.page.get_by_role("button", name="Decline").click()
    _expect(decliner.page.get_by_text("You have declined the offer."))

    taker = people("expert-accept")
    taker.login(second.email, second.password)
    taker.page.goto(f"/consultations/{cid}")
    _expect(taker.page.get_by_role("heading", name="This request is offered to you"))
    taker.page.get_by_role("button", name="Accept").click()
    _expect(taker.page.get_by_text("You have accepted the consultation."))

    # Messages go both ways (htmx swaps the message list in place).
    taker.page.get_by_label("Your message").fill("Could you send a photo of the reverse?")
    taker.page.get_by_role("button", name="Send the message").click()
    _expect(taker.page.locator("#messages").get_by_text("Could you send a photo of the reverse?"))
    page.goto(f"/consultations/{cid}")
    _expect(page.get_by_text("Could you send a photo of the reverse?"))
    page.get_by_label("Your message").fill("Reverse photo attached to the ticket.")
    page.get_by_role("button", name="Send the message").click()
    _expect(page.locator("#messages").get_by_text("Reverse photo attached to the ticket."))

    # The expert's structured opinion.
    tp = taker.page
    tp.reload()
    tp.get_by_label("Identification: what is the object?").fill("Denarius of Trajan, Rome mint, AD 103-111.")
    tp.get_by_label("Likely origin").fill("Rome mint; found in the Balkans")
    tp.get_by_label("Likely period").fill("AD 103-111")
    tp.get_by_label("Authenticity").select_option("probably_authentic")
    tp.get_by_label("Confidence").select_option("high")
    tp.get_by_label("Recommended next steps").fill("Ask Italy whether an export licence exists.")
    taker.shot("07-expert-ticket")
    tp.get_by_role("button", name="Send the opinion").click()
    _expect(tp.get_by_text("Your opinion has been sent to the official."))

    # The official reads it and closes with an outcome and a rating.
    page.goto(f"/consultations/{cid}")
    _expect(page.get_by_text("Denarius of Trajan, Rome mint, AD 103-111."))
    _expect(page.get_by_text("Probably authentic"))
    official.shot("08-official-reads-opinion")
    page.get_by_label("Outcome").select_option("seized")
    page.get_by_role("radio", name="5 (very helpful)").check()
    page.get_by_role("button", name="Close the consultation").click()
    _expect(page.get_by_text("The consultation has been closed."))
    page.goto("/consultations")
    _expect(page.get_by_role("link", name=re.compile("Silver denarius")))
    official.shot("09-my-requests")


def test_admin_approves_an_applicant(live, people):
    env = live.env
    applicant = env.register("expert", full_name="Nino Beridze", country="GE", languages=["ka", "en"])
    admin_user = env.admin
    admin = people("admin")
    admin.login(admin_user.email, admin_user.password)
    admin.page.goto("/admin/members")
    row = admin.page.get_by_role("row", name=re.compile("Nino Beridze"))
    _expect(row)
    admin.shot("10-vetting-queue")
    row.get_by_role("link", name="Review").click()
    _expect(admin.page.get_by_role("heading", name="Nino Beridze", level=1))
    admin.shot("11-member-review")
    admin.page.locator("form[action$='/approve']").get_by_role("button", name="Approve").click()
    _expect(admin.page.get_by_text("The member has been approved."))
    r = env.client.get(f"/api/v1/admin/members/{applicant.id}", headers=env.admin.headers)
    assert r.json()["vetting_status"] == "approved"
    admin.page.goto("/admin/coverage")
    _expect(admin.page.get_by_role("heading", name="Coverage of the network"))
    admin.shot("12-coverage")
    admin.page.goto("/admin/audit")
    _expect(admin.page.locator("table code", has_text="vetting.approved").first)
    admin.shot("13-audit-log")


def test_switching_the_interface_to_russian(live, people):
    official = live.env.member("le_official")
    me = people("russian")
    me.login(official.email, official.password)
    page = me.page
    page.get_by_label("Language").select_option("ru")
    page.get_by_role("button", name="Switch").click()
    _expect(page.get_by_text("Язык интерфейса изменён."))
    assert page.locator("html").get_attribute("lang") == "ru"
    _expect(page.get_by_role("link", name="Найти эксперта"))
    _expect(page.get_by_role("button", name="Выйти"))
    page.goto("/consultations/new")
    _expect(page.get_by_role("heading", name="Подать запрос на консультацию"))
    me.shot("14-russian-new-request")


def test_a_form_without_its_csrf_token_is_refused(live, people):
    official = live.env.member("le_official")
    me = people("csrf")
    me.login(official.email, official.password)
    page = me.page
    page.goto("/consultations/new")
    page.locator("form[action='/consultations/new'] input[name='_csrf_token']").evaluate("el => el.remove()")
    page.get_by_label("Short title").fill("Forged request")
    page.get_by_label("Description").fill("This form lost its CSRF token on the way.")
    page.get_by_label("Country where the object is now").select_option("RS")
    with page.expect_response(
        lambda r: r.url.endswith("/consultations/new") and r.request.method == "POST"
    ) as response:
        page.get_by_role("button", name="Save and see the candidates").click()
    assert response.value.status == 403
    _expect(page.get_by_role("heading", name="Not allowed"))
    me.shot("15-csrf-refused")
    listing = httpx.get(f"{live.url}/api/v1/consultations", headers=official.headers).json()
    assert listing["total"] == 0


def test_phone_layout_and_keyboard_use(live, people):
    official = live.env.member("le_official")
    phone = people("phone", viewport=PHONE)
    phone.login(official.email, official.password)
    page = phone.page
    for path, label in (
        ("/", "16-phone-dashboard"),
        ("/directory", "17-phone-directory"),
        ("/consultations/new", "18-phone-new-request"),
    ):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, overflow)
        phone.shot(label)
    # The first Tab reaches the skip link, which is visible when focused and moves focus to <main>.
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to content"
    box = page.locator(".skip-link").bounding_box()
    assert box is not None and box["x"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # Every form control on the request form has a label.
    page.goto("/consultations/new")
    unlabeled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
              .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
              .map(el => el.name)"""
    )
    assert unlabeled == []
    headings = page.evaluate("[...document.querySelectorAll('h1,h2,h3')].map(h => Number(h.tagName[1]))")
    assert headings[0] == 1 and all(b - a <= 1 for a, b in zip(headings, headings[1:]))
