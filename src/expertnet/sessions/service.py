"""Page sessions and kept forms. Services never commit: the request or the job owns the transaction.

A page session is a signed access token in the HttpOnly cookie. Its `exp` is the idle deadline;
its `sst` claim is when the member signed in. While the member is active the token is replaced by
one with a later `exp`, never later than `sst` + session_max_hours. Everything the decision needs
is in the token, so any number of app processes agree without shared memory; revocation stays
the member's `token_version` in the database (logout, password change, suspension, second factor).
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.config import Settings
from expertnet.core import audit, clock
from expertnet.core.models import pk
from expertnet.core.security import ACCESS, TokenClaims, issue_token
from expertnet.db import utcnow
from expertnet.sessions import repository
from expertnet.sessions.models import FormDraft


@dataclass(frozen=True)
class PageSession:
    token: str
    expires_at: int  # epoch seconds: the idle deadline (or the absolute cap, whichever is first)
    ends_at: int  # epoch seconds: the absolute cap


def _cap(settings: Settings, session_start: int) -> int:
    return session_start + settings.session_max_hours * 3600


def _deadline(settings: Settings, session_start: int, now: int) -> int:
    return min(now + settings.session_idle_minutes * 60, _cap(settings, session_start))


def start(settings: Settings, member_id: int, token_version: int) -> PageSession:
    """A new page session at sign-in."""
    now = int(clock.time())
    expires = _deadline(settings, now, now)
    token = issue_token(settings, member_id, token_version, ACCESS, expires_at=expires, session_start=now)
    return PageSession(token, expires, _cap(settings, now))


def renewal(settings: Settings, claims: TokenClaims, *, force: bool = False) -> PageSession | None:
    """The renewed session for an activity now, or None when the cookie can stay as it is.

    Renewed only once past half the idle window (so most requests send no new cookie), or on
    `force` (the "stay signed in" button); never past the absolute cap."""
    now = int(clock.time())
    cap = _cap(settings, claims.session_start)
    expires = _deadline(settings, claims.session_start, now)
    if expires <= claims.expires_at:
        return None  # at the cap already: the session ends when the token does
    remaining = claims.expires_at - now
    if not force and remaining > settings.session_idle_minutes * 60 / 2:
        return None
    token = issue_token(
        settings,
        claims.member_id,
        claims.token_version,
        ACCESS,
        expires_at=expires,
        session_start=claims.session_start,
    )
    return PageSession(token, expires, cap)


# --------------------------------------------------------------------------- kept forms

# Never kept: secrets, and what the pages add themselves.
SKIPPED_FIELDS = frozenset(
    {
        "_csrf_token",
        "_form_page",
        "password",
        "password_confirm",
        "current_password",
        "new_password",
        "new_password_confirm",
        "totp_code",
        "code",
        "recovery_code",
    }
)
MAX_DRAFT_CHARS = 200_000
MAX_DRAFTS_PER_MEMBER = 5


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def keepable(fields: dict[str, Any]) -> dict[str, str | list[str]]:
    """The text fields of a posted form, without secrets and files, within MAX_DRAFT_CHARS."""
    kept: dict[str, str | list[str]] = {}
    size = 0
    for name, value in fields.items():
        if name in SKIPPED_FIELDS or len(name) > 100:
            continue
        values = value if isinstance(value, list) else [value]
        texts = [v for v in values if isinstance(v, str)]
        if not texts:
            continue  # files: the browser cannot be given them back
        size += len(name) + sum(len(v) for v in texts)
        if size > MAX_DRAFT_CHARS:
            break
        kept[name] = texts if isinstance(value, list) else texts[0]
    return kept


async def keep_form(
    session: AsyncSession, settings: Settings, member_id: int, page: str, fields: dict[str, Any], ip: str = ""
) -> str | None:
    """Keep a form posted after the session ended; the random key goes to the browser only."""
    kept = keepable(fields)
    if not kept:
        return None
    now = utcnow()
    await repository.forget_expired(session, now)
    for old in (await repository.drafts_of(session, member_id))[MAX_DRAFTS_PER_MEMBER - 1 :]:
        await repository.remove(session, pk(old))
    key = secrets.token_urlsafe(32)
    draft = FormDraft(
        key_hash=_hash(key),
        member_id=member_id,
        page=page,
        fields=kept,
        expires_at=now + timedelta(minutes=settings.form_draft_minutes),
    )
    session.add(draft)
    await session.flush()
    await audit.record(
        session,
        "session.form_kept",
        actor_id=member_id,
        object_type="form_draft",
        object_id=pk(draft),
        ip=ip,
        detail={"page": page, "fields": sorted(kept)},
    )
    return key


async def form_waits(session: AsyncSession, key: str, member_id: int, page: str) -> bool:
    """Whether a kept form waits for this member on this page (a read: most pages have none)."""
    draft = await repository.by_key(session, _hash(key))
    return draft is not None and draft.member_id == member_id and draft.page == page


async def take_form(session: AsyncSession, key: str, member_id: int, page: str) -> dict[str, Any] | None:
    """The kept fields for this member on this page, once; None when there are none (or they ran out)."""
    draft = await repository.by_key(session, _hash(key))
    if draft is None or draft.member_id != member_id or draft.page != page:
        return None
    if not await repository.remove(session, pk(draft)):
        return None  # another request took it first
    if draft.expires_at <= utcnow():
        return None
    await audit.record(
        session, "session.form_restored", actor_id=member_id, object_type="form_draft", object_id=pk(draft)
    )
    return dict(draft.fields)
