"""How query words meet document words, the same on both engines: tokens, the typo rule,
synonym expansion, and the highlighter that marks matched words in the original text."""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from expertnet.core.text import fold_word, tokens
from expertnet.search.definitions import IndexDefinition, fold_synonyms

MAX_QUERY_CHARS = 2000
MAX_QUERY_TOKENS = 48  # routing sends whole descriptions with matching="any"
MAX_TOKEN_CHARS = 40  # longer tokens are dropped by the engines' tokenizers too
PREFIX_MIN_CHARS = 2  # the last query word also matches as a prefix from this length
SNIPPET_CHARS = 200


def typo_budget(token: str) -> int:
    """Meilisearch's default: 1 typo from 5 characters, 2 from 9; shorter words match exactly."""
    n = len(token)
    return 2 if n >= 9 else 1 if n >= 5 else 0


class Synonyms:
    """Folded synonyms: query token -> alternative token sequences."""

    def __init__(self, synonyms: dict[str, list[str]] | None):
        self.folded = fold_synonyms(synonyms)
        self.single: dict[str, tuple[tuple[str, ...], ...]] = {
            key: tuple(tuple(v.split()) for v in values) for key, values in self.folded.items() if " " not in key
        }

    def expand(self, token: str) -> tuple[tuple[str, ...], ...]:
        return self.single.get(token, ())


@dataclass(frozen=True)
class TextPlan:
    tokens: tuple[str, ...]
    prefix_last: bool  # the user is still typing the last word
    synonyms: dict[str, tuple[tuple[str, ...], ...]]

    @property
    def engine_text(self) -> str:
        """Query text for an engine: folded words only, no operator survives (quotes, -, :, *).
        A trailing space tells Meilisearch the last word is complete, as for Tantivy."""
        return " ".join(self.tokens) + ("" if self.prefix_last else " ")


def plan_text(text: str, synonyms: Synonyms) -> TextPlan | None:
    text = (text or "")[:MAX_QUERY_CHARS]
    seen: dict[str, None] = {}
    for tok in tokens(text):
        if len(tok) <= MAX_TOKEN_CHARS:
            seen.setdefault(tok, None)
    toks = tuple(seen)[:MAX_QUERY_TOKENS]
    if not toks:
        return None
    prefix_last = bool(text) and text[-1].isalnum() and len(toks[-1]) >= PREFIX_MIN_CHARS
    syn = {t: synonyms.expand(t) for t in toks if synonyms.expand(t)}
    return TextPlan(toks, prefix_last, syn)


@functools.lru_cache(maxsize=262_144)  # highlighting asks about the same word pairs again and again
def edit_distance_at_most(a: str, b: str, k: int) -> bool:
    """Optimal-string-alignment distance (a transposition costs 1) <= k."""
    if abs(len(a) - len(b)) > k:
        return False
    if a == b:
        return True
    if len(set(a) ^ set(b)) > 2 * k:  # each edit changes the character set by at most two
        return False
    prev2: list[int] | None = None
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        best = cur[0]
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if prev2 is not None and i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            best = min(best, v)
        if best > k:
            return False
        prev2, prev = prev, cur
    return prev[len(b)] <= k


class WordMatcher:
    """Decides whether a document word matches the query, with the rule the engines use."""

    def __init__(self, plan: TextPlan):
        self.exact: set[str] = set(plan.tokens)
        for alts in plan.synonyms.values():
            for alt in alts:
                self.exact.update(alt)
        self.fuzzy = [(t, typo_budget(t)) for t in plan.tokens if typo_budget(t)]
        self.prefix = plan.tokens[-1] if plan.prefix_last else None
        self._cache: dict[str, bool] = {}
        self._words: dict[str, bool] = {}

    def token_matches(self, tok: str) -> bool:
        hit = self._cache.get(tok)
        if hit is None:
            hit = (
                tok in self.exact
                or (self.prefix is not None and tok.startswith(self.prefix))
                or any(edit_distance_at_most(tok, t, k) for t, k in self.fuzzy)
            )
            self._cache[tok] = hit
        return hit

    def word_matches(self, word: str) -> bool:
        hit = self._words.get(word)
        if hit is None:
            hit = self._words[word] = any(self.token_matches(t) for t in _word_tokens(word))
        return hit


@functools.lru_cache(maxsize=65_536)
def _word_tokens(word: str) -> tuple[str, ...]:
    return tuple(_ASCII_TOKEN.findall(fold_word(word)))


_ASCII_TOKEN = re.compile(r"[a-z0-9]+")


_WORD = re.compile(r"[^\W_]+")


def _mark_spans(text: str, matcher: WordMatcher) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _WORD.finditer(text) if matcher.word_matches(m.group())]


def _render(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    end = len(text) if end is None else end
    out: list[str] = []
    pos = start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        out.append(html.escape(text[pos:s]))
        out.append("<mark>" + html.escape(text[s:e]) + "</mark>")
        pos = e
    out.append(html.escape(text[pos:end]))
    return "".join(out)


def highlight_full(text: str, matcher: WordMatcher) -> str:
    """Whole text, HTML-escaped, matched words wrapped in <mark>."""
    return _render(text, _mark_spans(text, matcher))


def highlight_snippet(text: str, matcher: WordMatcher, width: int = SNIPPET_CHARS) -> str:
    """About ``width`` characters around the first matched word (or the start), escaped + marked."""
    spans = _mark_spans(text, matcher)
    if len(text) <= width:
        return _render(text, spans)
    first = spans[0][0] if spans else 0
    start = max(0, first - width // 3)
    if start:
        space = text.rfind(" ", 0, start)
        start = space + 1 if space >= 0 and start - space < 30 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.find(" ", end)
        end = space if 0 <= space - end < 30 else end
    return ("…" if start else "") + _render(text, spans, start, end) + ("…" if end < len(text) else "")


def highlight_document(
    defn: IndexDefinition, doc: dict, matcher: WordMatcher, only: Iterable[str] | None = None
) -> dict[str, str]:
    out: dict[str, str] = {}
    for fname, mode in defn.highlight.items():
        if only is not None and fname not in only:
            continue
        value = doc.get(fname)
        if value is None or value == [] or value == "":
            continue
        if isinstance(value, list):
            out[fname] = "; ".join(highlight_full(str(v), matcher) for v in value)
        elif mode == "snippet":
            out[fname] = highlight_snippet(str(value), matcher)
        else:
            out[fname] = highlight_full(str(value), matcher)
    return out
