"""Which concepts a text explicitly excludes: "not an icon but its silver cover", "без оклада",
"keine Münzen", "Roma sikkesi değil", "kapaksız", "ليست أيقونة", "不是罗马硬币".

Officials write what an object is *not* as often as what it is, and the not-thing must not pull the
request towards its specialist (the routing tuning set's Q-03, an icon "без оклада" = without its
cover, is the known case). Two steps:

1. :func:`scopes` finds negation cues and the words they govern, from word lists per language
   (:mod:`expertnet.matching.negation_cues`; native script, compared case-folded and without
   diacritics, so "degil", "vec" and "fara" work too). Cue kinds:

   * ``not`` -- a negator before what it negates: not, no, nicht, kein*, pas, non, no, не, нет, ne,
     nije, nu, nem, jo, nuk, δεν, ليس, نه, 不是 ... The scope runs to the next contrast word (but,
     mais, aber, sondern, но, а, ali, već, ama, ma, sino, pero, بل, بلکه, 而是 ...), phrase
     punctuation or another cue, at most ``MAX_SCOPE`` words.
   * ``without`` -- an absence preposition: without, sans, ohne, senza, sin, sem, без, bez, fără,
     pa, χωρίς, بدون, بلا, بی, 没有 ... A shorter scope (``MAX_WITHOUT_SCOPE``): the noun phrase.
   * ``except`` -- except, other than, instead of, rather than, sauf, au lieu de, statt, tranne,
     invece di, excepto, en lugar de, за исключением, вместо, umesto, باستثناء, 而不是 ... Words
     that also mean "besides" (кроме, osim, außer, apart from, oprócz) are left out: "кроме монет
     изъяты иконы" names coins.
   * ``after`` -- a negator *after* what it negates, as Turkic, Persian, Japanese and Korean put it:
     "ikona değil", "kapağı yok", "bu sikke emes", "این سکه نیست", "keret nélkül", "ოკლადის
     გარეშე", "硬貨ではない". The scope is the words before it, back to the previous contrast
     word, punctuation or cue, at most ``MAX_WITHOUT_SCOPE``.
   * ``suffix`` -- the Turkic privative suffix (-sız/-siz/-suz/-süz, -сыз/-сіз, -syz): "kapaksız"
     (without a cover). The scope is the word's stem.

   * ``ties`` -- what a cue negates is the expert's market ties ("without ties to dealers", "без
     связей с рынком", "sin vínculos comerciales", "ohne Verbindungen zum Münzhandel"): a
     requirement on the expert, not a description of the object. It negates no concept; the
     understanding step takes its words out of the object's description (so "Münzhandel" does
     not make the request about coins) and reports that the official asks for an independent
     expert.

   A cue is dropped when the next word is a hedge or a comparison ("not sure", "не ясно", "nicht
   ausgeschlossen", "no later than", "not only"), and when its scope holds a question particle
   ("не из раскопок ли" = whether it is from excavations).

2. :func:`negations` keeps the scopes whose first words (``HEAD_WORDS``, after articles) name a
   vocabulary concept, and gives the concepts named in each scope. Concepts of the skill facet and
   of the skill categories (provenance, authentication, legal, customs, online markets, financial,
   conservation) are never excluded: "not authentic", "without documents", "no export licence",
   "bez dozvole" describe the case, and the case is exactly what such an expert is for.

The query-understanding step removes each kept scope from the text before it reads the positive
concepts, and excludes a negated concept only when the rest of the text does not name it too
("не римская монета, а византийская": coin stays, roman is excluded).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from expertnet.matching.negation_cues import (  # noqa: F401 -- re-exported under their old module path
    _AFTER,
    _BOTH_WAYS,
    _BREAK,
    _CONTRAST,
    _CONTRAST_AFTER_NOT,
    _CONTRAST_PHRASES,
    _DETERMINERS,
    _EXCEPT,
    _HEDGES,
    _LETTER,
    _MARKS,
    _NOT,
    _QUESTION,
    _SHORT_FORMS,
    _TIES,
    _TURKIC_PRIVATIVE,
    _UNSPACED_CHARS,
    _WITHOUT,
    _WITHOUT_END,
    _WORD,
    _lst,
    _norm,
    _Phrases,
    _phrases,
)
from expertnet.matching.vocabulary import SKILL_CATEGORIES, ConceptHit, Vocabulary

__all__ = ["ABSENCE_FACETS", "Negation", "Scope", "analyse", "is_excludable", "negations", "scopes", "word_spans"]

MAX_SCOPE = 6  # words a "not" cue governs at most
MAX_WITHOUT_SCOPE = 4  # words a "without"/"except"/postposed cue governs at most
HEAD_WORDS = 3  # the negated concept must start within this many words of the cue (articles skipped)
_TURKIC_MIN_STEM = 3
_SUFFIX_CONTEXT = 2  # words before a privative word that may belong to its term


@dataclass(frozen=True)
class Scope:
    """A negation cue and the words it governs, as character offsets into the text."""

    cue: str  # the cue as written
    kind: str  # "not" | "without" | "except" | "after" | "suffix" | "ties"
    start: int  # start of the governed words
    end: int  # end of the governed words
    cue_start: int  # start of the cue
    cue_end: int  # end of the cue
    head_end: int  # end of the head (the first HEAD_WORDS governed words, articles skipped); for a
    # postposed cue the head is the last words before it, and this is where it starts

    @property
    def span(self) -> tuple[int, int]:
        """The characters to drop from the text: the cue and what it governs."""
        return min(self.start, self.cue_start), max(self.end, self.cue_end)


@dataclass(frozen=True)
class Negation:
    scope: Scope
    text: str  # the governed words
    concepts: tuple[ConceptHit, ...]  # excludable concepts named in them (direct mentions)
    drop: tuple[int, int]  # the characters that say it: the cue and the fewest governed words naming those concepts


@dataclass(frozen=True)
class _Word:
    text: str
    norm: str
    start: int
    end: int
    segment: int  # index of the phrase (between punctuation) the word is in


def word_spans(text: str) -> list[tuple[str, int, int]]:
    """The words of a text as (word, start, end), split as negation cues are looked for."""
    return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


def _words(text: str) -> list[_Word]:
    out: list[_Word] = []
    breaks = [m.start() for m in _BREAK.finditer(text)]
    b = 0
    segment = 0
    for m in _WORD.finditer(text):
        while b < len(breaks) and breaks[b] < m.start():
            b += 1
            segment += 1
        out.append(_Word(m.group(), _norm(m.group()), m.start(), m.end(), segment))
    return out


def _match_phrase(words: list[_Word], i: int, phrases: _Phrases) -> int:
    """Length in words of the longest phrase starting at word i (0 if none); never across a break.
    A cue of one or two letters must be written as listed, diacritics included: Hungarian "jó"
    (good) is not Albanian "jo" (no), English "an" is not Icelandic "án" (without)."""
    for phrase in phrases.get(words[i].norm, ()):
        n = len(phrase)
        if (
            i + n <= len(words)
            and all(words[i + k].norm == phrase[k] for k in range(1, n))
            and words[i].segment == words[i + n - 1].segment
        ):
            if n == 1 and len(phrase[0]) <= 2 and words[i].text.casefold() not in _SHORT_FORMS.get(phrase[0], ()):
                continue
            return n
    return 0


def _is_contrast(words: list[_Word], i: int) -> bool:
    return words[i].norm in _CONTRAST or _match_phrase(words, i, _CONTRAST_PHRASES) > 0


def _cue_at(words: list[_Word], i: int) -> tuple[str, int]:
    """(kind, length) of a cue starting at word i, or ("", 0). Longer cues win ("not including"
    over "not", "من غير" over "غير")."""
    best = ("", 0)
    for kind, phrases in (("except", _EXCEPT), ("without", _WITHOUT), ("not", _NOT), ("after", _AFTER)):
        n = _match_phrase(words, i, phrases)
        if n > best[1]:
            best = (kind, n)
    return best


def scopes(text: str) -> list[Scope]:
    """Every negation cue in the text with the words it governs (before the vocabulary check)."""
    words = _words(text)
    n = len(words)
    cues: list[tuple[int, int, str]] = []  # (first word, length, kind)
    i = 0
    while i < n:
        kind, length = _cue_at(words, i)
        if length:
            cues.append((i, length, kind))
            i += length
        else:
            i += 1
    # Scandinavian "inte X utan Y" = "not X but Y": after a negator in the same phrase, "utan"
    # (otherwise "without") is the contrast word
    kept = []
    for k, (start, length, kind) in enumerate(cues):
        if (
            kind == "without"
            and words[start].norm in _CONTRAST_AFTER_NOT
            and k > 0
            and cues[k - 1][2] == "not"
            and words[cues[k - 1][0]].segment == words[start].segment
        ):
            continue
        kept.append((start, length, kind))
    cues = kept
    cue_words = {j for start, length, _ in cues for j in range(start, start + length)}
    cue_words |= {j for j, w in enumerate(words) if w.norm in _CONTRAST_AFTER_NOT and j not in cue_words}
    out: list[Scope] = []
    for start, length, kind in cues:
        first, last = words[start], words[start + length - 1]
        cue = text[first.start : last.end]
        if kind == "after":
            span = _before(words, start, cue_words)
        else:
            span = _after(words, start + length, cue_words, MAX_SCOPE if kind == "not" else MAX_WITHOUT_SCOPE)
            if kind == "without":
                cut = next((k for k, w in enumerate(span) if w.text in _WITHOUT_END), len(span))
                span = span[:cut]
            if not span and first.norm in _BOTH_WAYS:  # "оклада нет." — the cue closes its phrase
                kind, span = "after", _before(words, start, cue_words)
        if not span:
            continue
        if kind != "after" and (span[0].norm in _HEDGES or span[0].norm.isdigit()):
            continue
        if any(w.norm in _QUESTION for w in span):
            continue
        if any(w.norm in _TIES for w in span[:2]):  # "без связей с рынком": about the expert
            ties = _after(words, start + length, cue_words, MAX_WITHOUT_SCOPE) if kind != "after" else span
            if ties:
                out.append(Scope(cue, "ties", ties[0].start, ties[-1].end, first.start, last.end, ties[-1].end))
            continue
        head = _head(span, from_end=kind == "after")
        out.append(
            Scope(
                cue,
                kind,
                span[0].start,
                span[-1].end,
                first.start,
                last.end,
                head[0].start if kind == "after" else head[-1].end,
            )
        )
    for k, w in enumerate(words):  # the Turkic privative suffix: "kapaksız", "ikon kaplamasız"
        if k in cue_words:
            continue
        for suffix in _TURKIC_PRIVATIVE:
            if w.norm.endswith(suffix) and len(w.norm) - len(suffix) >= _TURKIC_MIN_STEM:
                stem_end = w.end - len(suffix)
                before = _before(words, k, cue_words)[-(_SUFFIX_CONTEXT):]
                start = before[0].start if before else w.start
                # head_end marks where the stem's word starts: the words before it only complete a
                # term ("ikon kaplama*"), a concept they name on their own is not negated
                out.append(Scope(w.text[-len(suffix) :], "suffix", start, stem_end, stem_end, w.end, w.start))
                break
    out.sort(key=lambda s: s.cue_start)
    return out


_CJK = re.compile("[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
_THAI_KHMER = re.compile("[\u0e00-\u0e7f\u1780-\u17ff]")


def _size(word: _Word) -> float:
    """How much of a word a token is: a Chinese or Japanese character about half a word, a Thai or
    Khmer character (a letter) about a quarter."""
    if len(word.text) == 1:
        if _CJK.match(word.text):
            return 0.5
        if _THAI_KHMER.match(word.text):
            return 0.25
    return 1.0


def _after(words: list[_Word], j: int, cue_words: set[int], limit: int) -> list[_Word]:
    """The governed words after a cue: up to a contrast word, a break, another cue, or the limit."""
    if j >= len(words):
        return []
    segment = words[j - 1].segment if j > 0 else words[j].segment
    span: list[_Word] = []
    size = 0.0
    while j < len(words) and size < limit:
        w = words[j]
        if w.segment != segment or j in cue_words or _is_contrast(words, j):
            break
        span.append(w)
        size += _size(w)
        j += 1
    return span


def _before(words: list[_Word], j: int, cue_words: set[int]) -> list[_Word]:
    """The governed words before a postposed cue, back to a contrast word, a break or another cue."""
    segment = words[j].segment
    span: list[_Word] = []
    size = 0.0
    k = j - 1
    while k >= 0 and size < MAX_WITHOUT_SCOPE:
        w = words[k]
        if w.segment != segment or k in cue_words or _is_contrast(words, k):
            break
        span.insert(0, w)
        size += _size(w)
        k -= 1
    return span


def _head(span: list[_Word], *, from_end: bool) -> list[_Word]:
    """The first HEAD_WORDS words of a scope after articles (the last ones, for a postposed cue)."""
    seq = list(reversed(span)) if from_end else span
    k = 0
    while k < len(seq) - 1 and seq[k].norm in _DETERMINERS:
        k += 1
    head: list[_Word] = []
    size = 0.0
    for w in seq[k:]:
        if size >= HEAD_WORDS:
            break
        head.append(w)
        size += _size(w)
    head = head or seq[:1]
    return list(reversed(head)) if from_end else head


#: What an absence cue ("without", "-sız") can take away: a part or a material ("без оклада XVII
#: века" is a 17th-century icon without its cover, not an icon of another century).
ABSENCE_FACETS = frozenset({"object_type", "material"})


def is_excludable(hit: ConceptHit, kind: str = "not") -> bool:
    """Whether a negated mention of this concept may exclude it (see the module docstring)."""
    c = hit.concept
    if hit.inferred or c.facet == "skill":
        return False
    if kind in ("without", "suffix") and c.facet not in ABSENCE_FACETS:
        return False
    return not (c.facet == "category" and c.categories and c.categories[0] in SKILL_CATEGORIES)


def negations(text: str, vocab: Vocabulary) -> list[Negation]:
    """The scopes of the text that negate vocabulary concepts, each with those concepts.

    A scope counts when its head (the first words after the cue, or the last ones before a
    postposed cue) names an excludable concept; then every excludable concept the scope names is
    negated ("not a Roman silver coin": roman, silver, coin)."""
    return analyse(text, vocab)[0]


def analyse(text: str, vocab: Vocabulary) -> tuple[list[Negation], list[Scope]]:
    """:func:`negations`, and the scopes that ask for an expert without market ties."""
    out: list[Negation] = []
    ties: list[Scope] = []
    for scope in scopes(text):
        if scope.kind == "ties":
            ties.append(scope)
            continue
        if scope.kind == "suffix":
            own = {h.concept.id for h in _extract(vocab, text[scope.start : scope.head_end])}
            body = text[scope.start : scope.end]
            hits = tuple(h for h in _extract(vocab, body) if is_excludable(h, "suffix") and h.concept.id not in own)
            if hits:
                out.append(Negation(scope, body, hits, _drop(text, scope, hits, vocab)))
            continue
        if scope.kind == "after":
            head_text = text[scope.head_end : scope.end]
        else:
            head_text = text[scope.start : scope.head_end]
        if not any(is_excludable(h, scope.kind) for h in _extract(vocab, head_text)):
            continue
        body = text[scope.start : scope.end]
        hits = tuple(h for h in _extract(vocab, body) if is_excludable(h, scope.kind))
        if hits:
            out.append(Negation(scope, body, hits, _drop(text, scope, hits, vocab)))
    return out, ties


def _drop(text: str, scope: Scope, hits: tuple[ConceptHit, ...], vocab: Vocabulary) -> tuple[int, int]:
    """The cue and the fewest governed words (next to it) that still name every negated concept:
    in "без оклада XVII века" that is "без оклада", and the century stays part of the object."""
    want = {h.concept.id for h in hits}
    spans = [(a + scope.start, b + scope.start) for _w, a, b in word_spans(text[scope.start : scope.end])]
    from_end = scope.kind in ("after", "suffix")
    for k in range(1, len(spans) + 1):
        part = spans[-k:] if from_end else spans[:k]
        if want <= {h.concept.id for h in _extract(vocab, text[part[0][0] : part[-1][1]])}:
            if from_end:
                return part[0][0], scope.cue_end
            return scope.cue_start, part[-1][1]
    return scope.span


def _extract(vocab: Vocabulary, text: str) -> list[ConceptHit]:
    return _cached_extract(vocab, text) if len(text) <= 200 else vocab.extract(text)


@lru_cache(maxsize=8192)
def _cached_extract(vocab: Vocabulary, text: str) -> list[ConceptHit]:
    return vocab.extract(text)
