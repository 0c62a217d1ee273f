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
