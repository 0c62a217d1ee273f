"""Second-factor recovery codes, and the secretariat's reset of a member's second factor.

Ten one-time codes of 80 random bits each, shown once when made; only their SHA-256 is stored
(at 80 bits a plain hash cannot be searched, and a lookup needs no slow hash per code). A code
stands in for the authenticator's code at sign-in, once. Making new codes ends the old ones and
needs the password or a current code, like every change of the second factor.
Services never commit: the request owns the transaction.
"""

import hashlib
import secrets

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from expertnet.config import Settings
from expertnet.core import audit, outbox
from expertnet.core.auth import Principal
from expertnet.core.errors import Conflict, Forbidden, field_error
from expertnet.core.models import pk
from expertnet.db import utcnow
from expertnet.members.models import Member, RecoveryCode
from expertnet.members.schemas import RecoveryCodesOut, SecondFactorOut
from expertnet.members.service import get_member

CODE_COUNT = 10
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 symbols, none to confuse (0/O, 1/I)
_GROUPS, _GROUP = 4, 4  # 16 symbols x 5 bits = 80 bits, shown as XXXX-XXXX-XXXX-XXXX
RESET_KIND = "second_factor_reset"  # a kind of the notifications' "notify" contract (ACCOUNT_KINDS)
NOTIFY = "notify"  # the outbox topic of notifications (members sits below them: no import)


def _new_code() -> str:
    symbols = "".join(secrets.choice(_ALPHABET) for _ in range(_GROUPS * _GROUP))
    return "-".join(symbols[i : i + _GROUP] for i in range(0, len(symbols), _GROUP))


def normalize(code: str) -> str | None:
    """The code as stored (upper case, no separators), or None when it is not shaped like one."""
    compact = "".join(ch for ch in code.upper() if ch not in " -")
    if len(compact) != _GROUPS * _GROUP or any(ch not in _ALPHABET for ch in compact):
        return None
    return compact


def _hash(compact: str) -> str:
    return hashlib.sha256(compact.encode()).hexdigest()


# --------------------------------------------------------------------------- queries


async def _forget(session: AsyncSession, member_id: int) -> None:
    await session.execute(delete(RecoveryCode).where(col(RecoveryCode.member_id) == member_id))


async def remaining(session: AsyncSession, member_id: int) -> int:
    query = select(func.count()).where(col(RecoveryCode.member_id) == member_id, col(RecoveryCode.used_at).is_(None))
    return int((await session.execute(query)).scalar_one())


async def _spend(session: AsyncSession, member_id: int, code_hash: str) -> bool:
    """Mark the code used; False when it is unknown or was used before (also by a racing sign-in)."""
    result = await session.execute(
        update(RecoveryCode)
        .where(
            col(RecoveryCode.member_id) == member_id,
            col(RecoveryCode.code_hash) == code_hash,
            col(RecoveryCode.used_at).is_(None),
        )
        .values(used_at=utcnow())
    )
    return getattr(result, "rowcount", 0) == 1


# --------------------------------------------------------------------------- services


async def status(session: AsyncSession, member: Member) -> SecondFactorOut:
    return SecondFactorOut(
        member_id=pk(member),
        totp_enabled=bool(member.totp_secret),
        recovery_codes_left=await remaining(session, pk(member)),
    )


async def regenerate(
    session: AsyncSession,
    settings: Settings,
    principal: Principal,
    password: str | None,
    code: str | None,
    ip: str = "",
) -> RecoveryCodesOut:
    """New recovery codes (the old ones end), after the password or a current code."""
    from expertnet.members.auth import reauthenticate  # auth uses `use_at_sign_in` from here

    member = await get_member(session, principal.id, for_update=True)
    if not member.totp_secret:
        raise field_error("code", "turn the second factor on first; recovery codes stand in for it")
    await reauthenticate(session, settings, member, password, code, ip)
    return await issue_codes(session, member, ip)


async def issue_codes(session: AsyncSession, member: Member, ip: str = "") -> RecoveryCodesOut:
    """New codes for a member who has just proved it is them (re-entered the password or a code,
    or confirmed a new authenticator): the old codes end."""
    await _forget(session, pk(member))
    codes = [_new_code() for _ in range(CODE_COUNT)]
    for shown in codes:
        session.add(RecoveryCode(member_id=pk(member), code_hash=_hash(normalize(shown) or "")))
    await audit.record(
        session,
        "member.recovery_codes_generated",
        actor_id=pk(member),
        object_type="member",
        object_id=pk(member),
        ip=ip,
        detail={"count": CODE_COUNT},
    )
    return RecoveryCodesOut(codes=codes)


async def use_at_sign_in(session: AsyncSession, member: Member, code: str | None, ip: str = "") -> bool:
    """True when `code` is one of the member's unused recovery codes; it is used up now."""
    compact = normalize(code or "")
    if compact is None or not await _spend(session, pk(member), _hash(compact)):
        return False
    await audit.record(
        session,
        "member.recovery_code_used",
        actor_id=pk(member),
        object_type="member",
        object_id=pk(member),
        ip=ip,
        detail={"left": await remaining(session, pk(member))},
    )
    return True


async def forget_codes(session: AsyncSession, member_id: int) -> None:
    """The second factor went off: its recovery codes go with it."""
    await _forget(session, member_id)


async def reset(session: AsyncSession, admin: Principal, member_id: int, reason: str, ip: str = "") -> SecondFactorOut:
    """The secretariat turns a member's second factor off (a lost device, no codes left): the
    member's sessions end, the member signs in with the password and sets up a new one. Audited,
    and the member is told by e-mail (through the outbox) in case it was not their request."""
    if member_id == admin.id:
        raise Forbidden("admins cannot reset their own second factor; turn it off with your password instead")
    member = await get_member(session, member_id, for_update=True)
    if not member.totp_secret:
        raise Conflict("this member has no second factor to reset")
    member.totp_secret = None
    member.totp_last_step = None
    member.token_version += 1
    member.updated_at = utcnow()
    await _forget(session, member_id)
    await audit.record(
        session,
        "member.totp_reset",
        actor_id=admin.id,
        object_type="member",
        object_id=member_id,
        reason=reason,
        ip=ip,
    )
    outbox.emit(
        session,
        NOTIFY,
        f"member.{member_id}",
        {
            "member_ids": [member_id],
            "kind": RESET_KIND,
            "subject": "Your second factor was reset",
            "body": "The network secretariat turned off the second factor of your account. Sign in with "
            "your password and set up a new one. If you did not ask for this, contact the secretariat at once.",
            "url": "/login",
            "consultation_id": None,
        },
    )
    return await status(session, member)
