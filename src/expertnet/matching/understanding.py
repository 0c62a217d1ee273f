"""One query-understanding step for directory search and routing: what does this text ask for?

:func:`understand` turns a query or a request (any language the vocabulary knows, either script,
typos, negation) into an :class:`Understanding`:

* ``concepts`` -- the vocabulary concepts it names (positive), with facet and weight: 1.0 for a
  direct mention, ``FUZZY_WEIGHT`` when a typo had to be corrected to find it, ``BROADER_WEIGHT``
  for a broader concept implied through the vocabulary's ``broader`` links. Facet importance is the
  ranking's business (routing has its own per-facet weights).
* ``excluded`` -- concepts the text explicitly excludes ("not an icon but its silver cover", "без
  оклада"; see :mod:`expertnet.matching.negation`). They are removed from ``concepts``; one also
  named outside any negation stays positive (only implied there, through ``broader``, it does not).
* ``text_categories`` -- the categories the text names or implies, from the vocabulary's evidence
  rule (:meth:`Vocabulary.infer_categories`) plus discipline names the vocabulary lacks
  (``data/category_names.json``; its ``query_only`` rows, ambiguous words such as "customs" or
  "dating", count only in a short query). ``text_strength`` is the absolute evidence of the top one,
  in the vocabulary's units (``FACET_WEIGHTS``: 4 = the text names the category once).
* ``category_hint`` and ``categories`` -- a category the official chose is a hint, not a wall: it
  adds ``HINT_WEIGHT`` (one explicit naming) to its slug, and ``categories`` ranks hint and text
  evidence together, so that a text naming another category more than once outranks a wrong hint
  (``hint_overruled`` says so, for the reasons shown to the official).
* ``claims`` -- what the text reports as declared and then contradicts ("declared as 'decorative
  stones'", "Als Münzen angemeldet, es handelt sich aber um ..."; see
  :mod:`expertnet.matching.claims`). Those words are left out like a negated part, but exclude
  nothing; a category hint they name weighs ``CLAIMED_HINT`` of a hint, so that the text's own
  evidence decides.
* ``no_market_ties`` -- the text asks for an expert without ties to the market ("independent,
  without ties to dealers", "без связей с рынком", "senza legami con case d'asta"); those words
  are left out of everything else.
* ``words`` -- content words the vocabulary did not understand (rare names, specialties outside
  it), for the lexical leg; ``corrections`` -- the typos corrected.
* ``vector`` -- the dense multilingual vector of ``positive_text`` (the text with its typos
  corrected and its negated parts removed), or None (embeddings off, unavailable, or
  ``embed=False``).

Typos: a word the vocabulary does not know, of at least ``FUZZY_MIN_LEN`` letters, in an alphabet
(Latin, Cyrillic, Greek, Armenian, Georgian, Arabic or Hebrew script), is corrected towards the
words of the vocabulary's terms when that makes the vocabulary find a concept it did not find
before; the rules are in
:mod:`expertnet.matching.typos`.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import numpy as np

from expertnet.matching import vocabulary as vocabulary_module
from expertnet.matching.known_words import (  # noqa: F401
    _hash64,
    _known_words,
    _sentencepiece_pieces,
    _varint,
    _WordSet,
)
from expertnet.matching.claims import claims as find_claims
from expertnet.matching.negation import Negation, analyse, word_spans
from expertnet.matching.typos import (  # noqa: F401 -- re-exported under their old module path
    _BISCRIPT,
    _NEAR_KEYS,
    _SCRIPT_BITS,
    _SIGNS,
    FUZZY_MIN_LEN,
    FUZZY_STEM_LEN,
    FUZZY_SUBSTITUTION_LEN,
    FUZZY_TWO_FROM,
    _allowed,
    _deletions,
    _distance,
    _end_only,
    _fold_word,
    _folded,
    _keyboard_pairs,
    _script,
    _TypoIndex,
    _vocabulary_words,
)
from expertnet.matching.vocabulary import FACET_WEIGHTS, SKILL_CATEGORIES, SKILL_CATEGORY_BOOST, ConceptHit, Vocabulary

__all__ = [
    "BROADER_WEIGHT",
    "ConceptMatch",
    "FUZZY_WEIGHT",
    "CLAIMED_HINT",
    "HINT_WEIGHT",
    "Understanding",
    "Understander",
    "get_understander",
    "understand",
]

HINT_WEIGHT = 4.0  # the official's category: worth the text naming that category once
CLAIMED_HINT = 0.25  # ... times this when the declaration the text contradicts names that category
FUZZY_WEIGHT = 0.8  # a concept found only after correcting a typo
BROADER_WEIGHT = 0.5  # a broader concept implied by a named one
SHORT_QUERY_WORDS = 3  # up to this many content words: a directory query, where "customs" means the category
MIN_WORD = 3  # content words shorter than this are left out of ``words``
CACHE_MAX_CHARS = 500


@dataclass(frozen=True)
class ConceptMatch:
    id: str
    facet: str
    label: str
    weight: float  # 1.0 direct, FUZZY_WEIGHT after a typo correction, BROADER_WEIGHT implied
    term: str = ""  # the folded vocabulary term that matched ("" when implied)
    inferred: bool = False  # implied through ``broader``
    fuzzy: bool = False  # found only after a typo correction
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Understanding:
    text: str
    positive_text: str  # the text with typos corrected, its negated parts and market-ties clauses removed
    categories: tuple[tuple[str, float], ...]  # hint and text evidence together, best first, top 1.0
    text_categories: tuple[tuple[str, float], ...]  # from the text alone, best first, top 1.0
    text_strength: float  # absolute evidence of the top text category (4.0 = named once)
    category_hint: str | None
    hint_weight: float  # HINT_WEIGHT when a hint was given, else 0
    concepts: tuple[ConceptMatch, ...]
    excluded: tuple[ConceptMatch, ...]
    negations: tuple[Negation, ...]
    no_market_ties: bool  # the text asks for an expert without ties to the market ("sin vínculos comerciales")
    words: tuple[str, ...]
    corrections: tuple[tuple[str, str], ...]  # (word as written, folded correction)
    vector: np.ndarray | None = field(default=None, compare=False)
    claims: tuple[str, ...] = ()  # what the text reports as declared and contradicts (left out of ``positive_text``)

    @property
    def category(self) -> str | None:
        return self.categories[0][0] if self.categories else None

    @property
    def concept_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.concepts)

    @property
    def direct_concepts(self) -> tuple[ConceptMatch, ...]:
        return tuple(c for c in self.concepts if not c.inferred)

    @property
    def excluded_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.excluded)

    @property
    def hint_overruled(self) -> bool:
        """The text's evidence for another category outweighs the official's category."""
        return self.category_hint is not None and self.category is not None and self.category != self.category_hint


# ---------------------------------------------------------------------- the understander


# "Independent expert only", "perito independiente", "unabhängiger Gutachter", "независимый
# эксперт": the official asks for an expert without market ties (folded word starts).
_INDEPENDENT = (
    "independ",
    "indipendent",
    "unabhangig",
    "nezavisim",
    "nezalezn",
    "nezavisn",
    "bagimsiz",
    "pavarur",
    "anexartit",
    "niezalezn",
    "nezavisl",
    "fuggetlen",
    "onafhankelijk",
    "oberoende",
    "uafhaengig",
    "uavhengig",
    "riippumat",
    "neodvis",
    "nepriklausom",
    "neatkarig",
    "soltumatu",
)
_SEPARATOR = " ; "  # replaces a negated part: a phrase boundary for the vocabulary's matcher


class Understander:
    """The vocabulary, the category names and the typo index, loaded once."""

    def __init__(self, vocab: Vocabulary | None = None, names: Vocabulary | None = None):
        self.vocab = vocab if vocab is not None else vocabulary_module.get_vocabulary()
        self._query_only: frozenset[str] = frozenset()
        if names is None:
            self.names, self._query_only = _load_category_names()
        else:
            self.names = names
        self._stopwords: frozenset[str] = frozenset(getattr(vocabulary_module, "_STOPWORDS", ()))
        if vocab is None and names is None:
            rows = _data_rows("vocabulary.json") + _data_rows("category_names.json")
            entries = list(_vocabulary_words(rows))
        else:  # a vocabulary built elsewhere: its folded words, in every script
            entries = [
                (w, script, True)
                for source in (self.vocab, self.names)
                for cid in source.concepts()
                for term in source.terms(cid)
                for w in term.split()
                for script in _SCRIPT_BITS
            ]
        self._typos = _TypoIndex((w, script, stem) for w, script, stem in entries if w not in self._stopwords)
        self._known = _known_words()
        self._corrections: dict[tuple[str, str], list[str]] = {}
        self._alone: dict[str, bool] = {}
        self._lock = threading.Lock()

    # -------------------------------------------------------------- pieces

    def _candidates(self, token: str, script: str) -> list[str]:
        key = (token, script)
        found = self._corrections.get(key)
        if found is None:
            found = self._typos.correct(token, script)
            with self._lock:
                if len(self._corrections) > 100_000:  # bounded: odd tokens cannot grow it forever
                    self._corrections.clear()
                self._corrections[key] = found
        return found

    def _understood(self, token: str, term_words: set[str], prefixes: tuple[str, ...]) -> bool:
        """A word of a term the text matched, or a word the vocabulary matches on its own."""
        if token in term_words or (prefixes and token.startswith(prefixes)):
            return True
        known = self._alone.get(token)
        if known is None:
            known = bool(self.vocab.extract(token)) or bool(self.names.extract(token))
            with self._lock:
                if len(self._alone) > 200_000:
                    self._alone.clear()
                self._alone[token] = known
        return known

    def _correct(self, text: str, hits: list[ConceptHit]) -> tuple[str, list[tuple[str, str]]]:
        """The text with the typos of unknown words corrected. A correction is kept only when it
        makes the vocabulary find a concept it did not find in the same few words before."""
        term_words = {w for h in hits for w in h.term.split()}
        prefixes = tuple(w for w in term_words if len(w) >= 4)
        spans = word_spans(text)
        fixes: list[tuple[int, int, str, str]] = []
        for k, (word, start, end) in enumerate(spans):
            toks = _fold_word(word)
            if len(toks) != 1:
                continue
            tok = toks[0]
            if (
                len(tok) < FUZZY_MIN_LEN
                or not tok.isalpha()
                or tok in self._stopwords
                or tok in self._known
                or self._understood(tok, term_words, prefixes)
            ):
                continue
            script = _script(word)
            if script == "OTHER":  # alphabets only (TYPO_SCRIPTS): no edit distance for unspaced scripts
                continue
            cands = self._candidates(tok, script)
            if not cands:
                continue
            lo = spans[max(0, k - 2)][1]
            hi = spans[min(len(spans) - 1, k + 2)][2]
            before = {h.concept.id for h in self.vocab.extract(text[lo:hi])}
            for fixed in cands:
                window = text[lo:start] + fixed + text[end:hi]
                # the new concept must be named through the corrected word itself (a correction that
                # only breaks a blocking phrase next to it, "Republika Srpska", is no typo fix)
                if any(
                    not h.inferred and h.concept.id not in before and _names_through(h.term, fixed)
                    for h in self.vocab.extract(window)
                ):
                    fixes.append((start, end, word, fixed))
                    break
        if not fixes:
            return text, []
        pieces: list[str] = []
        last = 0
        for start, end, _word, fixed in fixes:
            pieces.append(text[last:start])
            pieces.append(fixed)
            last = end
        pieces.append(text[last:])
        return "".join(pieces), [(word, fixed) for _s, _e, word, fixed in fixes]

    def _content_words(self, text: str, hits: list[ConceptHit]) -> list[str]:
        term_words = {w for h in hits for w in h.term.split()}
        prefixes = tuple(w for w in term_words if len(w) >= 4)
        out: list[str] = []
        for tok in (t for word, _s, _e in word_spans(text) for t in _fold_word(word)):
            if (
                len(tok) >= MIN_WORD
                and not tok.isdigit()
                and tok not in self._stopwords
                and not self._understood(tok, term_words, prefixes)
                and tok not in out
            ):
                out.append(tok)
        return out

    def _text_categories(
        self, text: str, hits: list[ConceptHit], name_hits: list[ConceptHit]
    ) -> tuple[dict[str, float], float]:
        """Absolute evidence per category slug: the vocabulary's relative ranking, scaled by the
        evidence of its top category (one stretch of text counts once, as the vocabulary counts it),
        plus the category names the vocabulary lacks."""
        ranked = self.vocab.infer_categories(text) if hits else []
        scores: dict[str, float] = {}
        if ranked:
            top = ranked[0][0]
            per_term: dict[str, float] = {}
            for h in hits:
                c = h.concept
                if h.inferred or top not in c.categories:
                    continue
                w = FACET_WEIGHTS[c.facet] / len(c.categories)
                if c.facet == "category" and c.categories[0] in SKILL_CATEGORIES:
                    w *= SKILL_CATEGORY_BOOST
                per_term[h.term] = max(per_term.get(h.term, 0.0), w)
            strength = sum(per_term.values()) or FACET_WEIGHTS["category"]
            scores = {slug: weight * strength for slug, weight in ranked}
        for h in name_hits:
            slug = h.concept.categories[0]
            w = FACET_WEIGHTS["category"] * (SKILL_CATEGORY_BOOST if slug in SKILL_CATEGORIES else 1.0)
            scores[slug] = scores.get(slug, 0.0) + w
        return scores, max(scores.values(), default=0.0)

    def _claims_name(self, text: str, claimed, slug: str) -> bool:
        """Whether the declared words name or imply the category (a concept of it, or its name)."""
        for c in claimed:
            part = text[c.start : c.end]
            if any(slug == s for s, _w in self.vocab.infer_categories(part)):
                return True
            if any(slug in h.concept.categories for h in self.names.extract(part) if not h.inferred):
                return True
        return False

    # -------------------------------------------------------------- the step

    def understand(self, text: str, *, category_hint: str | None = None, embed: bool = True) -> Understanding:
        text = text or ""
        category_hint = category_hint or None
        if category_hint is not None and category_hint not in _category_slugs():
            raise ValueError(f"category_hint: unknown category slug {category_hint!r}")
        if len(text) <= CACHE_MAX_CHARS:
            return _cached(self, text, category_hint, embed)
        return self._understand(text, category_hint, embed)

    def _understand(self, text: str, category_hint: str | None, embed: bool) -> Understanding:
        vocab = self.vocab
        # typos first, so that a negated word with a typo is still a negated concept
        hits = vocab.extract(text)
        exact_ids = {h.concept.id for h in hits}
        corrected, fixes = self._correct(text, hits)
        negs, ties = analyse(corrected, vocab) if corrected else ([], [])
        claimed = find_claims(corrected)
        positive = _without_spans(
            corrected, [n.drop for n in negs] + [t.span for t in ties] + [c.span for c in claimed]
        )
        if fixes or negs or ties or claimed:
            hits = vocab.extract(positive)
        name_hits = [h for h in self.names.extract(positive) if not h.inferred]
        content = self._content_words(positive, hits + name_hits)
        if len(content) + len({h.term for h in hits + name_hits}) > SHORT_QUERY_WORDS:
            name_hits = [h for h in name_hits if h.concept.id not in self._query_only]

        concepts: list[ConceptMatch] = []
        for h in hits:
            c = h.concept
            fuzzy = bool(fixes) and c.id not in exact_ids
            weight = BROADER_WEIGHT if h.inferred else (FUZZY_WEIGHT if fuzzy else 1.0)
            concepts.append(
                ConceptMatch(c.id, c.facet, c.label, weight, h.term, h.inferred, fuzzy and not h.inferred, c.categories)
            )
        # a concept named outside every negation stays positive; one only implied by a positive
        # concept ("не икона, а оклад": the cover implies an icon) is excluded all the same
        direct_ids = {c.id for c in concepts if not c.inferred}
        excluded: dict[str, ConceptMatch] = {}
        for n in negs:
            for h in n.concepts:
                c = h.concept
                if c.id not in direct_ids and c.id not in excluded:
                    excluded[c.id] = ConceptMatch(c.id, c.facet, c.label, 1.0, h.term, False, False, c.categories)
        if excluded:
            concepts = [c for c in concepts if c.id not in excluded]

        scores, strength = self._text_categories(positive, hits, name_hits)
        text_categories = _normalised(scores)
        merged = dict(scores)
        hint_weight = 0.0
        if category_hint:
            hint_weight = HINT_WEIGHT
            if claimed and self._claims_name(corrected, claimed, category_hint):
                hint_weight *= CLAIMED_HINT  # the category was copied from the declaration the text contradicts
            merged[category_hint] = merged.get(category_hint, 0.0) + hint_weight
        vector = None
        if embed:
            from expertnet.matching.embedder import embed_query

            vector = embed_query(positive)
        return Understanding(
            text=text,
            positive_text=positive,
            categories=_normalised(merged, prefer=category_hint),
            text_categories=text_categories,
            text_strength=round(strength, 4),
            category_hint=category_hint or None,
            hint_weight=hint_weight,
            concepts=tuple(concepts),
            excluded=tuple(excluded.values()),
            negations=tuple(negs),
            no_market_ties=bool(ties) or any(t.startswith(_INDEPENDENT) for t in _fold_word(text)),
            words=tuple(content),
            corrections=tuple(fixes),
            vector=vector,
            claims=tuple(corrected[c.start : c.end].strip() for c in claimed),
        )


def _names_through(term: str, fixed: str) -> bool:
    """Whether a matched (folded) term uses the corrected word."""
    return any(w.startswith(t) or t.startswith(w) for w in term.split() for t in _fold_word(fixed) if w and t)


@lru_cache(maxsize=4096)
def _cached(understander: Understander, text: str, category_hint: str | None, embed: bool) -> Understanding:
    return understander._understand(text, category_hint, embed)


def _normalised(scores: dict[str, float], prefer: str | None = None) -> tuple[tuple[str, float], ...]:
    if not scores:
        return ()
    top = max(scores.values())
    if top <= 0:
        return ()
    # on a tie the hint goes first, then the order the evidence was found in
    order = {slug: i for i, slug in enumerate(scores)}
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0] != prefer, order[kv[0]]))
    return tuple((slug, round(score / top, 4)) for slug, score in ranked if score > 0)


def _without_spans(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    out: list[str] = []
    last = 0
    for start, end in sorted(spans):
        if start < last:  # overlapping scopes
            start = last
        out.append(text[last:start])
        out.append(_SEPARATOR)
        last = max(last, end)
    out.append(text[last:])
    return re.sub(r"[ \t]+", " ", "".join(out)).strip()


@lru_cache(maxsize=1)
def _category_slugs() -> frozenset[str]:
    rows = json.loads(resources.files("expertnet").joinpath("data", "categories.json").read_text("utf-8"))
    return frozenset(row["slug"] for row in rows)


def _data_rows(name: str) -> list:
    return json.loads(resources.files("expertnet.matching").joinpath("data", name).read_text("utf-8"))


def _load_category_names() -> tuple[Vocabulary, frozenset[str]]:
    source = resources.files("expertnet.matching").joinpath("data", "category_names.json")
    rows = json.loads(source.read_text("utf-8"))
    query_only = frozenset(row["id"] for row in rows if row.get("query_only"))
    with resources.as_file(source) as path:
        return Vocabulary.load(path), query_only


_understander: Understander | None = None
_understander_lock = threading.Lock()


def get_understander() -> Understander:
    """The process-wide understander (vocabulary, category names, typo index), built once."""
    global _understander
    if _understander is None:
        with _understander_lock:
            if _understander is None:
                _understander = Understander()
    return _understander


def understand(text: str, *, category_hint: str | None = None, embed: bool = True) -> Understanding:
    """What a query or request asks for: see the module docstring."""
    return get_understander().understand(text, category_hint=category_hint, embed=embed)
