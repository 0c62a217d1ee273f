"""Objects of a consultation through the API: the requesting official adds, edits and removes them
while the request is open; the assigned expert and admins read them; anyone else gets 404; every
read is in the audit log."""

import io

from tests.consultations.test_attachments import JPEG, PDF_BYTES

DENARIUS = {
    "object_type": "coin",
    "materials_techniques": "silver, struck",
    "measurements": "19 mm, 3.3 g",
    "inscriptions_markings": "IMP TRAIANO AVG GER DAC",
    "title": "Denarius of Trajan",
    "date_period": "Roman Imperial, AD 103-111",
    "quantity": 12,
    "reference": "EXH-2026-0042",
}


def objects_url(cid, suffix=""):
    return f"/api/v1/consultations/{cid}/objects{suffix}"


def test_official_adds_edits_and_removes_objects(desk, env):
    official = desk.official()
    cid = desk.draft(official)["id"]
    photo = env.client.post(
        f"/api/v1/consultations/{cid}/attachments",
        files={"file": ("coin.jpg", io.BytesIO(JPEG), "image/jpeg")},
        headers=official.headers,
    ).json()
    r = env.client.post(
        objects_url(cid), json={**DENARIUS, "photo_attachment_ids": [photo["id"]]}, headers=official.headers
    )
    assert r.status_code == 201, r.text
    coin = r.json()
    assert coin["quantity"] == 12 and coin["photo_attachment_ids"] == [photo["id"]] and coin["lot_id"] is None
    # The quickest form: one line of free text is enough.
    r = env.client.post(objects_url(cid), json={"description": "a small bronze figure"}, headers=official.headers)
    assert r.status_code == 201, r.text
    figure = r.json()
    assert figure["position"] == coin["position"] + 1 and figure["quantity"] == 1

    listed = env.client.get(objects_url(cid), headers=official.headers).json()
    assert [o["id"] for o in listed] == [coin["id"], figure["id"]]

    r = env.client.patch(
        objects_url(cid, f"/{coin['id']}"),
        json={"version": coin["version"], "maker": "Rome mint", "photo_attachment_ids": []},
        headers=official.headers,
    )
    assert r.status_code == 200, r.text
    assert r.json()["maker"] == "Rome mint" and r.json()["photo_attachment_ids"] == []
    stale = env.client.patch(
        objects_url(cid, f"/{coin['id']}"), json={"version": coin["version"], "maker": "x"}, headers=official.headers
    )
    assert stale.status_code == 409

    assert env.client.delete(objects_url(cid, f"/{figure['id']}"), headers=official.headers).status_code == 204
    assert [o["id"] for o in env.client.get(objects_url(cid), headers=official.headers).json()] == [coin["id"]]
    timeline = [e["kind"] for e in desk.get(official, cid, "/timeline").json()]
    assert {"objects.add", "objects.update", "objects.remove"} <= set(timeline)


def test_bad_objects_are_refused_naming_the_field(desk, env):
    official = desk.official()
    cid = desk.draft(official)["id"]
    pdf = env.client.post(
        f"/api/v1/consultations/{cid}/attachments",
        files={"file": ("report.pdf", io.BytesIO(PDF_BYTES), "application/pdf")},
        headers=official.headers,
    ).json()
    cases = [
        ({"reference": "only a reference"}, "describe the object"),
        ({"object_type": "coin", "quantity": 0}, "quantity"),
        ({"object_type": "x" * 201}, "object_type"),
        ({"object_type": "coin", "photo_attachment_ids": [pdf["id"]]}, "is not a photo of this consultation"),
        ({"object_type": "coin", "role": "admin"}, "role"),
    ]
    for body, expected in cases:
        r = env.client.post(objects_url(cid), json=body, headers=official.headers)
        assert r.status_code == 400, (body, r.text)
        assert expected in r.text, (body, r.text)
    assert env.client.get(objects_url(cid), headers=official.headers).json() == []


def test_who_may_read_and_change_objects(desk, env):
    official = desk.official()
    other_official = desk.official(country="HR")
    expert = desk.expert()
    outsider_expert = desk.expert(categories=("manuscripts",), specialties=("medieval charters",))
    admin = env.admin
    cid = desk.draft(official, category="numismatics")["id"]
    coin = env.client.post(objects_url(cid), json=DENARIUS, headers=official.headers).json()

    # Another official: neither reads nor changes (404, the denial audited).
    assert env.client.get(objects_url(cid), headers=other_official.headers).status_code == 404
    assert env.client.post(objects_url(cid), json=DENARIUS, headers=other_official.headers).status_code == 404
    assert (
        env.client.patch(
            objects_url(cid, f"/{coin['id']}"), json={"version": 1, "maker": "x"}, headers=other_official.headers
        ).status_code
        == 404
    )
    assert env.client.delete(objects_url(cid, f"/{coin['id']}"), headers=other_official.headers).status_code == 404
    denied = desk.audit("consultation.denied", actor_id=other_official.id)
    assert {e.detail["action"] for e in denied} >= {"objects", "objects.add", "objects.update", "objects.remove"}
    # An object id of another consultation is not found through this one.
    own_cid = desk.draft(other_official)["id"]
    assert env.client.delete(objects_url(own_cid, f"/{coin['id']}"), headers=other_official.headers).status_code == 404

    # Experts: only the assigned one reads, nobody but the official writes (the route is for officials).
    assert env.client.get(objects_url(cid), headers=expert.headers).status_code == 404
    desk.submit(official, cid)
    offer = desk.offer_of(expert, cid)
    assert env.client.get(objects_url(cid), headers=expert.headers).status_code == 404  # offered, not assigned
    assert env.client.post(f"/api/v1/offers/{offer['id']}/accept", headers=expert.headers).status_code == 200
    r = env.client.get(objects_url(cid), headers=expert.headers, params={"reason": "identify the coins"})
    assert r.status_code == 200 and r.json()[0]["reference"] == "EXH-2026-0042"
    assert env.client.get(objects_url(cid), headers=outsider_expert.headers).status_code == 404
    assert env.client.post(objects_url(cid), json=DENARIUS, headers=expert.headers).status_code == 403

    # Admins read; every read is audited as a read of case data, with the reason given.
    assert env.client.get(objects_url(cid), headers=admin.headers).status_code == 200
    reads = [e for e in desk.audit("consultation.read") if e.detail.get("part") == "objects"]
    assert {e.actor_id for e in reads} == {expert.id, admin.id}
    assert any(e.reason == "identify the coins" for e in reads)

    # Closed: the objects no longer change.
    r = env.client.post(f"/api/v1/consultations/{cid}/withdraw", json={}, headers=official.headers)
    assert r.status_code == 200, r.text
    r = env.client.post(objects_url(cid), json=DENARIUS, headers=official.headers)
    assert r.status_code == 409
