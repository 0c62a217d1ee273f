"""The evaluation harness counts every kind of hard-constraint violation it claims to count."""

from bench.evaluate import constraint_violations

REQUEST = {"languages": ["sr", "en"], "exclude_market_ties": True}
GOOD = {
    "vetting_status": "approved",
    "available": True,
    "max_open_consultations": 3,
    "languages": ["en"],
    "market_ties": False,
}


def test_a_fitting_expert_breaks_nothing():
    assert constraint_violations(GOOD, REQUEST) == []


def test_each_hard_constraint_is_reported():
    cases = {
        "vetting pending": {"vetting_status": "pending"},
        "vetting suspended": {"vetting_status": "suspended"},
        "not available": {"available": False},
        "no capacity": {"max_open_consultations": 0},
        "no shared language": {"languages": ["ru"]},
        "market ties excluded": {"market_ties": True},
    }
    for expected, change in cases.items():
        assert constraint_violations({**GOOD, **change}, REQUEST) == [expected]


def test_market_ties_count_only_when_the_request_excludes_them():
    assert constraint_violations({**GOOD, "market_ties": True}, {**REQUEST, "exclude_market_ties": False}) == []


def test_interchange_defaults_apply_when_fields_are_missing():
    # DESIGN.md: vetting defaults to pending, so a record without it is not routable.
    assert constraint_violations({"languages": ["en"]}, REQUEST) == ["vetting pending"]


def test_held_out_misses_are_counted_but_not_shown_unless_asked(capsys):
    """`make eval` is run while tuning: what the held-out sets miss must not reach the screen then
    (a session once saw held-out requests through a grep for the totals)."""
    from bench.evaluate import RoutingReport, print_routing, print_search

    report = RoutingReport("held-out routing set", "tests/data/routing_heldout", requests=2, top1=1, top3=2)
    report.misses.append("H-999 the secret request -> expert 7 instead of 8")
    print_routing(report, details=False)
    hidden = capsys.readouterr().out
    assert "top-1 misses (1)" in hidden and "secret request" not in hidden
    print_routing(report, details=True)
    assert "secret request" in capsys.readouterr().out

    split = {"queries": 1, "mean_recall_at_20": 0.5, "best_in_top5": 0, "empty_results": 0}
    result = {
        "path": "tests/data/search_eval",
        "seconds": 1.0,
        "splits": {
            "dev": {**split, "failing_queries": ["dev query 'icons'"]},
            "heldout": {**split, "failing_queries": ["held-out query 'ikone'"]},
        },
    }
    print_search(result, frozenset({"heldout"}))
    out = capsys.readouterr().out
    assert "dev query 'icons'" in out and "ikone" not in out and "failing heldout queries (1)" in out
