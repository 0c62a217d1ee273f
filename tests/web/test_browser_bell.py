"""In a real Chromium (issue 15): the bell's count and the open ticket change without a reload when
the other party writes; an admin resolves an escalated request by picking an expert by name and
setting one constraint aside with a reason; on a phone (390x844) the ticket shows the description
in the first screen. Screenshots go to test-artifacts/screenshots/ (gitignored)."""

import re
import time

import pytest

from tests.web.test_browser import PHONE, _expect, browser, live, people, sync_api  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser
POLL_WAIT_MS = 25_000  # the bell polls every 15 s, the ticket every 10 s


def _api(env, method, path, user, **kwargs):
    r = env.client.request(method, path, headers=user.headers, **kwargs)
    assert r.status_code < 300, (path, r.status_code, r.text)
    return r.json()


def _request(env, official, **fields):
    body = {
        "title": "Bronze icon cover detained at the port",
        "description": "Customs detained a gilded bronze icon cover (oklad), about 30 x 25 cm, with a "
        "worn inscription. Is it an old church object or a modern copy?",
        "location_country": "RS",
        "category": "religious_art",
        "languages": ["sr", "en"],
        **fields,
    }
    c = _api(env, "POST", "/api/v1/consultations", official, json=body)
    _api(env, "POST", f"/api/v1/consultations/{c['id']}/submit", official, json={"offer_count": 1})
    return c["id"]


def _wait_for_notice(env, user, kind, timeout=10.0):
    """The live server's worker creates notifications a moment after the request: wait for one."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        items = _api(env, "GET", "/api/v1/notifications", user)["items"]
        if any(n["kind"] == kind for n in items):
            return
        time.sleep(0.2)
    raise AssertionError(f"no {kind} notification for {user.email}")


def _bell_count(page) -> int:
    return int(page.locator("#header-counts .bell .count").inner_text())


def test_the_bell_and_the_ticket_change_without_reload_when_the_expert_writes(live, people):
    env = live.env
    expert = env.member(
        "expert",
        full_name="Irina Sokolova",
        languages=["sr", "en"],
        expert={"categories": ["religious_art"], "specialties": ["Post-Byzantine icons", "icon covers (oklad)"]},
    )
    olga = env.member("le_official", full_name="Olga Port", languages=["sr", "en"])
    cid = _request(env, olga)
    offer = _api(env, "GET", "/api/v1/offers", expert)[0]
    _api(env, "POST", f"/api/v1/offers/{offer['id']}/accept", expert)
    _wait_for_notice(env, olga, "accepted")  # so that opening the ticket reads it: the count starts settled

    official = people("official-bell")
    official.login(olga.email, olga.password)
    page = official.page
    page.goto(f"/consultations/{cid}")
    _expect(page.get_by_role("heading", name=re.compile("Bronze icon cover")))
    before = _bell_count(page)

    _api(
        env,
        "POST",
        f"/api/v1/consultations/{cid}/messages",
        expert,
        json={"body": "Please photograph the hallmarks on the back."},
    )
    sync_api.expect(page.locator("#header-counts .bell .count")).to_have_text(str(before + 1), timeout=POLL_WAIT_MS)
    _expect(page.locator("#messages-list").get_by_text("Please photograph the hallmarks"), timeout=POLL_WAIT_MS)
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # no reload happened
    official.shot("bell-01-ticket-desktop")
    page.locator("#header-counts").screenshot(
        path=str(official.shot("bell-02-ticket-full").parent / "bell-03-bell.png")
    )

    page.locator("#header-counts .bell").click()
    _expect(page.get_by_role("heading", name="Notifications", level=1))
    _expect(page.get_by_text(f"Consultation #{cid} (routine): new message"))
    official.shot("bell-04-notifications")
    page.get_by_role("button", name="Mark all as read").click()
    sync_api.expect(page.locator("#header-counts .bell .count")).to_have_text("0")


def test_an_admin_resolves_an_escalation_by_name_with_an_override(live, people):
    env = live.env
    tamar = env.member("le_official", full_name="Tamar Customs", languages=["ka"])
    cid = _request(env, tamar, languages=["ka"], category="legal", title="Manuscript leaf with a claimed export permit")
    nino = env.member(
        "expert",
        full_name="Nino Beridze",
        languages=["en", "fr"],
        expert={"categories": ["legal"], "specialties": ["restitution law", "export permits"]},
    )
    status = _api(env, "GET", f"/api/v1/consultations/{cid}", env.admin)["status"]
    assert status == "escalated"

    admin = people("admin-escalation")
    admin.login(env.admin.email, env.admin.password)
    page = admin.page
    page.goto("/admin/escalations")
    page.get_by_role("link", name=re.compile("Manuscript leaf")).first.click()
    _expect(page.get_by_role("heading", name="Choose an expert by name"))
    page.get_by_label("Expert's name or field").press_sequentially("Nino Ber", delay=40)
    picks = page.locator("#expert-picks")
    _expect(picks.get_by_text("Nino Beridze"), timeout=10_000)
    _expect(picks.get_by_text("shares no working language with the request"))
    admin.shot("bell-05-escalation-picks")
    reason = "Reads Georgian legal texts; confirmed by phone with the official"
    picks.get_by_label("Reason for setting this aside (the expert reads it on the offer)").fill(reason)
    picks.get_by_role("button", name="Offer despite this").click()
    _expect(page.get_by_text("The request has been offered again."))
    assert _api(env, "GET", f"/api/v1/consultations/{cid}", env.admin)["status"] == "offered"

    expert = people("expert-override")
    expert.login(nino.email, nino.password)
    expert.page.goto("/offers")
    _expect(expert.page.get_by_text(reason, exact=False))
    sync_api.expect(expert.page.locator("#header-counts .offers-count .count")).to_have_text("1")
    expert.shot("bell-06-expert-sees-override")


def test_on_a_phone_the_ticket_starts_with_the_description(live, people):
    env = live.env
    expert = env.member(
        "expert",
        full_name="Marko Kostić",
        languages=["sr", "en"],
        expert={"categories": ["palaeontology"], "specialties": ["Cretaceous dinosaur fossils"]},
    )
    olga = env.member("le_official", full_name="Olga Phone", languages=["sr", "en"])
    cid = _request(
        env,
        olga,
        category="palaeontology",
        title="Fossil dinosaur egg offered for export",
        description="Customs found a fossil egg, about 15 cm, in a parcel declared as a souvenir stone. "
        "Is it a real Cretaceous dinosaur egg, and is its export restricted?",
    )
    offer = _api(env, "GET", "/api/v1/offers", expert)[0]
    _api(env, "POST", f"/api/v1/offers/{offer['id']}/accept", expert)
    _api(env, "POST", f"/api/v1/consultations/{cid}/messages", expert, json={"body": "Is there a maker's mark?"})

    phone = people("phone-ticket", viewport=PHONE)
    phone.login(olga.email, olga.password)
    page = phone.page
    page.goto(f"/consultations/{cid}")
    description = page.locator("section[aria-labelledby='desc-title']")
    _expect(description)
    box = description.bounding_box()
    assert box is not None and box["y"] < PHONE["height"] / 2, box  # in the first screen, near its top
    facts = page.locator("aside").bounding_box()
    messages = page.get_by_role("heading", name="Messages").bounding_box()
    assert facts is not None and messages is not None and messages["y"] < facts["y"]
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, overflow
    phone.shot("bell-07-ticket-phone-first-screen", full_page=False)
    phone.shot("bell-08-ticket-phone")

    # "My requests" as cards: nothing scrolls sideways.
    page.goto("/consultations")
    _expect(page.get_by_role("link", name=re.compile("Fossil dinosaur egg")).first)
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    assert page.locator(".table-wrap").evaluate("el => el.scrollWidth - el.clientWidth") <= 0
    phone.shot("bell-09-my-requests-phone")
    # Languages are a tick-list on the request form.
    page.goto("/consultations/new")
    _expect(page.get_by_role("checkbox", name=re.compile("Serbian")))
    assert page.locator("select[name=languages]").count() == 0
    # The compact header has no "Switch" button on a phone: choosing a language switches at once.
    _expect(page.locator("#header-counts .bell"))
    assert not page.get_by_role("button", name="Switch").is_visible()
    page.locator("#language-switch").select_option("ru")
    _expect(page.get_by_text("Язык интерфейса изменён."))


def test_a_poll_after_the_session_ended_does_not_leave_the_page(live, people):
    """The polls are not activity (the session ends when the person is idle), and when it has ended
    a poll must not take the page to the sign-in form: a message being typed would be lost."""
    from expertnet.core import clock as app_clock

    env = live.env
    expert = env.member(
        "expert",
        full_name="Petar Numizmatičar",
        languages=["sr", "en"],
        expert={"categories": ["numismatics"], "specialties": ["Byzantine coins"]},
    )
    olga = env.member("le_official", full_name="Olga Idle", languages=["sr", "en"])
    cid = _request(
        env,
        olga,
        category="numismatics",
        title="Gold solidus found in a car",
        description="Border police found a gold Byzantine solidus of Justinian in a car. Genuine or a copy?",
    )
    offer = _api(env, "GET", "/api/v1/offers", expert)[0]
    _api(env, "POST", f"/api/v1/offers/{offer['id']}/accept", expert)

    official = people("official-idle")
    official.login(olga.email, olga.password)
    page = official.page
    page.goto(f"/consultations/{cid}")
    draft = "A long answer about the weight and the die axis, half typed"
    page.get_by_label("Your message").fill(draft)
    with app_clock.use(app_clock.OffsetClock()) as clock:
        clock.advance(minutes=live.env.settings.session_idle_minutes + 1)
        # Both pollers (the ticket every 10 s, the bell every 15 s) find the session ended and stop.
        sync_api.expect(page.locator("#ticket-live[hx-trigger]")).to_have_count(0, timeout=POLL_WAIT_MS)
        sync_api.expect(page.locator("#header-counts[hx-trigger]")).to_have_count(0, timeout=POLL_WAIT_MS)
    assert page.url.endswith(f"/consultations/{cid}")
    assert page.get_by_label("Your message").input_value() == draft
