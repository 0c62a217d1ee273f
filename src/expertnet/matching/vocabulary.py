"""Controlled multilingual vocabulary of cultural-goods concepts.

A request written in Russian, Serbian (Cyrillic or Latin), French, Turkish ... and an expert profile
written in English meet on the same *concepts* ("material:silver", "culture:roman_imperial",
"object_type:icon" ...). The vocabulary is data (``expertnet/matching/data/vocabulary.json``), in the spirit
of the Getty Art & Architecture Thesaurus: every concept has a facet, an English label, the
categories it points to, optional broader concepts and terms per language, written in their native
script. Everything is matched on folded text (:func:`expertnet.core.text.fold`), so Cyrillic, Greek
and accented Latin terms all become lower-case ASCII at load time.

Term syntax (one string per term; words separated by spaces):

* ``coin`` -- a word matches a text token when the folded token *starts with* the folded word and
  the folded word has at least 4 characters; shorter words match whole tokens only.
* ``монет*`` -- the same, and marks the term as a *stem* (not a word on its own): it is used for
  matching but never handed to the search engines as a synonym. Inside a multi-word term a short
  stem also matches by prefix ("золот* орд*" matches "Золотой Орды").
* ``mask=`` -- whole tokens only, whatever the length ("mask" must not match "маскировка").
* ``lead seal*`` -- several words match consecutive tokens, each by the rules above, never across
  phrase punctuation (; , : ! ? brackets, line breaks).
* ``roma >sikke*`` -- words after ``>`` are looked ahead but not consumed ("Roma sikkesi" gives
  Roman and also leaves "sikkesi" to match coin).

A concept may list ``exclude`` words (same syntax): a match whose tokens start with one of them is
dropped (``монет*`` matches "монеты" but not "монетарный"). A few *blocking phrases* (:mod:`expertnet.matching.stopwords`)
are matched like terms and yield nothing, so that "en provenance de" (= coming from), "chemin de fer"
(railway), "faux passeport" or "Côte d'Ivoire" shadow the term inside them.

Serbian, Croatian, Bosnian, Montenegrin and Macedonian terms are written once, in either script;
the other script is derived at load time (Serbian Cyrillic "новчић" folds to "novchic", Latin
"novčić" to "novcic", so both are indexed).

Other scripts are folded the same way, with a few fixes (described in
:mod:`expertnet.matching.folding`): Chinese, Japanese, Thai and Khmer, written without spaces, are
matched character by character (a term of several characters is a sequence of one-character tokens);
the Arabic article is dropped at the start of a word, and Hebrew and Arabic terms are also indexed
with the one-letter particles fused to them ("במטבעות", "وعملات"); Arabic-script and Hebrew terms
are whole words (``=``) unless marked as stems, since their consonantal folding makes a short word
the prefix of unrelated ones. Kazakh and Uzbek terms are written in both their Latin and Cyrillic
alphabets.

Period concepts with a ``century`` field are also recognised from numerals next to a century word
in any supported language ("XVII век", "17. Jahrhundert", "XVIIe siècle", "siglo XVII",
"17th-century", "secolul al XVII-lea", ranges such as "XVI–XVII вв." or "XIX i XX veka");
followed by a BC marker ("до н.э.", "av. J.-C.") they give period:antiquity instead.

Matching is a greedy longest match, left to right, over the tokens of the text. Candidate terms are
found through dicts keyed by the first word of each term (whole words, and prefixes looked up as
``tok[:2] .. tok``), memoised per distinct token, so the cost per token is about one dict look-up
and a few ``startswith`` checks, whatever the size of the vocabulary.

The load validates the file: unknown facet, category slug or broader id, broader cycles, empty
terms, a missing English term, or a term that would match a function word of one of the supported
languages raise ``ValueError`` naming the concept.

This module holds the matcher (:class:`Vocabulary`: the term index, matching, category inference,
synonyms); the rest is in :mod:`~expertnet.matching.concepts` (concepts, facets, facet weights),
:mod:`~expertnet.matching.folding` (text folding, phrase boundaries, Serbian-style transliteration),
:mod:`~expertnet.matching.terms` (term syntax), :mod:`~expertnet.matching.stopwords` (function words,
blocking phrases), :mod:`~expertnet.matching.centuries` (century expressions) and
:mod:`~expertnet.matching.vocabulary_loading` (reading and validating the file).
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

# The pieces live in the modules below; the private names are re-exported here under their old
# module path (callers and tests import them from this module).
from expertnet.matching.centuries import (  # noqa: F401
    _BC_MARKERS,
    _CENTURY_ABBREVIATIONS,
    _CENTURY_STARTS,
    _CENTURY_WORDS,
    _CONNECTORS,
    _ORDINAL_SUFFIXES,
    _PARTICLES,
    _ROMAN,
    _century_number,
    _CenturyMatching,
    _is_century_word,
    _may_be_century,
)
from expertnet.matching.concepts import (  # noqa: F401
    FACET_WEIGHTS,
    FACETS,
    SKILL_CATEGORIES,
    SKILL_CATEGORY_BOOST,
    Concept,
    ConceptHit,
)
from expertnet.matching.folding import (  # noqa: F401
    _BISCRIPT,
    _BOUNDARY,
    _CYRILLIC,
    _SEP,
    _SIGNS,
    _UNSPACED,
    _fold_tokens,
    _prep,
    _script_variants,
    _text_tokens,
    _tokens,
)
from expertnet.matching.stopwords import (  # noqa: F401
    _BLOCKING_PHRASES,
    _STOP_SEQUENCES,
    _STOPWORDS,
    _STOPWORDS_NATIVE,
    _STOPWORDS_UNSPACED,
)
from expertnet.matching.terms import (  # noqa: F401
    _CLITIC_FOLDED,
    _PROCLITICS,
    _STOPWORDS_BY_KEY,
    MIN_PREFIX,
    _check_stopwords,
    _clitic_terms,
    _clitic_variants,
    _parse_term,
    _Term,
)
from expertnet.matching.vocabulary_loading import _category_slugs, _check_cycles, _Raw, _validate  # noqa: F401

__all__ = ["Concept", "ConceptHit", "FACETS", "FACET_WEIGHTS", "Vocabulary", "get_vocabulary"]

_MAX_SYNONYMS = 24  # per synonym key


class Vocabulary(_CenturyMatching):
    """Concepts and their terms, with a fast matcher. Build with :meth:`load`."""

    def __init__(self, raws: list[_Raw]):
        self._concepts: dict[str, Concept] = {r.concept.id: r.concept for r in raws}
        # concept -> (whole words, prefixes) that veto a match of one of its terms
        self._excludes: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
            r.concept.id: (frozenset(w for w, p in r.exclude if not p), tuple(w for w, p in r.exclude if p))
            for r in raws
            if r.exclude
        }
        self._weights = {r.concept.id: r.weight for r in raws}
        # candidate index: first word of a term -> terms. A token looks up its own prefixes
        # (tok[:2] ... tok) in the prefix index and itself in the exact index, so the cost per token
        # is a handful of dict look-ups whatever the size of the vocabulary.
        self._prefix_index: dict[str, list[_Term]] = {}
        self._exact_index: dict[str, list[_Term]] = {}
        self._terms: dict[str, list[_Term]] = {}
        for raw in raws:
            seen: set[str] = set()
            for term in raw.terms:
                if term.text in seen:
                    continue
                seen.add(term.text)
                self._terms.setdefault(raw.concept.id, []).append(term)
                first, prefix = term.words[0]
                index = self._prefix_index if prefix else self._exact_index
                index.setdefault(first, []).append(term)
        for phrase in _BLOCKING_PHRASES:
            for variant in _script_variants(phrase):
                term = _parse_term(variant, "", where="blocking phrases")
                first, prefix = term.words[0]
                index = self._prefix_index if prefix else self._exact_index
                index.setdefault(first, []).append(term)
        lengths = {len(word) for word in self._prefix_index}
        self._min_prefix = min(lengths, default=MIN_PREFIX)
        self._max_prefix = max(lengths, default=MIN_PREFIX)
        # token -> candidate terms whose first word matches it (tokens repeat a lot across texts)
        self._candidates: dict[str, tuple[_Term, ...]] = {}
        self._centuries: dict[int, Concept] = {r.century: r.concept for r in raws if r.century is not None}
        self._antiquity = self._concepts.get("period:antiquity")
        self._closure: dict[str, tuple[str, ...]] = {cid: self._broader_closure(cid) for cid in self._concepts}
        self._synonyms: dict[str, list[str]] | None = None

    # ------------------------------------------------------------------ loading and validation

    @classmethod
    def load(cls, path: Path | None = None) -> "Vocabulary":
        if path is None:
            text = resources.files("expertnet.matching").joinpath("data", "vocabulary.json").read_text("utf-8")
        else:
            text = Path(path).read_text("utf-8")
        rows = json.loads(text)
        if not isinstance(rows, list):
            raise ValueError("vocabulary: the file must hold a JSON list of concepts")
        return cls(_validate(rows))

    def _broader_closure(self, cid: str) -> tuple[str, ...]:
        out: list[str] = []
        stack = list(self._concepts[cid].broader)
        while stack:
            b = stack.pop(0)
            if b in out or b == cid:
                continue
            out.append(b)
            stack.extend(self._concepts[b].broader)
        return tuple(out)

    # ------------------------------------------------------------------ queries

    def concepts(self) -> dict[str, Concept]:
        return dict(self._concepts)

    def __len__(self) -> int:
        return len(self._concepts)

    def terms(self, concept_id: str) -> list[str]:
        """The folded terms of one concept (for reasons and debugging)."""
        return [t.text for t in self._terms.get(concept_id, ())]

    def _direct(self, toks: list[str]) -> list[tuple[str, str, int]]:
        """(concept id, folded term, start token) of every direct mention, in text order, each
        concept once."""
        found: list[tuple[str, str, int]] = []
        seen: set[str] = set()
        n = len(toks)
        cache = self._candidates
        centuries = bool(self._centuries)
        i = 0
        while i < n:
            tok = toks[i]
            best_len = 0
            best: list[_Term] = []
            cands = cache.get(tok)
            if cands is None:
                cands = self._lookup(tok)
            if cands:
                best_len, best = self._best(toks, i, cands)
            century = self._century_at(toks, i) if centuries and _may_be_century(tok) else None
            if century is not None and century[1] >= best_len:
                concepts, length, text = century
                for concept in concepts:
                    if concept.id not in seen:
                        seen.add(concept.id)
                        found.append((concept.id, text, i))
                i += length
                continue
            if best_len:
                if any(not term.concept_id for term in best):  # a blocking phrase wins
                    i += best_len
                    continue
                for term in best:
                    if term.concept_id not in seen:
                        seen.add(term.concept_id)
                        found.append((term.concept_id, term.text, i))
                i += min(term.consume for term in best)
            else:
                i += 1
        return found

    def _lookup(self, tok: str) -> tuple[_Term, ...]:
        found = list(self._exact_index.get(tok, ()))
        prefix_index = self._prefix_index
        for length in range(self._min_prefix, min(len(tok), self._max_prefix) + 1):
            found.extend(prefix_index.get(tok[:length], ()))
        cands = tuple(found)
        if len(self._candidates) > 200_000:  # bounded: a stream of odd tokens cannot grow it forever
            self._candidates.clear()
        self._candidates[tok] = cands
        return cands

    def _best(self, toks, i, cands):
        n = len(toks)
        excludes = self._excludes
        best_len = 0
        best: list[_Term] = []
        for term in cands:
            words = term.words
            length = len(words)
            if length < best_len or i + length > n:
                continue
            ok = True
            for k in range(1, length):  # the first word matched through the index
                word, prefix = words[k]
                tok = toks[i + k]
                if not (tok.startswith(word) if prefix else tok == word):
                    ok = False
                    break
            if not ok:
                continue
            ex = excludes.get(term.concept_id)
            if ex is not None:
                whole, prefixes = ex
                if any(t in whole or t.startswith(prefixes) for t in toks[i : i + length]):
                    continue
            if length > best_len:
                best_len, best = length, [term]
            else:
                best = best + [term]
        return best_len, best

    def extract(self, text: str) -> list[ConceptHit]:
        """Every concept mentioned in the text, each once, in text order, followed (right after the
        hit that implies it) by its broader concepts, which are marked ``inferred``."""
        direct = self._direct(_text_tokens(text))
        direct_ids = {cid for cid, _, _ in direct}
        out: list[ConceptHit] = []
        seen: set[str] = set()
        concepts = self._concepts
        for cid, term, _ in direct:
            seen.add(cid)
            out.append(ConceptHit(concepts[cid], term, False))
            for b in self._closure[cid]:
                if b not in seen and b not in direct_ids:
                    seen.add(b)
                    out.append(ConceptHit(concepts[b], "", True))
        return out

    def concept_ids(self, text: str) -> list[str]:
        return [hit.concept.id for hit in self.extract(text)]

    def infer_categories(self, text: str) -> list[tuple[str, float]]:
        """Category slugs ranked by the weighted evidence of the concepts mentioned (direct
        mentions only: broader concepts would count the same evidence twice)."""
        spans: dict[int, dict[str, float]] = {}
        first: dict[str, int] = {}
        for cid, _term, start in self._direct(_text_tokens(text)):
            concept = self._concepts[cid]
            if not concept.categories:
                continue
            w = FACET_WEIGHTS[concept.facet] * self._weights[cid] / len(concept.categories)
            if concept.facet == "category" and concept.categories[0] in SKILL_CATEGORIES:
                w *= SKILL_CATEGORY_BOOST
            span = spans.setdefault(start, {})
            for slug in concept.categories:
                span[slug] = max(span.get(slug, 0.0), w)
                first.setdefault(slug, start)
        scores: dict[str, float] = {}
        for span in spans.values():
            for slug, w in span.items():
                scores[slug] = scores.get(slug, 0.0) + w
        if not scores:
            return []
        top = max(scores.values())
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], first[kv[0]]))
        return [(slug, round(score / top, 4)) for slug, score in ranked if score > 0]

    def synonyms(self) -> dict[str, list[str]]:
        """Folded whole word -> folded whole words of the same concept(s), many languages, at most
        24 per word. Stems and multi-word terms are left out: search engines match words."""
        if self._synonyms is None:
            groups: dict[str, list[str]] = {}
            for cid, terms in self._terms.items():
                words = [t.text for t in terms if t.is_word and len(t.text) >= 3]
                for w in words:
                    bucket = groups.setdefault(w, [])
                    for other in words:
                        if other != w and other not in bucket:
                            bucket.append(other)
            self._synonyms = {w: others[:_MAX_SYNONYMS] for w, others in groups.items() if others}
        return {w: list(v) for w, v in self._synonyms.items()}


@lru_cache(maxsize=1)
def get_vocabulary() -> Vocabulary:
    """The packaged vocabulary, loaded once per process."""
    return Vocabulary.load()
