"""Directory search understands the query (issue 10): category names and vocabulary concepts in any
language and script find the experts who have them, through the HTTP API and the directory page."""

import json

import pytest

EXPERTS = [
    {
        "external_id": "N-1",
        "full_name": "Jelena Marić",
        "categories": ["numismatics"],
        "specialties": ["Roman Imperial coinage", "Trajan denarii"],
        "bio": "Curator of the coin cabinet.",
    },
    {
        "external_id": "N-2",
        "full_name": "Hans Kessler",
        "categories": ["numismatics"],
        "specialties": ["Münzen des Mittelalters"],
        "bio": "",
    },
    {
        "external_id": "N-3",
        "full_name": "Eleni Pappa",
        "categories": ["numismatics"],
        "specialties": ["Byzantine lead seals"],
        "bio": "",
    },
    {
        "external_id": "I-1",
        "full_name": "Irina Volkova",
        "categories": ["religious_art"],
        "specialties": ["Post-Byzantine icons", "icon covers (oklad)"],
        "bio": "",
    },
    {
        "external_id": "I-2",
        "full_name": "Јован Лазић",
        "categories": ["religious_art"],
        "specialties": ["српске иконе 17. века"],
        "bio": "",
    },
    {
        "external_id": "P-1",
        "full_name": "Heather Moss",
        "categories": ["palaeontology"],
        "specialties": ["Cretaceous dinosaur fossils"],
        "bio": "",
    },
    {
        "external_id": "P-2",
        "full_name": "Tomasz Nowicki",
        "categories": ["palaeontology"],
        "specialties": ["trilobites"],
        "bio": "",
    },
    {
        "external_id": "A-1",
        "full_name": "Marko Horvat",
        "categories": ["archaeology"],
        "specialties": ["Illyrian bronze"],
        "bio": "Field archaeologist.",
    },
    {
        "external_id": "X-1",
        "full_name": "Pending Coinman",
        "categories": ["numismatics"],
        "specialties": ["Roman coins"],
        "bio": "",
        "vetting_status": "pending",
    },
]
NUMISMATISTS = {"N-1", "N-2", "N-3"}
ICONS = {"I-1", "I-2"}
FOSSILS = {"P-1", "P-2"}


def _record(e: dict, i: int) -> dict:
    return {
        "email": f"hybrid{i}@museum.example",
        "organisation": "Museum",
        "org_type": "museum",
        "country": "RS",
        "coverage_countries": ["RS"],
        "languages": ["en"],
        "vetting_status": "approved",
        **e,
    }


@pytest.fixture
def directory(env, cli, tmp_path):
    path = tmp_path / "experts.jsonl"
    path.write_text("\n".join(json.dumps(_record(e, i), ensure_ascii=False) for i, e in enumerate(EXPERTS)), "utf-8")
    result = cli("experts", "import", str(path))
    assert result.exit_code == 0, result.output
    return env.member("le_official")


def _found(env, user, q, **params):
    r = env.client.get("/api/v1/experts/search", params={"q": q, **params}, headers=user.headers)
    assert r.status_code == 200, r.text
    return [item["external_id"] for item in r.json()["items"]]


@pytest.mark.parametrize(
    "q,expected",
    [
        ("икона", ICONS),
        ("иконе", ICONS),
        ("Ikonen", ICONS),
        ("icons", ICONS),
        ("нумизматика", NUMISMATISTS),
        ("numismatics", NUMISMATISTS),
        ("numismatcs", NUMISMATISTS),
        ("Münzen", NUMISMATISTS),
        ("sikkeler", NUMISMATISTS),
        ("кованице", NUMISMATISTS),
        ("paleontology", FOSSILS),
        ("палеонтология", FOSSILS),
        ("fosiller", FOSSILS),
    ],
)
def test_discipline_and_object_words_in_any_language(env, directory, q, expected):
    found = _found(env, directory, q)
    assert expected <= set(found), (q, found)
    assert not {"X-1"} & set(found)  # never an unapproved expert, whichever leg found it
    assert set(found[: len(expected)]) == expected, (q, found)  # the experts who have it come first


def test_roman_coins_in_russian_puts_the_roman_specialist_first(env, directory):
    found = _found(env, directory, "римские монеты")
    assert found[0] == "N-1"
    assert NUMISMATISTS <= set(found) and "X-1" not in found


def test_excluded_concepts_are_not_looked_up(env, directory):
    found = _found(env, directory, "not icons but coins")
    assert NUMISMATISTS <= set(found)
    assert not ICONS & set(found), found


def test_filters_apply_to_every_leg(env, directory):
    assert set(_found(env, directory, "нумизматика", category="religious_art")) == set()
    assert set(_found(env, directory, "икона", category="religious_art")) == ICONS


def test_experts_without_vectors_are_found_by_words_and_concepts(env, cli, tmp_path, monkeypatch):
    from expertnet.matching import embedder

    monkeypatch.setattr(embedder, "_disabled", True)  # the model is unavailable: no vector anywhere
    path = tmp_path / "experts.jsonl"
    path.write_text("\n".join(json.dumps(_record(e, i), ensure_ascii=False) for i, e in enumerate(EXPERTS)), "utf-8")
    assert cli("experts", "import", str(path)).exit_code == 0
    official = env.member("le_official")
    assert set(_found(env, official, "нумизматика")) == NUMISMATISTS
    assert set(_found(env, official, "икона")) == ICONS
    assert "N-1" in _found(env, official, "Trajan")


def test_the_directory_page_shows_the_same_experts(env, directory):
    from tests.web.conftest import Pages

    pages = Pages(env)
    pages.login(directory)
    for q in ("икона", "нумизматика", "paleontology"):
        html = pages.get("/directory", params={"q": q}).text
        api = _found(env, directory, q)
        names = {e["external_id"]: e["full_name"] for e in EXPERTS}
        for ext in api:
            assert names[ext] in html, (q, ext)
        assert "Pending Coinman" not in html
