"""Audit log: who read or changed what, when and why. Append-only, with evidence that survives an
insider who holds the database.

- Every row carries its position in the chain (`seq`, 1, 2, 3 ...) and an HMAC-SHA256 over its
  content, its position and the previous row's MAC, under the audit key. The key is not in the
  database (`EXPERTNET_AUDIT_KEY`; in development a random file under the data directory), so
  someone who edits, deletes, inserts or reorders rows cannot recompute the chain after them.
- What the chain cannot show alone is rows cut from its end. Checkpoints close that gap: from time
  to time the worker (and `expertnet audit checkpoint`) signs (checkpoint number, row count, MAC of
  the last row) and writes it outside the database, to a JSON-lines file under the data directory
  and to the log. `verify` checks the chain against the last checkpoint: fewer rows, or another
  row at the checkpoint's position, is a deletion or truncation.
"""

import fcntl
import hashlib
import hmac
import json
import logging
import os
import secrets
import stat
from collections.abc import Iterable, Mapping
from typing import Any
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.config import ConfigError, Settings
from expertnet.core.models import AuditEntry
from expertnet.db import utcnow
from sqlmodel import col

log = logging.getLogger("expertnet.audit")

GENESIS = "0" * 64
KEY_FILE = "audit.key"
CHECKPOINT_FILE = "audit-checkpoints.jsonl"
MAX_PROBLEMS = 10
_FIELDS = ("seq", "prev_hash", "at", "actor_id", "action", "object_type", "object_id", "reason", "ip", "detail")


# --------------------------------------------------------------------------- the key


def key_of(settings: Settings) -> bytes:
    """The audit key: EXPERTNET_AUDIT_KEY, or in development a random key made once per data
    directory (a file only its owner may read). Production has no fallback (see config.validate)."""
    if settings.audit_key:
        return settings.audit_key.encode("utf-8")
    if not settings.is_dev:
        raise ConfigError("EXPERTNET_AUDIT_KEY: required outside development")
    return _dev_key(Path(settings.data_dir).resolve())


@lru_cache(maxsize=64)
def _dev_key(data_dir: Path) -> bytes:
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = data_dir / f".{KEY_FILE}.{secrets.token_hex(6)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)  # atomic, and never replaces a key another process made first
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(f"{path}: the audit key may be read by others (mode {mode:o}); chmod 600 it")
    key = path.read_bytes().strip()
    if len(key) < 32:
        raise ConfigError(f"{path}: the audit key is shorter than 32 bytes")
    return key


def _session_key(session: AsyncSession) -> bytes:
    settings = session.info.get("settings")
    if settings is None:
        raise RuntimeError("audit: the session has no settings; open it through expertnet.db.Database")
    return key_of(settings)


# --------------------------------------------------------------------------- the chain


def _canonical(values: Mapping[Any, Any]) -> bytes:
    at = values["at"]
    body = {
        "seq": values["seq"],
        "prev": values["prev_hash"],
        "at": at.isoformat() if isinstance(at, datetime) else str(at),
        "actor": values["actor_id"],
        "action": values["action"],
        "type": values["object_type"],
        "id": values["object_id"],
        "reason": values["reason"],
        "ip": values["ip"],
        "detail": values["detail"],
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")


def mac(key: bytes, values: Mapping[Any, Any]) -> str:
    """The MAC of one row (a mapping with the AuditEntry fields, `seq` and `prev_hash` included)."""
    return hmac.new(key, b"audit-row:" + _canonical(values), hashlib.sha256).hexdigest()


def _values(entry: AuditEntry) -> dict:
    return {name: getattr(entry, name) for name in _FIELDS}


async def record(
    session: AsyncSession,
    action: str,
    *,
    actor_id: int | None,
    object_type: str = "",
    object_id: str | int = "",
    reason: str = "",
    ip: str = "",
    detail: dict | None = None,
) -> AuditEntry:
    key = _session_key(session)
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        # Serialise writers of the chain so that no two rows share a position or a predecessor.
        # (SQLite: every transaction takes the write lock when it begins; see db.py.)
        await session.execute(text("SELECT pg_advisory_xact_lock(7243001)"))
    last = (
        await session.execute(
            select(col(AuditEntry.seq), col(AuditEntry.hash)).order_by(col(AuditEntry.seq).desc()).limit(1)
        )
    ).first()
    entry = AuditEntry(
        seq=(last.seq + 1) if last else 1,
        at=utcnow(),
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        reason=reason[:1000],
        ip=ip[:64],
        detail=json.loads(json.dumps(detail or {}, default=str)),
        prev_hash=last.hash if last else GENESIS,
    )
    entry.hash = mac(key, _values(entry))
    session.add(entry)
    await session.flush()
    return entry


# --------------------------------------------------------------------------- checkpoints


@dataclass(frozen=True)
class Checkpoint:
    """Signed: the chain had `count` rows and its last row's MAC was `head` at time `at`."""

    seq: int  # the checkpoint's own number; each one names its predecessor's MAC in `prev`
    count: int
    head: str
    at: str
    prev: str
    mac: str = ""

    def signed(self, key: bytes) -> "Checkpoint":
        return replace(self, mac=_checkpoint_mac(key, self))

    def valid(self, key: bytes) -> bool:
        return hmac.compare_digest(self.mac, _checkpoint_mac(key, self))

    def line(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def _checkpoint_mac(key: bytes, cp: Checkpoint) -> str:
    body = json.dumps({"seq": cp.seq, "count": cp.count, "head": cp.head, "at": cp.at, "prev": cp.prev}, sort_keys=True)
    return hmac.new(key, b"audit-checkpoint:" + body.encode("utf-8"), hashlib.sha256).hexdigest()


def checkpoint_path(settings: Settings) -> Path:
    return Path(settings.data_dir) / CHECKPOINT_FILE


def parse_checkpoints(lines: Iterable[str]) -> list[Checkpoint]:
    """Checkpoints from the file, or from log lines that carry one (`... audit checkpoint {json}`)."""
    found = []
    for line in lines:
        start = line.find("{")
        if start < 0:
            continue
        try:
            data = json.loads(line[start:])
            found.append(Checkpoint(**{k: data[k] for k in ("seq", "count", "head", "at", "prev", "mac")}))
        except (ValueError, KeyError, TypeError):
            raise ValueError(f"not a checkpoint: {line.strip()[:120]!r}") from None
    return found


def read_checkpoints(path: Path) -> list[Checkpoint]:
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as fh:
        return parse_checkpoints(fh)


def _last_checkpoint(fh) -> Checkpoint | None:
    fh.seek(0, os.SEEK_END)
    size = fh.tell()
    fh.seek(max(0, size - 4096))
    lines = [line for line in fh.read().splitlines() if line.strip()]
    return parse_checkpoints(lines[-1:])[0] if lines else None


async def _head(session: AsyncSession) -> tuple[int, str]:
    last = (
        await session.execute(
            select(col(AuditEntry.seq), col(AuditEntry.hash)).order_by(col(AuditEntry.seq).desc()).limit(1)
        )
    ).first()
    return (last.seq, last.hash) if last else (0, GENESIS)


async def checkpoint(
    session: AsyncSession, settings: Settings, *, min_age: timedelta | None = None
) -> Checkpoint | None:
    """Sign the chain's current length and head, after checking the rows added since the last
    checkpoint (a broken chain is never signed: that would launder the tampering). With `min_age`
    (the worker), nothing is written while the chain is unchanged or the last checkpoint is younger."""
    key = key_of(settings)
    path = checkpoint_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "r+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # several workers on one machine: one writer at a time
        last = _last_checkpoint(fh)
        if last is not None and not last.valid(key):
            raise ChainBroken([f"checkpoint #{last.seq} in {path}: bad signature; not signed"])
        count, head = await _head(session)
        if min_age is not None and last is not None:
            age = utcnow() - datetime.fromisoformat(last.at)
            if (last.count, last.head) == (count, head) or age < min_age:
                return None
        report = await verify(session, key, [last] if last else [], since=last)
        if not report.intact:
            raise ChainBroken(report.problems)
        cp = Checkpoint(
            seq=(last.seq + 1) if last else 1,
            count=report.rows,
            head=report.head,
            at=utcnow().isoformat(),
            prev=last.mac if last else GENESIS,
        ).signed(key)
        fh.write(cp.line() + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    log.info("audit checkpoint %s", cp.line())
    return cp


class ChainBroken(RuntimeError):
    def __init__(self, problems: list[str]):
        super().__init__("audit chain broken, checkpoint not signed: " + "; ".join(problems))
        self.problems = problems


# --------------------------------------------------------------------------- verification


@dataclass
class Report:
    rows: int = 0
    head: str = GENESIS
    problems: list[str] = field(default_factory=list)
    first_broken_id: int | None = None
    checkpoint: Checkpoint | None = None  # the last valid one checked against

    @property
    def intact(self) -> bool:
        return not self.problems

    @property
    def status(self) -> str:
        """intact | tampered | unanchored (no checkpoint: rows cut from the end cannot be ruled out)."""
        if self.problems:
            return "tampered"
        return "intact" if self.checkpoint else "unanchored"

    def message(self) -> str:
        if self.problems:
            return "audit log TAMPERED: " + "; ".join(self.problems)
        if self.checkpoint is None:
            return (
                f"chain intact ({self.rows} rows), but no checkpoint to compare with: "
                "rows deleted from the end cannot be ruled out"
            )
        cp = self.checkpoint
        return f"audit log intact: {self.rows} rows; matches checkpoint #{cp.seq} ({cp.count} rows, {cp.at})"

    def problem(self, text_: str, row_id: int | None = None) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text_)
        if row_id is not None and self.first_broken_id is None:
            self.first_broken_id = row_id


def _check_checkpoints(report: Report, key: bytes, checkpoints: list[Checkpoint]) -> Checkpoint | None:
    """The last checkpoint that can be trusted: signatures, numbering and links checked."""
    good = None
    for i, cp in enumerate(checkpoints):
        if not cp.valid(key):
            report.problem(f"checkpoint #{cp.seq} ({cp.at}): bad signature; the checkpoint file was altered")
            continue
        before = checkpoints[i - 1] if i else None
        if before is not None and (cp.seq != before.seq + 1 or cp.prev != before.mac or cp.count < before.count):
            report.problem(
                f"checkpoint #{cp.seq}: does not follow checkpoint #{before.seq}; checkpoints removed or reordered"
            )
        good = cp
    return good


async def verify(
    session: AsyncSession, key: bytes, checkpoints: list[Checkpoint], *, since: Checkpoint | None = None
) -> Report:
    """Walk the chain in order (streamed; with `since`, only the rows after that checkpoint) and
    compare it with the last checkpoint."""
    report = Report()
    anchor = _check_checkpoints(report, key, checkpoints)
    report.checkpoint = anchor
    prev, expected, last_id = GENESIS, 1, 0
    at_anchor = GENESIS if anchor is not None and anchor.count == 0 else None
    # Plain rows, not ORM objects: the walk is bounded by the MAC, not by object loading.
    columns = [getattr(AuditEntry, name) for name in ("id", "hash", *_FIELDS)]
    query = select(*columns).order_by(col(AuditEntry.seq))
    if since is not None:
        prev, expected, report.rows, report.head = since.head, since.count + 1, since.count, since.head
        query = query.where(col(AuditEntry.seq) > since.count)
        if since.count:
            signed = (
                await session.execute(select(col(AuditEntry.hash)).where(col(AuditEntry.seq) == since.count))
            ).scalar()
            if signed != since.head:
                report.problem(f"the row at position {since.count} is not the one checkpoint #{since.seq} signed")
    result = await session.stream(query.execution_options(yield_per=5000))
    async for row in result.mappings():
        seq, row_id = row["seq"], row["id"]
        where = f"row {row_id} (position {seq})"
        if seq != expected:
            report.problem(f"{where}: positions {expected}..{seq - 1} are missing; rows were deleted", row_id)
        elif row["prev_hash"] != prev:
            report.problem(
                f"{where}: does not follow the row before it; rows were deleted, inserted or reordered", row_id
            )
        if not hmac.compare_digest(row["hash"], mac(key, row)):
            report.problem(f"{where}: altered (its MAC does not match its content)", row_id)
        if row_id <= last_id:
            report.problem(f"{where}: out of order; rows were reordered", row_id)
        if anchor is not None and seq == anchor.count:
            at_anchor = row["hash"]
        prev, expected, last_id = row["hash"], seq + 1, row_id
        report.rows += 1
        report.head = row["hash"]
    if anchor is not None:
        if report.rows < anchor.count:
            cut = "truncated" if report.rows == 0 else "rows were deleted"
            report.problem(
                f"the chain has {report.rows} rows, checkpoint #{anchor.seq} ({anchor.at}) recorded {anchor.count}: {cut}"
            )
        elif at_anchor is not None and at_anchor != anchor.head:
            report.problem(f"the row at position {anchor.count} is not the one checkpoint #{anchor.seq} signed")
    return report


async def verify_chain(session: AsyncSession) -> tuple[bool, int | None]:
    """(intact, id of the first broken row), against the checkpoint file of the session's settings."""
    report = await verify_stored(session)
    return report.intact, report.first_broken_id


async def verify_stored(session: AsyncSession, checkpoints: list[Checkpoint] | None = None) -> Report:
    """The full check: the whole chain against the checkpoint file (or the checkpoints given)."""
    settings = session.info["settings"]
    if checkpoints is None:
        checkpoints = read_checkpoints(checkpoint_path(settings))
    return await verify(session, key_of(settings), checkpoints)
