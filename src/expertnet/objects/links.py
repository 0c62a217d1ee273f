""" "Seen before": a request whose photos or object descriptions closely match an earlier request
of another official is flagged to the secretariat, who link the two (each official may then see
the other's request summary and who filed it) or dismiss the flag.

The comparison runs in the worker (outbox topic objects.seen_before, emitted when a photo is
uploaded or the objects change), never in the request path:
- photos: pHash Hamming distance <= photos.SAME_PHOTO_MAX_DISTANCE, found through indexed bands;
- descriptions: the dense multilingual vector (matching.embedder, USE multilingual v3) of each
  object's identifying text, cosine >= SAME_TEXT_MIN_COSINE against objects filed in the last
  `SEEN_BEFORE_WINDOW` (newest first, at most TEXT_CANDIDATES of them).

Threshold for descriptions, measured with this model (tests/objects/test_seen_before.py keeps the
pairs): the same object described twice in other words scored 0.91 and 0.94; two *different*
objects of one kind (a denarius of Trajan and one of Hadrian, both "silver, Roman Imperial",
with sizes and weights) scored 0.78, two icons 0.61, unrelated objects 0.28-0.59. At 0.88 the
desk flags rewordings of one description and not every pair of Roman denarii; the same object
described in another language (0.80 for a Russian and an English icon description) is missed:
that is left to the photos. Texts of fewer than MIN_WORDS words ("coin") are not compared.

Need to know: officials never see another official's case through this; an admin's link is the
only way, and every flag, decision and read of a linked summary is in the audit log.
"""

import asyncio
import hashlib
import logging
from collections import defaultdict
from datetime import timedelta

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.config import Settings
from expertnet.consultations import effects
from expertnet.consultations.access import ADMIN, REQUESTER, Ctx, access, audit_read, deny
from expertnet.core import audit
from expertnet.core.errors import Conflict
from expertnet.core.models import pk
from expertnet.db import utcnow
from expertnet.matching.embedder import EmbedderUnavailable, get_embedder
from expertnet.matching.vectors import decode, encode
from expertnet.objects import repository
from expertnet.objects.models import CaseObject, FlagStatus, ObjectVector, SeenBefore
from expertnet.objects.photos import SAME_PHOTO_MAX_DISTANCE, distance
from expertnet.objects.schemas import FlagCase, LinkedCaseOut, SeenBeforeOut
from expertnet.objects.text import IDENTITY_FIELDS, object_text

log = logging.getLogger(__name__)

SAME_TEXT_MIN_COSINE = 0.88
MIN_WORDS = 5
SEEN_BEFORE_WINDOW = timedelta(days=730)
EMBED_CHUNK = 256  # object texts per model call
TEXT_CANDIDATES = 50_000  # newest object vectors compared per run (about 50 MB, a few ms of BLAS)


# --- the comparison (worker) -----------------------------------------------------------------------


def _identity(obj) -> str:
    return object_text(obj, IDENTITY_FIELDS)


async def refresh_vectors(session: AsyncSession, settings: Settings, consultation_id: int) -> list[ObjectVector]:
    """The consultation's object vectors, made (in batches) for objects that have none for their
    current text."""
    embedder = get_embedder(settings)
    if embedder is None:
        return []
    have = {v.object_id: v for v in await repository.vectors_of(session, consultation_id)}
    keep: list[ObjectVector] = []
    pending: list[tuple[CaseObject, str, str]] = []
    for obj in await repository.objects_of(session, consultation_id):
        text = " ".join(_identity(obj).split())
        if len(text.split()) < MIN_WORDS:
            continue
        digest = hashlib.sha256(text.encode()).hexdigest()
        old = have.pop(pk(obj), None)
        if old is not None and old.source_hash == digest and old.model == embedder.name:
            keep.append(old)
        else:
            pending.append((obj, text, digest))
    await repository.drop_vectors(session, have)  # objects removed, or whose text became too short
    for start in range(0, len(pending), EMBED_CHUNK):
        chunk = pending[start : start + EMBED_CHUNK]
        try:
            vectors = await asyncio.to_thread(embedder.encode, [text for _, text, _ in chunk])
        except EmbedderUnavailable:
            return keep
        await repository.drop_vectors(session, [pk(obj) for obj, _, _ in chunk])
        for (obj, _, digest), vector in zip(chunk, vectors, strict=True):
            row = ObjectVector(
                object_id=pk(obj),
                consultation_id=consultation_id,
                model=embedder.name,
                source_hash=digest,
                vector=encode(vector),
                created_at=obj.created_at,
            )
            session.add(row)
            keep.append(row)
    await session.flush()
    return keep


async def compare(session: AsyncSession, settings: Settings, consultation_id: int) -> list[SeenBefore]:
    """Flag every earlier or later request of another official that this one resembles."""
    found = await repository.consultations_with_requesters(session, [consultation_id])
    if consultation_id not in found:
        return []
    photos: dict[int, list[dict]] = defaultdict(list)
    for h in await repository.hashes_of(session, consultation_id):
        for other in await repository.band_candidates(session, h):
            d = distance(h.phash, other.phash)
            if d <= SAME_PHOTO_MAX_DISTANCE:
                photos[other.consultation_id].append(
                    {"attachment_id": h.attachment_id, "other_attachment_id": other.attachment_id, "distance": d}
                )
    texts: dict[int, list[dict]] = defaultdict(list)
    mine = await refresh_vectors(session, settings, consultation_id)
    embedder = get_embedder(settings)
    if mine and embedder is not None:
        others = await repository.recent_vectors(
            session, consultation_id, utcnow() - SEEN_BEFORE_WINDOW, embedder.name, TEXT_CANDIDATES
        )
        if others:
            a = np.stack([decode(v.vector, embedder.dim) for v in mine])
            b = np.stack([decode(v.vector, embedder.dim) for v in others])
            sims = a @ b.T
            for i, j in zip(*np.nonzero(sims >= SAME_TEXT_MIN_COSINE), strict=True):
                texts[others[j].consultation_id].append(
                    {
                        "object_id": mine[i].object_id,
                        "other_object_id": others[j].object_id,
                        "similarity": round(float(sims[i, j]), 3),
                    }
                )
    candidates = set(photos) | set(texts)
    if not candidates:
        return []
    people = await repository.consultations_with_requesters(session, [consultation_id, *candidates])
    me = people[consultation_id][0]
    flagged = []
    for other_id in sorted(candidates):
        if other_id not in people or people[other_id][0].requester_id == me.requester_id:
            continue  # the same official sees both already
        flagged.append(await _flag(session, consultation_id, other_id, photos[other_id], texts[other_id]))
    return [f for f in flagged if f is not None]


def _oriented(items: list[dict], later_is_me: bool, mine: str, theirs: str) -> list[dict]:
    """Evidence as (later request's item, earlier request's item)."""
    out = []
    for item in items:
        a, b = (item[mine], item[theirs]) if later_is_me else (item[theirs], item[mine])
        rest = {k: v for k, v in item.items() if k not in (mine, theirs)}
        out.append({f"later_{mine}": a, f"earlier_{mine}": b, **rest})
    return out


async def _flag(session: AsyncSession, me: int, other: int, photos: list[dict], texts: list[dict]) -> SeenBefore | None:
    later, earlier = max(me, other), min(me, other)
    evidence = {
        "photos": sorted(
            _oriented(photos, me == later, "attachment_id", "other_attachment_id"), key=lambda e: e["distance"]
        ),
        "objects": sorted(
            _oriented(texts, me == later, "object_id", "other_object_id"), key=lambda e: -e["similarity"]
        ),
    }
    best_photo = min((e["distance"] for e in evidence["photos"]), default=None)
    best_text = max((e["similarity"] for e in evidence["objects"]), default=None)
    row = await repository.flag_of_pair(session, later, earlier)
    now = utcnow()
    if row is None:
        row = SeenBefore(
            consultation_id=later,
            earlier_id=earlier,
            photo_distance=best_photo,
            text_similarity=best_text,
            evidence=evidence,
            created_at=now,
            updated_at=now,
        )
        await repository.add(session, row)
        await audit.record(
            session,
            "seen_before.flag",
            actor_id=None,
            object_type="seen_before",
            object_id=pk(row),
            reason="the desk compared photos and descriptions",
            detail={
                "consultation_id": later,
                "earlier_id": earlier,
                "photo_distance": best_photo,
                "text_similarity": best_text,
            },
        )
        return row
    if row.status != FlagStatus.open or row.evidence == evidence:
        return None  # decided pairs stay decided; replaying an event changes nothing
    row.evidence, row.photo_distance, row.text_similarity, row.updated_at = evidence, best_photo, best_text, now
    return row


# --- reading and deciding (admins) -------------------------------------------------------------------


def _case(pair: tuple | None) -> FlagCase | None:
    if pair is None:
        return None
    c, m = pair
    return FlagCase(
        id=pk(c),
        title=c.title,
        status=c.status,
        location_country=c.location_country,
        requester_id=c.requester_id,
        requester_name=m.full_name,
        requester_country=m.country,
        created_at=c.created_at,
    )


async def _outs(session: AsyncSession, rows: list[SeenBefore]) -> list[SeenBeforeOut]:
    people = await repository.consultations_with_requesters(
        session, {i for r in rows for i in (r.consultation_id, r.earlier_id)}
    )
    out = []
    for r in rows:
        item = SeenBeforeOut.model_validate(r)
        item.later, item.earlier = _case(people.get(r.consultation_id)), _case(people.get(r.earlier_id))
        out.append(item)
    return out


async def flags(
    session: AsyncSession, ctx: Ctx, *, status: str | None = FlagStatus.open, consultation_id: int | None = None
) -> list[SeenBeforeOut]:
    """Admins: the flagged pairs (of one consultation, or all), newest first; audited as case data."""
    if consultation_id is not None:
        await access(session, ctx, consultation_id, "seen_before", roles=(ADMIN,))
    rows = await repository.flags(session, status=status, consultation_id=consultation_id)
    await audit.record(
        session,
        "seen_before.list",
        actor_id=ctx.principal.id,
        object_type="consultation" if consultation_id is not None else "seen_before",
        object_id=consultation_id if consultation_id is not None else "",
        reason=ctx.reason,
        ip=ctx.ip,
        detail={
            "flag_ids": [r.id for r in rows],
            "status": status,
            "consultation_ids": sorted({i for r in rows for i in (r.consultation_id, r.earlier_id)}),
        },
    )
    return await _outs(session, rows)


async def decide(session: AsyncSession, ctx: Ctx, flag_id: int, decision: str, reason: str = "") -> SeenBeforeOut:
    """An admin links the pair (both officials then see each other's request summary) or dismisses it."""
    assert decision in (FlagStatus.linked, FlagStatus.dismissed)
    if not ctx.principal.is_admin:
        raise await deny(session, ctx, flag_id, f"seen_before.{decision}", "seen_before")
    row = await repository.flag(session, flag_id, for_update=True)
    if row is None:
        raise await deny(session, ctx, flag_id, f"seen_before.{decision}", "seen_before")
    if row.status != FlagStatus.open:
        raise Conflict(f"status: this pair was already {row.status}")
    now = utcnow()
    row.status, row.decided_by, row.decided_at, row.decision_reason, row.updated_at = (
        decision,
        pk(ctx.principal),
        now,
        reason,
        now,
    )
    action = "link" if decision == FlagStatus.linked else "dismiss"
    if decision == FlagStatus.linked:  # a dismissed pair leaves no trace the officials could see
        for own, other in ((row.consultation_id, row.earlier_id), (row.earlier_id, row.consultation_id)):
            effects.event(session, own, pk(ctx.principal), "seen_before.link", other_consultation_id=other)
    await audit.record(
        session,
        f"seen_before.{action}",
        actor_id=pk(ctx.principal),
        object_type="seen_before",
        object_id=flag_id,
        reason=reason or ctx.reason,
        ip=ctx.ip,
        detail={"consultation_id": row.consultation_id, "earlier_id": row.earlier_id},
    )
    await session.flush()
    return (await _outs(session, [row]))[0]


# --- linked cases (the officials) -----------------------------------------------------------------


async def linked_cases(session: AsyncSession, ctx: Ctx, consultation_id: int) -> list[LinkedCaseOut]:
    """The requests an admin linked to this one: their summaries and who filed them. Only the
    requester of this one (and admins) may ask; each summary shown is audited as a read of that case."""
    await access(session, ctx, consultation_id, "linked", roles=(REQUESTER, ADMIN))
    rows = await repository.linked_flags(session, consultation_id)
    others = {r.id: (r.earlier_id if r.consultation_id == consultation_id else r.consultation_id) for r in rows}
    people = await repository.consultations_with_requesters(session, others.values())
    out = []
    for r in rows:
        pair = people.get(others[pk(r)])
        if pair is None:
            continue
        c, m = pair
        out.append(
            LinkedCaseOut(
                link_id=pk(r),
                consultation_id=pk(c),
                title=c.title,
                category=c.category or c.inferred_category,
                location_country=c.location_country,
                status=c.status,
                created_at=c.created_at,
                requester_name=m.full_name,
                requester_organisation=m.organisation,
                requester_country=m.country,
                requester_email=m.email,
                linked_at=r.decided_at,
            )
        )
        await audit_read(session, ctx, pk(c), "linked summary", link_id=r.id, via_consultation_id=consultation_id)
    return out


async def evidence_details(session: AsyncSession, flags: list[SeenBeforeOut]) -> dict:
    """File names and object texts behind the evidence of flags an admin is looking at (the
    listing that returned `flags` is audited already)."""
    attachment_ids = {
        i
        for f in flags
        for e in f.evidence.get("photos", [])
        for i in (e["later_attachment_id"], e["earlier_attachment_id"])
    }
    object_ids = {
        i for f in flags for e in f.evidence.get("objects", []) for i in (e["later_object_id"], e["earlier_object_id"])
    }
    files = await repository.attachments_by_id(session, attachment_ids)
    objects = await repository.objects_by_id(session, object_ids)
    return {
        "files": {i: a.original_name for i, a in files.items()},
        "objects": {i: object_text(o, IDENTITY_FIELDS) for i, o in objects.items()},
    }
