"""Linked cases: two officials in different countries file the same photo (re-saved, scaled down)
or the same object in other words; the worker flags the pair to the secretariat; an admin links
it. Before the link neither official can read the other's case; after it each sees the other's
request summary (still not the case itself); every step is in the audit log."""

import io

import numpy as np

from expertnet.matching.embedder import embed_query
from expertnet.objects.links import SAME_TEXT_MIN_COSINE
from tests.objects.images import jpeg, scene


def _photo(env, user, cid, data, name="photo.jpg"):
    r = env.client.post(
        f"/api/v1/consultations/{cid}/attachments",
        files={"file": (name, io.BytesIO(data), "image/jpeg")},
        headers=user.headers,
    )
    assert r.status_code == 201, r.text
    return r.json()


def _flags(env, **params):
    r = env.client.get("/api/v1/admin/seen-before", params=params, headers=env.admin.headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_same_photo_in_two_countries_is_flagged_and_linked(desk, env):
    serbian = desk.official(country="RS", full_name="Milica Jovanović")
    croatian = desk.official(country="HR", full_name="Ivana Horvat", languages=["hr", "en"])
    a = desk.draft(serbian, title="Icon offered online")["id"]
    b = desk.draft(croatian, title="Icon detained at the border", location_country="HR", languages=["hr", "en"])["id"]
    img = scene(42)
    first = _photo(env, serbian, a, jpeg(img, 92))
    _photo(env, serbian, a, jpeg(scene(7), 90), "other.jpg")  # a different photo: no evidence
    assert _flags(env) == []
    second = _photo(env, croatian, b, jpeg(img, 60, (700, 525)), "IMG_0001.jpg")

    flags = _flags(env)
    assert len(flags) == 1, flags
    flag = flags[0]
    assert (flag["consultation_id"], flag["earlier_id"]) == (b, a)
    assert flag["photo_distance"] <= 6
    assert [(e["later_attachment_id"], e["earlier_attachment_id"]) for e in flag["evidence"]["photos"]] == [
        (second["id"], first["id"])
    ]
    assert flag["later"]["requester_country"] == "HR" and flag["earlier"]["requester_country"] == "RS"
    # The same on the admin's view of either request.
    r = env.client.get(f"/api/v1/consultations/{a}/seen-before", headers=env.admin.headers)
    assert [f["id"] for f in r.json()] == [flag["id"]]

    # Need to know: before the link the Croatian official cannot read the Serbian case.
    assert desk.get(croatian, a).status_code == 404
    assert env.client.get(f"/api/v1/consultations/{b}/linked", headers=croatian.headers).json() == []
    assert env.client.get(f"/api/v1/consultations/{a}/linked", headers=croatian.headers).status_code == 404
    # Officials cannot decide, list or read the pairs.
    assert env.client.post(f"/api/v1/admin/seen-before/{flag['id']}/link", headers=croatian.headers).status_code == 403
    assert env.client.get(f"/api/v1/consultations/{b}/seen-before", headers=croatian.headers).status_code == 403

    r = env.client.post(
        f"/api/v1/admin/seen-before/{flag['id']}/link",
        json={"reason": "same icon photo"},
        headers=env.admin.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "linked"
    again = env.client.post(f"/api/v1/admin/seen-before/{flag['id']}/dismiss", headers=env.admin.headers)
    assert again.status_code == 409

    linked = env.client.get(f"/api/v1/consultations/{b}/linked", headers=croatian.headers).json()
    assert [(x["consultation_id"], x["title"], x["requester_name"], x["requester_country"]) for x in linked] == [
        (a, "Icon offered online", "Milica Jovanović", "RS")
    ]
    back = env.client.get(f"/api/v1/consultations/{a}/linked", headers=serbian.headers).json()
    assert [x["consultation_id"] for x in back] == [b]
    # The summary, not the case: the full request stays closed to the other official.
    assert desk.get(croatian, a).status_code == 404
    assert env.client.get(f"/api/v1/consultations/{a}/objects", headers=croatian.headers).status_code == 404

    # Audited: the flag (by the desk), the decision, and each linked summary shown.
    flagged = desk.audit("seen_before.flag")
    assert [(e.actor_id, e.detail["consultation_id"], e.detail["earlier_id"]) for e in flagged] == [(None, b, a)]
    decided = desk.audit("seen_before.link")
    assert [(e.actor_id, e.object_id, e.reason) for e in decided] == [
        (env.admin.id, str(flag["id"]), "same icon photo")
    ]
    shown = [e for e in desk.audit("consultation.read") if e.detail.get("part") == "linked summary"]
    assert {(e.actor_id, e.object_id) for e in shown} == {(croatian.id, str(a)), (serbian.id, str(b))}
    assert desk.audit("seen_before.list", actor_id=env.admin.id)
    timeline = [e["kind"] for e in desk.get(croatian, b, "/timeline").json()]
    assert "seen_before.link" in timeline


def test_same_official_is_not_flagged_and_dismiss_is_final(desk, env):
    official = desk.official()
    img = scene(3)
    one = desk.draft(official)["id"]
    two = desk.draft(official)["id"]
    _photo(env, official, one, jpeg(img))
    _photo(env, official, two, jpeg(img, 70))
    assert _flags(env) == []  # the same official sees both requests already

    other = desk.official(country="HR")
    three = desk.draft(other)["id"]
    _photo(env, other, three, jpeg(img, 80))
    flags = _flags(env)
    assert sorted((f["consultation_id"], f["earlier_id"]) for f in flags) == [(three, one), (three, two)]
    for f in flags:
        r = env.client.post(f"/api/v1/admin/seen-before/{f['id']}/dismiss", headers=env.admin.headers)
        assert r.status_code == 200 and r.json()["status"] == "dismissed"
    assert _flags(env) == []
    _photo(env, other, three, jpeg(img, 50))  # new evidence does not reopen a decided pair
    assert _flags(env) == [] and len(_flags(env, status="dismissed")) == 2
    assert env.client.get(f"/api/v1/consultations/{three}/linked", headers=other.headers).json() == []


TRAJAN = (
    "Coin; silver; denarius of Trajan, laureate head right, reverse Victory standing; 19 mm, 3.3 g; "
    "Roman Imperial, AD 103-111"
)
TRAJAN_AGAIN = "Silver denarius, Trajan, laureate head right, Victory on reverse, 19 mm, 3.3 g, Roman Empire 103-111 AD"
HADRIAN = (
    "Coin; silver; denarius of Hadrian, bare head right, reverse Pax standing; 18 mm, 3.1 g; Roman Imperial, AD 125-128"
)


def _cos(a, b):
    return float(np.dot(embed_query(a), embed_query(b)))


def test_the_text_threshold_between_a_rewording_and_another_coin():
    # The measurements behind SAME_TEXT_MIN_COSINE (objects/links.py).
    assert _cos(TRAJAN, TRAJAN_AGAIN) >= SAME_TEXT_MIN_COSINE > _cos(TRAJAN, HADRIAN)


def test_same_object_described_twice_is_flagged(desk, env):
    first, second, third = desk.official(), desk.official(country="HR"), desk.official(country="BA")
    a = desk.draft(first)["id"]
    b = desk.draft(second)["id"]
    c = desk.draft(third)["id"]
    for user, cid, text in ((first, a, TRAJAN), (third, c, HADRIAN), (second, b, TRAJAN_AGAIN)):
        r = env.client.post(f"/api/v1/consultations/{cid}/objects", json={"description": text}, headers=user.headers)
        assert r.status_code == 201, r.text
    flags = _flags(env)
    assert [(f["consultation_id"], f["earlier_id"]) for f in flags] == [(b, a)], flags
    assert flags[0]["text_similarity"] >= SAME_TEXT_MIN_COSINE and flags[0]["photo_distance"] is None
    evidence = flags[0]["evidence"]["objects"]
    assert len(evidence) == 1 and evidence[0]["similarity"] == flags[0]["text_similarity"]
