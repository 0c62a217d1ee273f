"""The first commands a newcomer runs, on a data directory that does not exist yet."""

from click.testing import CliRunner

from expertnet.cli import main
from expertnet.config import get_settings


def test_upgrade_and_demo_create_the_data_directory(tmp_path, monkeypatch):
    data = tmp_path / "fresh" / "var"
    monkeypatch.setenv("EXPERTNET_DATA_DIR", str(data))
    monkeypatch.delenv("EXPERTNET_DATABASE_URL", raising=False)
    monkeypatch.delenv("EXPERTNET_MEILI_URL", raising=False)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        result = runner.invoke(main, ["db", "upgrade"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert (data / "expertnet.db").is_file()
        result = runner.invoke(main, ["demo", "--experts", "30"], catch_exceptions=False)
        assert result.exit_code == 0 and "demo data loaded: 32 experts" in result.output, result.output
        found = runner.invoke(main, ["search", "experts", "", "--json", "--limit", "100"], catch_exceptions=False)
        assert len(found.output.splitlines()) == 32
        again = runner.invoke(main, ["demo"], catch_exceptions=False)
        assert "not loaded" in again.output
    finally:
        get_settings.cache_clear()


def test_health_reports_outbox_and_search(env):
    r = env.client.get("/health")
    assert r.status_code == 200
    # Anyone (a load balancer) learns only whether each part answers: no paths, no counts.
    assert r.json() == {"status": "ok", "database": "ok", "search": "ok"}
    from expertnet.core.auth import COOKIE_NAME

    env.client.cookies.set(COOKIE_NAME, env.admin.token)  # an administrator signed in on the pages
    body = env.client.get("/health").json()
    assert body["status"] == "ok"
    assert body["details"]["outbox"]["pending"] == 0
    assert body["details"]["search"]["ok"] is True
