"""In Chromium (issue 14): the page warns before the session ends, "stay signed in" renews it
without a page load, and a request form sent after the end comes back filled after signing in.

The browser's clock (Playwright) and the app's clock (expertnet.core.clock: the live server runs
in this process) are moved forward together."""

import re

from expertnet.core import clock as app_clock
from tests.web.test_browser import _expect, browser, live, people, sync_api  # noqa: F401 - fixtures

TITLE = "Seated bronze figure held at Belgrade airport"
DESCRIPTION = "A seated bronze figure, about 40 cm, found in hold luggage; Khmer, 12th century perhaps."
MORE = " Typed on after the session had ended."


def _sign_in_here(page, user) -> None:
    page.get_by_label("E-mail address").fill(user.email)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Sign in").click()


def test_warning_stay_signed_in_and_a_late_form_comes_back(live, people):
    official = live.env.member("le_official", full_name="Olga Latecomer", languages=["en"])
    me = people("official-sessions")
    page = me.page
    page.clock.install()
    me.login(official.email, official.password)
    page.goto("/consultations/new")
    page.get_by_label("Short title").fill(TITLE)
    page.get_by_label("Description").fill(DESCRIPTION)
    page.get_by_label("Country where the object is now").select_option("RS")
    warning = page.get_by_role("alertdialog")
    sync_api.expect(warning).to_be_hidden()

    with app_clock.use(app_clock.OffsetClock()) as server:
        # 56 minutes without sending anything: the warning, with the button.
        server.advance(minutes=56)
        page.clock.fast_forward(56 * 60_000)
        _expect(warning)
        sync_api.expect(warning).to_contain_text("Your session ends in 4 min")
        me.shot("sessions-01-warning")
        page.evaluate("window.sameDocument = true")
        page.get_by_role("button", name="Stay signed in").click()
        sync_api.expect(warning).to_be_hidden()
        status = page.evaluate("fetch('/session/status').then(r => r.json())")
        assert status["signed_in"] and status["expires_at"] - status["now"] >= 59 * 60
        assert page.evaluate("window.sameDocument === true")  # renewed in place, no page load
        assert page.get_by_label("Short title").input_value() == TITLE

        # Then away for longer than the idle limit: the page says the session has ended.
        server.advance(minutes=61)
        page.clock.fast_forward(61 * 60_000)
        _expect(page.get_by_text("Your session has ended"))
        me.shot("sessions-02-ended")

        # The official types on and sends the form: signed in again, the form is back, filled.
        page.get_by_label("Description").fill(DESCRIPTION + MORE)
        page.get_by_role("button", name="Save and see the candidates").click()
        page.wait_for_url(re.compile(r"/login\?next=/consultations/new$"))
        _expect(page.get_by_text("what you sent is kept"))
        _sign_in_here(page, official)
        page.wait_for_url(re.compile(r"/consultations/new$"))
        _expect(page.get_by_text("The form has been filled in again"))
        assert page.get_by_label("Short title").input_value() == TITLE
        assert page.get_by_label("Description").input_value() == DESCRIPTION + MORE
        assert page.get_by_label("Country where the object is now").input_value() == "RS"
        me.shot("sessions-03-restored")

        page.get_by_role("button", name="Save and see the candidates").click()
        _expect(page.get_by_role("heading", name="Check the candidates, then submit"))
