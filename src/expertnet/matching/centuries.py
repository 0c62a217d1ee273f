"""Century recognition: numerals next to a century word in any supported language ("XVII век",
"17. Jahrhundert", "siglo XVII", "XVI–XVII вв."), and BC markers that make them antiquity. The
matching methods are a mixin of :class:`expertnet.matching.vocabulary.Vocabulary`, which holds
``_centuries`` (century -> period concept) and ``_antiquity``."""

from __future__ import annotations

from expertnet.matching.concepts import Concept

_ROMAN = {
    r: n for n, r in enumerate("i ii iii iv v vi vii viii ix x xi xii xiii xiv xv xvi xvii xviii xix xx xxi".split(), 1)
}
_ORDINAL_SUFFIXES = (
    "st",
    "nd",
    "rd",
    "th",
    "e",
    "eme",
    "ieme",
    "er",
    "os",
    "ou",
    "o",
    "oy",
    "a",
    "i",
    "ti",
    "ta",
    "go",
    "yy",
    "iy",
    "y",
    "lea",
    "te",
    "ci",
)
# century words, folded; True = prefix match, False = whole token
_CENTURY_WORDS: tuple[tuple[str, bool], ...] = (
    ("centur", True),
    ("cent", False),
    ("siecl", True),
    ("jahrhundert", True),
    ("jahrhunderts", True),
    ("secol", True),
    ("siglo", True),
    ("vek", True),
    ("stolje", True),
    ("stolj", False),
    ("stoleti", True),
    ("stolit", True),
    ("yuzyil", True),
    ("asir", True),
    ("shekull", True),
    ("aion", True),
    ("wiek", True),
    ("eeuw", True),
    ("szazad", True),
    ("stoletj", True),
    ("vik", False),
    ("viku", False),
    ("viky", False),
    ("vikiv", False),
)
# abbreviations accepted only next to a Roman numeral or an ordinal ("XVII в.", "17th c.", "XVIIe s.")
_CENTURY_ABBREVIATIONS = frozenset(
    {"c", "v", "vv", "st", "jh", "jhd", "jhs", "s", "ss", "sec", "yy", "shek", "sh", "ai", "w", "e", "stol"}
)
_PARTICLES = frozenset(
    {
        "al",
        "i",
        "e",
        "te",
        "del",
        "du",
        "go",
        "ogo",
        "y",
        "iy",
        "ti",
        "ta",
        "to",
        "lea",
        "mu",
        "oho",
        "ho",
        "ij",
        "ye",
        "oe",
        "ve",
        "de",
        "th",
        "ci",
        "os",
        "ou",
        "oy",
    }
)
# words joining the two numerals of a century range ("XIX i XX", "16th to 18th", "XVI до XVIII")
_CONNECTORS = frozenset(
    {
        "i",
        "and",
        "und",
        "et",
        "e",
        "y",
        "ve",
        "si",
        "dhe",
        "or",
        "ou",
        "oder",
        "o",
        "ili",
        "to",
        "do",
        "bis",
        "a",
        "al",
        "till",
        "until",
        "od",
        "ta",
        "ja",
    }
)
_BC_MARKERS: tuple[tuple[str, ...], ...] = (
    ("bc",),
    ("bce",),
    ("b", "c"),
    ("b", "c", "e"),
    ("av", "j", "c"),
    ("avant", "j", "c"),
    ("av", "jc"),
    ("v", "chr"),
    ("vor", "christus"),
    ("v", "u", "z"),
    ("a", "c"),
    ("a", "de", "c"),
    ("ac",),
    ("do", "n", "e"),
    ("do", "ne"),
    ("p", "n", "e"),
    ("pne",),
    ("pr", "n", "e"),
    ("pr", "khr"),
    ("pr", "hr"),
    ("pre", "nove", "ere"),
    ("pre", "hrista"),
    ("mo",),
    ("m", "o"),
    ("i", "hr"),
    ("ih",),
    ("p", "ch"),
    ("p", "kh"),
    ("pk",),
    ("p", "e", "s"),
    ("pes",),
    ("pr", "kr"),
    ("do", "r", "kh"),
    ("do", "nashoi", "eri"),
    ("do", "nashei", "ery"),
)


def _century_number(tok: str) -> tuple[int, bool] | None:
    """(century, is_roman_or_ordinal) for a numeral token, else None."""
    n = _ROMAN.get(tok)
    if n is not None:
        return n, True
    if tok[:1].isdigit():
        digits = tok.rstrip("abcdefghijklmnopqrstuvwxyz")
        suffix = tok[len(digits) :]
        if digits.isdigit() and 1 <= int(digits) <= 21 and (not suffix or suffix in _ORDINAL_SUFFIXES):
            return int(digits), bool(suffix)
        return None
    # Roman numeral with an ordinal suffix: "xviie", "xviieme", "xviith"
    for suffix in ("ieme", "eme", "th", "e"):
        if tok.endswith(suffix) and tok[: -len(suffix)] in _ROMAN:
            return _ROMAN[tok[: -len(suffix)]], True
    return None


_CENTURY_STARTS = frozenset(w[:2] for w, _ in _CENTURY_WORDS) | _CENTURY_ABBREVIATIONS


def _may_be_century(tok: str) -> bool:
    """Cheap filter: could a century expression start at this token?"""
    c = tok[0]
    return c.isdigit() or c in "ivx" or tok[:2] in _CENTURY_STARTS or tok in _CENTURY_STARTS


def _is_century_word(tok: str, strong: bool) -> bool:
    for word, prefix in _CENTURY_WORDS:
        if tok.startswith(word) if prefix else tok == word:
            return True
    return strong and tok in _CENTURY_ABBREVIATIONS


class _CenturyMatching:
    """Century expressions in folded tokens (mixed into the vocabulary)."""

    _centuries: dict[int, Concept]
    _antiquity: Concept | None

    def _numerals(self, toks: list[str], j: int) -> tuple[list[tuple[int, bool]], int]:
        """One century numeral at j, or a range ("XVI-XVII", "XIX i XX", "16th to 18th"):
        the numerals found and the index after them."""
        n = len(toks)
        first = _century_number(toks[j])
        if first is None:
            return [], j
        numbers = [first]
        k = j + 1
        if k + 1 < n and toks[k] in _CONNECTORS and toks[k + 1] not in _CENTURY_ABBREVIATIONS:
            second = _century_number(toks[k + 1])
            if second is not None:
                return numbers + [second], k + 2
        if k < n and toks[k] not in _CENTURY_ABBREVIATIONS:
            second = _century_number(toks[k])
            if second is not None:
                return numbers + [second], k + 1
        return numbers, k

    def _century_at(self, toks: list[str], i: int) -> tuple[list[Concept], int, str] | None:
        """A century expression starting at token i: numeral(s) then a century word ("XVII век",
        "16th-17th centuries", "XIX i XX veka", "17-го века"), or a century word then numeral(s)
        ("siglo XVII", "secolul al XVII-lea", "s. XVII", "siglos XVI-XVII")."""
        tok = toks[i]
        n = len(toks)
        numbers, j = self._numerals(toks, i)
        if numbers:
            strong = any(flag for _, flag in numbers)
            if j + 1 < n and toks[j] in _PARTICLES and _is_century_word(toks[j + 1], strong):
                j += 1
            if j < n and _is_century_word(toks[j], strong):
                end = j + 1
                if end < n and toks[end] in _PARTICLES and _century_number(toks[end]) is None:
                    end += 1  # "XVII-lea", "17-ти"
                return self._century_hit(toks, i, end, [c for c, _ in numbers])
            return None
        word = _is_century_word(tok, False)
        if word or tok in _CENTURY_ABBREVIATIONS:
            j = i + 1
            if j + 1 < n and toks[j] in _PARTICLES and _century_number(toks[j + 1]):
                j += 1
            if j < n:
                # after an abbreviation ("s. XVII", "sec. XVII") only a Roman numeral will do
                if toks[j] in _ROMAN or (
                    word and (number := _century_number(toks[j])) is not None and (toks[j].isdigit() or number[1])
                ):
                    numbers, end = self._numerals(toks, j)
                    if end < n and toks[end] in _PARTICLES:
                        end += 1
                    return self._century_hit(toks, i, end, [c for c, _ in numbers])
        return None

    def _century_hit(self, toks, start, end, centuries):
        for marker in _BC_MARKERS:  # before the common era: antiquity, not the n-th century AD
            if toks[end : end + len(marker)] == list(marker):
                if self._antiquity is None:
                    return None
                stop = end + len(marker)
                return [self._antiquity], stop - start, " ".join(toks[start:stop])
        if len(centuries) == 2 and 0 < centuries[1] - centuries[0] <= 5:  # "16th-18th": 16, 17, 18
            centuries = list(range(centuries[0], centuries[1] + 1))
        found = [self._centuries[c] for c in centuries if c in self._centuries]
        if not found:
            return None
        return found, end - start, " ".join(toks[start:end])
