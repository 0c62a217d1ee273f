"""Meilisearch request building without a server: settings from search/*.json, filter strings,
request parameters, documents and highlights."""

import json

import pytest

from expertnet.search import Range, SearchAuthorizationError, SearchQuery
from expertnet.search.backend import Synonyms, WordMatcher, plan_text
from expertnet.search.definitions import load_definition, settings_for_meili
from expertnet.search.meili_backend import (
    POST_TAG,
    PRE_TAG,
    build_filter,
    build_search_params,
    escape_value,
    highlights_from,
    to_meili,
)

EXPERTS = load_definition("experts")
CONSULTATIONS = load_definition("consultations")


# --- settings -----------------------------------------------------------------------------------


def test_expert_settings_come_from_the_definition_file():
    s = settings_for_meili(EXPERTS, {"Монета": ["Coin", "coins"], "İznik": ["Iznik ware"]})
    assert s["searchableAttributes"] == [
        "full_name",
        "full_name__folded",
        "specialties",
        "specialties__folded",
        "organisation",
        "organisation__folded",
        "bio",
        "bio__folded",
    ]
    filterable = {name for entry in s["filterableAttributes"] for name in entry["attributePatterns"]}
    assert {
        "categories",
        "languages",
        "coverage_countries",
        "regions",
        "org_type",
        "available",
        "vetting_status",
        "vetted_until",
        "id",
    } <= filterable
    assert not filterable & {"full_name", "bio", "specialties", "organisation"}
    comparison = {
        name
        for entry in s["filterableAttributes"]
        if entry["features"]["filter"]["comparison"]
        for name in entry["attributePatterns"]
    }
    assert comparison == {
        "vetted_until",
        "away_until",
        "open_consultations",
        "max_open_consultations",
        "member_id",
        "responsiveness",
        "updated_at",
    }
    assert s["sortableAttributes"] == [
        "full_name__sort",
        "updated_at",
        "vetted_until",
        "responsiveness",
        "open_consultations",
    ]
    # Meilisearch 1.21 (the version CI runs and compose.yaml pins) refuses attributeRank/wordPosition.
    assert s["rankingRules"] == ["words", "typo", "proximity", "attribute", "sort", "exactness"]
    assert s["embedders"] == {"expertnet": {"source": "userProvided", "dimensions": 512}}
    assert s["typoTolerance"]["minWordSizeForTypos"] == {"oneTypo": 5, "twoTypos": 9}
    assert s["pagination"] == {"maxTotalHits": 10000}
    assert s["faceting"]["maxValuesPerFacet"] == 300
    assert s["synonyms"] == {"moneta": ["coin", "coins"], "iznik": ["iznik ware"]}
    assert s["displayedAttributes"] == list(EXPERTS.fields)
    json.dumps(s)


def test_consultation_settings_filter_on_acl():
    s = settings_for_meili(CONSULTATIONS, None)
    filterable = {name for entry in s["filterableAttributes"] for name in entry["attributePatterns"]}
    assert "acl" in filterable
    assert s["searchableAttributes"] == ["title", "title__folded", "description", "description__folded"]
    assert s["synonyms"] == {}
    assert s["pagination"]["maxTotalHits"] == 10000
    assert "acl" not in CONSULTATIONS.filterable  # never filterable by callers, only via SearchQuery.acl


def test_definition_and_derived_attribute_names():
    assert EXPERTS.searchable == ("full_name", "specialties", "organisation", "bio")
    assert set(EXPERTS.facets) <= set(EXPERTS.filterable)
    assert EXPERTS.acl_field is None and CONSULTATIONS.acl_field == "acl"


# --- filter strings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value,literal",
    [
        ("en", '"en"'),
        ('en" OR acl = "role:admin', '"en\\" OR acl = \\"role:admin"'),
        ("a\\", '"a\\\\"'),
        ('a\\" OR 1=1', '"a\\\\\\" OR 1=1"'),
        ("x\nOR y = 1", '"x\nOR y = 1"'),
        ("OR", '"OR"'),
        ("", '""'),
    ],
)
def test_escape_value(value, literal):
    assert escape_value(value) == literal


def test_filters_are_an_array_of_quoted_clauses():
    q = SearchQuery(
        filters={"languages": ["en", "fr"], "categories": ["numismatics"], "available": [True], "member_id": ["12"]},
        ranges=[
            Range("vetted_until", gte=1_800_000_000, or_values=[0]),
            Range("responsiveness", gt=0.2, lt=0.6),
            Range("open_consultations", gt=1.5),
        ],
    )
    assert build_filter(EXPERTS, q) == [
        '(languages = "en" OR languages = "fr")',
        'categories = "numismatics"',
        "available = true",
        "member_id = 12",
        "(vetted_until >= 1800000000 OR vetted_until = 0)",
        "responsiveness > 0.2",
        "responsiveness < 0.6",
        "open_consultations >= 2",
    ]


def test_hostile_filter_values_stay_inside_their_quotes():
    q = SearchQuery(
        filters={
            "languages": [
                'en" OR acl = "role:admin',
                "en\\",
                'x\\" OR vetting_status = "approved',
                "en\nOR available = true",
            ]
        }
    )
    assert build_filter(EXPERTS, q) == [
        '(languages = "en\\" OR acl = \\"role:admin" OR languages = "en\\\\" OR '
        'languages = "x\\\\\\" OR vetting_status = \\"approved" OR languages = "en\nOR available = true")'
    ]


def test_bounded_range_and_integer_bounds():
    assert build_filter(EXPERTS, SearchQuery(ranges=[Range("vetted_until", gt=5, lte=10.7)])) == [
        "vetted_until >= 6",
        "vetted_until <= 10",
    ]
    assert build_filter(EXPERTS, SearchQuery(ranges=[Range("updated_at", gte=1, lt=3, or_values=[0, 7])])) == [
        "((updated_at >= 1 AND updated_at <= 2) OR updated_at = 0 OR updated_at = 7)"
    ]


@pytest.mark.parametrize(
    "query",
    [
        SearchQuery(filters={"nope": ["x"]}),
        SearchQuery(filters={"bio": ["x"]}),
        SearchQuery(filters={"languages = 'en' OR acl": ["x"]}),
        SearchQuery(filters={"available": ["yes"]}),
        SearchQuery(filters={"member_id": ["1 OR 1"]}),
        SearchQuery(filters={"responsiveness": [float("nan")]}),
        SearchQuery(ranges=[Range("bio", gte=1)]),
        SearchQuery(ranges=[Range("vetted_until", gte=float("inf"))]),
        SearchQuery(ranges=[Range("vetted_until", gte="1 OR 1")]),
        SearchQuery(facets=["bio"]),
        SearchQuery(sort=[("bio", "asc")]),
        SearchQuery(sort=[("updated_at", "asc; DROP")]),
        SearchQuery(acl=["member:1"]),
    ],
)
def test_unknown_or_malformed_attributes_are_rejected(query):
    with pytest.raises(ValueError):
        build_filter(EXPERTS, query)


def test_acl_clause_always_present_for_consultations():
    with pytest.raises(SearchAuthorizationError):
        build_filter(CONSULTATIONS, SearchQuery())
    with pytest.raises(SearchAuthorizationError):
        build_filter(CONSULTATIONS, SearchQuery(text="x", filters={"status": ["submitted"]}))
    with pytest.raises(ValueError):
        build_filter(CONSULTATIONS, SearchQuery(acl=["member:3"], filters={"acl": ["role:admin"]}))
    for q in [
        SearchQuery(acl=["member:3"]),
        SearchQuery(acl=["member:3"], text='acl:* " OR 1=1'),
        SearchQuery(acl=["member:3"], filters={"status": ['submitted" OR acl = "role:admin']}),
        SearchQuery(acl=["member:3", 'role:admin" OR "1" = "1']),
        SearchQuery(acl=["member:3"], system=True),
    ]:
        clauses = build_filter(CONSULTATIONS, q)
        assert clauses[0] == "acl IN [" + ", ".join(escape_value(p) for p in q.acl) + "]"
        assert all(not c.startswith("acl") for c in clauses[1:])
        assert build_search_params(CONSULTATIONS, q)["filter"] == clauses
    assert build_filter(CONSULTATIONS, SearchQuery(acl=['member:3" OR "1" = "1'])) == [
        'acl IN ["member:3\\" OR \\"1\\" = \\"1"]'
    ]
    assert build_filter(CONSULTATIONS, SearchQuery(system=True)) == []


# --- request parameters -------------------------------------------------------------------------


def test_limits_are_capped_and_pages_exact():
    p = build_search_params(EXPERTS, SearchQuery(limit=1000))
    assert (p["page"], p["hitsPerPage"]) == (1, 100)
    p = build_search_params(EXPERTS, SearchQuery(offset=40, limit=20))
    assert (p["page"], p["hitsPerPage"]) == (3, 20)
    p = build_search_params(EXPERTS, SearchQuery(offset=3, limit=5))
    assert (p["page"], p["hitsPerPage"]) == (1, 8)  # fetched from the start, 3 skipped
    p = build_search_params(EXPERTS, SearchQuery(offset=9990, limit=100))
    assert (p["page"], p["hitsPerPage"]) == (1000, 10)  # maxTotalHits is the end of the window
    p = build_search_params(EXPERTS, SearchQuery(offset=20000, limit=10))
    assert p["hitsPerPage"] == 0
    p = build_search_params(EXPERTS, SearchQuery(limit=0, facets=["languages"]))
    assert p["hitsPerPage"] == 0 and p["facets"] == ["languages"]
    for bad in (SearchQuery(limit=-1), SearchQuery(offset=-5)):
        with pytest.raises(ValueError):
            build_search_params(EXPERTS, bad)


@pytest.mark.parametrize(
    "text,q",
    [
        ("Петровић", "petrovic"),
        ("İstanbul ", "istanbul "),
        ('acl:* " OR 1=1', "acl or 1 "),
        ('"roman coins" -fake', "roman coins fake"),
        ("*", ""),
        ("\\", ""),
    ],
)
def test_query_text_reaches_the_engine_as_folded_words_only(text, q):
    assert build_search_params(EXPERTS, SearchQuery(text=text))["q"] == q


def test_search_params():
    p = build_search_params(
        EXPERTS,
        SearchQuery(text="coins", facets=["languages", "categories"], sort=[("full_name", "asc")], matching="any"),
    )
    assert p["matchingStrategy"] == "frequency"
    assert p["facets"] == ["languages", "categories"]
    assert p["sort"] == ["full_name__sort:asc"]
    assert p["showRankingScore"] is True
    assert p["attributesToRetrieve"] == list(EXPERTS.fields)
    assert p["attributesToHighlight"] == ["full_name", "organisation", "specialties", "bio"]
    assert (p["highlightPreTag"], p["highlightPostTag"]) == (PRE_TAG, POST_TAG)
    assert p["attributesToCrop"] == ["bio"]
    assert build_search_params(EXPERTS, SearchQuery(text="coins"))["matchingStrategy"] == "all"
    plain = build_search_params(EXPERTS, SearchQuery())
    assert "attributesToHighlight" not in plain and plain["q"] == ""
    assert "attributesToHighlight" not in build_search_params(EXPERTS, SearchQuery(text="x", highlight=False))
    json.dumps(p)


# --- documents and highlights -------------------------------------------------------------------


def test_documents_get_folded_copies_for_non_ascii_text():
    doc = {
        "id": "e1",
        "full_name": "Јелена Петровић",
        "organisation": "British Museum",
        "specialties": ["Old Believer icons", "İznik ceramics"],
        "bio": f"x{PRE_TAG}y{POST_TAG}",
    }
    out = to_meili(EXPERTS, doc)
    assert out["full_name__folded"] == "jelena petrovic"
    assert out["full_name__sort"] == "jelena petrovic"
    assert out["specialties__folded"] == ["old believer icons", "iznik ceramics"]
    assert "organisation__folded" not in out
    assert out["bio"] == "xy"  # highlight tags cannot be forged from a document


def test_highlights_are_escaped_with_marks_restored():
    doc = {
        "id": "e1",
        "full_name": "Јелена Петровић",
        "bio": "<script>x</script> Roman coins",
        "specialties": ["Roman coins", "seals"],
    }
    formatted = {
        "full_name": "Јелена Петровић",
        "bio": f"<script>x</script> Roman {PRE_TAG}coins{POST_TAG}",
        "specialties": [f"Roman {PRE_TAG}coins{POST_TAG}", "seals"],
    }
    matcher = WordMatcher(plan_text("petrovic coins", Synonyms(None)))
    out = highlights_from(EXPERTS, doc, formatted, matcher)
    assert out["bio"] == "&lt;script&gt;x&lt;/script&gt; Roman <mark>coins</mark>"
    assert out["specialties"] == "Roman <mark>coins</mark>; seals"
    # Meilisearch matched the folded copy: the original is marked by the shared highlighter
    assert out["full_name"] == "Јелена <mark>Петровић</mark>"


def test_a_typo_match_marks_the_whole_word():
    # Meilisearch 1.21 marks only as many characters as the query word had: "numismatcs" (typo)
    # came back as <mark>numismatic</mark>s. The contract marks whole words on both engines.
    doc = {"id": "e1", "bio": "Roman numismatics and coins", "specialties": ["Roman Imperial numismatics"]}
    formatted = {
        "bio": f"Roman {PRE_TAG}numismatic{POST_TAG}s and {PRE_TAG}coin{POST_TAG}s",
        "specialties": [f"Roman Imperial {PRE_TAG}numismatic{POST_TAG}s"],
    }
    matcher = WordMatcher(plan_text("numismatcs coin", Synonyms(None)))
    out = highlights_from(EXPERTS, doc, formatted, matcher)
    assert out["bio"] == "Roman <mark>numismatics</mark> and <mark>coins</mark>"
    assert out["specialties"] == "Roman Imperial <mark>numismatics</mark>"
