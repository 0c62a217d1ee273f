"""No published secret signs anything; demo data never loads in production (issue 12 findings
5 and 6). Against the old code: without EXPERTNET_SECRET_KEY the app signed with the development
secret in the repository (a forged admin token worked), 40 spaces passed the production check,
the image's default command set neither, and `expertnet demo` loaded in production."""

import os
import re
import secrets
import stat
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from jose import jwt
from litestar.testing import TestClient

from expertnet.config import ConfigError, get_settings, load_settings

ROOT = Path(__file__).resolve().parents[2]
OLD_REPO_SECRET = "dev-only-secret-not-for-production-use-000000"  # was expertnet.config.DEV_SECRET


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("EXPERTNET_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("EXPERTNET_DATA_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def _forged(secret: str, member_id: int) -> str:
    now = int(time.time())
    claims = {
        "sub": str(member_id),
        "iss": "expertnet",
        "aud": "expertnet",
        "iat": now,
        "exp": now + 600,
        "typ": "access",
        "ver": 0,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def test_a_token_forged_with_the_old_repository_secret_is_refused(env, clean_env):
    clean_env.setenv("EXPERTNET_ENV", "development")
    clean_env.setenv("EXPERTNET_DATA_DIR", str(env.settings.data_dir))
    clean_env.setenv("EXPERTNET_DATABASE_URL", env.settings.database_url)
    settings = load_settings()
    assert settings.secret_key != OLD_REPO_SECRET and len(settings.secret_key) >= 32
    admin = env.admin  # a real admin account in this database
    from expertnet.app import create_app

    with TestClient(create_app(settings), base_url="https://testserver.local") as client:
        forged = client.get(
            "/api/v1/admin/members", headers={"Authorization": f"Bearer {_forged(OLD_REPO_SECRET, admin.id)}"}
        )
        assert forged.status_code == 401
        # Control: a token signed with the secret this data directory generated is accepted.
        genuine = client.get(
            "/api/v1/admin/members", headers={"Authorization": f"Bearer {_forged(settings.secret_key, admin.id)}"}
        )
        assert genuine.status_code == 200


def test_development_generates_one_private_secret_per_data_directory(clean_env, tmp_path):
    first = load_settings()
    path = tmp_path / "var" / "secret_key"
    assert path.is_file() and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_settings().secret_key == first.secret_key  # kept across restarts
    clean_env.setenv("EXPERTNET_DATA_DIR", str(tmp_path / "other"))
    assert load_settings().secret_key != first.secret_key
    os.chmod(path, 0o644)  # loosened by hand: tightened again on the next start
    clean_env.setenv("EXPERTNET_DATA_DIR", str(tmp_path / "var"))
    load_settings()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_production_refuses_to_start_without_a_strong_secret(clean_env):
    clean_env.setenv("EXPERTNET_ENV", "production")
    clean_env.setenv("EXPERTNET_AUDIT_KEY", secrets.token_urlsafe(48))  # production needs it too (audit chain)
    with pytest.raises(ConfigError, match="required in production"):
        load_settings()
    weak = [" " * 40, "a" * 64, "ab" * 32, "0123456789" * 4, "short-but-random-Xy7", OLD_REPO_SECRET, "\t" * 48]
    for secret in weak:
        clean_env.setenv("EXPERTNET_SECRET_KEY", secret)
        with pytest.raises(ConfigError, match="EXPERTNET_SECRET_KEY"):
            load_settings()
    for strong in (secrets.token_urlsafe(32), secrets.token_hex(32), secrets.token_urlsafe(64)):
        clean_env.setenv("EXPERTNET_SECRET_KEY", strong)
        assert load_settings().secret_key == strong
    assert not (Path(os.environ["EXPERTNET_DATA_DIR"]) / "secret_key").exists()  # production never writes one


def test_demo_data_refuses_to_load_in_production(clean_env, tmp_path):
    clean_env.setenv("EXPERTNET_ENV", "production")
    clean_env.setenv("EXPERTNET_SECRET_KEY", secrets.token_urlsafe(48))
    clean_env.setenv("EXPERTNET_AUDIT_KEY", secrets.token_urlsafe(48))
    from expertnet.cli import main

    runner = CliRunner()
    for args in (["demo", "--experts", "5"], ["run", "--demo", "--port", "1"]):
        result = runner.invoke(main, args)
        assert result.exit_code != 0 and "never loaded in production" in result.output, (args, result.output)
    assert not (tmp_path / "var" / "expertnet.db").exists(), "refused before anything was written"


def test_dockerfile_and_compose_require_every_secret_without_fallbacks():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^ENV .*EXPERTNET_ENV=production", dockerfile, re.M)
    cmd = next(line for line in dockerfile.splitlines() if line.startswith("CMD"))
    assert "${EXPERTNET_SECRET_KEY:?" in cmd
    compose = (ROOT / "compose.yaml").read_text()
    for name in ("EXPERTNET_SECRET_KEY", "POSTGRES_PASSWORD", "MEILI_MASTER_KEY"):
        uses = re.findall(r"\$\{" + name + r"([^}]*)\}", compose)
        assert uses and all(u.startswith(":?") for u in uses), (name, uses)
    assert "expertnet-dev-master-key" not in compose
    assert not re.search(r"(PASSWORD|KEY|SECRET)[A-Z_]*:-", compose)
