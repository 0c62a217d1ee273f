"""The one settings object. Every EXPERTNET_* variable is read here and nowhere else."""

import math
import os
import secrets
import zlib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

SECRET_FILE = "secret_key"  # under the data directory, outside production only
MIN_SECRET_BYTES = 32
MIN_SECRET_BITS = 128
# Secrets that were published in this repository: never accepted, whatever their length.
PUBLISHED_SECRETS = frozenset({"dev-only-secret-not-for-production-use-000000", "expertnet-dev-master-key"})

# Days from closing to the retention review, per outcome of a closed consultation (and per status
# for those that ended without one). The Law Enforcement Directive (EU) 2016/680, Art. 5, asks for
# time limits for erasure or a periodic review; national law fixes them, so every one is a setting
# (EXPERTNET_RETENTION_<KEY>_DAYS). The defaults keep case material where proceedings may follow.
RETENTION_DEFAULT_DAYS = {
    "seized": 3650,
    "referred": 3650,
    "returned": 3650,
    "released": 1095,
    "inconclusive": 1095,
    "other": 1095,
    "expired": 365,
    "withdrawn": 365,
}
RETENTION_ACTIONS = ("flag", "erase")


class ConfigError(RuntimeError):
    pass


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(f"EXPERTNET_{name}")
    return value if value not in (None, "") else default


def _bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = _env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"EXPERTNET_{name}: not an integer: {value!r}") from exc


def _float(name: str, default: float) -> float:
    value = _env(name)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError as exc:
        raise ConfigError(f"EXPERTNET_{name}: not a number: {value!r}") from exc


@dataclass(frozen=True)
class Settings:
    env: str = "development"  # development | test | production
    data_dir: Path = Path("var")
    database_url: str = ""
    meili_url: str | None = None
    meili_key: str | None = None
    meili_index_prefix: str = ""  # prepended to every index uid: several deployments (or test runs) share one server
    secret_key: str = ""  # load_settings always sets one (see secret_for)
    jwt_issuer: str = "expertnet"
    jwt_audience: str = "expertnet"
    access_token_minutes: int = 60
    refresh_token_days: int = 14
    # Page (cookie) sessions: renewed while the user is active, ended after this many idle minutes
    # and at the latest this many hours after signing in; the page warns warn_minutes before.
    session_idle_minutes: int = 60
    session_max_hours: int = 12
    session_warn_minutes: int = 5
    form_draft_minutes: int = 30  # a form posted after the session ended is kept this long
    login_max_failures: int = 5
    login_window_seconds: int = 900
    login_max_failures_per_ip: int = 50
    login_max_delay_seconds: int = 60  # past login_max_failures, each failure doubles the wait, up to this
    register_max_per_ip: int = 10
    register_window_seconds: int = 3600
    # Links sent by e-mail (members/tokens.py): how long each stays valid, and how often one may be asked for.
    invitation_hours: int = 72
    reset_minutes: int = 60
    confirmation_hours: int = 48
    reset_max_per_address: int = 3  # per e-mail address and window (password reset, another confirmation link)
    reset_max_per_ip: int = 20  # per client address and window
    reset_window_seconds: int = 3600
    upload_max_bytes: int = 20 * 1024 * 1024
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "desk@expertnet.example"
    base_url: str = "http://127.0.0.1:8000"
    inline_worker: bool = True  # embedded default: the app drains the outbox right after commit
    background_jobs: bool = True  # embedded default: the app also runs the worker's periodic jobs
    job_interval_seconds: int = 30
    # Outbox and worker (see core/outbox.py): small claims under a short lease renewed while the
    # handler works, so a dead worker's events come back within one lease.
    outbox_batch_size: int = 20
    outbox_lease_seconds: float = 30.0
    worker_poll_seconds: float = 0.2
    worker_backoff_max_seconds: float = 30.0
    import_wait_seconds: float = 300.0  # `experts import` waits this long for its events to be indexed
    require_admin_totp: bool = False
    default_vetting_months: int = 24
    embeddings: bool = True  # dense sentence vectors (model inside a package); off: words and concepts only
    warm_up: bool = False  # load the sentence encoder and vocabulary indexes at start-up, in the background
    audit_key: str | None = None  # HMAC key of the audit chain; development: a file under data_dir
    audit_checkpoint_minutes: int = 5
    # (key, days) pairs, see RETENTION_DEFAULT_DAYS; a tuple keeps Settings hashable
    retention_days: tuple[tuple[str, int], ...] = tuple(RETENTION_DEFAULT_DAYS.items())
    retention_action: str = "flag"  # flag: list for an admin's review; erase: erase at once
    retention_interval_minutes: int = 60
    password_hash_profile: str = "standard"  # "test": cheap argon2 parameters, allowed only with env "test"

    @property
    def is_dev(self) -> bool:
        return self.env in {"development", "test"}

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "expertnet.db"

    @property
    def upload_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def check_hash_profile(self) -> None:
        if self.password_hash_profile not in {"standard", "test"}:
            raise ConfigError(
                f"EXPERTNET_PASSWORD_HASH_PROFILE: must be standard or test, not {self.password_hash_profile!r}"
            )
        if self.password_hash_profile == "test" and self.env != "test":
            raise ConfigError(
                "EXPERTNET_PASSWORD_HASH_PROFILE: test (cheap password hashes) is allowed only with EXPERTNET_ENV=test"
            )

    def validate(self) -> "Settings":
        if self.env not in {"development", "test", "production"}:
            raise ConfigError(f"EXPERTNET_ENV: must be development, test or production, not {self.env!r}")
        self.check_hash_profile()
        if not self.is_dev:
            problem = secret_problem(self.secret_key)
            if problem:
                raise ConfigError(
                    f"EXPERTNET_SECRET_KEY: {problem}; production needs a random secret of at least "
                    f"{MIN_SECRET_BYTES} bytes (e.g. {secrets.token_urlsafe(48)!r})"
                )
        if self.retention_action not in RETENTION_ACTIONS:
            raise ConfigError(f"EXPERTNET_RETENTION_ACTION: must be flag or erase, not {self.retention_action!r}")
        for key, days in self.retention_days:
            if days < 1:
                raise ConfigError(f"EXPERTNET_RETENTION_{key.upper()}_DAYS: must be at least 1, not {days}")
        if not self.is_dev:
            audit_key = (self.audit_key or "").strip()
            if len(audit_key.encode()) < 32 or len(set(audit_key)) < 8 or audit_key == self.secret_key.strip():
                raise ConfigError(
                    "EXPERTNET_AUDIT_KEY: set a random key of at least 32 bytes outside development, not the "
                    f"EXPERTNET_SECRET_KEY (e.g. {secrets.token_urlsafe(48)!r}); keep it out of the database"
                )
        return self


def secret_problem(secret: str) -> str | None:
    """Why a secret is too weak to sign tokens, or None. Entropy is estimated from the secret's
    own character frequencies, so 40 spaces, repeated patterns and short words all fail."""
    if not secret or not secret.strip():
        return "not set"
    if len(secret.encode()) < MIN_SECRET_BYTES:
        return f"shorter than {MIN_SECRET_BYTES} bytes"
    if secret in PUBLISHED_SECRETS:
        return "published in the repository"
    counts = Counter(secret)
    frequency_bits = -sum(n * math.log2(n / len(secret)) for n in counts.values())
    compressed_bits = (len(zlib.compress(secret.encode(), 9)) - 8) * 8  # repeated patterns compress
    if min(frequency_bits, compressed_bits) < MIN_SECRET_BITS or len(counts) < 8:
        return "too predictable (repeated or few distinct characters)"
    return None


def secret_for(env: str, data_dir: Path, given: str | None) -> str:
    """The signing secret: EXPERTNET_SECRET_KEY when set; otherwise, outside production, a random
    one generated once per data directory (a file only its owner can read), so `make run` needs
    no set-up and no secret from the repository ever signs anything."""
    if given:
        return given
    if env == "production":
        raise ConfigError(f"EXPERTNET_SECRET_KEY: required in production (e.g. {secrets.token_urlsafe(48)!r})")
    path = data_dir / SECRET_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Written whole to a private temporary file, then linked into place: two processes starting
        # at once agree on one secret, and nobody reads a half-written file.
        tmp = data_dir / f".{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    if path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
    secret = path.read_text("utf-8").strip()
    if secret_problem(secret):
        raise ConfigError(f"{path}: not a usable secret; delete the file to generate a new one")
    return secret


def load_settings() -> Settings:
    env = _env("ENV", "development") or "development"
    data_dir = Path(_env("DATA_DIR", "var") or "var")
    database_url = _env("DATABASE_URL") or f"sqlite+aiosqlite:///{(data_dir / 'expertnet.db').as_posix()}"
    if database_url.startswith("postgresql://") or database_url.startswith("postgres://"):
        database_url = "postgresql+asyncpg://" + database_url.split("://", 1)[1]
    meili_url = _env("MEILI_URL")
    return Settings(
        env=env,
        data_dir=data_dir,
        database_url=database_url,
        meili_url=meili_url,
        meili_key=_env("MEILI_KEY"),
        meili_index_prefix=_env("MEILI_INDEX_PREFIX", "") or "",
        secret_key=secret_for(env, data_dir, _env("SECRET_KEY")),
        access_token_minutes=_int("ACCESS_TOKEN_MINUTES", 60),
        refresh_token_days=_int("REFRESH_TOKEN_DAYS", 14),
        session_idle_minutes=max(2, _int("SESSION_IDLE_MINUTES", 60)),
        session_max_hours=max(1, _int("SESSION_MAX_HOURS", 12)),
        session_warn_minutes=max(1, _int("SESSION_WARN_MINUTES", 5)),
        form_draft_minutes=max(1, _int("FORM_DRAFT_MINUTES", 30)),
        login_max_failures=_int("LOGIN_MAX_FAILURES", 5),
        login_window_seconds=_int("LOGIN_WINDOW_SECONDS", 900),
        login_max_failures_per_ip=_int("LOGIN_MAX_FAILURES_PER_IP", 50),
        login_max_delay_seconds=_int("LOGIN_MAX_DELAY_SECONDS", 60),
        register_max_per_ip=_int("REGISTER_MAX_PER_IP", 10),
        register_window_seconds=_int("REGISTER_WINDOW_SECONDS", 3600),
        invitation_hours=max(1, _int("INVITATION_HOURS", 72)),
        reset_minutes=max(5, _int("RESET_MINUTES", 60)),
        confirmation_hours=max(1, _int("CONFIRMATION_HOURS", 48)),
        reset_max_per_address=_int("RESET_MAX_PER_ADDRESS", 3),
        reset_max_per_ip=_int("RESET_MAX_PER_IP", 20),
        reset_window_seconds=_int("RESET_WINDOW_SECONDS", 3600),
        upload_max_bytes=_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024),
        smtp_host=_env("SMTP_HOST"),
        smtp_port=_int("SMTP_PORT", 25),
        smtp_user=_env("SMTP_USER"),
        smtp_password=_env("SMTP_PASSWORD"),
        smtp_starttls=_bool("SMTP_STARTTLS", False),
        mail_from=_env("MAIL_FROM", "desk@expertnet.example") or "desk@expertnet.example",
        base_url=_env("BASE_URL", "http://127.0.0.1:8000") or "http://127.0.0.1:8000",
        inline_worker=_bool("INLINE_WORKER", meili_url is None),
        background_jobs=_bool("BACKGROUND_JOBS", meili_url is None),
        job_interval_seconds=_int("JOB_INTERVAL_SECONDS", 30),
        outbox_batch_size=max(1, _int("OUTBOX_BATCH_SIZE", 20)),
        outbox_lease_seconds=max(0.5, _float("OUTBOX_LEASE_SECONDS", 30.0)),
        worker_poll_seconds=max(0.01, _float("WORKER_POLL_SECONDS", 0.2)),
        worker_backoff_max_seconds=max(0.1, _float("WORKER_BACKOFF_MAX_SECONDS", 30.0)),
        import_wait_seconds=max(0.0, _float("IMPORT_WAIT_SECONDS", 300.0)),
        require_admin_totp=_bool("REQUIRE_ADMIN_TOTP", env == "production"),
        default_vetting_months=_int("DEFAULT_VETTING_MONTHS", 24),
        embeddings=_bool("EMBEDDINGS", True),
        warm_up=_bool("WARM_UP", env != "test"),
        audit_key=_env("AUDIT_KEY"),
        audit_checkpoint_minutes=_int("AUDIT_CHECKPOINT_MINUTES", 5),
        retention_days=tuple(
            (key, _int(f"RETENTION_{key.upper()}_DAYS", days)) for key, days in RETENTION_DEFAULT_DAYS.items()
        ),
        retention_action=(_env("RETENTION_ACTION", "flag") or "flag").strip().lower(),
        retention_interval_minutes=_int("RETENTION_INTERVAL_MINUTES", 60),
        password_hash_profile=_env("PASSWORD_HASH_PROFILE", "standard") or "standard",
    ).validate()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
