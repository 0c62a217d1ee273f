"""Directory search pages: live results partial, facets, highlights escaped, visibility."""

import re

XSS = "<script>alert(1)</script>"


def _expert(env, name, specialties, **kw):
    return env.member(
        "expert",
        full_name=name,
        languages=["sr", "en"],
        expert={"categories": ["numismatics"], "specialties": specialties, "coverage_countries": ["RS"]},
        **kw,
    )


def test_live_results_partial_with_facets_and_pushed_url(env, pages):
    _expert(env, "Milica Jovanović", ["Roman Imperial coinage"])
    _expert(env, "Petar Nikolić", ["Byzantine lead seals"])
    pages.login(env.member("le_official"))
    r = pages.get("/directory/results?q=roman&category=numismatics", headers={"hx-request": "true"})
    assert r.status_code == 200
    assert r.headers["hx-push-url"] == "/directory?q=roman&category=numismatics"
    assert "<html" not in r.text
    assert "Milica Jovanović" in r.text and "Petar Nikolić" not in r.text
    assert "<mark>Roman</mark>" in r.text
    facets = r.text[r.text.index('id="facets"') :]
    assert 'hx-swap-oob="true"' in r.text[r.text.index('<div id="facets"') - 5 : r.text.index('<div id="facets"') + 60]
    assert re.search(r'id="facet-category-numismatics"[^>]*checked', facets)
    # Without htmx the same address gives the full page (bookmarks, no JavaScript).
    full = pages.get("/directory/results?q=roman")
    assert full.status_code == 200 and "<html" in full.text and 'id="search-form"' in full.text


def test_highlights_are_the_only_unescaped_html(env, pages):
    _expert(env, "Ana " + XSS, ["Roman coins " + XSS])
    pages.login(env.member("le_official"))
    for path in ("/directory?q=roman", "/directory?q=ana", "/directory"):
        html = pages.get(path).text
        assert XSS not in html and "<script>alert" not in html, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, path
    assert "<mark>" in pages.get("/directory?q=roman").text


def test_officials_see_only_approved_current_experts(env, pages):
    approved = _expert(env, "Visible Expert", ["Roman coins"])
    pending = env.register("expert", full_name="Pending Expert")
    pages.login(env.member("le_official"))
    html = pages.get("/directory").text
    assert "Visible Expert" in html and "Pending Expert" not in html
    assert pages.get(f"/experts/{pending.extra['expert_id']}").status_code == 404
    assert pages.get(f"/experts/{approved.extra['expert_id']}").status_code == 200
    pages.login_admin()
    assert "Pending Expert" in pages.get("/directory").text  # the secretariat's operator view


def test_bad_filter_values_are_reported_not_crashing(env, pages):
    pages.login(env.member("le_official"))
    r = pages.get("/directory?language=xx&country=ZZ")
    assert r.status_code == 200
    assert "xx" in r.text and "data-error-summary" in r.text
    assert pages.get("/directory?available=maybe").status_code == 400


def test_experts_may_not_search_the_directory(env, pages):
    pages.login(env.member("expert"))
    assert pages.get("/directory").status_code == 403
