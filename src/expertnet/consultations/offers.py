"""Offers: routing a request to experts, accept / decline, escalation, an admin's re-offer, withdrawal.

Services never commit: the request (or the periodic job) owns the transaction. Every change
writes a timeline event, emits "index.consultation" for the search indexer and, when someone must
act or be told, a "notify" event, all in the same transaction (consultations.effects).

Concurrency: every transition takes the consultation row first (a conditional UPDATE for accept,
SELECT ... FOR UPDATE otherwise), then offers, then experts, so that two transactions never wait
on each other in opposite orders. Accept is a conditional UPDATE whose row count decides the
winner: exactly one, also on PostgreSQL under concurrent accepts.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.consultations import effects, repository, routing
from expertnet.consultations.access import ADMIN, REQUESTER, Ctx, access, audit_change, audit_read, deny, own_expert
from expertnet.consultations.models import (
    ASSIGNED_STATUSES,
    OPEN_STATUSES,
    SEEKING_STATUSES,
    Consultation,
    Offer,
    OfferStatus,
    Status,
    Urgency,
)
from expertnet.consultations.schemas import ReofferIn
from expertnet.core import outbox
from expertnet.core.errors import Conflict, Forbidden, NotFound, field_error
from expertnet.db import utcnow
from expertnet.experts.models import Expert
from expertnet.members.models import Member
from expertnet.search import AsyncSearch
from expertnet.core.models import pk
from expertnet.objects.repository import objects_of as object_rows
from expertnet.objects.text import routing_text

# How long an offer stays open, by urgency; an explicit detention deadline shortens it.
OFFER_WINDOWS = {
    Urgency.routine: timedelta(hours=48),
    Urgency.urgent: timedelta(hours=12),
    Urgency.critical: timedelta(hours=3),
}
DEADLINE_FRACTION = 1 / 3  # an offer never takes more than this share of the time left
MIN_OFFER_WINDOW = timedelta(minutes=10)


def offer_expiry(c: Consultation, now: datetime) -> datetime:
    """When an offer made now stops waiting for an answer."""
    expires = now + OFFER_WINDOWS.get(Urgency(c.urgency), OFFER_WINDOWS[Urgency.routine])
    if c.deadline is not None:
        left = c.deadline - now
        expires = min(expires, now + max(left * DEADLINE_FRACTION, MIN_OFFER_WINDOW))
    return expires


def routing_spec(c: Consultation) -> routing.RoutingSpec:
    return routing.RoutingSpec(
        title=c.title,
        description=c.description,
        category=c.category,
        location_country=c.location_country,
        object_origin_country=c.object_origin_country,
        languages=list(c.languages or ()),
        urgency=c.urgency,
        exclude_market_ties=c.exclude_market_ties,
    )


async def requester_of(session: AsyncSession, c: Consultation) -> Member:
    member = await repository.member(session, c.requester_id)
    if member is None:
        raise NotFound("member not found")
    return member


async def rank_for(session: AsyncSession, search: AsyncSearch, c: Consultation, top: int) -> list[routing.Candidate]:
    """The next `top` candidates for the request: never one it was offered to already."""
    requester = await requester_of(session, c)
    spec = routing_spec(c)
    spec.objects = routing_text(await object_rows(session, pk(c)))  # extra evidence: types, materials, period
    return await routing.rank_candidates(
        session,
        search,
        spec,
        top=top,
        exclude_expert_ids=await repository.offered_expert_ids(session, pk(c)),
        requester_id=requester.id,
        requester_org=requester.organisation,
        requester_country=requester.country,
    )


# --- making offers, escalation ------------------------------------------------------------------


async def make_offers(
    session: AsyncSession, c: Consultation, candidates: list[routing.Candidate], *, offered_by: int | None = None
) -> list[Offer]:
    now = utcnow()
    expires = offer_expiry(c, now)
    last_round = await repository.last_round(session, pk(c))
    offers = [
        Offer(
            consultation_id=pk(c),
            expert_id=cand.expert_id,
            round=last_round + 1,
            rank=rank,
            score=cand.score,
            reasons=list(cand.reasons),
            status=OfferStatus.open,
            offered_by=offered_by,
            offered_at=now,
            expires_at=expires,
        )
        for rank, cand in enumerate(candidates, 1)
    ]
    await repository.add(session, *offers)
    await effects.bump_experts(session, [o.expert_id for o in offers], offers_received=1)
    if c.status in (Status.submitted, Status.escalated):
        c.status = Status.offered
    effects.event(
        session,
        pk(c),
        offered_by,
        "offered",
        round=last_round + 1,
        expires_at=expires.isoformat(),
        experts=[
            {
                "expert_id": cand.expert_id,
                "external_id": cand.external_id,
                "name": cand.full_name,
                "score": cand.score,
                "reasons": cand.reasons,
            }
            for cand in candidates
        ],
    )
    effects.notify(
        session,
        c,
        "offer",
        await effects.expert_members(session, [o.expert_id for o in offers]),
        f"{effects.label(c)}: a consultation request is offered to you",
        f"A consultation request ({c.urgency}) is offered to you. Please accept or decline by "
        f"{expires:%Y-%m-%d %H:%M} UTC; the first expert to accept takes it.",
    )
    return offers


async def offer_next(
    session: AsyncSession, search: AsyncSearch, c: Consultation, *, count: int | None = None
) -> list[Offer]:
    """Top the open offers up to `count` (default: the request's offer width) with the next
    candidates. With no open offer and no candidate left, the request is escalated."""
    open_count = await repository.open_offer_count(session, pk(c))
    need = (count if count is not None else c.offer_width) - (0 if count is not None else open_count)
    if need <= 0:
        return []
    candidates = await rank_for(session, search, c, need)
    if not candidates:
        if open_count == 0 and c.status != Status.escalated:
            await _escalate(session, c)
        return []
    return await make_offers(session, c, candidates)


async def _escalate(session: AsyncSession, c: Consultation) -> None:
    c.status = Status.escalated
    c.escalated_at = utcnow()
    effects.event(session, pk(c), None, "escalated", reason="no eligible candidate left")
    effects.notify(
        session,
        c,
        "escalated",
        await repository.admin_ids(session, utcnow()),
        f"{effects.label(c)}: escalated, no expert left to offer",
        "Every eligible expert has declined, let the offer expire, or none matches. "
        "Re-offer the request by hand to a chosen expert or to the next candidates.",
    )


# --- accept / decline (experts) -------------------------------------------------------------------


async def _own_offer(session: AsyncSession, ctx: Ctx, offer_id: int, action: str) -> tuple[Expert, Offer]:
    expert = await own_expert(session, ctx.principal)
    offer = await repository.get_offer(session, offer_id)
    if expert is None or offer is None:
        raise await deny(session, ctx, offer_id, action, "offer")
    if offer.expert_id != expert.id:
        if await repository.has_open_offer(session, offer.consultation_id, pk(expert)):
            raise Forbidden("offer: this offer was made to another expert")
        raise await deny(session, ctx, offer_id, action, "offer")
    return expert, offer


async def accept_offer(session: AsyncSession, ctx: Ctx, offer_id: int) -> Consultation:
    expert, offer = await _own_offer(session, ctx, offer_id, "accept")
    now = utcnow()
    if not await repository.claim_for_accept(session, offer.consultation_id, pk(expert), now):
        current = await repository.status_of(session, offer.consultation_id)
        if current in ASSIGNED_STATUSES or current == Status.closed:
            raise Conflict("consultation: already accepted by another expert")
        raise Conflict(f"consultation: is {current}, not open for acceptance")
    # We hold the consultation row: every other transition takes it first, so the offer is stable.
    if not await repository.accept_offer(session, pk(offer), now):
        raise Conflict("offer: no longer open (it expired, was declined or was closed)")
    if not await repository.take_capacity(session, pk(expert)):
        raise Conflict("expert: you are at your maximum of open consultations; close one or raise the maximum")
    outbox.emit(session, "index.expert", pk(expert))
    others = await repository.close_open_offers(session, offer.consultation_id, now)
    c = await repository.existing(session, offer.consultation_id)
    effects.event(
        session,
        pk(c),
        pk(ctx.principal),
        "accepted",
        expert_id=pk(expert),
        external_id=expert.external_id,
        offer_id=pk(offer),
    )
    if others:
        effects.event(
            session,
            pk(c),
            None,
            "offers_closed",
            expert_ids=[o.expert_id for o in others],
            reason="accepted by another expert",
        )
        effects.notify(
            session,
            c,
            "offer_closed",
            await effects.expert_members(session, [o.expert_id for o in others]),
            f"{effects.label(c)}: offer closed",
            "Another expert accepted this consultation first. Thank you; no action is needed.",
        )
    effects.notify(
        session,
        c,
        "accepted",
        [c.requester_id],
        f"{effects.label(c)}: an expert accepted",
        f"{ctx.principal.full_name} accepted your consultation request.",
    )
    outbox.emit(session, "index.consultation", pk(c))
    await audit_change(session, ctx, pk(c), "accept", offer_id=pk(offer))
    return c


async def decline_offer(session: AsyncSession, search: AsyncSearch, ctx: Ctx, offer_id: int, reason: str = "") -> Offer:
    expert, offer = await _own_offer(session, ctx, offer_id, "decline")
    c = await repository.existing(session, offer.consultation_id, for_update=True)
    now = utcnow()
    if not await repository.decline_offer(session, pk(offer), now, reason):
        raise Conflict("offer: no longer open (it expired, was accepted, declined or closed)")
    await effects.bump_experts(session, [pk(expert)], offers_answered=1)
    effects.event(
        session,
        pk(c),
        pk(ctx.principal),
        "declined",
        expert_id=pk(expert),
        external_id=expert.external_id,
        reason=reason,
    )
    effects.notify(
        session,
        c,
        "declined",
        [c.requester_id],
        f"{effects.label(c)}: an expert declined",
        "An expert declined the offer; the desk offers the request to the next candidate.",
    )
    if c.status == Status.offered:
        await offer_next(session, search, c)
    effects.changed(session, c)
    await audit_change(session, ctx, pk(c), "decline", offer_id=pk(offer))
    return await repository.existing_offer(session, pk(offer), fresh=True)


# --- admin re-offer, withdrawal -------------------------------------------------------------------


async def reoffer(
    session: AsyncSession, search: AsyncSearch, ctx: Ctx, consultation_id: int, data: ReofferIn
) -> Consultation:
    acc = await access(session, ctx, consultation_id, "reoffer", roles=(ADMIN,), for_update=True)
    c = acc.consultation
    if c.status not in SEEKING_STATUSES:
        raise Conflict(f"status: only a request waiting for an expert can be re-offered; this one is {c.status}")
    if data.expert_id is not None:
        requester = await requester_of(session, c)
        if await repository.has_open_offer(session, pk(c), data.expert_id):
            raise Conflict("expert_id: this expert already has an open offer on the request")
        override_reason = data.override_reason.strip()
        if data.override is not None:
            if len(override_reason) < OVERRIDE_REASON_MIN:
                raise field_error(
                    "override_reason", f"give the reason for the override (at least {OVERRIDE_REASON_MIN} characters)"
                )
            held_back = await routing.eligibility(
                session,
                routing_spec(c),
                [data.expert_id],
                requester_id=requester.id,
                requester_org=requester.organisation,
                requester_country=requester.country,
            )
            findings = held_back.get(data.expert_id)
            if findings is not None and data.override not in {constraint for constraint, _ in findings}:
                raise field_error("override", "this expert is not held back by that constraint; nothing to override")
        candidate, problems = await routing.evaluate_expert(
            session,
            routing_spec(c),
            data.expert_id,
            requester_id=requester.id,
            requester_org=requester.organisation,
            requester_country=requester.country,
            set_aside=data.override,
        )
        if candidate is None:
            if problems == ["no such expert"]:
                raise field_error("expert_id", "no such expert")
            raise field_error("expert_id", "not eligible: " + "; ".join(problems))
        if data.override is not None:
            # The expert reads why they are asked although a constraint says otherwise.
            candidate.reasons = [*candidate.reasons, override_note(data.override, override_reason)]
        offers = await make_offers(session, c, [candidate], offered_by=ctx.principal.id)
    else:
        candidates = await rank_for(session, search, c, data.count)
        if not candidates:
            raise Conflict("consultation: no eligible candidate left; choose an expert by expert_id")
        offers = await make_offers(session, c, candidates, offered_by=ctx.principal.id)
    c.status = Status.offered
    overridden = {"override": data.override, "override_reason": data.override_reason.strip()} if data.override else {}
    effects.event(
        session,
        pk(c),
        pk(ctx.principal),
        "reoffered",
        reason=data.reason,
        expert_ids=[o.expert_id for o in offers],
        **overridden,
    )
    effects.notify(
        session,
        c,
        "reoffered",
        [c.requester_id],
        f"{effects.label(c)}: re-offered by the secretariat",
        "The network secretariat offered your request to further experts.",
    )
    effects.changed(session, c)
    await audit_change(
        session, ctx, pk(c), "reoffer", expert_ids=[o.expert_id for o in offers], why=data.reason, **overridden
    )
    return c


OVERRIDE_REASON_MIN = 10
OVERRIDE_LABELS = {"availability": "marked unavailable or away", "language": "no shared working language"}


def override_note(constraint: str, reason: str) -> str:
    """The line the expert reads on the offer when the secretariat set a constraint aside."""
    return f"secretariat override ({OVERRIDE_LABELS.get(constraint, constraint)}): {reason}"


@dataclass
class Pick:
    """One expert on the admin's pick list: eligible, or why not, and what may be set aside."""

    expert_id: int
    findings: list[tuple[str, str]]
    already_offered: bool

    @property
    def eligible(self) -> bool:
        return not self.findings and not self.already_offered

    @property
    def problems(self) -> list[str]:
        return [why for _, why in self.findings]

    @property
    def overridable(self) -> str | None:
        """The one constraint an override may set aside, when it is the only one that holds back."""
        kinds = {constraint for constraint, _ in self.findings}
        if self.already_offered or len(kinds) != 1:
            return None
        (kind,) = kinds
        return kind if kind in routing.OVERRIDABLE else None


async def picks(session: AsyncSession, ctx: Ctx, consultation_id: int, expert_ids: list[int]) -> dict[int, Pick]:
    """The admin's pick list for a request waiting for an expert: for each expert found by name,
    whether they may be offered it, and why not (routing's hard constraints). Audited as a read."""
    acc = await access(session, ctx, consultation_id, "picks", roles=(ADMIN,))
    c = acc.consultation
    requester = await requester_of(session, c)
    findings = await routing.eligibility(
        session,
        routing_spec(c),
        expert_ids,
        requester_id=requester.id,
        requester_org=requester.organisation,
        requester_country=requester.country,
    )
    offered = await repository.offered_expert_ids(session, pk(c))
    open_ids = {eid for eid in expert_ids if eid in offered and await repository.has_open_offer(session, pk(c), eid)}
    await audit_read(session, ctx, pk(c), "picks", expert_ids=expert_ids)
    return {eid: Pick(eid, findings.get(eid, [("vetting", "no such expert")]), eid in open_ids) for eid in expert_ids}


async def set_languages(
    session: AsyncSession, ctx: Ctx, consultation_id: int, languages: list[str], reason: str = ""
) -> Consultation:
    """Admin: correct the working languages of a request that waits for an expert (routing and the
    hard constraints use them from the next offer on). Logged on the timeline and audited."""
    acc = await access(session, ctx, consultation_id, "languages", roles=(ADMIN,), for_update=True)
    c = acc.consultation
    if c.status not in SEEKING_STATUSES:
        raise Conflict(
            f"status: only the languages of a request waiting for an expert can be changed; it is {c.status}"
        )
    before = list(c.languages or ())
    if before == languages:
        return c
    c.languages = list(languages)
    effects.event(
        session, pk(c), pk(ctx.principal), "languages_changed", before=before, after=c.languages, reason=reason
    )
    effects.changed(session, c)
    await audit_change(session, ctx, pk(c), "languages", before=before, after=c.languages, why=reason)
    return c


async def withdraw(session: AsyncSession, ctx: Ctx, consultation_id: int, reason: str = "") -> Consultation:
    acc = await access(session, ctx, consultation_id, "withdraw", roles=(REQUESTER,), for_update=True)
    c = acc.consultation
    if c.status not in OPEN_STATUSES:
        raise Conflict(f"status: the consultation is already {c.status}")
    now = utcnow()
    told = [r.expert_id for r in await repository.close_open_offers(session, pk(c), now)]
    if c.status in ASSIGNED_STATUSES and c.assigned_expert_id:
        await effects.release_expert(session, c.assigned_expert_id)
        told.append(c.assigned_expert_id)
    c.status = Status.withdrawn
    c.closed_at = now
    effects.event(session, pk(c), pk(ctx.principal), "withdrawn", reason=reason)
    effects.notify(
        session,
        c,
        "withdrawn",
        await effects.expert_members(session, told),
        f"{effects.label(c)}: withdrawn",
        "The requesting official withdrew the consultation. No further action is needed.",
    )
    effects.changed(session, c)
    await audit_change(session, ctx, pk(c), "withdraw", why=reason)
    return c
