"""The cheap password-hash profile is for tests only: honoured with EXPERTNET_ENV=test, refused
everywhere else (settings, app, CLI), and a cheap hash that reaches a real database is upgraded."""

import pytest
from argon2 import extract_parameters
from click.testing import CliRunner

from expertnet.config import ConfigError, Settings, get_settings, load_settings
from expertnet.core import security
from expertnet.core.security import HASH_PROFILES, hash_password, use_hash_profile, verify_password
from tests.conftest import TEST_SECRET

STRONG = "q8Vn3xT0-LkR7wZb2YsJ5mHc9PaE4uGd1NfW6tKo_Ci"  # production refuses low-entropy secrets (issue 12)


@pytest.fixture
def hasher_restored():
    """These tests switch the process's hasher; put back whatever the harness had chosen."""
    before = security._hasher
    yield
    security._hasher = before


def _env(monkeypatch, **values):
    for name in ("ENV", "PASSWORD_HASH_PROFILE", "SECRET_KEY", "AUDIT_KEY", "DATABASE_URL", "MEILI_URL", "DATA_DIR"):
        monkeypatch.delenv(f"EXPERTNET_{name}", raising=False)
    for name, value in values.items():
        monkeypatch.setenv(f"EXPERTNET_{name}", value)


@pytest.mark.parametrize("env", ["production", "development"])
def test_settings_refuse_the_test_profile_outside_test(monkeypatch, env):
    _env(monkeypatch, ENV=env, SECRET_KEY=STRONG, PASSWORD_HASH_PROFILE="test")
    with pytest.raises(ConfigError, match="EXPERTNET_PASSWORD_HASH_PROFILE.*EXPERTNET_ENV=test"):
        load_settings()


def test_settings_refuse_an_unknown_profile(monkeypatch):
    _env(monkeypatch, ENV="test", PASSWORD_HASH_PROFILE="fast")
    with pytest.raises(ConfigError, match="EXPERTNET_PASSWORD_HASH_PROFILE: must be standard or test"):
        load_settings()


def test_settings_honour_the_test_profile_in_test(monkeypatch):
    _env(monkeypatch, ENV="test", PASSWORD_HASH_PROFILE="test")
    assert load_settings().password_hash_profile == "test"
    _env(monkeypatch, ENV="production", SECRET_KEY=STRONG, AUDIT_KEY="audit-key-" + "0123456789abcdef" * 3)
    assert load_settings().password_hash_profile == "standard"


def test_production_app_refuses_the_test_profile_and_keeps_strong_hashes(hasher_restored, tmp_path):
    use_hash_profile(Settings(env="production", secret_key=STRONG))
    # Settings made in code skip load_settings' validation: the hasher's own check still refuses.
    bad = Settings(
        env="production",
        secret_key=STRONG,
        data_dir=tmp_path,
        password_hash_profile="test",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}",
    )
    with pytest.raises(ConfigError, match="EXPERTNET_PASSWORD_HASH_PROFILE"):
        use_hash_profile(bad)
    from expertnet.app import create_app

    with pytest.raises(ConfigError, match="EXPERTNET_PASSWORD_HASH_PROFILE"):
        create_app(bad)
    params = extract_parameters(hash_password("a long passphrase here"))
    standard = HASH_PROFILES["standard"]
    assert (params.time_cost, params.memory_cost, params.parallelism) == (
        standard.time_cost,
        standard.memory_cost,
        standard.parallelism,
    )
    assert standard.memory_cost >= 65536 and standard.time_cost >= 3


def test_cli_refuses_the_test_profile_in_production(monkeypatch, tmp_path, hasher_restored):
    from expertnet.cli import main

    _env(monkeypatch, ENV="production", SECRET_KEY=STRONG, PASSWORD_HASH_PROFILE="test", DATA_DIR=str(tmp_path / "var"))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["db", "upgrade"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code != 0
    assert "EXPERTNET_PASSWORD_HASH_PROFILE" in result.output and "EXPERTNET_ENV=test" in result.output
    assert not (tmp_path / "var").exists()  # nothing written


def test_test_profile_is_cheap_and_a_cheap_hash_is_upgraded_under_the_standard_one(hasher_restored, tmp_path):
    use_hash_profile(Settings(env="test", secret_key=TEST_SECRET, password_hash_profile="test"))
    cheap = hash_password("a long passphrase here")
    assert extract_parameters(cheap).memory_cost == HASH_PROFILES["test"].memory_cost < 65536
    assert verify_password(cheap, "a long passphrase here") == (True, None)
    use_hash_profile(Settings(env="production", secret_key=STRONG))
    ok, upgraded = verify_password(cheap, "a long passphrase here")
    assert ok and upgraded is not None
    assert extract_parameters(upgraded).memory_cost == HASH_PROFILES["standard"].memory_cost
    assert verify_password(cheap, "the wrong passphrase") == (False, None)
