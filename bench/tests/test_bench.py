"""The harness itself: its workload covers what issue 13 asks, its statistics and PASS/FAIL are right.
Run with `.venv/bin/python -m pytest bench/tests -q`."""

from urllib.parse import parse_qs, urlsplit

import pytest

from bench import report, workload
from bench.stats import percentile, summary


@pytest.fixture(scope="module")
def records():
    return list(workload.generate_experts(3000, workload.SEED))


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile(values, 99) == 99
    assert percentile([7.0], 99) == 7.0
    assert summary([1.0, 2.0, 3.0, 4.0])["p50_ms"] == 2.0


def test_queries_are_varied_and_use_every_filter(records):
    queries = workload.make_queries(records, 400)
    described = workload.describe(queries, workload.make_requests(records, 60))
    assert described["queries"] == 400
    assert len({q.url() for q in queries}) > 300
    assert set(described["query_kinds"]) == {"text", "typo", "browse"}
    assert all(n >= 30 for n in described["query_kinds"].values())
    assert set(described["queries_per_filter"]) == set(workload.FILTERS)
    assert all(n >= 20 for n in described["queries_per_filter"].values())
    assert any(q.kind == "browse" and not q.filter_types() for q in queries)
    assert len(set(described["request_languages"])) >= 10


def test_urls_carry_every_filter_the_service_gets(records):
    """Issue 13: the old client dropped the region, country, availability and organisation filters."""
    names = {
        "categories": "category",
        "languages": "language",
        "countries": "country",
        "regions": "region",
        "org_types": "org_type",
        "available": "available",
        "q": "q",
    }
    for query in workload.make_queries(records, 400):
        sent = parse_qs(urlsplit(query.url()).query)
        for field, value in query.service_params().items():
            if field == "q" and not value:
                continue
            expected = (
                [("true" if value else "false")]
                if field == "available"
                else (value if isinstance(value, list) else [value])
            )
            assert sent[names[field]] == expected


def test_typo_changes_one_letter():
    import random

    rng = random.Random(1)
    word = "numismatics"
    changed = [workload.typo(rng, word) for _ in range(200)]
    assert all(abs(len(c) - len(word)) <= 1 and c[0] == word[0] for c in changed)
    assert sum(c != word for c in changed) >= 180


def _results(search_p95=10.0, ratio_search=60.0, fresh=[100.0] * 5):
    http = {
        "rps": 100.0,
        "p50_ms": 10.0,
        "p95_ms": 20.0,
        "p99_ms": 50.0,
        "error_count": 0,
        "load_after": [1.0, 1.0, 1.0],
    }
    stack = {
        "import": {
            "experts": 1000,
            "experts_per_second": 3500,
            "searchable_seconds": 1.0,
            "startup_seconds": 1.0,
            "vectors": {"skipped": "no expert_vectors table"},
        },
        "service": {
            "search": {
                "cache_on": {"p50_ms": 1, "p95_ms": 2, "p99_ms": 3},
                "cache_off": {"p50_ms": 5, "p95_ms": search_p95, "p99_ms": 20},
            },
            "routing": {"p50_ms": 5, "p95_ms": 30, "p99_ms": 35},
        },
        "http": {"trivial": http, "search": {**http, "rps": ratio_search}, "ratio": ratio_search / 100},
        "freshness": {
            "writer": "B",
            "searchable": {"samples_ms": fresh, "max_ms": max(fresh), "missed": 0},
            "facets": {"samples_ms": fresh, "max_ms": max(fresh), "missed": 0},
        },
        "rss_mb": {"app A": 200.0},
    }
    return {
        "experts": 1000,
        "machine": {"cpus": 2, "load_at_start": [1.0, 1.0, 1.0]},
        "stacks": {"embedded": stack, "production": {"skipped": "no PostgreSQL"}},
    }


def test_report_passes_and_fails_on_the_targets():
    _, checks = report.evaluate(_results())
    assert checks["directory search, facet cache OFF"] == {"embedded": "PASS", "production": "SKIP"}
    assert checks["vectors filled by the worker"]["embedded"] == "SKIP"
    assert checks["directory search, facet cache ON"]["embedded"] == "INFO"
    _, checks = report.evaluate(_results(search_p95=15.5, ratio_search=40.0, fresh=[100.0, 1200.0]))
    assert checks["directory search, facet cache OFF"]["embedded"] == "FAIL"
    assert checks["HTTP search / trivial req/s"]["embedded"] == "FAIL"
    assert checks["change searchable via another process"]["embedded"] == "FAIL"
    assert checks["import (validated, written, searchable)"]["embedded"] == "PASS"


def test_a_step_error_fails_its_rows():
    results = _results()
    results["stacks"]["embedded"]["service"] = {"error": "RuntimeError: boom"}
    _, checks = report.evaluate(results)
    assert checks["routing (varied requests)"]["embedded"] == "FAIL"


def test_facet_cache_switch_turns_the_cache_off():
    from bench.service_layer import facet_cache
    from expertnet.search import service

    before = service.FACET_TTL_SECONDS
    with facet_cache(False):
        assert service.FACET_TTL_SECONDS == 0
    assert service.FACET_TTL_SECONDS == before
