"""Attachments on a consultation: photos and PDFs, checked by content, never trusted by name.

- The type comes from the file's first bytes (JPEG, PNG, WebP, PDF) against an allow-list; the
  client's filename and content type are ignored for that decision. A name whose extension claims
  another type than the content is refused as disguised.
- Size is capped at `settings.upload_max_bytes`; nothing is written before every check passed.
- Files live under `settings.upload_dir / "consultations"` with a generated name (uuid); the
  SHA-256 is recorded, and the original name is kept only as sanitised metadata.
- Every view and download is written to the audit log; only participants and admins get them.
- Writing goes to a temporary file, fsync, rename; on any error the temporary file is removed and
  the upload answers 507 (disk full) or 503; start-up sweeps stale temporary files.
"""

import errno
import hashlib
import logging
import os
import re
import time
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.config import Settings
from expertnet.consultations import effects, repository
from expertnet.consultations.access import ADMIN, ASSIGNED, REQUESTER, Ctx, access, deny
from expertnet.consultations.models import ASSIGNED_STATUSES, TERMINAL_STATUSES, Attachment, Status
from expertnet.consultations.schemas import AttachmentOut
from expertnet.core import audit
from expertnet.core.errors import AppError, Conflict, Forbidden, NotFound, field_error
from expertnet.db import utcnow
from expertnet.core.models import pk
from expertnet.objects import photos

log = logging.getLogger(__name__)

SUBDIR = "consultations"
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class FileType:
    name: str
    content_type: str
    extensions: tuple[str, ...]


JPEG = FileType("JPEG", "image/jpeg", (".jpg", ".jpeg", ".jpe", ".jfif"))
PNG = FileType("PNG", "image/png", (".png",))
WEBP = FileType("WebP", "image/webp", (".webp",))
PDF = FileType("PDF", "application/pdf", (".pdf",))
ALLOWED = (JPEG, PNG, WEBP, PDF)


def sniff(head: bytes) -> FileType | None:
    """The allowed type whose signature the content starts with, else None."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    return None


_UNSAFE = re.compile(r"[^\w.\- ()\[\]]+", re.UNICODE)


def sanitise_filename(name: str | None, kind: FileType) -> str:
    """A display name: no path, no control or markup characters, at most 120 characters, ending
    in the extension of the type actually found."""
    name = unicodedata.normalize("NFKC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    stem, ext = os.path.splitext(name)
    stem = _UNSAFE.sub("_", stem).strip(" ._") or "attachment"
    stem = re.sub(r"_+", "_", stem)[:100]
    ext = ext.lower() if ext.lower() in kind.extensions else kind.extensions[0]
    return f"{stem}{ext}"


class TooLarge(AppError):
    def __init__(self, limit: int):
        super().__init__(413, f"file: larger than the limit of {limit} bytes")


def _claimed_type(filename: str | None) -> FileType | None:
    ext = os.path.splitext((filename or "").replace("\\", "/").rsplit("/", 1)[-1])[1].lower()
    if not ext:
        return None
    for kind in ALLOWED:
        if ext in kind.extensions:
            return kind
    return FileType("unknown", "", (ext,))


def storage_dir(settings: Settings) -> Path:
    return Path(settings.upload_dir) / SUBDIR


def stored_path(settings: Settings, attachment: Attachment) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}", attachment.stored_name):
        raise NotFound("attachment: file missing")
    return storage_dir(settings) / attachment.stored_name


async def _read_checked(upload, limit: int) -> tuple[bytes, FileType]:
    """Read the upload (bounded), check size and content type; nothing is written here."""
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await upload.read(CHUNK)
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise TooLarge(limit)
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data:
        raise field_error("file", "is empty")
    kind = sniff(data[:16])
    if kind is None:
        raise field_error("file", "content is not an allowed type (JPEG, PNG, WebP or PDF); refused")
    claimed = _claimed_type(getattr(upload, "filename", None))
    if claimed is not None and claimed is not kind:
        raise field_error(
            "file", f"content is {kind.name} but the name says {claimed.extensions[0]}; disguised files are refused"
        )
    return data, kind


class StorageFull(AppError):
    def __init__(self):
        super().__init__(
            507, "file: the file store is full; nothing was saved. Please tell the secretariat and try again later"
        )


class StorageUnavailable(AppError):
    def __init__(self):
        super().__init__(
            503, "file: the file store cannot be written at the moment; nothing was saved. Please try again later"
        )


TEMP_SUFFIX = ".part"
STALE_TEMP_SECONDS = 15 * 60  # no upload writes for this long; older temporary files are left over


def _write(settings: Settings, data: bytes) -> str:
    """Write to a temporary file, fsync, rename. On any error the temporary file is removed and
    the upload answers 507 (disk full) or 503 (any other storage error)."""
    directory = storage_dir(settings)
    name = uuid.uuid4().hex
    tmp = directory / f".{name}{TEMP_SUFFIX}"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with open(tmp, "xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, directory / name)
    except OSError as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            log.exception("could not remove the temporary upload %s", tmp.name)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            log.error("upload refused: the file store is full (%s)", exc.strerror)
            raise StorageFull() from None
        log.error("upload refused: the file store cannot be written (%s: %s)", type(exc).__name__, exc.strerror)
        raise StorageUnavailable() from None
    return name


def sweep_stale_temp_files(settings: Settings, older_than: float = STALE_TEMP_SECONDS) -> int:
    """At start-up: remove temporary files left by uploads that died (crash, full disk)."""
    directory = storage_dir(settings)
    if not directory.is_dir():
        return 0
    cutoff = time.time() - older_than
    removed = 0
    for path in directory.glob(f".*{TEMP_SUFFIX}"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
        except OSError:
            log.exception("could not remove the stale temporary upload %s", path.name)
    if removed:
        log.info("removed %d stale temporary upload file(s)", removed)
    return removed


def out(a: Attachment) -> AttachmentOut:
    return AttachmentOut.model_validate(a)


async def upload(session: AsyncSession, settings: Settings, ctx: Ctx, consultation_id: int, file) -> AttachmentOut:
    """Add a file to the ticket: the requesting official (from the draft on) or the assigned expert."""
    acc = await access(
        session,
        ctx,
        consultation_id,
        "attachment.upload",
        roles=(REQUESTER, ASSIGNED, ADMIN),
        for_update=True,
    )
    c = acc.consultation
    if acc.role == ADMIN:
        raise Forbidden("only the requesting official and the assigned expert add files")
    if c.status in TERMINAL_STATUSES:
        raise Conflict(f"status: the consultation is {c.status}; no more files")
    if acc.role == ASSIGNED and c.status not in ASSIGNED_STATUSES:
        raise Conflict(f"status: the consultation is {c.status}")
    if file is None:
        raise field_error("file", "is required (multipart/form-data field 'file')")
    data, kind = await _read_checked(file, settings.upload_max_bytes)
    digest = hashlib.sha256(data).hexdigest()
    stored = await anyio.to_thread.run_sync(_write, settings, data)  # fsync must not stall the loop
    attachment = Attachment(
        consultation_id=pk(c),
        uploader_id=ctx.principal.id,
        stored_name=stored,
        original_name=sanitise_filename(getattr(file, "filename", None), kind),
        content_type=kind.content_type,
        size=len(data),
        sha256=digest,
        created_at=utcnow(),
    )
    await repository.add(session, attachment)
    await photos.record(session, pk(attachment), pk(c), kind.content_type, data)  # pHash: "seen before"
    effects.event(
        session,
        pk(c),
        pk(ctx.principal),
        "attachment",
        attachment_id=pk(attachment),
        filename=attachment.original_name,
        sha256=digest,
        size=len(data),
    )
    if c.status != Status.draft:
        other = (
            [c.requester_id] if acc.role == ASSIGNED else await effects.expert_members(session, [c.assigned_expert_id])
        )
        effects.notify(
            session,
            c,
            "message",
            other,
            f"{effects.label(c)}: new attachment",
            f"{ctx.principal.full_name} added a file to the ticket.",
        )
    effects.changed(session, c)
    await audit.record(
        session,
        "attachment.upload",
        actor_id=pk(ctx.principal),
        object_type="attachment",
        object_id=pk(attachment),
        reason=ctx.reason,
        ip=ctx.ip,
        detail={"consultation_id": c.id, "sha256": digest, "size": len(data)},
    )
    return out(attachment)


async def audit_file(session: AsyncSession, ctx: Ctx, action: str, attachment: Attachment) -> None:
    await audit.record(
        session,
        action,
        actor_id=pk(ctx.principal),
        object_type="attachment",
        object_id=pk(attachment),
        reason=ctx.reason,
        ip=ctx.ip,
        detail={"consultation_id": attachment.consultation_id, "sha256": attachment.sha256},
    )


async def list_attachments(session: AsyncSession, ctx: Ctx, consultation_id: int) -> list[AttachmentOut]:
    await access(session, ctx, consultation_id, "attachment.list")
    rows = await repository.attachments(session, consultation_id)
    await audit.record(
        session,
        "attachment.list",
        actor_id=ctx.principal.id,
        object_type="consultation",
        object_id=consultation_id,
        reason=ctx.reason,
        ip=ctx.ip,
        detail={"attachment_ids": [a.id for a in rows]},
    )
    return [out(a) for a in rows]


async def get_for(session: AsyncSession, ctx: Ctx, consultation_id: int, attachment_id: int, action: str) -> Attachment:
    """One attachment of a consultation the principal may see (requester, assigned or offered expert,
    admin), else Denied (404) with the denial audited."""
    await access(session, ctx, consultation_id, action)
    attachment = await repository.attachment(session, consultation_id, attachment_id)
    if attachment is None:
        raise await deny(session, ctx, attachment_id, action, "attachment")
    return attachment


async def view(session: AsyncSession, ctx: Ctx, consultation_id: int, attachment_id: int) -> AttachmentOut:
    attachment = await get_for(session, ctx, consultation_id, attachment_id, "attachment.view")
    await audit_file(session, ctx, "attachment.view", attachment)
    return out(attachment)


async def download(
    session: AsyncSession, settings: Settings, ctx: Ctx, consultation_id: int, attachment_id: int
) -> tuple[Attachment, Path]:
    attachment = await get_for(session, ctx, consultation_id, attachment_id, "attachment.download")
    path = stored_path(settings, attachment)
    if not path.is_file():
        raise NotFound("attachment: file missing from the store")
    await audit_file(session, ctx, "attachment.download", attachment)
    return attachment, path
