"""`expertnet experts import`: the interchange format of DESIGN.md, all or nothing."""

import json

from sqlalchemy import func, select

from expertnet.experts.models import Expert
from expertnet.members.models import Member, VettingDecision


def _record(n: int, **over) -> dict:
    record = {
        "external_id": f"E-{n}",
        "full_name": f"Јелена Петровић {n}",
        "email": f"expert{n}@museum.example",
        "organisation": "National Museum of Serbia",
        "org_type": "museum",
        "country": "RS",
        "coverage_countries": ["RS", "BA", "ME"],
        "languages": ["sr", "en"],
        "categories": ["numismatics"],
        "specialties": ["Roman Imperial coinage", "Byzantine lead seals"],
        "bio": "Curator of the coin cabinet.",
        "available": True,
        "max_open_consultations": 3,
        "market_ties": False,
        "vetting_status": "approved",
    }
    record.update(over)
    return record


def _write(tmp_path, records, name="experts.jsonl") -> str:
    path = tmp_path / name
    path.write_text(
        "\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records) + "\n",
        encoding="utf-8",
    )
    return str(path)


def _count(env, model=Expert):
    return env.db_run(lambda s: _scalar(s, select(func.count()).select_from(model)))


async def _scalar(session, query):
    return (await session.execute(query)).scalar_one()


def test_round_trip_and_idempotent_reimport(env, cli, tmp_path):
    path = _write(
        tmp_path,
        [
            _record(1),
            _record(2, languages=["en", "fr"], categories=["manuscripts", "provenance"]),
            _record(3, vetting_status="pending"),
        ],
    )
    result = cli("experts", "import", path)
    assert result.exit_code == 0, result.output
    assert "3 created" in result.output

    official = env.member("le_official")
    expert_id = env.db_run(lambda s: _scalar(s, select(Expert.id).where(Expert.external_id == "E-2")))
    shown = env.client.get(f"/api/v1/experts/{expert_id}", headers=official.headers).json()
    assert shown["full_name"] == "Јелена Петровић 2"
    assert shown["languages"] == ["en", "fr"] and shown["categories"] == ["manuscripts", "provenance"]
    assert shown["coverage_countries"] == ["RS", "BA", "ME"] and shown["vetting_status"] == "approved"
    # A pending expert is not shown to officials.
    pending_id = env.db_run(lambda s: _scalar(s, select(Expert.id).where(Expert.external_id == "E-3")))
    assert env.client.get(f"/api/v1/experts/{pending_id}", headers=official.headers).status_code == 404

    again = cli("experts", "import", path)
    assert again.exit_code == 0 and "0 created, 0 updated, 3 unchanged" in again.output
    assert _count(env) == 3

    changed = _write(
        tmp_path,
        [
            _record(1, bio="Now also Ottoman coins.", specialties=["Ottoman akçe"]),
            _record(2, languages=["en", "fr"], categories=["manuscripts", "provenance"]),
            _record(3, vetting_status="approved"),
        ],
        "v2.jsonl",
    )
    third = cli("experts", "import", changed)
    assert third.exit_code == 0 and "0 created, 2 updated, 1 unchanged" in third.output, third.output
    assert _count(env) == 3
    e1 = env.db_run(lambda s: _scalar(s, select(Expert).where(Expert.external_id == "E-1")))
    assert e1.specialties == ["Ottoman akçe"] and e1.version == 2
    member3 = env.db_run(
        lambda s: _scalar(
            s, select(Member).join(Expert, Expert.member_id == Member.id).where(Expert.external_id == "E-3")
        )
    )
    assert member3.vetting_status == "approved" and member3.vetted_until is not None
    decisions = env.db_run(
        lambda s: _scalar(
            s, select(func.count()).select_from(VettingDecision).where(VettingDecision.member_id == member3.id)
        )
    )
    assert decisions == 2  # imported as pending, then approved by re-import


def test_bad_lines_commit_nothing_and_are_all_named(env, cli, tmp_path):
    good = _record(1)
    lines = [
        good,
        _record(2, categories=["numismatics", "astrology"]),
        _record(3, country="XX"),
        _record(4, languages=["srp"]),
        {k: v for k, v in _record(5).items() if k != "full_name"},
        _record(1, email="other@museum.example"),
        '{"external_id": "E-7", "full_name": ',
        _record(8, org_type="auction_house"),
        _record(9, email="not-an-email"),
        _record(10, max_open_consultations=-1),
        _record(11, languages=[]),
        _record(12, vetting_status="vip"),
        _record(13, country="rs"),
    ]
    result = cli("experts", "import", _write(tmp_path, lines))
    assert result.exit_code == 1
    out = result.output
    expected = [
        "line 2: categories: unknown category 'astrology'",
        "line 3: country: unknown ISO 3166-1 alpha-2 country code 'XX'",
        "line 4: languages: unknown ISO 639-1 language code 'srp'",
        "line 5: full_name: Field required",
        "line 6: external_id: duplicate of line 1",
        "line 7: json: malformed JSON",
        "line 8: org_type:",
        "line 9: email:",
        "line 10: max_open_consultations:",
        "line 11: languages:",
        "line 12: vetting_status:",
    ]
    for fragment in expected:
        assert fragment in out, fragment
    assert "line 1:" not in out
    assert "line 13:" not in out  # lower-case country codes are normalised, not refused
    assert "nothing was imported" in out
    assert _count(env) == 0 and _count(env, Member) == 0


def test_email_owned_by_another_member_is_refused(env, cli, tmp_path):
    official = env.member("le_official")
    result = cli("experts", "import", _write(tmp_path, [_record(1), _record(2, email=official.email)]))
    assert result.exit_code == 1
    assert "line 2: email: already belongs to another member" in result.output
    assert _count(env) == 0


def test_import_from_stdin(env, cli):
    data = "\n".join(json.dumps(_record(n)) for n in range(1, 6))
    result = cli("experts", "import", "-", input=data)
    assert result.exit_code == 0, result.output
    assert _count(env) == 5


def test_suspension_by_reimport_revokes_tokens(env, cli, tmp_path):
    path = _write(tmp_path, [_record(1)])
    assert cli("experts", "import", path).exit_code == 0
    member = env.db_run(lambda s: _scalar(s, select(Member).where(Member.email == "expert1@museum.example")))
    assert (
        cli("experts", "import", _write(tmp_path, [_record(1, vetting_status="suspended")], "s.jsonl")).exit_code == 0
    )
    after = env.db_run(lambda s: _scalar(s, select(Member).where(Member.id == member.id)))
    assert after.vetting_status == "suspended" and after.token_version == member.token_version + 1


def test_an_import_plans_each_lookup_for_its_own_values(env):
    """PostgreSQL kept one generic plan, made while the tables were nearly empty, for the import's
    id lookups (a prepared statement run more than five times): each chunk then scanned the whole
    growing table (at 60,000 experts a chunk took 30 s instead of 0.5 s). The import's transaction
    now plans every statement for its values; the setting ends with the transaction."""
    from sqlalchemy import text

    from expertnet.experts import importer

    records, errors = importer.parse([json.dumps(_record(n)) for n in range(3)])
    assert not errors

    async def run(session):
        await importer.apply(session, env.settings, records)
        if session.get_bind().dialect.name != "postgresql":
            return None
        return (await session.execute(text("SHOW plan_cache_mode"))).scalar_one()

    mode = env.db_run(run)
    if env.settings.is_sqlite:
        return  # SQLite plans every statement anyway
    assert mode == "force_custom_plan"
    after = env.db_run(lambda s: s.execute(text("SHOW plan_cache_mode")))
    assert after.scalar_one() == "auto"
