"""Consultations are searchable only within the reader's rights (requester, offered/assigned expert, admin)."""

COIN_EXPERT = {
    "categories": ["numismatics"],
    "specialties": ["Roman Imperial coinage", "Roman denarii"],
    "bio": "Numismatist, Roman coins.",
}


def _file(env, official, title, description):
    r = env.client.post(
        "/api/v1/consultations/",
        json={
            "title": title,
            "description": description,
            "category": "numismatics",
            "location_country": "RS",
            "languages": ["sr", "en"],
            "urgency": "urgent",
        },
        headers=official.headers,
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _search(env, user, **params):
    r = env.client.get("/api/v1/consultations/search", params=params, headers=user.headers)
    assert r.status_code == 200, r.text
    return sorted(item["id"] for item in r.json()["items"])


def test_each_reader_sees_only_their_consultations(env):
    alice = env.member("le_official")
    bob = env.member("le_official")
    expert = env.member("expert", expert=COIN_EXPERT)
    outsider = env.member(
        "expert", expert={"categories": ["palaeontology"], "specialties": ["Dinosaur fossils"]}, languages=["de"]
    )
    a1 = _file(env, alice, "Silver denarii detained at Batrovci", "Fourteen silver coins, possibly Roman denarii.")
    b1 = _file(env, bob, "Denarii offered online", "A seller offers Roman denarii on a marketplace.")

    assert _search(env, alice, q="denarii") == [a1]
    assert _search(env, bob, q="denarii") == [b1]
    assert _search(env, env.admin, q="denarii") == [a1, b1]
    assert _search(env, expert, q="denarii") == []  # drafts are offered to nobody yet

    r = env.client.post(f"/api/v1/consultations/{a1}/submit", headers=alice.headers)
    assert r.status_code == 200, r.text
    assert _search(env, expert, q="denarii") == [a1]
    assert _search(env, outsider, q="denarii") == []
    # Hostile text never widens the acl.
    for hostile in ["acl:*", '" OR 1=1', "\\", "*", "role:admin", "member:1 OR denarii"]:
        assert b1 not in _search(env, alice, q=hostile), hostile
        assert _search(env, outsider, q=hostile) == [], hostile


def test_status_filter_and_bad_input(env):
    alice = env.member("le_official")
    a1 = _file(env, alice, "Icon seized", "Orthodox icon, 17th century?")
    assert _search(env, alice, status="draft") == [a1]
    assert _search(env, alice, status="closed") == []
    r = env.client.get("/api/v1/consultations/search", params={"category": "astrology"}, headers=alice.headers)
    assert r.status_code == 400 and "category" in r.text
    assert env.client.get("/api/v1/consultations/search").status_code == 401
