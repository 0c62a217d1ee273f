"""Passwords (argon2id) and tokens (python-jose, HS256, strict claims)."""

import secrets
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from jose import JWTError, jwt

from expertnet.config import Settings
from expertnet.core import clock

HASH_PROFILES = {
    "standard": PasswordHasher(),  # argon2id with the library's current recommended parameters
    # Tests only (EXPERTNET_ENV=test): the same algorithm at the lowest cost, about 500 times cheaper.
    "test": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
}
_hasher = HASH_PROFILES["standard"]


def use_hash_profile(settings: Settings) -> None:
    """Choose this process's password hasher from the settings (the app and the CLI call it)."""
    global _hasher
    settings.check_hash_profile()  # refuses the test profile outside EXPERTNET_ENV=test
    _hasher = HASH_PROFILES[settings.password_hash_profile]


PASSWORD_MIN = 12
PASSWORD_MAX = 128


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    try:
        text = resources.files("expertnet.data").joinpath("common_passwords.txt").read_text("utf-8")
    except FileNotFoundError:
        return frozenset()
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def password_problem(password: str, *, email: str = "", full_name: str = "") -> str | None:
    """The reason a password is refused, or None."""
    if len(password) < PASSWORD_MIN:
        return f"must be at least {PASSWORD_MIN} characters"
    if len(password) > PASSWORD_MAX:
        return f"must be at most {PASSWORD_MAX} characters"
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(lowered)) < 4:
        return "is too common; choose a longer passphrase"
    local = email.split("@", 1)[0].lower()
    if local and len(local) >= 4 and local in lowered:
        return "must not contain your e-mail address"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> tuple[bool, str | None]:
    """(valid, new_hash): new_hash is set when the stored hash uses outdated parameters."""
    if not stored_hash:
        # Spend the same time as a real check so response time does not reveal which accounts exist.
        _hasher.hash(password)
        return False, None
    try:
        _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, None
    if _hasher.check_needs_rehash(stored_hash):
        return True, _hasher.hash(password)
    return True, None


ACCESS = "access"
REFRESH = "refresh"
ALGORITHM = "HS256"


@dataclass(frozen=True)
class TokenClaims:
    member_id: int
    token_type: str
    token_version: int
    expires_at: int
    jti: str = ""
    family: str = ""
    issued_at: int = 0
    session_start: int = 0  # page sessions: when the user signed in (the absolute cap counts from here)


def _key(settings: Settings) -> str:
    if len(settings.secret_key.encode()) < 32:
        raise RuntimeError("no signing secret of 32+ bytes configured (load_settings provides one)")
    return settings.secret_key


def issue_token(
    settings: Settings,
    member_id: int,
    token_version: int,
    token_type: str = ACCESS,
    *,
    jti: str | None = None,
    family: str | None = None,
    expires_at: int | None = None,
    session_start: int | None = None,
) -> str:
    now = int(clock.time())
    lifetime = settings.access_token_minutes * 60 if token_type == ACCESS else settings.refresh_token_days * 86400
    claims = {
        "sub": str(member_id),
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "nbf": now,
        "exp": expires_at if expires_at is not None else now + lifetime,
        "jti": jti or secrets.token_urlsafe(12),
        "typ": token_type,
        "ver": token_version,
    }
    if family:
        claims["fam"] = family
    if session_start is not None:
        claims["sst"] = session_start
    return jwt.encode(claims, _key(settings), algorithm=ALGORITHM)


class InvalidToken(Exception):
    pass


def _strict_decode(settings: Settings, token: str, *, check_expiry: bool = True) -> dict:
    """HS256 only; exp, iat, aud, iss and sub all required (python-jose accepts less by default).
    The times are checked here against core.clock (python-jose would read the system clock);
    `check_expiry=False` only to learn whose expired session a signed token was (web/session_keep)."""
    try:
        claims = jwt.decode(
            token,
            _key(settings),
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={
                "require_exp": True,
                "require_iat": True,
                "require_aud": True,
                "require_iss": True,
                "require_sub": True,
                "verify_exp": False,
                "verify_nbf": False,
            },
        )
    except JWTError as exc:
        raise InvalidToken(str(exc)) from exc
    now = clock.time()
    try:
        expires, not_before = int(claims["exp"]), int(claims.get("nbf", claims["iat"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidToken("malformed time claims") from exc
    if check_expiry and expires <= now:
        raise InvalidToken("Signature has expired.")
    if not_before > now:
        raise InvalidToken("The token is not yet valid (nbf)")
    return claims


def decode_token(
    settings: Settings, token: str, expected_type: str = ACCESS, *, check_expiry: bool = True
) -> TokenClaims:
    try:
        header = jwt.get_unverified_header(token)
    except JWTError as exc:
        raise InvalidToken("malformed token") from exc
    if header.get("alg") != ALGORITHM:
        raise InvalidToken("unexpected algorithm")
    claims = _strict_decode(settings, token, check_expiry=check_expiry)
    if claims.get("typ") != expected_type:
        raise InvalidToken("wrong token type")
    try:
        return TokenClaims(
            member_id=int(claims["sub"]),
            token_type=claims["typ"],
            token_version=int(claims["ver"]),
            expires_at=int(claims["exp"]),
            jti=str(claims.get("jti") or ""),
            family=str(claims.get("fam") or ""),
            issued_at=int(claims["iat"]),
            session_start=int(claims.get("sst") or claims["iat"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidToken("malformed claims") from exc


TOTP_SETUP = "totp_setup"


def issue_totp_setup_token(settings: Settings, member_id: int, secret: str) -> str:
    now = int(clock.time())
    claims = {
        "sub": str(member_id),
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + 600,
        "typ": TOTP_SETUP,
        "ver": 0,
        "totp": secret,
    }
    return jwt.encode(claims, _key(settings), algorithm=ALGORITHM)


def decode_totp_setup_token(settings: Settings, token: str, member_id: int) -> str:
    """The pending secret, if the token is ours, unexpired and for this member."""
    claims = _strict_decode(settings, token)
    if claims.get("typ") != TOTP_SETUP or claims.get("sub") != str(member_id) or not claims.get("totp"):
        raise InvalidToken("not a setup token for this account")
    return claims["totp"]
