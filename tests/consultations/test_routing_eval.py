"""Routing evaluation: every request of tests/data/routing_eval/requests.jsonl through the real
`rank_candidates` against tests/data/routing_eval/experts.jsonl, imported with the real importer.

top-1: the first candidate is the request's `expected` expert.
top-3: one of the first three candidates is in the request's `acceptable` list.
Hard constraints are checked on every returned candidate, independently of the routing code, from
the directory file itself. The data set is never adjusted to the engine.

It runs on both engines: on the Meilisearch leg the directory reaches Meilisearch through the
outbox, an embedded Tantivy index is rebuilt from the same database, and both must give the same
top candidates for every request.
"""

import json
from dataclasses import replace
from pathlib import Path

import pytest

from expertnet.consultations import routing
from expertnet.consultations.cli import parse_line
from expertnet.db import Database
from expertnet.search.indexer import get_search, rebuild_experts

from tests.conftest import run_async
from tests.consultations.routing_helpers import import_directory
from tests.search import meili

DATA = Path(__file__).resolve().parents[1] / "data" / "routing_eval"
TOP1_TARGET = 0.9


def _load():
    experts = [json.loads(line) for line in (DATA / "experts.jsonl").read_text("utf-8").splitlines() if line.strip()]
    lines = [line for line in (DATA / "requests.jsonl").read_text("utf-8").splitlines() if line.strip()]
    return experts, lines


def _violations(expert: dict, request: dict) -> list[str]:
    """The hard constraints, restated from DESIGN.md over the interchange records."""
    problems = []
    if expert.get("vetting_status", "pending") != "approved":
        problems.append("not approved")
    if not expert.get("available", True):
        problems.append("not available")
    if expert.get("max_open_consultations", 3) <= 0:
        problems.append("no capacity")
    if not set(expert["languages"]) & set(request["languages"]):
        problems.append("no shared language")
    if request.get("exclude_market_ties") and expert.get("market_ties"):
        problems.append("market ties")
    return problems


@pytest.fixture(params=["tantivy", "meili"])
def engine(request) -> str:
    return request.param


@pytest.fixture
def settings(settings, engine, request):
    return meili.on_meili(settings, request) if engine == "meili" else settings


def _route_all(env, search_settings, lines):
    async def route_all(session):
        results = []
        for line in lines:
            request, error = parse_line(line)
            assert error is None, error
            raw = json.loads(line)
            spec = routing.RoutingSpec(
                title=request.title,
                description=request.description,
                category=request.category,
                location_country=request.location_country,
                object_origin_country=request.object_origin_country,
                languages=list(request.languages),
                urgency=request.urgency,
                exclude_market_ties=request.exclude_market_ties,
            )
            top3 = await routing.rank_candidates(session, get_search(search_settings), spec, top=3)
            wide = await routing.rank_candidates(session, get_search(search_settings), spec, top=50)
            results.append((raw, top3, wide))
        return results

    return env.db_run(route_all)


def _rebuild_tantivy(settings) -> None:
    async def go():
        db = Database(settings)
        try:
            await rebuild_experts(db)
        finally:
            await db.dispose()

    run_async(go())


@pytest.mark.skipif(not (DATA / "requests.jsonl").exists(), reason="routing evaluation set not present")
def test_routing_evaluation(env, engine):
    experts, lines = _load()
    import_directory(env, experts)
    by_external = {e["external_id"]: e for e in experts}
    results = _route_all(env, env.settings, lines)
    if engine == "meili":
        embedded = replace(env.settings, meili_url=None, meili_key=None, meili_index_prefix="")
        _rebuild_tantivy(embedded)
        on_tantivy = {
            raw["external_id"]: [c.external_id for c in top3] for raw, top3, _ in _route_all(env, embedded, lines)
        }
        differ = [
            (raw, [c.external_id for c in top3], on_tantivy[raw["external_id"]])
            for raw, top3, _ in results
            if [c.external_id for c in top3] != on_tantivy[raw["external_id"]]
        ]
        shown = [(raw["external_id"], meili, tantivy) for raw, meili, tantivy in differ]
        # The engines must agree on who is offered first and on every request's outcome; below the
        # first place their lexical matching of unknown words (typo tolerance, tokenising) may
        # order a near-tie differently, in a small share of requests (2 of 119 when this was written).
        first = [d for d in shown if d[1][:1] != d[2][:1]]
        assert not first, f"first candidates differ (request, Meilisearch, Tantivy): {first}"
        outcome = [
            raw["external_id"]
            for raw, meili, tantivy in differ
            if any(e in raw["acceptable"] for e in meili) != any(e in raw["acceptable"] for e in tantivy)
        ]
        assert not outcome, f"top-3 outcome differs between the engines: {outcome}; {shown}"
        print(f"\nranks 2-3 differ between the engines for {len(differ)} of {len(results)} requests: {shown}")
        assert len(differ) <= 0.03 * len(results), f"ranks 2-3 differ too often: {shown}"
    top1 = top3_hits = 0
    misses = []
    broken = []
    for raw, top3, wide in results:
        got = [c.external_id for c in top3]
        # Stopping early on the score bound must not change the answer.
        assert got == [c.external_id for c in wide][:3], raw["external_id"]
        for c in wide:
            problems = _violations(by_external[c.external_id], raw)
            if problems:
                broken.append((raw["external_id"], c.external_id, problems))
        assert all(c.reasons for c in top3) and all(0 <= c.score <= 1 for c in top3)
        hit1 = bool(got) and got[0] in raw["expected"]
        hit3 = any(e in raw["acceptable"] for e in got[:3])
        top1 += hit1
        top3_hits += hit3
        if not hit1:
            misses.append(
                f"  {raw['external_id']}: got {got} expected {raw['expected']} acceptable {raw['acceptable']}"
                f"\n      {[(c.external_id, c.score, c.reasons) for c in top3]}\n      why: {raw.get('why', '')}"
            )
    n = len(results)
    print(
        f"\nrouting evaluation: {n} requests, top-1 {top1}/{n} = {top1 / n:.3f}, top-3 {top3_hits}/{n} = {top3_hits / n:.3f}"
    )
    if misses:
        print("top-1 misses:\n" + "\n".join(misses))
    assert not broken, broken
    assert top1 / n >= TOP1_TARGET, f"top-1 {top1 / n:.3f} below {TOP1_TARGET}"
