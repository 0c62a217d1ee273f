"""The desk's daily loop through the pages (issue 15): the bell and the expert's offer count in the
header, the notifications page, the polled fragments (authorization, 204 when nothing changed, one
audit entry per change shown), and the admin's tools on an escalated request: pick an expert by
name with the reasons they are not eligible, an override with a reason (audited, shown to the
expert), correcting the languages, writing to the requester."""

import re

from sqlalchemy import func, select

from expertnet.consultations.models import Consultation, Message, Offer
from expertnet.core.models import AuditEntry
from tests.web.test_desk_pages import _expert, _file_request, _id

HTMX = {"hx-request": "true"}


def _count(html: str, cls: str) -> int | None:
    """The number the header shows in the link of this class (bell / offers-count)."""
    found = re.search(r'<a class="' + cls + r'[^"]*"[^>]*>.*?<span class="count" data-count="(\d+)">', html, re.S)
    return int(found.group(1)) if found else None


def _bell_key(html: str) -> str:
    return re.search(r'hx-get="/notifications/bell\?v=([^"]+)"', html).group(1)


async def _audit_rows(session, action=None, object_id=None):
    query = select(AuditEntry)
    if action:
        query = query.where(AuditEntry.action == action)
    if object_id is not None:
        query = query.where(AuditEntry.object_id == str(object_id))
    return list((await session.execute(query.order_by(AuditEntry.seq))).scalars())


def _submitted(env, pages, official, expert_count=1, **fields):
    pages.login(official)
    cid = _id(_file_request(env, pages, **fields).headers["location"])
    r = pages.post(
        f"/consultations/{cid}/submit", {"offer_count": str(expert_count)}, form_page=f"/consultations/{cid}"
    )
    assert r.status_code == 303
    return cid


def _accepted(env, pages):
    expert = _expert(env, "Expert Ana")
    official = env.member("le_official", full_name="Officer Olga")
    cid = _submitted(env, pages, official)
    offer = env.db_run(lambda s: s.execute(select(Offer).where(Offer.consultation_id == cid))).scalar_one()
    pages.login(expert)
    assert pages.post(f"/offers/{offer.id}/accept", {}, form_page="/offers").status_code == 303
    return expert, official, cid


def test_bell_count_in_the_header_and_the_notifications_page(env, pages):
    expert, official, cid = _accepted(env, pages)
    pages.login(expert)
    pages.post(
        f"/consultations/{cid}/messages", {"body": "Please send the reverse."}, form_page=f"/consultations/{cid}"
    )

    pages.login(official)
    home = pages.get("/consultations")
    assert _count(home.text, "bell") == 2  # "an expert accepted" and "new message"
    assert _count(home.text, "offers-count") is None  # officials have no offers
    listing = pages.get("/notifications")
    assert listing.status_code == 200
    assert f"Consultation #{cid} (routine): new message" in listing.text
    assert f"Consultation #{cid} (routine): an expert accepted" in listing.text
    assert '<span class="badge">Routine</span>' in listing.text  # the urgency of each item
    assert f"Open consultation #{cid}" in listing.text
    ids = [int(i) for i in re.findall(r'action="/notifications/(\d+)/read"', listing.text)]
    assert ids

    # Opening one marks it read and goes to the consultation.
    r = pages.post(f"/notifications/{ids[0]}/read", {"go": "open"}, form_page="/notifications")
    assert r.status_code == 303 and r.headers["location"] == f"/consultations/{cid}"
    assert _count(pages.get("/notifications").text, "bell") == 1
    assert "Show unread only" in pages.get("/notifications").text
    r = pages.post("/notifications/read-all", {"next": "/notifications"}, form_page="/notifications")
    assert r.status_code == 303
    assert _count(pages.get("/").text, "bell") == 0

    # Someone else's notification is "not found" and nothing changes.
    pages.login(expert)
    mine = _count(pages.get("/notifications").text, "bell")
    r = pages.post(f"/notifications/{ids[-1]}/read", {}, form_page="/notifications")
    assert r.status_code == 404
    assert _count(pages.get("/notifications").text, "bell") == mine


def test_the_bell_poll_answers_204_until_the_count_changes(env, pages):
    expert, official, cid = _accepted(env, pages)
    pages.login(official)
    page = pages.get("/")
    key = _bell_key(page.text)
    r = pages.get(f"/notifications/bell?v={key}", headers=HTMX)
    assert r.status_code == 204 and r.content == b""
    etag = pages.get("/notifications/bell", headers=HTMX).headers["etag"]
    assert pages.get("/notifications/bell", headers={"if-none-match": etag}).status_code == 304

    pages.login(expert)
    pages.post(f"/consultations/{cid}/messages", {"body": "A question."}, form_page=f"/consultations/{cid}")
    pages.login(official)
    r = pages.get(f"/notifications/bell?v={key}", headers=HTMX)
    assert r.status_code == 200
    assert r.text.lstrip().startswith('<div id="header-counts"')
    assert _count(r.text, "bell") == 2 and _bell_key(r.text) != key
    assert pages.get(f"/notifications/bell?v={_bell_key(r.text)}", headers=HTMX).status_code == 204
    # Anonymous: no bell, and the poll is refused (to the login page).
    pages.logout_all()
    r = pages.get("/notifications/bell", headers=HTMX)
    assert r.status_code == 200 and r.headers["hx-redirect"] == "/login" and "header-counts" not in r.text
    assert pages.get("/notifications/bell").status_code == 303
    assert "header-counts" not in pages.get("/login").text
    assert pages.get("/notifications").status_code == 303


def test_an_expert_sees_the_waiting_offers_in_the_header(env, pages):
    expert = _expert(env, "Expert Ana")
    official = env.member("le_official")
    pages.login(expert)
    page = pages.get("/profile")
    assert _count(page.text, "offers-count") == 0
    offers_page = pages.get("/offers")
    key = re.search(r'hx-get="/offers/live\?v=([0-9a-f]+)"', offers_page.text).group(1)
    assert pages.get(f"/offers/live?v={key}", headers=HTMX).status_code == 204

    cid = _submitted(env, pages, official)
    pages.login(expert)
    assert _count(pages.get("/profile").text, "offers-count") == 1
    live = pages.get(f"/offers/live?v={key}", headers=HTMX)
    assert live.status_code == 200 and f"/consultations/{cid}" in live.text
    assert live.text.lstrip().startswith('<div id="offer-list"')
    assert 'hx-preserve="true"' in live.text  # a reason being typed survives the swap
    # Officials and admins have no offer list to poll.
    pages.login(official)
    assert pages.get("/offers/live", headers=HTMX).status_code == 403


def test_the_ticket_poll_is_authorized_cheap_and_audited_once_per_change(env, pages):
    expert, official, cid = _accepted(env, pages)
    stranger = env.member("le_official")
    other_expert = _expert(env, "Expert Other")

    pages.login(official)
    page = pages.get(f"/consultations/{cid}")
    poll = re.search(r'id="ticket-live" hx-get="([^"]+)"', page.text).group(1).replace("&amp;", "&")
    assert "m=1" in poll
    before = len(env.db_run(lambda s: _audit_rows(s, object_id=cid)))
    for _ in range(3):
        assert pages.get(poll, headers=HTMX).status_code == 204
    assert len(env.db_run(lambda s: _audit_rows(s, object_id=cid))) == before  # idle polls write nothing

    # Another official, an expert not on the case, an applicant: refused, and the denial is logged.
    pages.login(stranger)
    assert pages.get(poll, headers=HTMX).status_code == 404
    denied = env.db_run(lambda s: _audit_rows(s, "consultation.denied", cid))
    assert [(d.actor_id, d.detail["action"]) for d in denied] == [(stranger.id, "live")]
    pages.login(other_expert)
    assert pages.get(poll, headers=HTMX).status_code == 404
    pages.logout_all()
    assert pages.get(poll).status_code == 303  # anonymous: to the login page

    # The expert writes: the official's next poll brings the message (once, audited once).
    pages.login(expert)
    pages.post(f"/consultations/{cid}/messages", {"body": "What is the diameter?"}, form_page=f"/consultations/{cid}")
    pages.login(official)
    reads_before = len(env.db_run(lambda s: _audit_rows(s, "consultation.read", cid)))
    r = pages.get(poll, headers=HTMX)
    assert r.status_code == 200
    assert "What is the diameter?" in r.text and 'id="messages-list" hx-swap-oob="true"' in r.text
    reads = env.db_run(lambda s: _audit_rows(s, "consultation.read", cid))
    assert len(reads) == reads_before + 1 and reads[-1].detail["part"] == "messages"
    assert reads[-1].actor_id == official.id
    new_poll = re.search(r'id="ticket-live" hx-get="([^"]+)"', r.text).group(1).replace("&amp;", "&")
    assert pages.get(new_poll, headers=HTMX).status_code == 204

    # A change of state shows a note on the page's poller.
    pages.post(f"/consultations/{cid}/close", {"outcome": "seized", "rating": "5"}, form_page=f"/consultations/{cid}")
    r = pages.get(new_poll, headers=HTMX)
    assert r.status_code == 200 and "This consultation has changed" in r.text and "Closed" in r.text


def _escalated(env, pages, **fields):
    official = env.member("le_official", full_name="Officer Tamar", languages=["ka"])
    cid = _submitted(env, pages, official, 3, languages=["ka"], category="legal", **fields)
    assert env.db_run(lambda s: s.get(Consultation, cid)).status == "escalated"
    return official, cid


def _lawyer(env, name, languages, **expert):
    return env.member(
        "expert",
        full_name=name,
        languages=languages,
        expert={"categories": ["legal"], "specialties": ["restitution law"], **expert},
    )


def test_the_admin_picks_an_expert_by_name_and_overrides_one_constraint(env, pages):
    official, cid = _escalated(env, pages, exclude_market_ties="on")
    nino = _lawyer(env, "Nino Beridze", ["en", "fr"])
    dealer = _lawyer(env, "Nodar Dealer", ["ka"], market_ties=True, market_ties_detail="auction house")
    pages.login_admin()
    page = pages.get(f"/consultations/{cid}")
    assert 'id="escalation-tools"' in page.text and "Choose an expert by name" in page.text

    picks = pages.get(f"/consultations/{cid}/escalation/experts?q=Nino", headers=HTMX)
    assert picks.status_code == 200
    assert "Nino Beridze" in picks.text and "Not eligible" in picks.text
    assert "shares no working language with the request" in picks.text
    assert 'name="override" value="language"' in picks.text
    picks = pages.get(f"/consultations/{cid}/escalation/experts?q=Nodar", headers=HTMX)
    assert "declared market ties, excluded by the request" in picks.text
    assert "This cannot be set aside" in picks.text and 'name="override"' not in picks.text
    assert pages.get(f"/consultations/{cid}/escalation/experts?q=Nino").status_code == 200  # without htmx: a page

    # The reason is required; a constraint that does not hold back cannot be "overridden".
    form = {"expert_id": str(nino.extra["expert_id"]), "count": "1", "override": "language"}
    r = pages.post(f"/consultations/{cid}/reoffer", {**form, "override_reason": "short"}, form_page="/")
    assert r.status_code == 400 and 'id="e-override_reason"' in r.text
    r = pages.post(
        f"/consultations/{cid}/reoffer",
        {**form, "expert_id": str(dealer.extra["expert_id"]), "override_reason": "the dealer ties are old"},
        form_page="/",
    )
    assert r.status_code == 400 and "market ties" in r.text
    assert env.db_run(lambda s: s.execute(select(func.count()).select_from(Offer))).scalar_one() == 0

    reason = "reads Georgian legal texts, confirmed by phone"
    r = pages.post(f"/consultations/{cid}/reoffer", {**form, "override_reason": reason}, form_page="/")
    assert r.status_code == 303
    offer = env.db_run(lambda s: s.execute(select(Offer).where(Offer.consultation_id == cid))).scalar_one()
    assert offer.expert_id == nino.extra["expert_id"]
    assert any(reason in line for line in offer.reasons)
    audit = env.db_run(lambda s: _audit_rows(s, "consultation.reoffer", cid))
    assert audit[-1].detail["override"] == "language" and audit[-1].detail["override_reason"] == reason
    assert env.db_run(lambda s: s.get(Consultation, cid)).status == "offered"
    assert "Constraint set aside: " + reason in pages.get(f"/consultations/{cid}").text  # on the timeline

    # The expert reads the override and its reason on the offer.
    pages.login(nino)
    offers = pages.get("/offers")
    assert "secretariat override (no shared working language): " + reason in offers.text
    assert reason in pages.get(f"/consultations/{cid}").text


def test_the_admin_corrects_the_languages_and_writes_to_the_requester(env, pages):
    official, cid = _escalated(env, pages)
    pages.login_admin()
    r = pages.post(f"/consultations/{cid}/languages", {"languages": ["ka", "xx"]}, form_page="/")
    assert r.status_code == 400 and 'id="e-languages"' in r.text
    assert env.db_run(lambda s: s.get(Consultation, cid)).languages == ["ka"]
    r = pages.post(f"/consultations/{cid}/languages", {"languages": ["ka", "en"]}, form_page="/")
    assert r.status_code == 303
    assert env.db_run(lambda s: s.get(Consultation, cid)).languages == ["ka", "en"]
    audit = env.db_run(lambda s: _audit_rows(s, "consultation.languages", cid))
    assert audit[-1].detail["before"] == ["ka"] and audit[-1].detail["after"] == ["ka", "en"]
    assert "Languages corrected by the secretariat" in pages.get(f"/consultations/{cid}").text

    r = pages.post(f"/consultations/{cid}/secretariat-message", {"secretariat_body": ""}, form_page="/")
    assert r.status_code == 400 and 'id="e-secretariat_body"' in r.text
    r = pages.post(
        f"/consultations/{cid}/secretariat-message",
        {"secretariat_body": "Can you also work in Russian?"},
        form_page="/",
    )
    assert r.status_code == 303
    messages = env.db_run(lambda s: s.execute(select(Message).where(Message.consultation_id == cid))).scalars().all()
    assert [m.body for m in messages] == ["Can you also work in Russian?"]

    # The official is told by the bell and reads it on the request; opening it reads the notice.
    pages.login(official)
    unread = _count(pages.get("/consultations").text, "bell")
    assert unread >= 1
    assert "message from the secretariat" in pages.get("/notifications").text
    page = pages.get(f"/consultations/{cid}")
    assert "Can you also work in Russian?" in page.text
    assert _count(page.text, "bell") == 0  # the header already counts without what the page shows
    assert _count(pages.get("/notifications").text, "bell") == 0
    # While the request is escalated the official can answer the secretariat on it.
    assert 'action="/consultations/%d/messages"' % cid in page.text
    r = pages.post(
        f"/consultations/{cid}/messages", {"body": "Yes, Russian is fine."}, form_page=f"/consultations/{cid}"
    )
    assert r.status_code == 303
    # Officials may not use the admin's tools.
    assert pages.post(f"/consultations/{cid}/languages", {"languages": ["en"]}, form_page="/").status_code == 403
    r = pages.post(f"/consultations/{cid}/secretariat-message", {"secretariat_body": "x"}, form_page="/")
    assert r.status_code == 403
    assert pages.get(f"/consultations/{cid}/escalation/experts?q=a", headers=HTMX).status_code == 403
    # The secretariat is told of the answer.
    pages.login_admin()
    assert f"Consultation #{cid} (routine): new message" in pages.get("/notifications").text
    assert "Yes, Russian is fine." in pages.get(f"/consultations/{cid}").text


def test_the_request_form_ticks_languages_instead_of_a_multi_select(env, pages):
    official = env.member("le_official", languages=["sr", "en"])
    pages.login(official)
    page = pages.get("/consultations/new")
    assert 'type="checkbox" name="languages" value="sr" checked' in page.text
    assert 'type="checkbox" name="languages" value="ka"' in page.text  # under "More languages"
    assert 'name="languages" multiple' not in page.text
    r = _file_request(env, pages, languages=["en", "sr"])
    cid = _id(r.headers["location"])
    assert env.db_run(lambda s: s.get(Consultation, cid)).languages == ["sr", "en"]  # the profile's order


def test_writing_through_htmx_moves_the_pages_poller_on(env, pages):
    expert, official, cid = _accepted(env, pages)
    pages.login(official)
    token = pages.token(f"/consultations/{cid}")
    r = env.client.post(
        f"/consultations/{cid}/messages",
        data={"body": "Photos of the reverse follow."},
        headers={"x-csrftoken": token, **HTMX},
    )
    assert r.status_code == 200 and r.text.lstrip().startswith('<div id="messages">')
    poll = re.search(r'id="ticket-live" hx-swap-oob="true" hx-get="([^"]+)"', r.text).group(1).replace("&amp;", "&")
    reads_before = len(env.db_run(lambda s: _audit_rows(s, "consultation.read", cid)))
    assert pages.get(poll, headers=HTMX).status_code == 204  # one's own message is not fetched again
    assert len(env.db_run(lambda s: _audit_rows(s, "consultation.read", cid))) == reads_before


def test_only_the_constraint_that_holds_an_expert_back_can_be_set_aside(env, pages):
    official, cid = _escalated(env, pages)
    away = _lawyer(env, "Levan Away", ["ka"])
    version = env.client.get("/api/v1/experts/me", headers=away.headers).json()["version"]
    r = env.client.put("/api/v1/experts/me", json={"available": False, "version": version}, headers=away.headers)
    assert r.status_code == 200, r.text
    pages.login_admin()
    picks = pages.get(f"/consultations/{cid}/escalation/experts?q=Levan", headers=HTMX)
    assert "not available" in picks.text and 'name="override" value="availability"' in picks.text
    form = {"expert_id": str(away.extra["expert_id"]), "count": "1", "override_reason": "back from leave tomorrow"}
    r = pages.post(f"/consultations/{cid}/reoffer", {**form, "override": "language"}, form_page="/")
    assert r.status_code == 400 and 'id="e-override"' in r.text and "not held back by that constraint" in r.text
    r = pages.post(f"/consultations/{cid}/reoffer", {**form, "override": "vetting"}, form_page="/")
    assert r.status_code == 400  # not a constraint that may be set aside at all
    assert env.db_run(lambda s: s.execute(select(func.count()).select_from(Offer))).scalar_one() == 0
    r = pages.post(f"/consultations/{cid}/reoffer", {**form, "override": "availability"}, form_page="/")
    assert r.status_code == 303
    offer = env.db_run(lambda s: s.execute(select(Offer).where(Offer.consultation_id == cid))).scalar_one()
    assert offer.reasons[-1] == "secretariat override (marked unavailable or away): back from leave tomorrow"
    # The expert can accept it (availability is not checked again on accepting).
    pages.login(away)
    assert pages.post(f"/offers/{offer.id}/accept", {}, form_page="/offers").status_code == 303
    assert env.db_run(lambda s: s.get(Consultation, cid)).status == "accepted"


def test_the_polls_do_not_keep_an_idle_session_alive(env, pages):
    """A tab left open on a ticket polls every few seconds: that is not the person's activity, so
    the session's idle window is not renewed by it (issue 14's idle limit still holds)."""
    from expertnet.core import clock as app_clock

    expert, official, cid = _accepted(env, pages)
    with app_clock.use(app_clock.OffsetClock()) as clock:
        pages.login(official)
        page = pages.get(f"/consultations/{cid}")
        ticket = re.search(r'id="ticket-live" hx-get="([^"]+)"', page.text).group(1).replace("&amp;", "&")
        bell = f"/notifications/bell?v={_bell_key(page.text)}"
        idle = env.settings.session_idle_minutes
        for _ in range(int(idle * 0.75)):  # well past half the idle window, polling all along
            clock.advance(minutes=1)
            for poll in (ticket, bell):
                r = pages.get(poll, headers=HTMX)
                assert r.status_code == 204, (poll, r.status_code)
                assert not any(h.startswith("expertnet_session=") for h in r.headers.get_list("set-cookie"))
        clock.advance(minutes=idle * 0.25 + 1)
        r = pages.get(ticket, headers=HTMX)
        assert r.status_code == 200 and r.headers["hx-redirect"] == "/login"  # the session ended
        # ... but the poll leaves the cookie alone: it still says whose a form sent next is.
        assert not any(h.startswith("expertnet_session=") for h in r.headers.get_list("set-cookie"))
