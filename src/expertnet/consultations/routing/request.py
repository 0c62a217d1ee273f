"""A request as routing reads it: everything comes from the shared query-understanding step
(:func:`expertnet.matching.understanding.understand`); routing keeps no text parsing of its own.

The request's categories are the official's category, unless the text's evidence outweighs it
(then hint and text evidence ranked together); retrieval looks in both; its concepts are the vocabulary concepts the text names outside any negation, weighted by
facet (a culture says more about who should answer than a material); excluded concepts are those
the text rules out ("not an icon but its silver cover"); its words are the words of the matched
terms plus those the vocabulary did not understand, for plain word overlap with specialties and for
the engine's word query; its vector is the dense multilingual vector of the text without its
negated parts.
"""

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from expertnet.consultations.routing.model import RoutingSpec
from expertnet.matching.understanding import Understanding, understand

MAX_ENGINE_WORDS = 8
STEM = 6  # shared first letters that count as the same word in another form
FUZZY_MIN = 5  # words this long may carry one typo (the search engines' rule)

# How much one mentioned concept counts for specificity, by facet.
FACET_SPECIFICITY = {"culture": 1.0, "object_type": 0.9, "skill": 0.8, "period": 0.7, "material": 0.5}


def deletions(word: str) -> frozenset[str]:
    """The word and every form with one letter deleted. Two words within one substitution,
    insertion, deletion or transposition of each other share at least one of these."""
    return frozenset({word, *(word[:i] + word[i + 1 :] for i in range(len(word)))})


@dataclass(frozen=True)
class RequestConcept:
    weight: float  # facet specificity, times the understanding's weight (lower after a typo fix)
    label: str
    closure: tuple[str, ...]  # broader concepts, nearest first


@dataclass(frozen=True)
class RequestProfile:
    understanding: Understanding
    categories: tuple[tuple[str, float], ...]  # (slug, weight 0..1), best first, for scoring: the given
    # category alone, unless the text outweighs it (then hint and text evidence together)
    likely_categories: tuple[tuple[str, float], ...]  # hint and text evidence together, for retrieval
    concepts: dict[str, RequestConcept]  # direct mentions, no category facet, excluded ones removed
    concept_weight: float  # sum of the concepts' weights
    broader: frozenset[str]  # concepts implied through `broader`
    excluded: dict[str, str]  # concept id -> label, concepts the text rules out
    words: frozenset[str]  # folded words: matched terms' words and the words the vocabulary did not know
    stems: frozenset[str]  # their first STEM letters (inflections: "icons" / "icon", "монеты" / "монета")
    near: frozenset[str]  # their one-letter deletions (typos: "imperail" meets "imperial")
    keywords: str  # words for the engine's word query
    vector: np.ndarray | None  # dense vector of the text without its negated parts
    no_market_ties: bool  # the text asks for an independent expert

    @property
    def hint_overruled(self) -> bool:
        return self.understanding.hint_overruled

    @property
    def category_hint(self) -> str | None:
        return self.understanding.category_hint


@lru_cache(maxsize=4)
def _closures(vocab) -> dict[str, tuple[str, ...]]:
    """Every concept's broader concepts, nearest first (from the public `concepts()`)."""
    concepts = vocab.concepts()
    out: dict[str, tuple[str, ...]] = {}
    for cid in concepts:
        seen: list[str] = []
        queue = list(concepts[cid].broader)
        while queue:
            b = queue.pop(0)
            if b in seen or b == cid or b not in concepts:
                continue
            seen.append(b)
            queue.extend(concepts[b].broader)
        out[cid] = tuple(seen)
    return out


def closure(concept_id: str) -> tuple[str, ...]:
    from expertnet.matching.understanding import get_understander

    return _closures(get_understander().vocab).get(concept_id, ())


def analyse_request(spec: RoutingSpec, *, embed: bool = True) -> RequestProfile:
    try:
        u = understand(spec.text, category_hint=spec.category or None, embed=embed)
    except ValueError:  # a slug the reference data no longer knows (an old consultation) is no hint
        u = understand(spec.text, embed=embed)
    concepts: dict[str, RequestConcept] = {}
    broader: set[str] = set()
    term_words: list[str] = []
    for c in u.concepts:
        if c.inferred:
            broader.add(c.id)
            continue
        term_words.extend(c.term.split())
        if c.facet != "category":
            weight = FACET_SPECIFICITY.get(c.facet, 0.5) * c.weight
            old = concepts.get(c.id)
            if old is None or old.weight < weight:
                concepts[c.id] = RequestConcept(weight, c.label, closure(c.id))
    categories = u.categories
    if spec.category and not u.hint_overruled:
        # The official's category decides among the experts (DESIGN.md: the category first);
        # a text that contests it can still be followed through the lift (see scoring).
        categories = ((spec.category, 1.0),)
    words = [w for w in dict.fromkeys(term_words + list(u.words)) if len(w) >= 3 and not w.isdigit()]
    return RequestProfile(
        understanding=u,
        categories=tuple(categories),
        likely_categories=tuple(u.categories) or tuple(categories),
        concepts=concepts,
        concept_weight=sum(c.weight for c in concepts.values()),
        broader=frozenset(broader - set(concepts)),
        excluded={c.id: c.label for c in u.excluded},
        words=frozenset(words),
        stems=frozenset(w[:STEM] for w in words if len(w) > STEM),
        near=frozenset(d for w in words if len(w) >= FUZZY_MIN for d in deletions(w)),
        keywords=_engine_keywords(u),
        vector=u.vector,
        no_market_ties=u.no_market_ties,
    )


def _engine_keywords(u: Understanding) -> str:
    """The words for the engine's word query: those the vocabulary did not understand (its concepts
    reach the engine as boosts), longest first, in text order on ties. Rare names, typos and
    specialties outside the vocabulary are what this query is for; every word costs a
    typo-tolerant term lookup, so there are at most MAX_ENGINE_WORDS."""
    unknown = [w for w in u.words if len(w) >= 4 and not w.isdigit()]
    position = {w: i for i, w in enumerate(unknown)}
    chosen = sorted(unknown, key=lambda w: (-len(w), position[w]))[:MAX_ENGINE_WORDS]
    return " ".join(sorted(chosen, key=position.__getitem__))


def infer_categories(text: str) -> list[tuple[str, float]]:
    """The categories a text names or implies, best first (the understanding's text evidence)."""
    if not (text or "").strip():
        return []
    return list(understand(text, embed=False).text_categories)


def infer_category(text: str) -> str | None:
    ranked = infer_categories(text)
    return ranked[0][0] if ranked else None
