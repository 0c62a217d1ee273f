"""The evaluation data is well-formed: it parses, imports through the CLI and its answer keys are
consistent with the directory. Quality figures are `make eval`'s business, never asserted here."""

import json
from pathlib import Path

import pytest

from bench.evaluate import SEARCH_PARAMS, constraint_violations

DATA = Path(__file__).resolve().parents[1] / "data"
HELDOUT = DATA / "routing_heldout"
SEARCH = DATA / "search_eval"
FILES = [HELDOUT / "experts.jsonl", HELDOUT / "requests.jsonl", SEARCH / "experts.jsonl", SEARCH / "queries.jsonl"]
FILTER_FIELD = {
    "category": "categories",
    "language": "languages",
    "country": "coverage_countries",
    "region": "regions",
    "org_type": "org_type",
    "available": "available",
}


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def experts_by_id(path: Path) -> dict[str, dict]:
    return {e["external_id"]: e for e in load(path)}


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_line_is_a_json_object(path):
    lines = path.read_text("utf-8").splitlines()
    assert lines, f"{path} is empty"
    for number, line in enumerate(lines, 1):
        assert line.strip(), f"{path.name} line {number}: blank line"
        assert isinstance(json.loads(line), dict), f"{path.name} line {number}: not an object"


@pytest.mark.parametrize("path", [HELDOUT / "experts.jsonl", SEARCH / "experts.jsonl"], ids=lambda p: p.parent.name)
def test_experts_import_cleanly_through_the_cli(cli, path):
    count = len(load(path))
    result = cli("experts", "import", str(path))
    assert result.exit_code == 0, result.output
    assert f"imported: {count} created" in result.output, result.output
    assert all(e["email"].endswith(".example.org") for e in load(path))


def test_heldout_requests_are_valid_route_input():
    from expertnet.consultations.cli import parse_line

    lines = [line for line in (HELDOUT / "requests.jsonl").read_text("utf-8").splitlines() if line.strip()]
    ids = [json.loads(line)["external_id"] for line in lines]
    assert len(ids) == len(set(ids))
    for line in lines:
        request, error = parse_line(line)
        assert error is None, error


def test_heldout_answer_keys_name_existing_experts_who_meet_the_hard_constraints():
    experts = experts_by_id(HELDOUT / "experts.jsonl")
    for request in load(HELDOUT / "requests.jsonl"):
        rid = request["external_id"]
        assert request["expected"], rid
        assert set(request["expected"]) <= set(request["acceptable"]), rid
        for expert_id in request["acceptable"]:
            assert expert_id in experts, (rid, expert_id)
        for expert_id in request["expected"]:
            expert = experts[expert_id]
            assert not constraint_violations(expert, request), (rid, expert_id, constraint_violations(expert, request))
            misleading = "misleading_category" in request.get("traps", [])
            if request["category"]:
                # A misleading category is one the right expert does not hold; any other given category, they do.
                assert (request["category"] in expert["categories"]) != misleading, (
                    rid,
                    expert_id,
                    request["category"],
                )
        assert request.get("why"), rid


def test_heldout_set_covers_what_it_claims():
    experts = load(HELDOUT / "experts.jsonl")
    requests = load(HELDOUT / "requests.jsonl")
    assert 250 <= len(experts) <= 350
    assert len(requests) >= 80
    languages = {r["text_language"] for r in requests}
    assert len(languages) >= 30
    assert {"sr-Cyrl", "sr-Latn", "kk-Cyrl", "kk-Latn", "uz-Latn", "uz-Cyrl"} <= languages
    traps = {t.split(":")[0] for r in requests for t in r.get("traps", [])}
    assert {
        "indirect",
        "typo",
        "negation",
        "misleading_category",
        "no_category",
        "market_ties",
        "language",
        "unavailable",
        "pending",
        "suspended",
        "capacity",
    } <= traps
    assert sum(r["category"] is None for r in requests) >= 10
    assert sum(r["exclude_market_ties"] for r in requests) >= 8


def test_search_queries_name_visible_experts_who_pass_their_filters():
    from expertnet.search.controllers import parse_params
    from expertnet.search.schemas import ExpertSearchIn

    experts = experts_by_id(SEARCH / "experts.jsonl")
    queries = load(SEARCH / "queries.jsonl")
    assert len({q["id"] for q in queries}) == len(queries)
    for query in queries:
        qid = query["id"]
        assert query["split"] in {"dev", "heldout"}, qid
        assert set(query["filters"]) <= set(SEARCH_PARAMS), qid
        parse_params(ExpertSearchIn, q=query["q"], **{SEARCH_PARAMS[k]: v for k, v in query["filters"].items()})
        assert 1 <= len(query["must_find"]) <= 20, qid
        assert len(query["must_find"]) == len(set(query["must_find"])), qid
        assert 1 <= len(query["best"]) <= 5 and set(query["best"]) <= set(query["must_find"]), qid
        for expert_id in query["must_find"]:
            expert = experts[expert_id]
            # An official sees approved experts only; a key naming anyone else could never be met.
            assert expert["vetting_status"] == "approved", (qid, expert_id)
            for name, values in query["filters"].items():
                have = expert.get(FILTER_FIELD[name], [])
                have = have if isinstance(have, list) else [have]
                assert set(values if isinstance(values, list) else [values]) & set(have), (qid, expert_id, name)
        assert query.get("why"), qid


def test_search_set_covers_what_it_claims():
    queries = load(SEARCH / "queries.jsonl")
    for split in ("dev", "heldout"):
        assert sum(q["split"] == split for q in queries) >= 40, split
    languages = {q["text_language"] for q in queries}
    assert len(languages) >= 20
    assert {"sr-Cyrl", "sr-Latn"} <= {q["text_language"] for q in queries if q["split"] == "heldout"}
    assert 250 <= len(load(SEARCH / "experts.jsonl")) <= 350


def test_the_sets_share_no_expert():
    tuning = load(DATA / "routing_eval" / "experts.jsonl")
    sets = [tuning, load(HELDOUT / "experts.jsonl"), load(SEARCH / "experts.jsonl")]
    for i, first in enumerate(sets):
        for second in sets[i + 1 :]:
            assert not {e["external_id"] for e in first} & {e["external_id"] for e in second}
            assert not {e["email"].lower() for e in first} & {e["email"].lower() for e in second}
