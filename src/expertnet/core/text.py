"""Text folding shared by search, routing and the vocabulary.

Names and texts mix scripts (Петровић / Petrović / Petrovic, İstanbul / Istanbul): every engine
and matcher sees the same folded form, so one rule decides what "the same word" means.
"""
import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

_TOKEN = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=65536)
def fold_word(word: str) -> str:
    return anyascii(unicodedata.normalize("NFKC", word)).lower()


def fold(text: str) -> str:
    """Lower-case ASCII transliteration: Cyrillic, Greek, diacritics and dotted capitals folded."""
    if not text:
        return ""
    return anyascii(unicodedata.normalize("NFKC", text)).lower()


def tokens(text: str) -> list[str]:
    """Folded alphanumeric tokens, in order."""
    return _TOKEN.findall(fold(text))
