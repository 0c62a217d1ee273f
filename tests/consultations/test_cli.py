"""`expertnet route --top N`: JSON Lines in, one JSON line per request out, in order; exit 1 on
an invalid line, after answering every valid one."""

import json

import pytest
from click.testing import CliRunner

from expertnet.cli import main
from expertnet.config import get_settings


@pytest.fixture
def cli_env(env, monkeypatch):
    monkeypatch.setenv("EXPERTNET_DATABASE_URL", env.settings.database_url)
    monkeypatch.setenv("EXPERTNET_DATA_DIR", str(env.settings.data_dir))
    # The desk under test indexed into its own engine (embedded unless the settings name Meilisearch);
    # the CLI must read the same one, not a Meilisearch the CI leg exports for other tests.
    if env.settings.meili_url:
        monkeypatch.setenv("EXPERTNET_MEILI_URL", env.settings.meili_url)
    else:
        monkeypatch.delenv("EXPERTNET_MEILI_URL", raising=False)
    get_settings.cache_clear()
    yield env
    get_settings.cache_clear()


def _route(lines, top=3):
    result = CliRunner().invoke(main, ["route", "--top", str(top)], input="\n".join(lines) + "\n")
    out = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return result, out


def test_route_answers_each_line_in_order(desk, cli_env):
    roman = desk.expert(specialties=["Roman Imperial coinage"], coverage=["IT"])
    greek = desk.expert(specialties=["Greek coins"], coverage=["GR"])
    scribe = desk.expert(categories=["manuscripts"], specialties=["Glagolitic manuscripts"], languages=["hr", "en"])
    lines = [
        json.dumps(
            {
                "external_id": "R-1",
                "title": "Roman denarius",
                "description": "A silver Roman Imperial denarius of Trajan.",
                "category": "numismatics",
                "location_country": "RS",
                "object_origin_country": "IT",
                "languages": ["sr", "en"],
                "urgency": "urgent",
                "exclude_market_ties": False,
            }
        ),
        json.dumps(
            {"external_id": "R-2", "title": "Bad", "description": "x", "location_country": "XX", "languages": ["sr"]}
        ),
        "{not json",
        json.dumps(
            {
                "external_id": "R-3",
                "title": "Glagolitic manuscript leaf",
                "description": "A parchment leaf in Glagolitic script.",
                "category": "manuscripts",
                "location_country": "HR",
                "languages": ["hr"],
                "expected": ["ignored"],
            }
        ),
    ]
    result, out = _route(lines, top=2)
    assert result.exit_code == 1, result.output
    assert [o.get("external_id") for o in out] == ["R-1", "R-2", None, "R-3"]
    first = out[0]
    assert [c["external_id"] for c in first["candidates"]] == [roman.extra["external_id"], greek.extra["external_id"]]
    top = first["candidates"][0]
    assert set(top) == {"external_id", "score", "reasons"}
    assert 0 < top["score"] <= 1
    assert "category: numismatics" in top["reasons"] and "speaks sr" in top["reasons"] and "covers IT" in top["reasons"]
    assert out[1]["error"].startswith("location_country:") and "candidates" not in out[1]
    assert out[2]["error"].startswith("json:")
    assert [c["external_id"] for c in out[3]["candidates"]] == [scribe.extra["external_id"]]


def test_route_all_valid_exits_zero(desk, cli_env):
    desk.expert()
    line = json.dumps(
        {
            "external_id": "R-9",
            "title": "Coin",
            "description": "A Roman coin.",
            "category": "numismatics",
            "location_country": "RS",
            "languages": ["en"],
        }
    )
    result, out = _route([line], top=5)
    assert result.exit_code == 0, result.output
    assert out[0]["external_id"] == "R-9" and len(out[0]["candidates"]) == 1
