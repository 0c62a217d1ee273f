"""Directory search through the API and the CLI, on both engines (tests/search/conftest.py)."""

import json
from dataclasses import replace

from litestar.testing import TestClient
from sqlalchemy import func, select

from expertnet.core.models import OutboxEvent

EXPERTS = [
    {
        "external_id": "N-1",
        "full_name": "Јелена Петровић",
        "email": "jp@museum.example",
        "organisation": "National Museum in Belgrade",
        "org_type": "museum",
        "country": "RS",
        "coverage_countries": ["RS", "ME"],
        "languages": ["sr", "en"],
        "categories": ["numismatics"],
        "specialties": ["Roman Imperial coinage", "Byzantine lead seals"],
        "bio": "Curator of the coin cabinet.",
        "vetting_status": "approved",
    },
    {
        "external_id": "N-2",
        "full_name": "Marko Petrović",
        "email": "mp@uni.example",
        "organisation": "University of Zagreb",
        "org_type": "academia",
        "country": "HR",
        "coverage_countries": ["HR", "BA"],
        "languages": ["hr", "en", "de"],
        "categories": ["archaeology"],
        "specialties": ["Illyrian bronze", "Roman provincial archaeology"],
        "bio": "Field archaeologist.",
        "vetting_status": "approved",
    },
    {
        "external_id": "N-3",
        "full_name": "Ayşe Yılmaz",
        "email": "ay@ist.example",
        "organisation": "İstanbul Archaeology Museums",
        "org_type": "museum",
        "country": "TR",
        "coverage_countries": ["TR"],
        "languages": ["tr", "en"],
        "categories": ["numismatics", "archaeology"],
        "specialties": ["Ottoman akçe", "Byzantine coins"],
        "bio": "Numismatist in Istanbul.",
        "vetting_status": "approved",
        "available": False,
    },
    {
        "external_id": "N-4",
        "full_name": "Pending Person",
        "email": "pp@x.example",
        "organisation": "Somewhere",
        "org_type": "independent",
        "country": "FR",
        "coverage_countries": [],
        "languages": ["fr"],
        "categories": ["numismatics"],
        "specialties": ["Celtic coins"],
        "bio": "",
        "vetting_status": "pending",
    },
    {
        "external_id": "N-5",
        "full_name": "Sophie Martin",
        "email": "sm@bnf.example",
        "organisation": "Bibliothèque nationale",
        "org_type": "library_archive",
        "country": "FR",
        "coverage_countries": ["FR", "BE"],
        "languages": ["fr", "en"],
        "categories": ["manuscripts"],
        "specialties": ["Medieval manuscripts", "Atlas maps"],
        "bio": "<script>alert(1)</script> Keeper of maps.",
        "vetting_status": "approved",
    },
]


def _import(cli, tmp_path, records=EXPERTS):
    path = tmp_path / "experts.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    result = cli("experts", "import", str(path))
    assert result.exit_code == 0, result.output


def _search(env, user, **params):
    r = env.client.get("/api/v1/experts/search", params=params, headers=user.headers)
    assert r.status_code == 200, r.text
    return r.json()


def _ext(page):
    return sorted(item["external_id"] for item in page["items"])


def test_typos_diacritics_and_scripts(env, cli, tmp_path):
    _import(cli, tmp_path)
    official = env.member("le_official")
    assert _ext(_search(env, official, q="Petrović")) == ["N-1", "N-2"]
    assert _ext(_search(env, official, q="Petrovic")) == ["N-1", "N-2"]
    assert _ext(_search(env, official, q="Петровић")) == ["N-1", "N-2"]
    assert _ext(_search(env, official, q="Jelena Petrovic")) == ["N-1"]
    assert "N-1" in _ext(_search(env, official, q="coinge"))  # typo
    assert _ext(_search(env, official, q="Istanbul")) == ["N-3"]
    assert _ext(_search(env, official, q="İstanbul")) == ["N-3"]


def test_officials_never_see_unapproved_experts(env, cli, tmp_path):
    _import(cli, tmp_path)
    official = env.member("le_official")
    page = _search(env, official, category="numismatics")
    assert _ext(page) == ["N-1", "N-3"]
    # Hostile text is just text: it never widens what is visible.
    for hostile in ["vetting_status:pending", '" OR 1=1', "\\", "*", "acl:*", "Pending OR Person"]:
        assert "N-4" not in _ext(_search(env, official, q=hostile)), hostile
    admin_page = _search(env, env.admin, category="numismatics")
    assert _ext(admin_page) == ["N-1", "N-3", "N-4"]


def test_filters_facets_pagination_and_highlights(env, cli, tmp_path):
    _import(cli, tmp_path)
    official = env.member("le_official")
    assert _ext(_search(env, official, language="de")) == ["N-2"]
    assert _ext(_search(env, official, country="BA")) == ["N-2"]
    assert _ext(_search(env, official, region="western_balkans")) == ["N-1", "N-2"]
    assert _ext(_search(env, official, org_type="museum", available="true")) == ["N-1"]
    assert _ext(_search(env, official, category=["numismatics", "manuscripts"], language="fr")) == ["N-5"]
    page = _search(env, official)
    facets = {f: {v["value"]: v["count"] for v in values} for f, values in page["facets"].items()}
    assert facets["categories"] == {"numismatics": 2, "archaeology": 2, "manuscripts": 1}
    assert facets["languages"]["en"] == 4
    first = _search(env, official, limit=2, offset=0)
    second = _search(env, official, limit=2, offset=2)
    third = _search(env, official, limit=2, offset=4)
    seen = _ext(first) + _ext(second) + _ext(third)
    assert sorted(seen) == ["N-1", "N-2", "N-3", "N-5"] and first["total"] == 4
    maps = _search(env, official, q="maps")
    bio = maps["items"][0]["highlights"].get("bio", "")
    assert "<mark>" in bio and "<script>" not in bio and "&lt;script&gt;" in bio


def test_bad_parameters_name_the_field(env, cli, tmp_path):
    official = env.member("le_official")
    for params, field in [
        ({"category": "astrology"}, "categories"),
        ({"language": "xx"}, "languages"),
        ({"country": "ZZ"}, "countries"),
        ({"region": "atlantis"}, "region"),
        ({"limit": 1000}, "limit"),
    ]:
        r = env.client.get("/api/v1/experts/search", params=params, headers=official.headers)
        assert r.status_code == 400, params
        assert field in r.text, (params, r.text)


def test_search_is_for_vetted_officials_and_admins(env, cli, tmp_path):
    expert = env.member("expert")
    applicant = env.register("le_official")
    assert env.client.get("/api/v1/experts/search", headers=expert.headers).status_code == 403
    assert env.client.get("/api/v1/experts/search", headers=applicant.headers).status_code == 403
    assert env.client.get("/api/v1/experts/search").status_code == 401


def test_profile_change_is_searchable_at_once(env):
    official = env.member("le_official")
    expert = env.member("expert")
    assert _ext(_search(env, official, q="Gandharan")) == []
    profile = env.client.get("/api/v1/experts/me", headers=expert.headers).json()
    r = env.client.put(
        "/api/v1/experts/me",
        json={"version": profile["version"], "specialties": ["Gandharan Buddhist sculpture"]},
        headers=expert.headers,
    )
    assert r.status_code == 200, r.text
    assert _ext(_search(env, official, q="Gandharan")) == [profile["external_id"]]


def test_suspension_removes_expert_from_results(env):
    official = env.member("le_official")
    expert = env.member("expert", expert={"specialties": ["Scythian gold"]})
    assert len(_search(env, official, q="Scythian")["items"]) == 1
    env.client.post(
        f"/api/v1/admin/members/{expert.id}/suspend",
        json={"reason": "conflict of interest found"},
        headers=env.admin.headers,
    )
    assert _search(env, official, q="Scythian")["items"] == []


def test_worker_crash_loses_nothing(env, cli, tmp_path, settings):
    """Commit without indexing (no inline worker = the worker is down), then drain: the index
    equals a fresh rebuild from the database."""
    from expertnet.app import create_app
    from expertnet.core import outbox
    from expertnet.db import Database
    from expertnet.search.indexer import EXPERTS, get_search, rebuild_experts
    from expertnet.search import SearchQuery
    from tests.conftest import run_async

    _import(cli, tmp_path)
    official = env.member("le_official")
    expert = env.member("expert")
    down = replace(settings, inline_worker=False)
    with TestClient(create_app(down), base_url="https://testserver.local") as client:
        profile = client.get("/api/v1/experts/me", headers=expert.headers).json()
        r = client.put(
            "/api/v1/experts/me",
            json={"version": profile["version"], "specialties": ["Khmer bronze statuary"]},
            headers=expert.headers,
        )
        assert r.status_code == 200
    assert _search(env, official, q="Khmer")["items"] == []
    pending = env.db_run(
        lambda s: _scalar(s, select(func.count()).select_from(OutboxEvent).where(OutboxEvent.processed_at.is_(None)))
    )
    assert pending >= 1

    async def restart_and_compare():
        db = Database(settings)
        try:
            await outbox.drain(db)
            search = get_search(settings)
            everything = SearchQuery(system=True, limit=100, highlight=False)
            before = {h.id: h.document for h in (await search.search(EXPERTS, everything)).hits}
            await rebuild_experts(db)
            after = {h.id: h.document for h in (await search.search(EXPERTS, everything)).hits}
            return before, after
        finally:
            await db.dispose()

    before, after = run_async(restart_and_compare())
    assert before == after and len(after) == 6
    assert _ext(_search(env, official, q="Khmer")) == [profile["external_id"]]


async def _scalar(session, query):
    return (await session.execute(query)).scalar_one()


def test_cli_search_and_reindex(env, cli, tmp_path):
    _import(cli, tmp_path)
    result = cli("search", "experts", "Petrovic", "--json")
    assert result.exit_code == 0, result.output
    hits = [json.loads(line) for line in result.output.splitlines()]
    assert sorted(h["external_id"] for h in hits) == ["N-1", "N-2"]
    pending = cli("search", "experts", "", "--category", "numismatics", "--json")
    assert sorted(json.loads(line)["external_id"] for line in pending.output.splitlines()) == ["N-1", "N-3", "N-4"]
    bad = cli("search", "experts", "x", "--language", "klingon")
    assert bad.exit_code != 0 and "languages" in bad.output
    reindex = cli("search", "reindex")
    assert reindex.exit_code == 0 and "5 experts" in reindex.output, reindex.output
    again = cli("search", "experts", "Petrovic", "--json")
    assert sorted(json.loads(line)["external_id"] for line in again.output.splitlines()) == ["N-1", "N-2"]


def test_browse_facet_counts_follow_changes(env, cli, tmp_path):
    """Facet counts of text-less browsing are shared for a few seconds, but never survive a write."""
    _import(cli, tmp_path)
    official = env.member("le_official")

    def numismatics():
        facets = _search(env, official)["facets"]["categories"]
        return {v["value"]: v["count"] for v in facets}.get("numismatics", 0)

    before = numismatics()
    assert numismatics() == before
    env.member("expert")  # a numismatist by default
    assert numismatics() == before + 1


def test_the_app_searches_the_engine_under_test(env, engine):
    """The API tests of this directory run on both engines: the app uses the one under test (its
    health details, shown to administrators only, name it) and the public health says it answers."""
    assert env.client.get("/health").json()["search"] == "ok"
    report = env.client.app.state.search.backend.health()
    assert report["backend"] == {"tantivy": "tantivy", "meili": "meilisearch"}[engine], report
    assert report["ok"] is True
