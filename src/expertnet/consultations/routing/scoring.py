"""Scoring one eligible candidate (DESIGN.md "Routing: what the right expert means", rule 2).

The score (0..1) adds, with weights that shrink in DESIGN.md's order, each about the sum of the
ones after it:

* **category** (``W_CATEGORY``): the best of the expert's categories among the request's, weighted
  as the understanding ranks them. The official's category is a hint worth the text naming that
  category once; a text that names another category more strongly outranks it, and the reasons
  say so ("category: numismatics (the text's; the request named fine_art)").
* **specificity** (``W_SPECIFIC``): how specifically the specialties and bio meet the request. Its
  lexical part: the request's vocabulary concepts (excluded ones removed), a concept named in a
  specialty beating a broader or narrower relative, which beats a mention in the bio only, and,
  weaker, plain word overlap with the specialties. Its dense part: the cosine of the request's
  vector and the expert's profile vector, scaled to 0..1 between ``DENSE_FLOOR`` and
  ``DENSE_FLOOR + DENSE_SPAN``. The dense part has share ``DENSE_SHARE`` when the vocabulary
  understood concepts in the text and ``DENSE_ALONE`` when it understood none (a language the
  vocabulary does not know): then similarity carries the request. An expert without a vector
  yet gets no dense evidence.
* **language** (first working language of the request 1, second 0.5, ...), **coverage** of the
  origin and location countries, **load** and **responsiveness**.

Penalties: declared market ties (``MARKET_TIES_PENALTY``, more when the text asks for an
independent expert), and a specialty that names a concept the text explicitly excludes.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from expertnet.consultations.routing.model import RoutingSpec
from expertnet.consultations.routing.request import FUZZY_MIN, STEM, RequestProfile, closure, deletions

W_CATEGORY = 0.44
W_SPECIFIC = 0.36
W_LANGUAGE = 0.10
W_COVERAGE = 0.06
W_LOAD = 0.02
W_RESPONSIVE = 0.02
MARKET_TIES_PENALTY = 0.02  # below an otherwise equal independent expert
INDEPENDENT_PENALTY = 0.04  # the text itself asks for an independent expert (a looser cue than the flag)
EXCLUDED_PENALTY = 0.12  # per excluded concept a specialty names (at most once per concept)

# How well an expert's concepts meet one concept of the request.
MATCH_SPECIALTY = 1.0  # the same concept, named in a specialty
MATCH_NARROWER = 0.6  # a specialty names a narrower concept (request "Buddhist", expert "Gandharan Buddhist sculpture")
MATCH_PROFILE = 0.55  # the concept is in the profile only through the bio
MATCH_BROADER = 0.4  # a specialty names only a broader concept (request "Khmer", expert "Southeast Asian art")
MATCH_BROADER_PROFILE = 0.25  # the bio names a broader concept
TOKEN_SHARE = 0.25  # plain word overlap with the specialties: the weaker signal
WORD_STEM = 0.9  # a specialty word met in another inflection
WORD_TYPO = 0.8  # a specialty word met with a typo

# A given category is a hint, not a wall: when the text's own evidence contests it,
# an expert outside the given one whose specificity beats the best of the experts inside it by
# LIFT_GAP or more gets the full category credit (linearly up to there).
LIFT_GAP = 0.15
HINT_CONTESTED = 0.7
INFERRED_LIFT = 1  # an inferred category is lifted past the same way

DENSE_FLOOR = 0.15  # cosine at or below which the dense part is 0
DENSE_SPAN = 0.45  # cosine DENSE_FLOOR + DENSE_SPAN and above: 1
DENSE_SHARE = 0.5  # share of the dense part in specificity when the vocabulary understood the text
DENSE_ALONE = 0.8  # ... when it understood no concept in it


# --- a profile (cached per text: specialties repeat across profiles and change rarely) ---------


@dataclass(frozen=True)
class _Specialty:
    direct: tuple[str, ...]  # concepts it names
    closure: frozenset[str]  # their broader concepts
    words: tuple[tuple[str, frozenset[str]], ...]  # content words with their one-letter deletions


@lru_cache(maxsize=100_000)
def _specialty(text: str) -> _Specialty:
    """A specialty phrase read by the same understanding step as the request."""
    from expertnet.matching.understanding import understand

    u = understand(text, embed=False)
    direct: list[str] = []
    broader: set[str] = set()
    words: list[str] = []
    for c in u.concepts:
        if c.inferred:
            broader.add(c.id)
            continue
        direct.append(c.id)
        broader.update(closure(c.id))
        words.extend(c.term.split())
    words.extend(u.words)
    kept = (w for w in dict.fromkeys(words) if len(w) >= 3 and not w.isdigit())
    return _Specialty(
        tuple(dict.fromkeys(direct)),
        frozenset(broader) - set(direct),
        tuple((w, deletions(w) if len(w) >= FUZZY_MIN else frozenset((w,))) for w in kept),
    )


@lru_cache(maxsize=50_000)
def profile_concepts(specialties: tuple[str, ...], bio: str) -> frozenset[str]:
    """What the index document holds as `concepts` (specialties and bio, with broader concepts),
    for rows that did not come from the index."""
    from expertnet.matching.understanding import understand

    return frozenset(understand(" ; ".join(specialties) + " . " + bio, embed=False).concept_ids)


def _word_match(word: str, near: frozenset[str], req: RequestProfile) -> float:
    if word in req.words:
        return 1.0
    if len(word) > STEM and word[:STEM] in req.stems:
        return WORD_STEM
    if len(word) >= FUZZY_MIN and not near.isdisjoint(req.near):
        return WORD_TYPO
    return 0.0


def _word_overlap(req: RequestProfile, specialties: Sequence[str]) -> tuple[float, dict[int, float]]:
    """Best share of one specialty's words that the request uses, and the specialties that share
    at least half of their words."""
    best = 0.0
    strong: dict[int, float] = {}
    for i, text in enumerate(specialties):
        words = _specialty(text).words
        if not words:
            continue
        share = sum(_word_match(w, near, req) for w, near in words) / len(words)
        best = max(best, share)
        if share >= 0.5:
            strong[i] = share * 0.5
    return best, strong


def dense_score(req: RequestProfile, vector: np.ndarray | None) -> float | None:
    """The dense part (0..1), or None when the request or the expert has no vector."""
    if req.vector is None or vector is None:
        return None
    similarity = float(np.dot(req.vector, np.asarray(vector, dtype=np.float32)))
    return min(1.0, max(0.0, (similarity - DENSE_FLOOR) / DENSE_SPAN))


def _specific(concept_score: float, word_score: float, dense: float | None, req: RequestProfile) -> float:
    if req.concept_weight:
        lexical = min(1.0, (1 - TOKEN_SHARE) * concept_score + TOKEN_SHARE * word_score)
    else:
        lexical = min(1.0, 2 * TOKEN_SHARE * word_score)  # nothing recognised: words are all there is
    if req.vector is None:
        return lexical  # embeddings off: every expert is scored on the same evidence
    share = DENSE_SHARE if req.concept_weight else DENSE_ALONE
    return (1 - share) * lexical + share * (dense or 0.0)


def concept_bound(req: RequestProfile, profile: frozenset[str]) -> float:
    """An upper bound of the concept part, from the profile's concept set alone: a concept in the
    profile could at best be named by a specialty; a broader one, at best by a specialty."""
    if not req.concept_weight:
        return 0.0
    got = 0.0
    for cid, c in req.concepts.items():
        if cid in profile:
            got += c.weight * MATCH_SPECIALTY
        elif not profile.isdisjoint(c.closure):
            got += c.weight * MATCH_BROADER
    return got / req.concept_weight


def _concept_exact(
    req: RequestProfile, specialties: Sequence[str], profile: frozenset[str]
) -> tuple[float, dict[int, float], list[str], list[str]]:
    """The concept part, which specialties (index -> weight) or bio concepts earned it, and the
    labels of excluded concepts a specialty names."""
    named: dict[str, int] = {}
    narrower: dict[str, int] = {}
    for i, text in enumerate(specialties):
        spec = _specialty(text)
        for cid in spec.direct:
            named.setdefault(cid, i)
        for cid in spec.closure:
            narrower.setdefault(cid, i)
    against = [label for cid, label in req.excluded.items() if cid in named]
    if not req.concept_weight:
        return 0.0, {}, [], against
    got = 0.0
    credit: dict[int, float] = {}
    bio_labels: list[str] = []
    for cid, c in req.concepts.items():
        weight = c.weight
        if cid in named:
            got += weight * MATCH_SPECIALTY
            credit[named[cid]] = credit.get(named[cid], 0.0) + weight
        elif cid in narrower:
            got += weight * MATCH_NARROWER
            credit[narrower[cid]] = credit.get(narrower[cid], 0.0) + weight * 0.5
        elif cid in profile:
            got += weight * MATCH_PROFILE
            bio_labels.append(c.label)
        else:
            for depth, b in enumerate(c.closure):
                if b in named:
                    got += weight * MATCH_BROADER / (1 + 0.5 * depth)
                    credit[named[b]] = credit.get(named[b], 0.0) + weight * 0.3
                    break
                if b in profile:
                    got += weight * MATCH_BROADER_PROFILE / (1 + 0.5 * depth)
                    break
    return got / req.concept_weight, credit, bio_labels, against


# --- one candidate ----------------------------------------------------------------------------


@dataclass
class Scored:
    row: Any  # the candidate expert row (untyped like the `expert` argument of base_score)
    base: float  # everything but specificity and the excluded-concept penalty
    reasons_before: list[str]  # category
    reasons_after: list[str]  # language, coverage, load, market ties
    word_score: float
    word_credit: dict[int, float]
    profile: frozenset[str]
    dense: float | None
    category: float  # the category criterion before any lift (0..1)
    categories: tuple[str, ...]  # the expert's categories
    bound: float = 0.0
    hint_best: float | None = None  # best exact specificity among the candidates holding the given category
    _exact: tuple | None = None


def _category(req: RequestProfile, expert_categories) -> tuple[float, list[str]]:
    score, hit = 0.0, None
    for slug, weight in req.categories:
        if weight > score and slug in expert_categories:
            score, hit = weight, slug
    if hit is None:
        return 0.0, []
    hint = req.category_hint
    if req.hint_overruled and hint:
        if hit == hint:
            return score, [f"category: {hit} (given; the text points rather to {req.categories[0][0]})"]
        if score > dict(req.categories).get(hint, 0.0):  # the text's evidence for it outranks the given one
            return score, [f"category: {hit} (from the text, outweighing the given {hint})"]
    return score, [f"category: {hit}"]


def base_score(
    req: RequestProfile, spec: RoutingSpec, expert, profile: frozenset[str], vector: np.ndarray | None = None
) -> Scored:
    after: list[str] = []
    category_score, before = _category(req, expert.categories or ())

    language_score = 0.0
    languages = expert.languages or ()
    for position, lang in enumerate(spec.languages):
        if lang in languages:
            language_score = 1.0 / (1 + position)  # first choice 1, second 0.5 ...
            after.append(f"speaks {lang}")
            break

    covered = set(expert.coverage_countries or ())
    covered.add(expert.country)
    coverage = 0.0
    origin, location = spec.object_origin_country, spec.location_country
    if origin and origin in covered:
        coverage += 0.6
        after.append(f"covers {origin}")
    if location and location in covered:
        coverage += 0.4
        if location != origin:
            after.append(f"covers {location}")

    capacity = max(expert.max_open_consultations, 1)
    load = 1.0 - min(expert.open_consultations, capacity) / capacity
    responsiveness = expert.offers_answered / expert.offers_received if expert.offers_received else 0.5
    base = W_LANGUAGE * language_score + W_COVERAGE * coverage + W_LOAD * load + W_RESPONSIVE * responsiveness
    if expert.open_consultations:
        after.append(f"load {expert.open_consultations}/{expert.max_open_consultations}")
    if expert.market_ties:
        if req.no_market_ties:
            base -= INDEPENDENT_PENALTY
            after.append("declared market ties (the request asks for an independent expert)")
        else:
            base -= MARKET_TIES_PENALTY
            after.append("declared market ties")
    word_score, word_credit = _word_overlap(req, expert.specialties or ())
    return Scored(
        expert,
        base,
        before,
        after,
        word_score,
        word_credit,
        profile,
        dense_score(req, vector),
        category_score,
        tuple(expert.categories or ()),
    )


def _lifted(s: Scored, specific: float) -> float:
    """The category criterion, lifted when the expert's specificity beats that of every candidate
    in the given category by a clear margin (monotone in ``specific``)."""
    if s.hint_best is None or s.category >= 1.0:
        return s.category
    gap = specific - s.hint_best
    if gap <= 0:
        return s.category
    return s.category + (1 - s.category) * min(1.0, gap / LIFT_GAP)


def _total(s: Scored, specific: float) -> float:
    return s.base + W_CATEGORY * _lifted(s, specific) + W_SPECIFIC * specific


def upper_bound(req: RequestProfile, s: Scored) -> float:
    return _total(s, _specific(concept_bound(req, s.profile), s.word_score, s.dense, req))


def exact(req: RequestProfile, s: Scored) -> tuple[float, dict[int, float], list[str], list[str]]:
    """(specificity, specialty credit, bio labels, excluded concepts the specialties name), once."""
    if s._exact is None:
        concept_score, credit, bio_labels, against = _concept_exact(req, s.row.specialties or (), s.profile)
        for i, share in s.word_credit.items():
            credit[i] = credit.get(i, 0.0) + share
        s._exact = (_specific(concept_score, s.word_score, s.dense, req), credit, bio_labels, against)
    return s._exact


def set_hint_best(req: RequestProfile, scored: list[Scored]) -> None:
    """Prepares the lift. The anchor is the given category when the text does not clearly confirm
    it (the text's evidence for another category reaches HINT_CONTESTED of its evidence for the
    given one), or, without a given category, the category inferred from the text when
    INFERRED_LIFT is on. Every candidate outside the anchor learns the best exact specificity of
    those in it (their bound no longer suffices: the lift compares exact figures). A text that
    agrees with the given category leaves it a wall."""
    hint = req.category_hint
    if hint:
        text = dict(req.understanding.text_categories)
        rival = max((w for slug, w in text.items() if slug != hint), default=0.0)
        if rival == 0.0 or rival < HINT_CONTESTED * text.get(hint, 0.0):
            return
        anchor = hint
    elif INFERRED_LIFT and req.categories:
        anchor = req.categories[0][0]
    else:
        return
    best = max((exact(req, s)[0] for s in scored if anchor in s.categories), default=0.0)
    for s in scored:
        if anchor not in s.categories:
            s.hint_best = best


def _lift_reason(req: RequestProfile, s: Scored, specific: float) -> str | None:
    """Says so when the specialties' match, not the given category, earned the category credit."""
    hint = req.category_hint
    if not hint or not s.categories or _lifted(s, specific) - s.category < 0.2:
        return None
    weights = dict(req.categories)
    own = max(s.categories, key=lambda slug: weights.get(slug, 0.0))
    return f"category: {own} (the text matches this expert's specialties more than the given category {hint})"


def finish(req: RequestProfile, s: Scored) -> tuple[float, list[str]]:
    specialties = s.row.specialties or ()
    specific, credit, bio_labels, against = exact(req, s)
    best = sorted(credit.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
    reasons = [f"specialty: {specialties[i]}" for i, _ in best if i < len(specialties)]
    if not reasons and bio_labels:
        reasons = [f"profile: {bio_labels[0]}"]
    if s.dense is not None and s.dense >= 0.5 and (not req.concept_weight or not reasons):
        reasons.append(f"profile similar to the request ({s.dense:.2f})")
    after = list(s.reasons_after)
    if against:
        after.append("specialises in what the request excludes: " + ", ".join(against))
    score = _total(s, specific) - EXCLUDED_PENALTY * len(against)
    lift = _lift_reason(req, s, specific)
    before = [lift] if lift else s.reasons_before
    return max(0.0, min(1.0, score)), before + reasons + after


def score_expert(
    req: RequestProfile,
    spec: RoutingSpec,
    expert,
    profile: frozenset[str] | None = None,
    vector: np.ndarray | None = None,
) -> tuple[float, list[str]]:
    """Score (0..1) and reasons of one eligible candidate row."""
    if profile is None:
        profile = profile_concepts(tuple(expert.specialties or ()), expert.bio or "")
    return finish(req, base_score(req, spec, expert, profile, vector))
