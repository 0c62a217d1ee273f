"""The one rule that fuses the legs of a hybrid search: weighted reciprocal-rank fusion.

Each leg (lexical words, vocabulary concepts, dense vector) returns its own ranked list; their
scores are not comparable (BM25, a count of matched concepts, a cosine), their ranks are. A
document's fused score is

    score(d) = sum over the legs that found d of  weight(leg) / (K + rank_leg(d))

with ranks from 1 and ``K = 60`` (Cormack, Clarke and Büttcher, SIGIR 2009): a document found by
two legs outranks one found near the top of one leg only, and no leg's score scale matters. Ties
keep the order of the legs as given, then each leg's own order. Both engines use this function:
the fusion never depends on the engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

K = 60


@dataclass(frozen=True)
class Leg:
    name: str
    weight: float
    ids: Sequence[str]  # best first; a repeated id keeps its first (best) rank


def fuse(legs: Iterable[Leg], k: int = K) -> list[tuple[str, float]]:
    """Ids with their fused scores, best first."""
    scores: dict[str, float] = {}
    first_seen: dict[str, tuple[int, int]] = {}
    for leg_no, leg in enumerate(legs):
        if leg.weight <= 0:
            continue
        seen: set[str] = set()
        for rank, doc_id in enumerate(leg.ids, start=1):
            if doc_id in seen:
                continue
            seen.add(doc_id)
            scores[doc_id] = scores.get(doc_id, 0.0) + leg.weight / (k + rank)
            first_seen.setdefault(doc_id, (leg_no, rank))
    return sorted(scores.items(), key=lambda item: (-item[1], first_seen[item[0]]))
