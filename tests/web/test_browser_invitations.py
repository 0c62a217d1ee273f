"""The journey of issue 14 in a real Chromium: the operator imports experts, an admin invites them
from the members page, the expert opens the link from the e-mail that a real SMTP server (aiosmtpd,
in this process) received, sets a password, signs in and accepts an offer on a consultation."""

import json
import re
import shutil
import threading
import time

import httpx
import pytest
from click.testing import CliRunner

from expertnet.config import Settings, get_settings
from tests.notifications.conftest import SmtpServer
from tests.web.test_browser import CHROMIUM, Person, _expect, _free_port, browser  # noqa: F401 - fixture

pytestmark = pytest.mark.browser
assert CHROMIUM  # test_browser skips the module without it

PASSWORD = "my own passphrase for the desk"
EXPERT_EMAIL = "mira.kovac@museum.example"


@pytest.fixture(scope="module")
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def desk(sqlite_template, tmp_path_factory, smtp_server):
    """The real app over HTTP, mailing through the SMTP server; the operator has imported one expert
    with `expertnet experts import` before starting it (as README describes)."""
    import uvicorn

    from expertnet.app import create_app
    from expertnet.cli import main
    from tests.conftest import TEST_SECRET, Env

    root = tmp_path_factory.mktemp("invitations")
    data_dir = root / "data"
    data_dir.mkdir()
    shutil.copy(sqlite_template, data_dir / "expertnet.db")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    record = {
        "external_id": "MUS-1",
        "full_name": "Mira Kovač",
        "email": EXPERT_EMAIL,
        "organisation": "City Museum",
        "org_type": "museum",
        "country": "RS",
        "languages": ["sr", "en"],
        "categories": ["numismatics"],
        "specialties": ["Roman Imperial coinage", "Trajan denarii"],
        "bio": "Curator of the coin cabinet.",
        "vetting_status": "approved",
    }
    (root / "experts.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    environment = {
        "EXPERTNET_ENV": "test",
        "EXPERTNET_DATA_DIR": str(data_dir),
        "EXPERTNET_DATABASE_URL": f"sqlite+aiosqlite:///{data_dir / 'expertnet.db'}",
        "EXPERTNET_SECRET_KEY": TEST_SECRET,
        "EXPERTNET_PASSWORD_HASH_PROFILE": "test",
        "EXPERTNET_MEILI_URL": "",
    }
    get_settings.cache_clear()
    result = CliRunner().invoke(main, ["experts", "import", str(root / "experts.jsonl")], env=environment)
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output

    settings = Settings(
        env="test",
        data_dir=data_dir,
        database_url=environment["EXPERTNET_DATABASE_URL"],
        secret_key=TEST_SECRET,
        inline_worker=True,
        base_url=url,
        password_hash_profile="test",
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
    )
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started:
        assert time.time() < deadline and thread.is_alive(), "the app server did not start"
        time.sleep(0.05)
    try:
        with httpx.Client(base_url=url, timeout=30) as api:

            class Live:
                pass

            live = Live()
            live.url, live.env, live.smtp = url, Env(settings, api), smtp_server
            yield live
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _mailed_link(smtp: SmtpServer, address: str, timeout: float = 15.0) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline:
        for mail in smtp.inbox.to(address):
            found = re.search(r"http://127\.0\.0\.1:\d+/join/[A-Za-z0-9_-]{43}", mail.message.get_content())
            if found:
                return found.group(0)
        time.sleep(0.1)
    raise AssertionError(f"no invitation reached {address}")


def test_admin_invites_imported_experts_who_join_and_accept_an_offer(desk, browser):  # noqa: F811
    env = desk.env
    people: list[Person] = []

    def person(name: str) -> Person:
        people.append(Person(browser, desk, name))
        return people[-1]

    try:
        admin = person("admin")
        admin.login(env.admin.email, env.admin.password)
        page = admin.page
        page.goto("/admin/members")
        invite_all = page.get_by_role("button", name="Invite 1 expert without a password")
        _expect(invite_all)
        admin.shot("inv-01-admin-members")
        invite_all.click()
        _expect(page.get_by_text("The invitations have been sent to the imported experts without a password."))
        _expect(page.get_by_role("row", name=re.compile("Mira Kovač")).get_by_text("Invited"))
        admin.shot("inv-02-admin-invited")

        link = _mailed_link(desk.smtp, EXPERT_EMAIL)
        [mail] = desk.smtp.inbox.to(EXPERT_EMAIL)
        assert mail.message["Subject"] == "[expertnet] You are invited to the expert network"

        expert = person("expert")
        ep = expert.page
        ep.goto(link)
        _expect(ep.get_by_role("heading", name="Join the expert network"))
        ep.locator("#f-password").fill(PASSWORD)
        ep.locator("#f-password_confirm").fill(PASSWORD)
        expert.shot("inv-03-join")
        ep.get_by_role("button", name="Set my password and sign in").click()
        _expect(ep.get_by_text("Welcome! Your password is set and you are signed in."))
        # The link worked once.
        ep.goto(link)
        _expect(ep.get_by_role("heading", name="This link does not work"))

        # Signing out and in again with the new password.
        ep.goto("/")
        ep.get_by_role("button", name=re.compile("Sign out")).click()
        expert.login(EXPERT_EMAIL, PASSWORD)
        assert "/login" not in ep.url

        # An official's request is offered to her; she accepts it.
        official = env.member("le_official", languages=["sr", "en"])
        body = {
            "title": "Silver denarius of Trajan at the border",
            "description": "Border police found a silver Roman Imperial denarius of Trajan in a car. Is it genuine?",
            "category": "numismatics",
            "location_country": "RS",
            "languages": ["sr", "en"],
        }
        r = env.client.post("/api/v1/consultations", json=body, headers=official.headers)
        assert r.status_code == 201, r.text
        cid = r.json()["id"]
        r = env.client.post(f"/api/v1/consultations/{cid}/submit", json={"offer_count": 3}, headers=official.headers)
        assert r.status_code == 200, r.text

        ep.goto("/offers")
        ep.get_by_role("link", name=re.compile("Silver denarius")).first.click()
        _expect(ep.get_by_role("heading", name="This request is offered to you"))
        ep.get_by_role("button", name="Accept").click()
        _expect(ep.get_by_text("You have accepted the consultation."))
        expert.shot("inv-04-accepted")

        page.goto("/admin/members?status=all&role=expert")
        _expect(page.get_by_role("row", name=re.compile("Mira Kovač")).get_by_text("Joined"))
        for p in people:
            assert not p.csp_errors(), (p.name, p.csp_errors())
    finally:
        for p in people:
            p.close()
