"""Folding text and terms for the vocabulary's matcher: :func:`expertnet.core.text.tokens` with the
fixes some scripts need (signs, vowel points, apostrophes, the Arabic article, unspaced scripts),
phrase boundaries, and the Cyrillic/Latin transliteration of Serbian-style terms."""

from __future__ import annotations

import re

from anyascii import anyascii

from expertnet.core.text import tokens

# Soft and hard signs are dropped before folding (anyascii turns them into apostrophes, which split
# "фальшивка" into "fal" + "shivka" and Bulgarian "сребърни" into "sreb" + "rni"); apostrophes
# inside Cyrillic words (Ukrainian "п'ять", "обʼєкт") are dropped for the same reason.
_SIGNS = "ьъЬЪ"
_CYR_APOSTROPHE = re.compile(r"(?<=[\u0400-\u04ff])['’ʼ`](?=[\u0400-\u04ff])")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")

# Scripts beyond Latin, Cyrillic and Greek (folded by anyascii like the rest, with four fixes):
# * vowel points carry no letters of their own: Arabic harakat, tatweel and Hebrew niqqud are
#   dropped, so pointed and unpointed spellings fold alike; the Persian zero-width non-joiner
#   separates a suffix ("سکه‌ها" = coin + plural), so it becomes a space;
# * letters whose transliteration carries an apostrophe (Arabic and Hebrew ayin and hamza,
#   Georgian ejectives "t'", Armenian aspirates "k'") would split the word at it: ayin becomes "3"
#   (as in Arabic chat alphabets, so "عملات" and "ملت" stay apart), alef and the hamza seats become
#   vowels (anyascii drops alef), the others lose the apostrophe;
# * the Arabic article and the particles fused with it ("ال", "وال", "بال", "لل" ...) are dropped
#   from the start of a word, as a folded term and a folded text must agree on where a word begins;
# * Chinese, Japanese, Thai and Khmer are written without spaces: every character of these scripts
#   becomes a token of its own ("q" + 5 hex digits, so it can never meet a Latin word, a numeral or
#   a homophone), and a term of several characters is then matched as a sequence of tokens.
# Uzbek Latin writes o' and g' (oʻ, gʻ) as letters: an apostrophe after o or g and before a letter
# is dropped ("qo'lyozma" is one word); the modifier letters ʻ and ʼ are read as apostrophes.
_ARABIC_RANGES = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
_APOSTROPHE_SCRIPTS = _ARABIC_RANGES + ((0x0590, 0x05FF), (0x10A0, 0x10FF), (0x1C90, 0x1CBF), (0x0530, 0x058F))
_VOWEL_POINTS = [
    *range(0x064B, 0x0660),
    0x0670,
    *range(0x06D6, 0x06DD),
    *range(0x06DF, 0x06E9),
    *range(0x06EA, 0x06EE),
    *range(0x0591, 0x05BE),
    0x05BF,
    0x05C1,
    0x05C2,
    0x05C4,
    0x05C5,
    0x05C7,
    0x0640,
    0x200D,
    0x200E,
    0x200F,
]
_DROP = str.maketrans(
    {**{ch: None for ch in _SIGNS}, **{cp: None for cp in _VOWEL_POINTS}, "\u200c": " ", "ʻ": "'", "ʼ": "'", "‘": "'"}
)


def _letter_fixes() -> dict[int, str]:
    table: dict[int, str] = {0x0639: "3", 0x05E2: "3"}  # ayin (Arabic script, Hebrew)
    # alef and the hamza seats are letters of their own in folded text: without them ختم (seal)
    # and خاتم (ring), or أصالة (authenticity) and سلاح (weapon), would fold alike
    table.update({0x0627: "a", 0x0623: "a", 0x0625: "i", 0x0671: "a", 0x0624: "w", 0x0626: "y", 0x0621: ""})
    for lo, hi in _APOSTROPHE_SCRIPTS:
        for cp in range(lo, hi + 1):
            if cp in table or cp in _VOWEL_POINTS:
                continue
            out = anyascii(chr(cp))
            if "'" in out or "`" in out:
                table[cp] = out.replace("'", "").replace("`", "")
    return table


_LETTER_FIX = str.maketrans(_letter_fixes())
_ARABIC_LETTER = re.compile("[\u0620-\u064a\u0671-\u06d3\u06fa-\u06ff]")
_ARABIC_ARTICLE = re.compile(
    "(?<![\\w\u0600-\u06ff])(?:[\u0648\u0641]?(?:[\u0628\u0643]?\u0627\u0644|\u0644\u0644))"
    "(?=[\u0620-\u064a\u0671-\u06d3\u06fa-\u06ff]{2})"
)
_OG_APOSTROPHE = re.compile(r"(?<=[oOgG])['’`](?=[^\W\d_])")
_UNSPACED = re.compile(
    "[\u0e00-\u0e7f\u1780-\u17ff\u19e0-\u19ff\u3041-\u30fa\u30fc-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f]"
)


# anything _prep does more than dropping signs for: the scripts above, ZWNJ/ZWJ/marks, apostrophes
_SPECIAL = re.compile(
    "[\u0530-\u058f\u0590-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
    "\u10a0-\u10ff\u1c90-\u1cbf\u200c-\u200f'’‘`ʻʼ]|" + _UNSPACED.pattern
)


def _code_token(match: re.Match) -> str:
    return f" q{ord(match.group()):05x} "


# Languages written in both Cyrillic and Latin script with a one-to-one letter mapping.
_BISCRIPT = frozenset({"sr", "hr", "bs", "me", "cnr", "mk"})
_CYR_TO_LAT = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "ђ": "đ",
    "е": "e",
    "ж": "ž",
    "з": "z",
    "и": "i",
    "ј": "j",
    "к": "k",
    "л": "l",
    "љ": "lj",
    "м": "m",
    "н": "n",
    "њ": "nj",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "ћ": "ć",
    "у": "u",
    "ф": "f",
    "х": "h",
    "ц": "c",
    "ч": "č",
    "џ": "dž",
    "ш": "š",
    "ѓ": "gj",
    "ќ": "kj",
    "ѕ": "dz",
    "ѐ": "e",
    "ѝ": "i",
}
_LAT_TO_CYR_DIGRAPHS = (("dž", "џ"), ("lj", "љ"), ("nj", "њ"), ("dj", "ђ"))
_LAT_TO_CYR = {
    "a": "а",
    "b": "б",
    "v": "в",
    "g": "г",
    "d": "д",
    "đ": "ђ",
    "e": "е",
    "ž": "ж",
    "z": "з",
    "i": "и",
    "j": "ј",
    "k": "к",
    "l": "л",
    "m": "м",
    "n": "н",
    "o": "о",
    "p": "п",
    "r": "р",
    "s": "с",
    "t": "т",
    "ć": "ћ",
    "u": "у",
    "f": "ф",
    "h": "х",
    "c": "ц",
    "č": "ч",
    "š": "ш",
}


def _prep(text: str) -> str:
    if text.isascii():  # the common case: one scan, no table
        if "'" in text or "`" in text:
            text = _OG_APOSTROPHE.sub("", text)
        return text
    if not _SPECIAL.search(text):  # Latin with diacritics, Cyrillic, Greek: only the signs go
        return text.translate(_DROP)
    text = text.translate(_DROP)
    if _ARABIC_LETTER.search(text):
        text = _ARABIC_ARTICLE.sub("", text)
    text = text.translate(_LETTER_FIX)
    if "'" in text or "’" in text or "`" in text or "‘" in text:
        text = _OG_APOSTROPHE.sub("", _CYR_APOSTROPHE.sub("", text))
    if _UNSPACED.search(text):
        text = _UNSPACED.sub(_code_token, text)
    return text


_ASCII_TOKEN = re.compile(r"[a-z0-9]+")


def _fold_tokens(text: str) -> list[str]:
    """expertnet.core.text.tokens, with a shortcut for ASCII text (folding leaves it as it is, but
    lower case): most texts and terms are ASCII, and the vocabulary tokenises tens of thousands of
    terms at load time."""
    if text.isascii():
        return _ASCII_TOKEN.findall(text.lower())
    return tokens(text)


def _tokens(text: str) -> list[str]:
    return _fold_tokens(_prep(text)) if text else []


# Punctuation that ends a phrase: a multi-word term never matches across it ("... in the Balkans;
# Islamic coins" is not "Balkan Islamic"). Full stops are kept inside phrases because of
# abbreviations and numerals ("IV ст. до н.е.", "17. Jahrhundert", "s. XVII").
_BOUNDARY = re.compile(r"[;:,!?()\[\]{}\n\r\t|•·]+")
_SEP = "|"  # sentinel token between phrases; it can match no term, numeral or century word


def _text_tokens(text: str) -> list[str]:
    if not text:
        return []
    out: list[str] = []
    for part in _BOUNDARY.split(_prep(text)):
        toks = _fold_tokens(part)
        if toks:
            if out:
                out.append(_SEP)
            out.extend(toks)
    return out


def _script_variants(term: str) -> list[str]:
    """The term and its transliteration into the other script (Serbian-style languages)."""
    low = term.lower()
    if _CYRILLIC.search(low):
        other = "".join(_CYR_TO_LAT.get(ch, ch) for ch in low)
        return [term, other]
    other = low
    for lat, cyr in _LAT_TO_CYR_DIGRAPHS:
        other = other.replace(lat, cyr)
    other = "".join(_LAT_TO_CYR.get(ch, ch) for ch in other)
    variants = [term, other]
    if "đ" in low:
        variants.append(low.replace("đ", "dj"))
    return variants
