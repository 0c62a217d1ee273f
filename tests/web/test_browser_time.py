"""In the browser: a detention deadline typed by an official whose browser runs in Europe/Belgrade
is stored as the UTC instant she meant, and an admin whose browser runs in Asia/Almaty reads it in
Almaty time with UTC beside it (issue 15). Nobody chose a zone: both come from the browser."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.web.test_browser import CHROMIUM, _expect, browser, live  # noqa: F401 - fixtures

BELGRADE = ZoneInfo("Europe/Belgrade")
ALMATY = ZoneInfo("Asia/Almaty")


def _person(browser, live, zone: str):
    context = browser.new_context(base_url=live.url, locale="en-GB", timezone_id=zone)
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda msg: console.append(msg.text))
    return context, page, console


def _sign_in(page, user) -> None:
    page.goto("/login")
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def test_deadline_typed_in_belgrade_is_read_right_in_almaty(live, browser):
    env = live.env
    olga = env.member("le_official", full_name="Olga Belgrade", languages=["sr", "en"], country="RS")
    # Three days ahead at 15:00 on the Belgrade wall clock, whatever the season (CET or CEST).
    day = (datetime.now(BELGRADE) + timedelta(days=3)).date()
    typed = datetime(day.year, day.month, day.day, 15, 0, tzinfo=BELGRADE)
    meant = typed.astimezone(UTC)

    context, page, console = _person(browser, live, "Europe/Belgrade")
    try:
        _sign_in(page, olga)
        page.goto("/consultations/new")
        offset = "UTC+2" if typed.utcoffset() == timedelta(hours=2) else "UTC+1"
        label = page.get_by_text(f"in your time zone: Belgrade ({offset})")
        _expect(label)
        page.get_by_label("Short title").fill("Silver denarius held at the Gradina crossing")
        page.get_by_label("Description").fill("A silver coin with a laureate head, found in a car at the border.")
        page.locator("#f-location_country").select_option("RS")
        page.locator("#f-deadline").fill(typed.strftime("%Y-%m-%dT%H:%M"))
        page.get_by_role("button", name="Save and see the candidates").click()
        page.wait_for_load_state()
        assert "/consultations/" in page.url and "/new" not in page.url, page.url
        consultation_id = int(page.url.rstrip("/").split("/")[-1].split("#")[0])
        # The official reads her own wall-clock time back, and UTC beside it.
        _expect(page.get_by_text(f"{typed.day} {typed.strftime('%b')} {typed.year}, 15:00 {offset}").first)
    finally:
        assert not [line for line in console if "Refused" in line], console
        context.close()

    token = env.login(olga.email, olga.password)["access_token"]
    stored = env.client.get(f"/api/v1/consultations/{consultation_id}", headers={"Authorization": f"Bearer {token}"})
    assert stored.status_code == 200, stored.text
    deadline = datetime.fromisoformat(stored.json()["deadline"].replace("Z", "+00:00"))
    assert deadline.astimezone(UTC) == meant, (deadline, meant)

    admin = env.admin
    context, page, console = _person(browser, live, "Asia/Almaty")
    try:
        _sign_in(page, admin)
        page.goto(f"/consultations/{consultation_id}")
        in_almaty = meant.astimezone(ALMATY)
        almaty_offset = f"UTC+{int(in_almaty.utcoffset().total_seconds() // 3600)}"
        shown = (
            f"{in_almaty.day} {in_almaty.strftime('%b')} {in_almaty.year}, {in_almaty:%H:%M} {almaty_offset}"
            f" ({meant:%H:%M} UTC)"
        )
        _expect(page.get_by_text(shown).first)
        _expect(page.get_by_role("link", name=f"Almaty ({almaty_offset})"))
    finally:
        context.close()
