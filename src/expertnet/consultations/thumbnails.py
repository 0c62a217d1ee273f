"""Photo previews on the ticket: a small JPEG made on the server from the checked upload.

- Made from the stored file (whose type was checked by content at upload), never from anything
  the client sends; only JPEG, PNG and WebP uploads get one. A file Pillow cannot decode, or one
  with more pixels than `MAX_PIXELS` / `MAX_PIXELS_JPEG` (a decompression bomb inside the upload
  cap), gets no preview (404), and the ticket shows the plain link as before.
- The EXIF orientation is applied, then only the pixels are kept: the preview is a new image
  without EXIF (GPS, camera, owner), XMP, ICC profile or comments.
- Bounded: at most `MAX_SIDE` pixels on the longer side, JPEG quality `QUALITY`.
- Made once, on the first view, and stored beside the upload as `<stored name>.thumb.jpg`,
  written like uploads are (temporary file, fsync, rename), so a crash never leaves half a file
  and two first views at once both write the same bytes. Retention erasure deletes it with the
  upload (retention.service.delete_files).
- Who may see it: the same people as the photo itself (attachments: requester, assigned expert,
  an expert with an open offer, admins). Every fetch writes one `attachment.thumbnail` audit row:
  a ticket with ten photos writes ten rows per view. That is deliberate: each is a look at case
  material, the rows are small, and `no-store` (core.http) keeps the browser from showing a
  preview without asking (and so without an audit row). `loading="lazy"` on the page means only
  the previews actually scrolled into view are fetched.
"""

import logging
import os
import re
import uuid
from io import BytesIO
from pathlib import Path

import anyio.to_thread
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.config import Settings
from expertnet.consultations import attachments
from expertnet.consultations.access import Ctx
from expertnet.consultations.models import Attachment
from expertnet.core.errors import NotFound

log = logging.getLogger(__name__)

MAX_SIDE = 320
QUALITY = 80
# Decoded pixels are memory (3-4 bytes each). A JPEG decodes at 1/2..1/8 scale for a preview, so
# every real camera fits; PNG and WebP decode in full, so their cap is lower. A decompression
# bomb inside the 20 MB upload cap is far beyond both.
MAX_PIXELS_JPEG = 120_000_000
MAX_PIXELS = 30_000_000
SUFFIX = ".thumb.jpg"
IMAGE_TYPES = (attachments.JPEG.content_type, attachments.PNG.content_type, attachments.WEBP.content_type)
CONTENT_TYPE = "image/jpeg"


class NoPreview(NotFound):
    def __init__(self) -> None:
        super().__init__("attachment: no preview for this file")


def is_image(content_type: str) -> bool:
    return content_type in IMAGE_TYPES


def thumbnail_path(settings: Settings, stored_name: str) -> Path:
    if not re.fullmatch(r"[0-9a-f]{32}", stored_name):
        raise NotFound("attachment: file missing")
    return attachments.storage_dir(settings) / f"{stored_name}{SUFFIX}"


def make_thumbnail(data: bytes) -> bytes:
    """The preview of an image: orientation applied, at most MAX_SIDE px, JPEG, no metadata.
    Raises NoPreview when the bytes do not decode as an allowed image."""
    try:
        with Image.open(BytesIO(data), formats=("JPEG", "PNG", "WEBP")) as im:
            width, height = im.size
            if width * height > (MAX_PIXELS_JPEG if im.format == "JPEG" else MAX_PIXELS):
                raise NoPreview()
            # Shrink first (a JPEG is decoded at a reduced scale, so a big photo stays cheap in time
            # and memory), then turn the small image upright; the box is square, so the order is free.
            im.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
            rgba = ImageOps.exif_transpose(im).convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        raise NoPreview() from None
    # A new image holds the pixels only: nothing of the original's info (EXIF, XMP, ICC) comes along.
    clean = Image.new("RGB", rgba.size, "white")
    clean.paste(rgba, mask=rgba.getchannel("A"))
    out = BytesIO()
    clean.save(out, "JPEG", quality=QUALITY, optimize=True)
    return out.getvalue()


def _write_atomic(path: Path, data: bytes) -> None:
    # The temporary name matches what attachments.sweep_stale_temp_files removes after a crash.
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}{attachments.TEMP_SUFFIX}")
    try:
        with open(tmp, "xb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def ensure_thumbnail(settings: Settings, attachment: Attachment) -> Path:
    """The stored preview of an attachment, made now if it is not there yet (blocking: run it in a
    worker thread)."""
    if not is_image(attachment.content_type):
        raise NoPreview()
    path = thumbnail_path(settings, attachment.stored_name)
    if path.is_file():
        return path
    source = attachments.stored_path(settings, attachment)
    try:
        data = source.read_bytes()
    except FileNotFoundError:
        raise NotFound("attachment: file missing from the store") from None
    preview = make_thumbnail(data)
    try:
        _write_atomic(path, preview)
    except OSError as exc:
        log.error("could not store the preview of attachment %s (%s)", attachment.id, exc.strerror)
        raise attachments.StorageUnavailable() from None
    return path


def remove(settings: Settings, stored_name: str) -> None:
    """Delete the preview of an upload (retention erasure); a missing one is fine."""
    try:
        thumbnail_path(settings, stored_name).unlink(missing_ok=True)
    except NotFound:
        return
    except OSError:
        log.exception("could not delete the preview of %s", stored_name)


async def thumbnail(
    session: AsyncSession, settings: Settings, ctx: Ctx, consultation_id: int, attachment_id: int
) -> tuple[Attachment, Path]:
    """The preview file of a photo on the ticket, for someone who may see the photo (audited)."""
    attachment = await attachments.get_for(session, ctx, consultation_id, attachment_id, "attachment.thumbnail")
    path = await anyio.to_thread.run_sync(ensure_thumbnail, settings, attachment)  # decoding is CPU work
    await attachments.audit_file(session, ctx, "attachment.thumbnail", attachment)
    return attachment, path
