"""Perceptual hashes of photos: the 64-bit pHash (`imagehash.phash`: DCT of a 32x32 greyscale
copy, the signs of its lowest 8x8 frequencies against their median) survives resizing and
recompression, so the same photo filed twice - re-saved, scaled down by a messenger app - has
hashes a few bits apart, while unrelated photos differ in about half of the 64 bits.

Threshold: two photos count as the same at a Hamming distance of at most `SAME_PHOTO_MAX_DISTANCE`
(6 of 64 bits). Measured on generated photos (tests/objects/test_photos.py): resized to half or
two thirds and recompressed at JPEG quality 55-70, the distance stayed at 0-2; 1,770 pairs of
different photos were at 16 or more (1st percentile 22). Two random 64-bit hashes fall within 6
bits with probability ~1e-10, so a flag is worth an admin's look; a crop or a photo of the same
object from another angle is not caught (that is what the descriptions' similarity is for).

Lookup without a scan: the 64 bits are cut into seven bands (9 x 6 + 10 bits); two hashes within
distance 6 agree exactly on at least one band (pigeonhole), so an indexed equality lookup per band
finds every candidate, which is then checked exactly.
"""

import io
import logging

import anyio.to_thread
import imagehash
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.core import outbox
from expertnet.objects.models import BAND_BITS, PhotoHash

log = logging.getLogger(__name__)

SAME_PHOTO_MAX_DISTANCE = 6
SEEN_BEFORE = "objects.seen_before"  # outbox topic: compare a consultation with earlier ones
IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")


def phash_of(data: bytes) -> int | None:
    """The pHash as an unsigned 64-bit integer, or None when the bytes do not decode as an image."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.draft("L", (256, 256))  # JPEG: decode at a reduced scale (pHash looks at 32x32 anyway)
            value = imagehash.phash(img)
    except Exception as exc:  # noqa: BLE001 - a photo that passed the type check but does not decode
        log.info("no pHash for an attachment: %s", type(exc).__name__)
        return None
    return int(str(value), 16)


def to_signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def to_unsigned(value: int) -> int:
    return value + (1 << 64) if value < 0 else value


def bands(value: int) -> list[int]:
    out, shift = [], 0
    for bits in BAND_BITS:
        out.append((value >> shift) & ((1 << bits) - 1))
        shift += bits
    return out


def distance(a: int, b: int) -> int:
    return (to_unsigned(a) ^ to_unsigned(b)).bit_count()


def hash_row(attachment_id: int, consultation_id: int, value: int) -> PhotoHash:
    b = bands(value)
    return PhotoHash(
        attachment_id=attachment_id,
        consultation_id=consultation_id,
        phash=to_signed(value),
        b0=b[0],
        b1=b[1],
        b2=b[2],
        b3=b[3],
        b4=b[4],
        b5=b[5],
        b6=b[6],
    )


async def record(session: AsyncSession, attachment_id: int, consultation_id: int, content_type: str, data: bytes):
    """On upload, after the content check: store the photo's pHash and ask the worker to compare
    this consultation with earlier ones (never in the request path)."""
    if content_type not in IMAGE_TYPES:
        return None
    value = await anyio.to_thread.run_sync(phash_of, data)
    if value is None:
        return None
    row = hash_row(attachment_id, consultation_id, value)
    session.add(row)
    outbox.emit(session, SEEN_BEFORE, consultation_id)
    return row
