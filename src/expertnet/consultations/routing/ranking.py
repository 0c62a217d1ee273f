"""Ranking: retrieve candidates, load their fresh rows and vectors, check every hard constraint
again, score the survivors, return the best.

Cost: the exact specificity needs the understanding of each specialty (cached per specialty
text). The index document already holds each profile's concepts (specialties and bio, with their
broader concepts), which bounds the specificity from above; candidates are scored exactly in the
order of that bound until the k-th best exact score beats the next bound.
"""

import heapq
from collections.abc import Iterable

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.consultations import repository
from expertnet.consultations.routing.constraints import constraint_findings, hard_constraint_problems
from expertnet.consultations.routing.model import Candidate, RoutingSpec
from expertnet.consultations.routing.request import RequestProfile, analyse_request
from expertnet.consultations.routing.retrieval import candidate_vectors, retrieve
from expertnet.consultations.routing.scoring import (
    Scored,
    base_score,
    finish,
    profile_concepts,
    set_hint_best,
    upper_bound,
)
from expertnet.db import utcnow
from expertnet.search import AsyncSearch


def rank_loaded(
    rows: Iterable,
    spec: RoutingSpec,
    *,
    top: int,
    exclude_expert_ids: Iterable[int] = (),
    requester_id: int | None = None,
    requester_org: str = "",
    requester_country: str | None = None,
    req: RequestProfile | None = None,
    profiles: dict[int, frozenset[str]] | None = None,
    vectors: dict[int, np.ndarray] | None = None,
) -> list[Candidate]:
    """Check the hard constraints on fresh rows, score the survivors, return the best `top`.

    Exact specificity is computed in the order of its upper bound and stops when the k-th best
    exact score is above the next bound: the result equals scoring every row exactly."""
    req = req or analyse_request(spec)
    excluded = set(exclude_expert_ids)
    vectors = vectors or {}
    now = utcnow()
    pending: list[Scored] = []
    for row in rows:
        if row.id in excluded or hard_constraint_problems(
            row,
            spec,
            requester_id=requester_id,
            requester_org=requester_org,
            requester_country=requester_country,
            now=now,
        ):
            continue
        profile = (profiles or {}).get(row.id)
        if profile is None:
            profile = profile_concepts(tuple(row.specialties or ()), row.bio or "")
        pending.append(base_score(req, spec, row, profile, vectors.get(row.id)))
    set_hint_best(req, pending)
    for s in pending:
        s.bound = upper_bound(req, s)
    pending.sort(key=lambda s: -s.bound)
    # Min-heap of the best `top` so far: (sort key, id, candidate); the root is the worst kept.
    kept: list[tuple[tuple, int, Candidate]] = []
    for s in pending:
        if len(kept) >= top and s.bound < kept[0][0][0] - 1e-12:
            break  # no later candidate can score above the worst one kept
        score, reasons = finish(req, s)
        row = s.row
        key = (score, -row.open_consultations, _Descending(row.external_id))
        entry = (key, row.id, Candidate(row.id, row.external_id, row.full_name, round(score, 4), reasons))
        if len(kept) < top:
            heapq.heappush(kept, entry)
        elif entry[:2] > kept[0][:2]:
            heapq.heapreplace(kept, entry)
    return [candidate for *_, candidate in sorted(kept, key=lambda e: e[:2], reverse=True)]


class _Descending(str):
    """Reverses string order inside a sort key: on equal score and load, the smaller external id
    ranks first."""

    def __lt__(self, other):
        return str.__gt__(self, other)

    def __gt__(self, other):
        return str.__lt__(self, other)

    def __le__(self, other):
        return str.__ge__(self, other)

    def __ge__(self, other):
        return str.__le__(self, other)


async def rank_candidates(
    session: AsyncSession,
    search: AsyncSearch,
    spec: RoutingSpec,
    *,
    top: int = 10,
    exclude_expert_ids: Iterable[int] = (),
    requester_id: int | None = None,
    requester_org: str = "",
    requester_country: str | None = None,
) -> list[Candidate]:
    """The best `top` eligible experts for the request, best first, each with its reasons.
    `search` is the caller's search client (the app's `search` dependency, or the one a job or
    command built for its configuration)."""
    if top <= 0:
        return []
    req = analyse_request(spec)
    profiles = await retrieve(search, req, spec)
    rows = await repository.candidate_rows(session, profiles)
    vectors = await candidate_vectors(session, req, [row.id for row in rows])
    return rank_loaded(
        rows,
        spec,
        top=top,
        exclude_expert_ids=exclude_expert_ids,
        requester_id=requester_id,
        requester_org=requester_org,
        requester_country=requester_country,
        req=req,
        profiles=profiles,
        vectors=vectors,
    )


async def evaluate_expert(
    session: AsyncSession,
    spec: RoutingSpec,
    expert_id: int,
    *,
    requester_id: int | None = None,
    requester_org: str = "",
    requester_country: str | None = None,
    set_aside: str | None = None,
) -> tuple[Candidate | None, list[str]]:
    """One chosen expert (an admin's manual offer): (candidate, []) or (None, problems).
    `set_aside` names one constraint the admin overrides (constraints.OVERRIDABLE); the others
    still hold."""
    rows = await repository.candidate_rows(session, [expert_id])
    if not rows:
        return None, ["no such expert"]
    row = rows[0]
    findings = constraint_findings(
        row,
        spec,
        requester_id=requester_id,
        requester_org=requester_org,
        requester_country=requester_country,
    )
    problems = [why for constraint, why in findings if constraint != set_aside]
    if problems:
        return None, problems
    req = analyse_request(spec)
    vectors = await candidate_vectors(session, req, [row.id])
    score, reasons = finish(
        req,
        base_score(req, spec, row, profile_concepts(tuple(row.specialties or ()), row.bio or ""), vectors.get(row.id)),
    )
    return Candidate(row.id, row.external_id, row.full_name, round(score, 4), reasons), []


async def eligibility(
    session: AsyncSession,
    spec: RoutingSpec,
    expert_ids: list[int],
    *,
    requester_id: int | None = None,
    requester_org: str = "",
    requester_country: str | None = None,
) -> dict[int, list[tuple[str, str]]]:
    """Expert id -> the hard constraints they fail for this request (empty: eligible), for the
    admin's pick list: one query for all of them."""
    rows = await repository.candidate_rows(session, expert_ids)
    return {
        row.id: constraint_findings(
            row, spec, requester_id=requester_id, requester_org=requester_org, requester_country=requester_country
        )
        for row in rows
    }
