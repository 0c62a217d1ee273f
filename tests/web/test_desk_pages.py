"""The consultation desk through its pages: file, offer, decline/accept, ticket, opinion, close."""

import re

from sqlalchemy import select

from expertnet.consultations.models import Attachment, Consultation, Offer
from expertnet.core.models import AuditEntry
from tests.web.test_demo_pages import headings_in_order

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
PDF_AS_PNG = b"%PDF-1.4 fake document"
XSS = "<script>alert('x')</script>"


def _expert(env, name, specialties=("Roman Imperial coinage",), **kw):
    return env.member(
        "expert",
        full_name=name,
        languages=["sr", "en"],
        expert={"categories": ["numismatics"], "specialties": list(specialties), "coverage_countries": ["RS"]},
        **kw,
    )


def _file_request(env, pages, *, files=None, **fields):
    data = {
        "title": "Roman denarius " + XSS,
        "description": "Border police detained a silver Roman Imperial denarius of Trajan in a car. Genuine? " + XSS,
        "location_country": "RS",
        "object_origin_country": "IT",
        "languages": ["sr", "en"],
        "category": "numismatics",
    }
    data.update(fields)
    token = pages.token("/consultations/new")
    r = env.client.post(
        "/consultations/new",
        data={**data, "_csrf_token": token},
        files=files or {"attachments": ("denarius.png", PNG, "image/png")},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )
    return r


def _id(location: str) -> int:
    return int(re.search(r"/consultations/(\d+)", location).group(1))


async def _consultation(session, cid):
    return (await session.execute(select(Consultation).where(Consultation.id == cid))).scalar_one()


async def _offers(session, cid):
    return list((await session.execute(select(Offer).where(Offer.consultation_id == cid).order_by(Offer.id))).scalars())


def test_full_journey_through_the_pages(env, pages):
    a = _expert(env, "Expert Alpha", specialties=("Roman Imperial coinage", "Trajan denarii"))
    b = _expert(env, "Expert Beta", specialties=("Roman coins",))
    official = env.member("le_official", full_name="Officer Olga")

    # The official files a request with a photo and sees the ranked candidates with reasons.
    pages.login(official)
    r = _file_request(env, pages)
    assert r.status_code == 303, r.text[-2000:]
    cid = _id(r.headers["location"])
    draft = pages.get(f"/consultations/{cid}")
    assert draft.status_code == 200
    assert "Check the candidates, then submit" in draft.text
    assert "Expert Alpha" in draft.text and "Expert Beta" in draft.text
    assert "Works in Numismatics" in draft.text
    assert "denarius.png" in draft.text
    assert XSS not in draft.text and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in draft.text
    assert headings_in_order(draft.text)

    r = pages.post(f"/consultations/{cid}/submit", {"offer_count": "1"}, form_page=f"/consultations/{cid}")
    assert r.status_code == 303
    first = env.db_run(lambda s: _offers(s, cid))
    assert len(first) == 1
    first_expert = a if first[0].expert_id == a.extra["expert_id"] else b
    second_expert = b if first_expert is a else a

    # The first expert declines with a reason; the desk offers the request to the other one.
    pages.login(first_expert)
    offers = pages.get("/offers")
    assert f"/offers/{first[0].id}/decline" in offers.text
    r = pages.post(f"/offers/{first[0].id}/decline", {"reason": ""}, form_page="/offers")
    assert r.status_code == 400 and "reason" in r.text.lower()
    r = pages.post(f"/offers/{first[0].id}/decline", {"reason": "on leave this week"}, form_page="/offers")
    assert r.status_code == 303
    offers = env.db_run(lambda s: _offers(s, cid))
    assert [o.status for o in offers] == ["declined", "open"]
    assert offers[1].expert_id == second_expert.extra["expert_id"]
    # The decliner no longer sees the case.
    assert pages.get(f"/consultations/{cid}").status_code == 404

    # The second expert reads the request, then accepts.
    pages.login(second_expert)
    page = pages.get(f"/consultations/{cid}")
    assert page.status_code == 200 and "This request is offered to you" in page.text
    assert headings_in_order(page.text)
    assert headings_in_order(pages.get("/offers").text)
    r = pages.post(f"/offers/{offers[1].id}/accept", {}, form_page="/offers")
    assert r.status_code == 303 and r.headers["location"] == f"/consultations/{cid}"
    assert env.db_run(lambda s: _consultation(s, cid)).status == "accepted"

    # Messages both ways (one through htmx, swapping the messages partial).
    r = pages.post(
        f"/consultations/{cid}/messages",
        {"body": "Please send a photo of the reverse. " + XSS},
        form_page=f"/consultations/{cid}",
    )
    assert r.status_code == 303
    pages.login(official)
    token = pages.token(f"/consultations/{cid}")
    r = env.client.post(
        f"/consultations/{cid}/messages",
        data={"body": "Reverse attached below."},
        headers={"x-csrftoken": token, "hx-request": "true"},
    )
    assert r.status_code == 200
    assert r.text.lstrip().startswith('<div id="messages">')
    assert "Reverse attached below." in r.text and "Please send a photo of the reverse." in r.text
    assert XSS not in r.text

    # The expert writes the structured opinion.
    pages.login(second_expert)
    r = pages.post(
        f"/consultations/{cid}/opinion",
        {"identification": "", "authenticity": "authentic", "confidence": "high"},
        form_page=f"/consultations/{cid}",
    )
    assert r.status_code == 400 and 'id="e-identification"' in r.text
    r = pages.post(
        f"/consultations/{cid}/opinion",
        {
            "identification": "Denarius of Trajan, Rome mint, AD 103-111. " + XSS,
            "likely_origin": "Rome mint",
            "likely_period": "AD 103-111",
            "authenticity": "probably_authentic",
            "confidence": "high",
            "next_steps": "Check export licence from Italy.",
            "remarks": "",
        },
        form_page=f"/consultations/{cid}",
    )
    assert r.status_code == 303
    assert env.db_run(lambda s: _consultation(s, cid)).status == "answered"

    # The official reads the opinion and closes with an outcome and a rating.
    pages.login(official)
    page = pages.get(f"/consultations/{cid}")
    assert "Denarius of Trajan, Rome mint" in page.text and "Probably authentic" in page.text
    assert XSS not in page.text
    assert "Close the consultation" in page.text
    assert headings_in_order(page.text)
    r = pages.post(
        f"/consultations/{cid}/close", {"outcome": "seized", "rating": "9"}, form_page=f"/consultations/{cid}"
    )
    assert r.status_code == 400
    r = pages.post(
        f"/consultations/{cid}/close",
        {"outcome": "seized", "outcome_detail": "Handed to prosecutor.", "rating": "5"},
        form_page=f"/consultations/{cid}",
    )
    assert r.status_code == 303
    closed = env.db_run(lambda s: _consultation(s, cid))
    assert (closed.status, closed.outcome, closed.rating) == ("closed", "seized", 5)
    listing = pages.get("/consultations")
    assert f"/consultations/{cid}" in listing.text and "Closed" in listing.text


def test_a_disguised_attachment_keeps_nothing(env, pages):
    official = env.member("le_official")
    pages.login(official)
    r = _file_request(env, pages, files={"attachments": ("photo.png", PDF_AS_PNG, "image/png")})
    assert r.status_code == 400
    assert "photo.png" in r.text and "such files are refused" in r.text
    assert env.db_run(lambda s: s.execute(select(Consultation.id))).all() == []
    assert env.db_run(lambda s: s.execute(select(Attachment.id))).all() == []


def test_request_form_errors_name_the_field(env, pages):
    pages.login(env.member("le_official"))
    r = _file_request(env, pages, title="", location_country="XX", deadline="2001-01-01T10:00")
    assert r.status_code == 400
    assert 'id="e-title"' in r.text and 'id="e-location_country"' in r.text


def test_attachments_download_only_for_participants_and_are_audited(env, pages):
    official = env.member("le_official")
    other = env.member("le_official")
    pages.login(official)
    cid = _id(_file_request(env, pages).headers["location"])
    aid = env.db_run(lambda s: s.execute(select(Attachment.id).where(Attachment.consultation_id == cid))).scalar_one()
    r = pages.get(f"/consultations/{cid}/attachments/{aid}")
    assert r.status_code == 200 and r.content == PNG
    assert r.headers["content-disposition"].startswith("attachment")
    assert r.headers["x-content-type-options"] == "nosniff"

    pages.login(other)
    assert pages.get(f"/consultations/{cid}/attachments/{aid}").status_code == 404
    denied = pages.get(f"/consultations/{cid}")
    assert denied.status_code == 404 and "Not found" in denied.text
    actions = env.db_run(lambda s: _audit(s, cid))
    assert ("attachment.download", official.id) in actions
    assert ("consultation.denied", other.id) in actions


def test_officials_see_only_their_own_requests(env, pages):
    mine = env.member("le_official")
    theirs = env.member("le_official")
    pages.login(theirs)
    other_id = _id(_file_request(env, pages, title="Their icon request").headers["location"])
    pages.login(mine)
    listing = pages.get("/consultations")
    assert "Their icon request" not in listing.text
    assert "You have not filed a request yet" in listing.text
    assert pages.get(f"/consultations/{other_id}/edit").status_code == 404
    r = pages.post(f"/consultations/{other_id}/withdraw", {}, form_page="/consultations")
    assert r.status_code == 404
    assert env.db_run(lambda s: _consultation(s, other_id)).status == "draft"


def test_draft_edit_and_stale_version(env, pages):
    official = env.member("le_official")
    pages.login(official)
    cid = _id(_file_request(env, pages).headers["location"])
    page = pages.get(f"/consultations/{cid}/edit")
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
    form = {
        "version": version,
        "title": "Edited title",
        "description": "A longer description of the coin.",
        "location_country": "RS",
        "languages": ["sr"],
        "category": "numismatics",
    }
    r = pages.post(f"/consultations/{cid}/edit", form, form_page=f"/consultations/{cid}/edit")
    assert r.status_code == 303
    assert env.db_run(lambda s: _consultation(s, cid)).title == "Edited title"
    r = pages.post(f"/consultations/{cid}/edit", {**form, "title": "Stale"}, form_page=f"/consultations/{cid}/edit")
    assert r.status_code == 400 and "changed in another window" in r.text
    assert env.db_run(lambda s: _consultation(s, cid)).title == "Edited title"


def test_escalation_and_manual_reoffer_by_an_admin(env, pages):
    official = env.member("le_official")
    pages.login(official)
    cid = _id(_file_request(env, pages, languages=["ka"], category="legal").headers["location"])
    r = pages.post(f"/consultations/{cid}/submit", {"offer_count": "3"}, form_page=f"/consultations/{cid}")
    assert r.status_code == 303
    assert env.db_run(lambda s: _consultation(s, cid)).status == "escalated"

    helper = env.member(
        "expert", languages=["ka", "en"], expert={"categories": ["legal"], "specialties": ["restitution law"]}
    )
    pages.login_admin()
    escalations = pages.get("/admin/escalations")
    assert f"/consultations/{cid}" in escalations.text
    page = pages.get(f"/consultations/{cid}")
    assert "Offer by hand" in page.text
    r = pages.post(
        f"/consultations/{cid}/reoffer",
        {"expert_id": str(helper.extra["expert_id"]), "reason": "speaks Georgian"},
        form_page=f"/consultations/{cid}",
    )
    assert r.status_code == 303
    assert env.db_run(lambda s: _consultation(s, cid)).status == "offered"
    assert [o.expert_id for o in env.db_run(lambda s: _offers(s, cid))] == [helper.extra["expert_id"]]
    r = pages.post(f"/consultations/{cid}/reoffer", {"expert_id": "999999"}, form_page=f"/consultations/{cid}")
    assert r.status_code == 400 and 'id="e-expert_id"' in r.text


def test_expert_and_official_dashboards_and_empty_states(env, pages):
    expert = env.member("expert")
    pages.login(expert)
    for path, text in (
        ("/", "No offers are waiting"),
        ("/offers", "No offers are waiting"),
        ("/consultations", "No consultations yet"),
    ):
        r = pages.get(path)
        assert r.status_code == 200 and text in r.text, path
    official = env.member("le_official")
    pages.login(official)
    for path in ("/", "/consultations", "/consultations/new", "/directory"):
        assert pages.get(path).status_code == 200, path
    assert "No requests yet" in pages.get("/").text


async def _audit(session, cid):
    rows = await session.execute(select(AuditEntry.action, AuditEntry.actor_id))
    return set(rows.all())
