"""Typo correction for the query-understanding step (:mod:`expertnet.matching.understanding`).

A word the vocabulary does not know, of at least ``FUZZY_MIN_LEN`` letters, in an alphabet
(``TYPO_SCRIPTS``: Latin, Cyrillic, Greek, Armenian, Georgian, Arabic, Hebrew; compared folded, as
the vocabulary matches them), is compared with the words of the vocabulary's terms (of its own script) through a
deletion-neighbourhood index built once (a word and its one-letter deletions: two words one edit
apart share one). Edit distance 1 is allowed from 5 letters, 2 from ``FUZZY_TWO_FROM`` (the search
engines' rule), as a whole word or, with one edit in a stem of ``FUZZY_STEM_LEN`` letters or more,
as the start of an inflected word ("paleontolgy" -> "paleontolog" + "y"). Most words near a
vocabulary word are other real words, not typos ("found"/"mound", "Latin"/Turkish "altın" = gold,
"agent"/French "argent" = silver, "soldini"/"sogdini"); measured on the tuning set's texts, a plain
edit-distance rule "corrected" several words in every request. So a correction also needs: the same
first letter; a wrong letter only from ``FUZZY_SUBSTITUTION_LEN`` letters on and only between
neighbouring keys or look-alike spellings (i/y, c/k, s/z); a difference not only in the last letter
(that is another form of the word: "Cambodia"/"cambodian"); a word that is not a known word of some
language (the whole words of the sentence encoder's tokenizer, see
:func:`expertnet.matching.known_words._known_words`); and the corrected text must make the
vocabulary find a concept it did not find in the same few words before. The text is then matched
again, so the vocabulary's own rules (excluded forms, blocking phrases, multi-word terms) still
decide. Shorter words are never corrected ("cat" is one edit from "art").

The index and the distance are here; the known words are read in
:mod:`expertnet.matching.known_words`, and the check against the vocabulary is
``Understander._correct`` (:mod:`expertnet.matching.understanding`).
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from expertnet.core.text import tokens

FUZZY_MIN_LEN = 5
FUZZY_STEM_LEN = 7  # a stem corrected inside a longer word: short stems fit too many words
FUZZY_SUBSTITUTION_LEN = 6  # a wrong letter is a typo from this length on ("dacia" is no typo of "dacka")
FUZZY_TWO_FROM = 9


def _deletions(word: str, depth: int) -> set[str]:
    out = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


def _keyboard_pairs() -> frozenset[tuple[str, str]]:
    """Letter pairs one slip of a finger apart on a QWERTY keyboard (QWERTZ and AZERTY swaps
    included), plus spelling slips that sound alike (i/y, c/k, s/z, k/q, v/w)."""
    rows = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
    offsets = (0.0, 0.25, 0.75)
    where = {ch: (r, i + offsets[r]) for r, row in enumerate(rows) for i, ch in enumerate(row)}
    pairs = set()
    for a, (ra, xa) in where.items():
        for b, (rb, xb) in where.items():
            if a != b and abs(ra - rb) <= 1 and abs(xa - xb) <= (1.0 if ra == rb else 0.8):
                pairs.add((a, b))
    for a, b in ("yz", "aq", "zw", "iy", "ck", "sz", "kq", "vw"):
        pairs.update({(a, b), (b, a)})
    return frozenset(pairs)


_NEAR_KEYS = _keyboard_pairs()


def _distance(a: str, b: str, limit: int, *, keyboard: bool = True, substitutions: bool = True) -> int:
    """Edit distance as typing errors make it (optimal string alignment): a missing, extra or
    swapped letter costs 1; a wrong letter costs 1 when its key is next to the right one (or it
    sounds alike: i/y, c/k, s/z), else 2 -- "soldini" is not a typo of "sogdini". Without
    ``keyboard`` (Cyrillic and Greek words, folded to Latin letters) or ``substitutions`` (short
    words) every wrong letter costs 2. Returns limit + 1 beyond the limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] | None = None
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        ca = a[i - 1]
        for j in range(1, len(b) + 1):
            cb = b[j - 1]
            if ca == cb:
                cost = 0
            elif keyboard and substitutions and (ca, cb) in _NEAR_KEYS:
                cost = 1
            else:
                cost = 2
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if prev2 is not None and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            best = min(best, v)
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def _end_only(token: str, word: str) -> bool:
    """The two differ only in their last letter: another form of the word ("Cambodia" /
    "cambodian", "painted" / "painter"), which the vocabulary's stems decide, not a typo."""
    p = 0
    for x, y in zip(token, word):
        if x != y:
            break
        p += 1
    return p >= min(len(token), len(word)) - 1


def _allowed(length: int) -> int:
    return 2 if length >= FUZZY_TWO_FROM else 1


#: Alphabets whose words are corrected as typos. A word of another script (Chinese, Japanese, Thai,
#: Khmer, Devanagari ...) is never corrected: written without spaces or with syllable signs, a word
#: there is no unit an edit distance says much about.
TYPO_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "GEORGIAN", "ARABIC", "HEBREW")


def _script(word: str) -> str:
    for ch in word:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            for script in TYPO_SCRIPTS:
                if name.startswith(script):
                    return script
            return "OTHER"
    return "OTHER"


# Languages whose terms are written once and matched in both scripts (as the vocabulary does).
_BISCRIPT = frozenset({"sr", "hr", "bs", "me", "cnr", "mk"})


_SCRIPT_BITS = {
    "LATIN": 1,
    "CYRILLIC": 2,
    "GREEK": 4,
    "OTHER": 8,
    "ARMENIAN": 16,
    "GEORGIAN": 32,
    "ARABIC": 64,
    "HEBREW": 128,
}


class _TypoIndex:
    """Symmetric-deletion index over the words of the vocabulary's terms: every word, and every
    form of it with one letter deleted, points to the word. Two words within one edit share such a
    form; a long token (two edits allowed) is looked up with up to two of its letters deleted,
    which finds a vocabulary word two letters shorter, or with one wrong and one extra letter...
    (not two wrong letters: rare, and the index stays a third of the size).

    Each word remembers the scripts its terms are written in, and a typo is corrected only towards
    a word of its own script ("kamionu" is no typo of Polish "kamień"); and whether it may start a
    longer word (a stem), for corrections inside an inflected word."""

    def __init__(self, entries: Iterable[tuple[str, str, bool]]):
        # entries: (folded word, script, may be the start of a longer word)
        scripts: dict[str, int] = {}
        stems: dict[str, int] = {}
        for word, script, stem in entries:
            if len(word) < FUZZY_MIN_LEN or not word.isalpha():
                continue
            word = sys.intern(word)
            bit = _SCRIPT_BITS.get(script, 8)
            scripts[word] = scripts.get(word, 0) | bit
            if stem and len(word) >= FUZZY_STEM_LEN:
                stems[word] = stems.get(word, 0) | bit
        self._scripts = scripts  # word -> script bits
        self._stems = stems  # stem word -> script bits
        index: dict[str, str | tuple[str, ...]] = {}
        for word in scripts:
            for form in _deletions(word, 1):
                old = index.get(form)
                if old is None:
                    index[form] = word
                elif isinstance(old, str):
                    index[form] = (old, word)
                else:
                    index[form] = old + (word,)
        self._index = index
        lengths = {len(w) for w in stems}
        self._cuts = sorted({n + d for n in lengths for d in (-1, 0, 1)})

    def __len__(self) -> int:
        return len(self._index)

    def _found(self, part: str, depth: int) -> set[str]:
        found: set[str] = set()
        get = self._index.get
        for form in _deletions(part, depth):
            hit = get(form)
            if hit is None:
                continue
            if isinstance(hit, str):
                found.add(hit)
            else:
                found.update(hit)
        return found

    def _near(self, part: str, words: Iterable[str], limit_of, keyboard: bool) -> list[tuple[int, str]]:
        out = []
        for word in words:
            if word[0] != part[0]:  # typos rarely hit the first letter; real words often differ there
                continue
            limit = limit_of(word)
            d = _distance(part, word, limit, keyboard=keyboard, substitutions=len(part) >= FUZZY_SUBSTITUTION_LEN)
            if 0 < d <= limit:
                out.append((d, word))
        return out

    def correct(self, token: str, script: str) -> list[str]:
        """Corrections of the token, best first: its nearest vocabulary words, whole or as the start
        of an inflected word ("paleontolgy" -> "paleontolog" + "y", one typo in the stem). Whole
        words and then longer vocabulary words win ties."""
        bit = _SCRIPT_BITS.get(script, 8)
        if len(token) < FUZZY_MIN_LEN or self._scripts.get(token, 0) & bit:
            return []
        keyboard = script == "LATIN"
        k = _allowed(len(token))
        words = [w for w in self._found(token, k) if self._scripts[w] & bit]
        cands = [(d, 0, -len(w), w) for d, w in self._near(token, words, lambda w: min(k, _allowed(len(w))), keyboard)]
        for cut in self._cuts:
            if cut >= len(token):
                break
            if cut < FUZZY_STEM_LEN - 1:
                continue
            part = token[:cut]
            stems = [w for w in self._found(part, 1) if self._stems.get(w, 0) & bit]
            for d, word in self._near(part, stems, lambda w: 1, keyboard):
                cands.append((d, 1, -len(word), word + token[cut:]))
        return [c[3] for c in sorted(set(cands)) if not _end_only(token, c[3])]


def _vocabulary_words(rows: list) -> Iterable[tuple[str, str, bool]]:
    """(folded word, script, stem?) of every word of every term in vocabulary-format rows."""
    for row in rows:
        for lang, values in row.get("terms", {}).items():
            for value in values:
                for part in value.split():
                    part = part.lstrip(">")
                    whole = part.endswith("=")
                    part = part.rstrip("*=")
                    scripts = ("LATIN", "CYRILLIC") if lang in _BISCRIPT else (_script(part),)
                    for tok in _fold_word(part):
                        for script in scripts:
                            yield tok, script, not whole


_SIGNS = str.maketrans("", "", "ьъЬЪ")


def _fold_word(word: str) -> list[str]:
    return list(_folded(word)) if len(word) <= 40 else tokens(word.translate(_SIGNS))


@lru_cache(maxsize=65536)
def _folded(word: str) -> tuple[str, ...]:
    return tuple(tokens(word.translate(_SIGNS)))
