"""The vocabulary's model: concepts, their facets, and the weight of each facet as evidence for a
category (see :mod:`expertnet.matching.vocabulary`)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Concept", "ConceptHit", "FACETS", "FACET_WEIGHTS", "SKILL_CATEGORIES", "SKILL_CATEGORY_BOOST"]

FACETS: tuple[str, ...] = ("category", "culture", "period", "material", "object_type", "skill")

#: Evidence weight of one mentioned concept, by facet, when inferring a request's category.
#: A concept pointing to n categories gives each of them weight / n, times its own ``weight``
#: (default 1). One stretch of text is one piece of evidence: when several concepts match the same
#: words ("coin" is both category:numismatics and object_type:coin), a category gets the largest of
#: their contributions, not the sum.
FACET_WEIGHTS: dict[str, float] = {
    "category": 4.0,
    "object_type": 3.0,
    "skill": 2.0,
    "material": 1.2,
    "culture": 1.0,
    "period": 0.5,
}

#: Category concepts of the seven skill categories name the service asked for ("scientific analysis",
#: "money laundering", "how to pack"): when a request names one, that is what it is about, whatever
#: object it mentions, so they weigh more than an object class.
SKILL_CATEGORIES = frozenset(
    {"provenance", "authentication", "legal", "customs", "online_markets", "financial", "conservation"}
)
SKILL_CATEGORY_BOOST = 1.5


@dataclass(frozen=True)
class Concept:
    id: str
    facet: str
    label: str
    categories: tuple[str, ...]
    broader: tuple[str, ...]


@dataclass(frozen=True)
class ConceptHit:
    concept: Concept
    term: str  # the folded term that matched ("" for a concept inferred through ``broader``)
    inferred: bool = False
