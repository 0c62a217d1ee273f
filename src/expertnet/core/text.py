"""Text folding shared by search, routing and the vocabulary.

Names and texts mix scripts (Петровић / Petrović / Petrovic, İstanbul / Istanbul): every engine
and matcher sees the same folded form, so one rule decides what "the same word" means.
"""

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

_TOKEN = re.compile(r"[a-z0-9]+")

# Serbian and Macedonian Cyrillic map one-to-one onto Gaj's Latin alphabet; transliterating through
# it first makes Ђорђевић, Đorđević and Djordjevic, or Живковић and Živković, fold alike (plain
# anyascii gives "djordjevic"/"dordevic" and "zhivkovic"/"zivkovic"). Soft and hard signs carry
# no sound of their own in folded text and would otherwise split words at an apostrophe.
_CANONICAL = str.maketrans(
    {
        "ђ": "dj",
        "Ђ": "Dj",
        "đ": "dj",
        "Đ": "Dj",
        "ж": "ž",
        "Ж": "Ž",
        "ч": "č",
        "Ч": "Č",
        "ш": "š",
        "Ш": "Š",
        "џ": "dž",
        "Џ": "Dž",
        "љ": "lj",
        "Љ": "Lj",
        "њ": "nj",
        "Њ": "Nj",
        "х": "h",
        "Х": "H",
        "ц": "c",
        "Ц": "C",
        "ћ": "ć",
        "Ћ": "Ć",
        "ј": "j",
        "Ј": "J",
        "ь": "",
        "Ь": "",
        "ъ": "",
        "Ъ": "",
    }
)


@lru_cache(maxsize=65536)
def fold_word(word: str) -> str:
    return anyascii(unicodedata.normalize("NFKC", word).translate(_CANONICAL)).lower()


def fold(text: str) -> str:
    """Lower-case ASCII transliteration: Cyrillic, Greek, diacritics and dotted capitals folded."""
    if not text:
        return ""
    return anyascii(unicodedata.normalize("NFKC", text).translate(_CANONICAL)).lower()


def tokens(text: str) -> list[str]:
    """Folded alphanumeric tokens, in order."""
    return _TOKEN.findall(fold(text))
