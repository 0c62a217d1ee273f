"""Routing: which vetted experts should be offered a consultation request, and why.

Two stages, so that a request costs about the same with 80 experts or 100,000:

1. Retrieval from the search index (never a table scan). The hard constraints the index knows
   (vetting, availability, capacity, languages, market ties) are filters, and two queries gather
   up to 200 candidates: one ranked by the request's categories and vocabulary concepts (this is
   how a Russian request meets an English profile), one by the words the vocabulary did not
   understand (``matching="any"``, typo-tolerant: rare names and specialties outside the
   vocabulary).
2. The candidates' rows are loaded from the database in one query (fresh capacity, conflicts,
   vetting), every hard constraint is checked again on them, and the survivors are scored here.

Scoring follows DESIGN.md "Routing: what the right expert means": the category first, then how
specifically the expert's specialties and bio match the object (culture, period, material, object
type and skill concepts; a concept named in a specialty beats a broader or narrower relative, which
beats a mention in the bio only; plain word overlap with the specialties counts too, weaker), then
the requester's first language, then coverage of the origin and location countries, then load and
responsiveness. The weights shrink along that order, each about the sum of the ones after it, so
that for an equal fit on the earlier criteria the next one decides.

Cost: the exact specificity needs the vocabulary's reading of each specialty (cached per
specialty text). The index document already holds each profile's concepts (specialties and bio,
with their broader concepts), which bounds the specificity from above; candidates are scored
exactly in the order of that bound until the k-th best exact score beats the next bound.
"""
import asyncio
import heapq
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.consultations import repository
from expertnet.core.text import tokens
from expertnet.db import utcnow
from expertnet.members.models import VettingStatus
from expertnet.search import AsyncSearch

log = logging.getLogger(__name__)

INDEX = "experts"
RETRIEVE_PER_QUERY = 100  # the search layer's page limit; two queries give up to 200 candidates
MAX_ENGINE_WORDS = 8

# Share of the score (0..1) each criterion can contribute, in DESIGN.md order.
W_CATEGORY = 0.50
W_SPECIFIC = 0.30
W_LANGUAGE = 0.10
W_COVERAGE = 0.06
W_LOAD = 0.02
W_RESPONSIVE = 0.02
MARKET_TIES_PENALTY = 0.02  # below an otherwise equal independent expert

# How much one mentioned concept counts for specificity, by facet.
FACET_SPECIFICITY = {"culture": 1.0, "object_type": 0.9, "skill": 0.8, "period": 0.7, "material": 0.5}
# How well an expert's concepts meet one concept of the request.
MATCH_SPECIALTY = 1.0  # the same concept, named in a specialty
MATCH_NARROWER = 0.6  # a specialty names a narrower concept (request "Buddhist", expert "Gandharan Buddhist sculpture")
MATCH_PROFILE = 0.55  # the concept is in the profile only through the bio
MATCH_BROADER = 0.4  # a specialty names only a broader concept (request "Khmer", expert "Southeast Asian art")
MATCH_BROADER_PROFILE = 0.25  # the bio names a broader concept
TOKEN_SHARE = 0.25  # plain word overlap with the specialties: the weaker signal
MIN_WORD = 3
STEM = 6  # shared first letters that count as the same word in another form
FUZZY_MIN = 5  # words this long may carry one typo (the search engines' rule)
WORD_STEM = 0.9  # a specialty word met in another inflection
WORD_TYPO = 0.8  # a specialty word met with a typo


@dataclass
class RoutingSpec:
    title: str = ""
    description: str = ""
    category: str | None = None
    location_country: str | None = None
    object_origin_country: str | None = None
    languages: list[str] = field(default_factory=list)
    urgency: str = "routine"
    exclude_market_ties: bool = False

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.description}"


@dataclass
class Candidate:
    expert_id: int
    external_id: str
    full_name: str
    score: float  # 0..1
    reasons: list[str]


# --- the vocabulary ---------------------------------------------------------------------------


def _vocabulary():
    try:
        from expertnet.matching.vocabulary import get_vocabulary

        return get_vocabulary()
    except (ImportError, FileNotFoundError):  # pragma: no cover - the vocabulary ships with the package
        log.warning("vocabulary unavailable: routing falls back to words only")
        return None


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    try:
        from expertnet.matching import vocabulary

        return frozenset(getattr(vocabulary, "_STOPWORDS", ()))
    except ImportError:  # pragma: no cover
        return frozenset()


_SIGNS = str.maketrans("", "", "ьъЬЪ")  # as the vocabulary does: "фальшивка" is one word, not "fal" + "shivka"


def _content_words(text: str) -> list[str]:
    stop = _stopwords()
    return [t for t in tokens(text.translate(_SIGNS)) if len(t) >= MIN_WORD and t not in stop and not t.isdigit()]


def infer_categories(text: str) -> list[tuple[str, float]]:
    vocab = _vocabulary()
    if vocab is None or not text.strip():
        return []
    return vocab.infer_categories(text)


def infer_category(text: str) -> str | None:
    ranked = infer_categories(text)
    return ranked[0][0] if ranked else None


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


def _closure(vocab, concept_id: str) -> tuple[str, ...]:
    return _closures(vocab).get(concept_id, ())


def _deletions(word: str) -> frozenset[str]:
    """The word and every form with one letter deleted. Two words within one substitution,
    insertion, deletion or transposition of each other share at least one of these."""
    return frozenset({word, *(word[:i] + word[i + 1:] for i in range(len(word)))})


# --- a request --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestProfile:
    categories: tuple[tuple[str, float], ...]  # (slug, weight 0..1), best first
    concepts: dict  # concept id -> (facet weight, label, broader closure), direct mentions, no category facet
    concept_weight: float  # sum of the facet weights
    broader: frozenset[str]  # concepts implied through `broader`
    words: frozenset[str]  # folded content words
    stems: frozenset[str]  # their first STEM letters (inflections: "icons" / "icon", "монеты" / "монета")
    near: frozenset[str]  # their one-letter deletions (typos: "imperail" meets "imperial")
    keywords: str  # words for the engine


def analyse_request(spec: RoutingSpec) -> RequestProfile:
    vocab = _vocabulary()
    concepts: dict[str, tuple[float, str, tuple[str, ...]]] = {}
    broader: set[str] = set()
    understood: set[str] = set()  # words of the matched vocabulary terms
    if vocab is not None:
        for hit in vocab.extract(spec.text):
            c = hit.concept
            if hit.inferred:
                broader.add(c.id)
                continue
            understood.update(hit.term.split())
            if c.facet != "category":
                concepts[c.id] = (FACET_SPECIFICITY.get(c.facet, 0.5), c.label, _closure(vocab, c.id))
    categories = ((spec.category, 1.0),) if spec.category else tuple(infer_categories(spec.text))
    words = _content_words(spec.text)
    return RequestProfile(
        categories=categories,
        concepts=concepts,
        concept_weight=sum(w for w, _, _ in concepts.values()),
        broader=frozenset(broader - set(concepts)),
        words=frozenset(words),
        stems=frozenset(w[:STEM] for w in words if len(w) > STEM),
        near=frozenset(d for w in words if len(w) >= FUZZY_MIN for d in _deletions(w)),
        keywords=_engine_keywords(spec, understood),
    )


def _engine_keywords(spec: RoutingSpec, understood: set[str]) -> str:
    """The words for the engine's word query: those the vocabulary did not understand (its concepts
    reach the engine as boosts), longest first, title first on ties. Rare names, typos and
    specialties outside the vocabulary are what this query is for; every word costs a
    typo-tolerant term lookup, so there are at most MAX_ENGINE_WORDS."""
    prefixes = tuple(w for w in understood if len(w) >= 4)
    ordered = list(dict.fromkeys(_content_words(spec.title) + _content_words(spec.description)))
    unknown = [w for w in ordered if len(w) >= 4 and w not in understood and not (prefixes and w.startswith(prefixes))]
    position = {w: i for i, w in enumerate(unknown)}
    chosen = sorted(unknown, key=lambda w: (-len(w), position[w]))[:MAX_ENGINE_WORDS]
    return " ".join(sorted(chosen, key=position.__getitem__))


# --- a profile (cached per text: specialties repeat across profiles and change rarely) ---------


@dataclass(frozen=True)
class _Specialty:
    direct: tuple[str, ...]  # concepts it names
    closure: frozenset[str]  # their broader concepts
    words: tuple[tuple[str, frozenset[str]], ...]  # content words with their one-letter deletions


@lru_cache(maxsize=100_000)
def _specialty(text: str) -> _Specialty:
    vocab = _vocabulary()
    direct: list[str] = []
    closure: set[str] = set()
    if vocab is not None:
        for hit in vocab.extract(text):
            (closure.add(hit.concept.id) if hit.inferred else direct.append(hit.concept.id))
            if not hit.inferred:
                closure.update(_closure(vocab, hit.concept.id))
    words = tuple(
        (w, _deletions(w) if len(w) >= FUZZY_MIN else frozenset((w,))) for w in dict.fromkeys(_content_words(text))
    )
    return _Specialty(tuple(direct), frozenset(closure) - set(direct), words)


@lru_cache(maxsize=50_000)
def _profile_concepts(specialties: tuple[str, ...], bio: str) -> frozenset[str]:
    """What the index document holds as `concepts` (specialties and bio, with broader concepts),
    for rows that did not come from the index."""
    vocab = _vocabulary()
    if vocab is None:
        return frozenset()
    return frozenset(vocab.concept_ids(" ; ".join(specialties) + " . " + bio))


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


def _combine(concept_score: float, word_score: float, req: RequestProfile) -> float:
    if req.concept_weight:
        return min(1.0, (1 - TOKEN_SHARE) * concept_score + TOKEN_SHARE * word_score)
    return min(1.0, 2 * TOKEN_SHARE * word_score)  # nothing recognised: words are all there is


def _concept_bound(req: RequestProfile, profile: frozenset[str]) -> float:
    """An upper bound of the concept part, from the profile's concept set alone: a concept in the
    profile could at best be named by a specialty; a broader one, at best by a specialty."""
    if not req.concept_weight:
        return 0.0
    got = 0.0
    for cid, (weight, _label, closure) in req.concepts.items():
        if cid in profile:
            got += weight * MATCH_SPECIALTY
        elif not profile.isdisjoint(closure):
            got += weight * MATCH_BROADER
    return got / req.concept_weight


def _concept_exact(
    req: RequestProfile, specialties: Sequence[str], profile: frozenset[str]
) -> tuple[float, dict[int, float], list[str]]:
    """The concept part, and which specialties (index -> weight) or bio concepts earned it."""
    if not req.concept_weight:
        return 0.0, {}, []
    named: dict[str, int] = {}
    narrower: dict[str, int] = {}
    for i, text in enumerate(specialties):
        spec = _specialty(text)
        for cid in spec.direct:
            named.setdefault(cid, i)
        for cid in spec.closure:
            narrower.setdefault(cid, i)
    got = 0.0
    credit: dict[int, float] = {}
    bio_labels: list[str] = []
    for cid, (weight, label, closure) in req.concepts.items():
        if cid in named:
            got += weight * MATCH_SPECIALTY
            credit[named[cid]] = credit.get(named[cid], 0.0) + weight
        elif cid in narrower:
            got += weight * MATCH_NARROWER
            credit[narrower[cid]] = credit.get(narrower[cid], 0.0) + weight * 0.5
        elif cid in profile:
            got += weight * MATCH_PROFILE
            bio_labels.append(label)
        else:
            for depth, b in enumerate(closure):
                if b in named:
                    got += weight * MATCH_BROADER / (1 + 0.5 * depth)
                    credit[named[b]] = credit.get(named[b], 0.0) + weight * 0.3
                    break
                if b in profile:
                    got += weight * MATCH_BROADER_PROFILE / (1 + 0.5 * depth)
                    break
    return got / req.concept_weight, credit, bio_labels


# --- hard constraints -------------------------------------------------------------------------

CONFLICT_NAME_LOCALES = ("en", "fr", "de", "it", "es", "ru", "sr", "sr_Latn", "hr", "bs", "mk", "bg", "uk", "tr", "sq", "ro")


@lru_cache(maxsize=512)
def _country_names(code: str) -> frozenset[str]:
    """The country's code and its names in the languages the network works in, folded."""
    from expertnet.core.reference import country_name

    names = {code.lower()}
    for locale in CONFLICT_NAME_LOCALES:
        try:
            name = country_name(code, locale)
        except Exception:  # noqa: BLE001 - a missing translation only weakens the match
            continue
        folded = " ".join(tokens(name))
        if folded:
            names.add(folded)
    return frozenset(names)


def conflict_matches(conflicts: Iterable[str], requester_org: str, requester_country: str | None) -> str | None:
    """The declared conflict that concerns this requester - their organisation or their country -
    compared case-, diacritic- and script-insensitively (Србија / Srbija / Serbia / RS), or None."""
    if not conflicts:
        return None
    org = " ".join(tokens(requester_org or ""))
    country = (requester_country or "").strip().upper()
    for entry in conflicts:
        folded = " ".join(tokens(entry))
        if not folded:
            continue
        if org and (folded == org or _contains_words(org, folded) or _contains_words(folded, org)):
            return entry
        if country and folded in _country_names(country):
            return entry
    return None


def _contains_words(haystack: str, needle: str) -> bool:
    """Whole-word containment of folded, space-joined words ("border police" in "serbian border police")."""
    return len(needle) >= 4 and f" {needle} " in f" {haystack} "


def hard_constraint_problems(
    expert,
    spec: RoutingSpec,
    *,
    requester_id: int | None = None,
    requester_org: str = "",
    requester_country: str | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Why this expert may not be offered this request (empty: eligible): DESIGN.md's hard
    constraints, never relaxed by ranking. `expert` is a candidate row (repository.CANDIDATE_COLUMNS): the
    profile with the member's name and vetting."""
    now = now or utcnow()
    problems = []
    if expert.vetting_status != VettingStatus.approved:
        problems.append(f"vetting is {expert.vetting_status}")
    elif expert.vetted_until is not None and expert.vetted_until <= now:
        problems.append("vetting has expired")
    if not expert.available:
        problems.append("not available")
    if expert.away_until is not None and expert.away_until >= now.date():
        problems.append(f"away until {expert.away_until.isoformat()}")
    if expert.open_consultations >= expert.max_open_consultations:
        problems.append(f"at capacity ({expert.open_consultations}/{expert.max_open_consultations} open)")
    if spec.languages and set(spec.languages).isdisjoint(expert.languages or ()):
        problems.append("shares no working language with the request")
    if spec.exclude_market_ties and expert.market_ties:
        problems.append("declared market ties, excluded by the request")
    conflict = conflict_matches(expert.conflicts, requester_org, requester_country)
    if conflict:
        problems.append(f"declared conflict: {conflict}")
    if requester_id is not None and expert.member_id == requester_id:
        problems.append("is the requester")
    return problems


# --- scoring ----------------------------------------------------------------------------------


@dataclass
class _Scored:
    row: object
    base: float  # everything but specificity
    reasons_before: list[str]  # category
    reasons_after: list[str]  # language, coverage, load, market ties
    word_score: float
    word_credit: dict[int, float]
    profile: frozenset[str]
    bound: float = 0.0


def _base(req: RequestProfile, spec: RoutingSpec, expert, profile: frozenset[str]) -> _Scored:
    before: list[str] = []
    after: list[str] = []
    # Category: the given one decides; inferred ones count with their confidence.
    expert_categories = expert.categories or ()
    category_score, category_hit = 0.0, None
    for slug, weight in req.categories:
        if weight > category_score and slug in expert_categories:
            category_score, category_hit = weight, slug
    if category_hit:
        before.append(f"category: {category_hit}")

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
    base = (
        W_CATEGORY * category_score
        + W_LANGUAGE * language_score
        + W_COVERAGE * coverage
        + W_LOAD * load
        + W_RESPONSIVE * responsiveness
    )
    if expert.open_consultations:
        after.append(f"load {expert.open_consultations}/{expert.max_open_consultations}")
    if expert.market_ties:
        base -= MARKET_TIES_PENALTY
        after.append("declared market ties")
    word_score, word_credit = _word_overlap(req, expert.specialties or ())
    return _Scored(expert, base, before, after, word_score, word_credit, profile)


def _finish(req: RequestProfile, s: _Scored) -> tuple[float, list[str]]:
    specialties = s.row.specialties or ()
    concept_score, credit, bio_labels = _concept_exact(req, specialties, s.profile)
    for i, share in s.word_credit.items():
        credit[i] = credit.get(i, 0.0) + share
    specific = _combine(concept_score, s.word_score, req)
    best = sorted(credit.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
    reasons = [f"specialty: {specialties[i]}" for i, _ in best if i < len(specialties)]
    if not reasons and bio_labels:
        reasons = [f"profile: {bio_labels[0]}"]
    score = max(0.0, min(1.0, s.base + W_SPECIFIC * specific))
    return score, s.reasons_before + reasons + s.reasons_after


def score_expert(req: RequestProfile, spec: RoutingSpec, expert, profile: frozenset[str] | None = None) -> tuple[float, list[str]]:
    """Score (0..1) and reasons of one eligible candidate row."""
    if profile is None:
        profile = _profile_concepts(tuple(expert.specialties or ()), expert.bio or "")
    return _finish(req, _base(req, spec, expert, profile))


# --- retrieval --------------------------------------------------------------------------------


RETRIEVE_WIDE = 50  # candidates of the second query (outside the likely categories, or by words)
CATEGORY_FILTER_MIN = 0.3  # inferred categories at least this strong (of the best one) are "likely"


def _retrieval_queries(req: RequestProfile, spec: RoutingSpec, definition) -> list:
    """(in_category, by_words, by_concepts), each None when it has nothing to ask.

    in_category: within the likely categories (the category carries half of the score, so the
    winners are almost always there), ranked by concepts, first language and coverage.
    by_words: anywhere, by the words the vocabulary did not understand (rare names, typos,
    specialties it does not know). by_concepts: anywhere, by concepts - needed only when no
    category is likely or the likely ones hold few eligible experts."""
    from expertnet.search import Range, SearchQuery

    now = int(time.time())
    filters: dict[str, list] = {"vetting_status": ["approved"], "available": [True], "has_capacity": [True]}
    if spec.languages:
        filters["languages"] = list(spec.languages)
    if spec.exclude_market_ties:
        filters["market_ties"] = [False]
    # Documents carry 0 for "no expiry" and "not away".
    ranges = [Range("vetted_until", gt=now, or_values=[0])]
    if definition is not None and "away_until" in definition.filterable:
        ranges.append(Range("away_until", lt=now, or_values=[0]))
    likely = [slug for slug, weight in req.categories if weight >= CATEGORY_FILTER_MIN][:4]
    boost: dict[str, list[str]] = {}
    concept_ids = list(req.concepts) + sorted(req.broader)
    if concept_ids:
        boost["concepts"] = concept_ids[:200]
    if spec.languages:
        boost["languages"] = [spec.languages[0]]
    countries = [c for c in (spec.object_origin_country, spec.location_country) if c]
    if countries:
        boost["coverage_countries"] = list(dict.fromkeys(countries))
    wide_boost = dict(boost)
    if likely:
        wide_boost["categories"] = likely[:1]
    if definition is not None:
        boost = {k: v for k, v in boost.items() if k in definition.boost and v}
        wide_boost = {k: v for k, v in wide_boost.items() if k in definition.boost and v}
    common = dict(ranges=ranges, system=True, highlight=False)
    in_category = (
        SearchQuery(text="", filters={**filters, "categories": likely}, boost=boost, limit=RETRIEVE_PER_QUERY, **common)
        if likely else None
    )
    by_words = (
        SearchQuery(text=req.keywords, matching="any", filters=filters, boost=wide_boost, limit=RETRIEVE_WIDE, **common)
        if req.keywords else None
    )
    by_concepts = SearchQuery(text="", filters=filters, boost=wide_boost,
                              limit=RETRIEVE_WIDE if likely else RETRIEVE_PER_QUERY, **common)
    return in_category, by_words, by_concepts


@lru_cache(maxsize=1)
def _definition():
    try:
        from expertnet.search import load_definition

        return load_definition(INDEX)
    except Exception:  # noqa: BLE001 - the definition only refines the query
        log.warning("index definition %r unavailable", INDEX)
        return None


async def retrieve(search: AsyncSearch, req: RequestProfile, spec: RoutingSpec) -> dict[int, frozenset[str]]:
    """Expert id -> the profile's concepts, for the candidates worth scoring, from the index."""
    in_category, by_words, by_concepts = _retrieval_queries(req, spec, _definition())
    first = [q for q in (in_category, by_words) if q is not None]
    results = list(await asyncio.gather(*(search.search(INDEX, q) for q in first)))
    # Outside the likely categories, concepts matter only if those categories run short.
    if in_category is None or results[0].total < RETRIEVE_PER_QUERY:
        results.append(await search.search(INDEX, by_concepts))
    found: dict[int, frozenset[str]] = {}
    for result in results:
        for hit in result.hits:
            try:
                expert_id = int(hit.id)
            except ValueError:
                continue
            if expert_id not in found:
                found[expert_id] = frozenset(hit.document.get("concepts") or ())
    return found


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
) -> list[Candidate]:
    """Check the hard constraints on fresh rows, score the survivors, return the best `top`.

    Exact specificity is computed in the order of its upper bound and stops when the k-th best
    exact score is above the next bound: the result equals scoring every row exactly."""
    req = req or analyse_request(spec)
    excluded = set(exclude_expert_ids)
    now = utcnow()
    pending: list[_Scored] = []
    for row in rows:
        if row.id in excluded or hard_constraint_problems(
            row, spec, requester_id=requester_id, requester_org=requester_org,
            requester_country=requester_country, now=now,
        ):
            continue
        profile = (profiles or {}).get(row.id)
        if profile is None:
            profile = _profile_concepts(tuple(row.specialties or ()), row.bio or "")
        s = _base(req, spec, row, profile)
        s.bound = s.base + W_SPECIFIC * _combine(_concept_bound(req, profile), s.word_score, req)
        pending.append(s)
    pending.sort(key=lambda s: -s.bound)
    # Min-heap of the best `top` so far: (sort key, id, candidate); the root is the worst kept.
    kept: list[tuple[tuple, int, Candidate]] = []
    for s in pending:
        if len(kept) >= top and s.bound < kept[0][0][0] - 1e-12:
            break  # no later candidate can score above the worst one kept
        score, reasons = _finish(req, s)
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
    return rank_loaded(
        rows, spec, top=top, exclude_expert_ids=exclude_expert_ids, requester_id=requester_id,
        requester_org=requester_org, requester_country=requester_country, req=req, profiles=profiles,
    )


async def evaluate_expert(
    session: AsyncSession,
    spec: RoutingSpec,
    expert_id: int,
    *,
    requester_id: int | None = None,
    requester_org: str = "",
    requester_country: str | None = None,
) -> tuple[Candidate | None, list[str]]:
    """One chosen expert (an admin's manual offer): (candidate, []) or (None, problems)."""
    rows = await repository.candidate_rows(session, [expert_id])
    if not rows:
        return None, ["no such expert"]
    row = rows[0]
    problems = hard_constraint_problems(
        row, spec, requester_id=requester_id, requester_org=requester_org, requester_country=requester_country,
    )
    if problems:
        return None, problems
    score, reasons = score_expert(analyse_request(spec), spec, row)
    return Candidate(row.id, row.external_id, row.full_name, round(score, 4), reasons), []
