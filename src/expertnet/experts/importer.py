"""Bulk import of the expert interchange format (JSON Lines). All or nothing.

Validation runs over the whole file first; any bad line means nothing is written and every bad
line is reported as `line N: field: reason`. Writes are set-based (a few statements per chunk of
1,000 lines), never a round trip per row.
"""
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from pydantic import ValidationError
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.config import Settings
from expertnet.core import audit
from expertnet.core.models import OutboxEvent
from expertnet.db import utcnow
from expertnet.experts.models import Expert
from expertnet.experts.schemas import ImportRecord
from expertnet.members.models import Member, Role, VettingDecision

CHUNK = 1000
PROFILE_FIELDS = (
    "organisation",
    "org_type",
    "country",
    "coverage_countries",
    "languages",
    "categories",
    "specialties",
    "bio",
    "available",
    "max_open_consultations",
    "market_ties",
)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)
    expert_ids: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _reason(err: dict) -> str:
    message = err.get("msg", "invalid")
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix):]
    if err.get("type") == "extra_forbidden":
        message = "unknown field"
    return message


def parse(lines: Iterable[str]) -> tuple[list[tuple[int, ImportRecord]], list[str]]:
    """Validate every line. Returns (records with their line numbers, errors)."""
    records: list[tuple[int, ImportRecord]] = []
    errors: list[str] = []
    seen_ids: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"line {number}: json: malformed JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(obj, dict):
            errors.append(f"line {number}: json: expected an object, got {type(obj).__name__}")
            continue
        try:
            record = ImportRecord.model_validate(obj)
        except ValidationError as exc:
            for err in exc.errors():
                name = ".".join(str(p) for p in err["loc"] if not isinstance(p, int)) or "line"
                errors.append(f"line {number}: {name}: {_reason(err)}")
            continue
        first = seen_ids.get(record.external_id)
        if first is not None:
            errors.append(f"line {number}: external_id: duplicate of line {first} ({record.external_id!r})")
            continue
        seen_ids[record.external_id] = number
        email = record.email.lower()
        first = seen_emails.get(email)
        if first is not None:
            errors.append(f"line {number}: email: already used on line {first}")
            continue
        seen_emails[email] = number
        records.append((number, record))
    return records, errors


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def apply(
    session: AsyncSession,
    settings: Settings,
    records: list[tuple[int, ImportRecord]],
    *,
    actor_id: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Write validated records. On any conflict with the database, returns errors and writes nothing
    (the caller rolls back)."""
    result = ImportResult()
    now = utcnow()
    vetted_until = now + timedelta(days=30 * settings.default_vetting_months)
    for chunk in _chunks(records, CHUNK):
        ext_ids = [r.external_id for _, r in chunk]
        emails = [r.email.lower() for _, r in chunk]
        rows = await session.execute(
            select(Expert, Member).join(Member, Member.id == Expert.member_id).where(Expert.external_id.in_(ext_ids))
        )
        existing = {expert.external_id: (expert, member) for expert, member in rows.all()}
        email_owner = dict((await session.execute(select(Member.email, Member.id).where(Member.email.in_(emails)))).all())

        new_rows: list[tuple[int, ImportRecord]] = []
        for number, record in chunk:
            email = record.email.lower()
            current = existing.get(record.external_id)
            owner = email_owner.get(email)
            if owner is not None and (current is None or current[1].id != owner):
                result.errors.append(f"line {number}: email: already belongs to another member")
                continue
            if current is None:
                new_rows.append((number, record))
        if result.errors:
            continue

        # New experts: members first (ids via RETURNING), then profiles.
        if new_rows:
            member_rows = [
                {
                    "email": r.email.lower(),
                    "full_name": r.full_name,
                    "password_hash": None,
                    "role": Role.expert.value,
                    "vetting_status": r.vetting_status,
                    "vetted_until": vetted_until if r.vetting_status == "approved" else None,
                    "organisation": r.organisation,
                    "position": "",
                    "country": r.country,
                    "languages": r.languages,
                    "application_statement": "",
                    "referee": "",
                    "application_submitted_at": None,
                    "ui_language": "en",
                    "token_version": 0,
                    "totp_secret": None,
                    "totp_last_step": None,
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
                for _, r in new_rows
            ]
            # Plain executemany (no RETURNING): one driver call per table; ids are read back by
            # their unique keys, which is far cheaper than row-by-row RETURNING on SQLite.
            await session.execute(insert(Member.__table__), member_rows)
            emails_new = [r.email.lower() for _, r in new_rows]
            id_by_email = dict((await session.execute(select(Member.email, Member.id).where(Member.email.in_(emails_new)))).all())
            ids = [id_by_email[email] for email in emails_new]
            expert_rows = [
                {
                    "member_id": member_id,
                    "external_id": r.external_id,
                    **{name: getattr(r, name) for name in PROFILE_FIELDS},
                    "away_until": None,
                    "open_consultations": 0,
                    "market_ties_detail": "",
                    "conflicts": [],
                    "offers_received": 0,
                    "offers_answered": 0,
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
                for member_id, (_, r) in zip(ids, new_rows, strict=True)
            ]
            await session.execute(insert(Expert.__table__), expert_rows)
            ext_new = [r.external_id for _, r in new_rows]
            expert_ids = list((await session.execute(select(Expert.id).where(Expert.external_id.in_(ext_new)))).scalars())
            result.expert_ids.extend(expert_ids)
            await session.execute(
                insert(VettingDecision.__table__),
                [
                    {
                        "member_id": member_id,
                        "admin_id": actor_id,
                        "decision": "imported",
                        "reason": f"imported with status {r.vetting_status}",
                        "vetted_until": vetted_until if r.vetting_status == "approved" else None,
                        "created_at": now,
                    }
                    for member_id, (_, r) in zip(ids, new_rows, strict=True)
                ],
            )
            result.created += len(new_rows)

        # Existing experts: update only what changed.
        member_updates, expert_updates, decisions = [], [], []
        for _, record in chunk:
            current = existing.get(record.external_id)
            if current is None:
                continue
            expert, member = current
            expert_changes = {n: getattr(record, n) for n in PROFILE_FIELDS if getattr(expert, n) != getattr(record, n)}
            member_changes = {}
            if member.full_name != record.full_name:
                member_changes["full_name"] = record.full_name
            if member.email != record.email.lower():
                member_changes["email"] = record.email.lower()
            if member.vetting_status != record.vetting_status:
                member_changes["vetting_status"] = record.vetting_status
                if record.vetting_status == "approved":
                    member_changes["vetted_until"] = vetted_until
                if record.vetting_status in ("rejected", "suspended"):
                    member_changes["token_version"] = member.token_version + 1
                decisions.append(
                    {
                        "member_id": member.id,
                        "admin_id": actor_id,
                        "decision": "imported",
                        "reason": f"re-import changed status {member.vetting_status} -> {record.vetting_status}",
                        "vetted_until": member_changes.get("vetted_until", member.vetted_until),
                        "created_at": now,
                    }
                )
            if not expert_changes and not member_changes:
                result.unchanged += 1
                continue
            if expert_changes:
                expert_updates.append({"id": expert.id, **expert_changes, "version": expert.version + 1, "updated_at": now})
            if member_changes:
                member_updates.append({"id": member.id, **member_changes, "version": member.version + 1, "updated_at": now})
            result.expert_ids.append(expert.id)
            result.updated += 1
        if expert_updates:
            await session.execute(update(Expert), expert_updates)
        if member_updates:
            await session.execute(update(Member), member_updates)
        if decisions:
            await session.execute(insert(VettingDecision), decisions)
        if progress:
            progress(len(chunk))

    if result.errors or not result.expert_ids:
        return result
    # One outbox event per chunk of ids, in the same transaction as the rows.
    await session.execute(
        insert(OutboxEvent),
        [
            {
                "topic": "index.expert",
                "key": "import",
                "payload": {"ids": ids},
                "created_at": now,
                "available_at": now,
                "processed_at": None,
                "attempts": 0,
                "last_error": "",
            }
            for ids in _chunks(result.expert_ids, CHUNK)
        ],
    )
    session.info["outbox_dirty"] = True
    await audit.record(
        session,
        "experts.import",
        actor_id=actor_id,
        object_type="expert",
        detail={"created": result.created, "updated": result.updated, "unchanged": result.unchanged},
    )
    return result
