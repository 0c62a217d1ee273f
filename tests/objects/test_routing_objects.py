"""Routing reads the objects: a request whose text is vague but whose object says "denarius,
silver, Roman Imperial" reaches the numismatist, on the desk and through `expertnet route`."""

import json

VAGUE = {
    "title": "Item found in a car",
    "description": "Border police found this item in a car at the crossing. What is it, and should we hold it?",
}
DENARIUS = {"object_type": "denarius", "materials_techniques": "silver", "date_period": "Roman Imperial"}


def _directory(desk):
    numismatist = desk.expert(categories=("numismatics",), specialties=("Roman Imperial coinage",))
    icons = desk.expert(categories=("religious_art",), specialties=("Byzantine and Serbian icons",))
    return numismatist, icons


def _candidates(desk, official, cid):
    r = desk.get(official, cid, "/candidates")
    assert r.status_code == 200, r.text
    return r.json()


def test_the_object_fields_route_a_vague_request_to_the_numismatist(desk, env):
    numismatist, icons = _directory(desk)
    official = desk.official()
    draft = desk.draft(official, **VAGUE)
    assert draft["inferred_category"] != "numismatics"
    before = _candidates(desk, official, draft["id"])
    # Control: the words of the request alone say nothing of coins.
    assert not any("numismatics" in reason for c in before for reason in c["reasons"])

    r = env.client.post(f"/api/v1/consultations/{draft['id']}/objects", json=DENARIUS, headers=official.headers)
    assert r.status_code == 201, r.text
    after = _candidates(desk, official, draft["id"])
    assert after[0]["expert_id"] == numismatist.extra["expert_id"], after
    assert "category: numismatics" in after[0]["reasons"]
    assert desk.get(official, draft["id"]).json()["inferred_category"] == "numismatics"

    # Submitting offers it to the numismatist first.
    submitted = desk.submit(official, draft["id"], offer_count=1)
    assert [o["expert_id"] for o in submitted["offers"]] == [numismatist.extra["expert_id"]]


def test_route_command_takes_optional_objects(desk, cli):
    numismatist, _ = _directory(desk)
    base = {"location_country": "RS", "languages": ["sr", "en"], **VAGUE}
    lines = [
        json.dumps({"external_id": "R-1", **base}),
        json.dumps({"external_id": "R-2", **base, "objects": [DENARIUS]}),
        json.dumps({"external_id": "R-3", **base, "objects": [{"object_type": "x" * 201}]}),
    ]
    result = cli("route", "--top", "1", input="\n".join(lines) + "\n")
    out = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    by_id = {o["external_id"]: o for o in out}
    assert not any("numismatics" in r for c in by_id["R-1"]["candidates"] for r in c["reasons"])
    assert by_id["R-2"]["candidates"][0]["external_id"] == numismatist.extra["external_id"]
    assert "objects.object_type" in by_id["R-3"]["error"]
    assert result.exit_code == 1
