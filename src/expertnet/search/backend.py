"""The search interface shared by the Tantivy and Meilisearch backends.

Everything that must behave the same on both engines lives here: query validation (which fields
may be filtered, faceted and sorted, the deny-by-default ACL rule, limits), the typo rule, synonym
expansion, document validation and the highlighter that marks matched words in the original text.
"""

from __future__ import annotations

import functools
import html
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import anyio.to_thread

from expertnet.core.text import fold_word, tokens
from expertnet.search.definitions import IndexDefinition, fold_synonyms

MAX_LIMIT = 100
MAX_QUERY_CHARS = 2000
MAX_QUERY_TOKENS = 48  # routing sends whole descriptions with matching="any"
MAX_TOKEN_CHARS = 40  # longer tokens are dropped by the engines' tokenizers too
MAX_FILTER_VALUES = 200
MAX_ACL_PRINCIPALS = 64
MAX_KEYWORD_CHARS = 512
PREFIX_MIN_CHARS = 2  # the last query word also matches as a prefix from this length
SNIPPET_CHARS = 200

_ID = re.compile(r"^[A-Za-z0-9_-]{1,511}$")  # Meilisearch's rule for document ids
_INT = re.compile(r"^-?\d{1,19}$")
_I64 = 2**63


class SearchAuthorizationError(PermissionError):
    """A query on an access-controlled index came without principals (deny by default)."""


@dataclass
class Range:
    field: str
    gte: float | None = None
    gt: float | None = None
    lte: float | None = None
    lt: float | None = None
    # Values that also match, whatever the bounds, e.g. vetted_until >= now OR vetted_until = 0.
    or_values: list[float] = field(default_factory=list)


@dataclass
class SearchQuery:
    text: str = ""
    filters: dict[str, list[str | int | bool]] = field(default_factory=dict)
    ranges: list[Range] = field(default_factory=list)
    acl: list[str] | None = None
    system: bool = False
    facets: list[str] = field(default_factory=list)
    offset: int = 0
    limit: int = 20
    sort: list[tuple[str, str]] = field(default_factory=list)
    matching: str = "all"
    highlight: bool = True
    boost: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Hit:
    id: str
    score: float
    document: dict
    highlights: dict[str, str]


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    facets: dict[str, dict[str, int]]


@runtime_checkable
class SearchBackend(Protocol):
    def ensure_index(self, name: str) -> None: ...

    def upsert(self, name: str, docs: list[dict]) -> None: ...

    def delete(self, name: str, ids: list[str]) -> None: ...

    def search(self, name: str, q: SearchQuery) -> SearchResult: ...

    def rebuild(
        self, name: str, docs: Iterable[dict], progress: Callable[[int], None] | None = None
    ) -> int: ...

    def count(self, name: str) -> int: ...

    def set_vectors(self, name: str, vectors: dict) -> None:
        """Dense vectors by document id (float array, or None to remove one): the vector leg."""
        ...

    def vector_search(self, name: str, q: SearchQuery, vector: Any, k: int, min_similarity: float) -> SearchResult:
        """Up to ``k`` documents by cosine to ``vector`` (>= ``min_similarity``), best first, with
        ``q``'s filters, ranges and authorization clause applied; ``q.text`` is ignored."""
        ...

    def health(self) -> dict: ...

    def close(self) -> None: ...


class AsyncSearch:
    """Async facade: every call runs in a worker thread (the engines block; Tantivy releases the
    GIL, the Meilisearch client is synchronous)."""

    def __init__(self, backend: SearchBackend, limiter: anyio.CapacityLimiter | None = None):
        self.backend = backend
        self._limiter = limiter

    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await anyio.to_thread.run_sync(functools.partial(fn, *args), limiter=self._limiter)

    async def ensure_index(self, name: str) -> None:
        await self._run(self.backend.ensure_index, name)

    async def upsert(self, name: str, docs: list[dict]) -> None:
        await self._run(self.backend.upsert, name, docs)

    async def delete(self, name: str, ids: list[str]) -> None:
        await self._run(self.backend.delete, name, ids)

    async def search(self, name: str, q: SearchQuery) -> SearchResult:
        return await self._run(self.backend.search, name, q)

    async def rebuild(
        self, name: str, docs: Iterable[dict], progress: Callable[[int], None] | None = None
    ) -> int:
        return await self._run(self.backend.rebuild, name, docs, progress)

    async def count(self, name: str) -> int:
        return await self._run(self.backend.count, name)

    async def set_vectors(self, name: str, vectors: dict) -> None:
        await self._run(self.backend.set_vectors, name, vectors)

    async def vector_search(self, name: str, q: SearchQuery, vector: Any, k: int, min_similarity: float) -> SearchResult:
        return await self._run(self.backend.vector_search, name, q, vector, k, min_similarity)

    async def health(self) -> dict:
        return await self._run(self.backend.health)

    async def close(self) -> None:
        await self._run(self.backend.close)


# --- text: tokens, typos, synonyms ----------------------------------------------------------


def typo_budget(token: str) -> int:
    """Meilisearch's default: 1 typo from 5 characters, 2 from 9; shorter words match exactly."""
    n = len(token)
    return 2 if n >= 9 else 1 if n >= 5 else 0


class Synonyms:
    """Folded synonyms: query token -> alternative token sequences."""

    def __init__(self, synonyms: dict[str, list[str]] | None):
        self.folded = fold_synonyms(synonyms)
        self.single: dict[str, tuple[tuple[str, ...], ...]] = {
            key: tuple(tuple(v.split()) for v in values)
            for key, values in self.folded.items()
            if " " not in key
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


# --- query validation -------------------------------------------------------------------------


def _coerce(defn: IndexDefinition, fname: str, value: Any) -> str | int | float | bool:
    ftype = defn.fields[fname].type
    if ftype == "keyword":
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ValueError(f"{fname}: expected a string value, got {type(value).__name__}")
        value = str(value)
        if len(value) > MAX_KEYWORD_CHARS:
            raise ValueError(f"{fname}: value too long")
        return value
    if ftype == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ValueError(f"{fname}: expected true or false")
    if ftype == "int":
        if isinstance(value, bool):
            raise ValueError(f"{fname}: expected an integer")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and _INT.match(value.strip()):
            value = int(value.strip())
        if not isinstance(value, int) or not -_I64 <= value < _I64:
            raise ValueError(f"{fname}: expected an integer")
        return value
    if ftype == "float":
        if isinstance(value, bool):
            raise ValueError(f"{fname}: expected a number")
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise ValueError(f"{fname}: expected a number") from None
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{fname}: expected a finite number")
        return float(value)
    raise ValueError(f"{fname}: text fields cannot be filtered")


def _bound(value: Any, fname: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"range on {fname}: bounds must be finite numbers")
    return value


@dataclass(frozen=True)
class NumRange:
    """A validated range: inclusive/exclusive bounds plus values that also match."""

    field: str
    lower: int | float | None
    lower_inclusive: bool
    upper: int | float | None
    upper_inclusive: bool
    or_values: tuple[int | float, ...] = ()


@dataclass
class PreparedQuery:
    text: TextPlan | None
    filters: dict[str, list]  # field -> coerced values, OR within a field
    ranges: list[NumRange]
    acl: list[str] | None  # None only for system queries or indexes without an ACL field
    facets: list[str]
    offset: int
    limit: int
    sort: tuple[str, str] | None  # (engine attribute, "asc"|"desc")
    matching: str
    highlight: bool
    boost: dict[str, list[str]]
    matches_nothing: bool  # an empty OR (no principal, a filter with no value): skip the engine


def _prepare_range(defn: IndexDefinition, r: Range) -> NumRange:
    if r.field not in defn.filterable or defn.fields[r.field].type not in ("int", "float"):
        raise ValueError(f"range on {r.field!r}: not a filterable numeric field")
    is_int = defn.fields[r.field].type == "int"
    lower = upper = None
    lower_inc = upper_inc = True
    if r.gte is not None and r.gt is not None:
        raise ValueError(f"range on {r.field}: give gte or gt, not both")
    if r.lte is not None and r.lt is not None:
        raise ValueError(f"range on {r.field}: give lte or lt, not both")
    if r.gte is not None:
        lower = _bound(r.gte, r.field)
    elif r.gt is not None:
        lower, lower_inc = _bound(r.gt, r.field), False
    if r.lte is not None:
        upper = _bound(r.lte, r.field)
    elif r.lt is not None:
        upper, upper_inc = _bound(r.lt, r.field), False
    if lower is None and upper is None:
        raise ValueError(f"range on {r.field}: give at least one bound")
    if is_int:  # integer fields: make every bound an inclusive integer
        if lower is not None:
            lower = math.ceil(lower) if lower_inc else math.floor(lower) + 1
            lower_inc = True
        if upper is not None:
            upper = math.floor(upper) if upper_inc else math.ceil(upper) - 1
            upper_inc = True
        lower = None if lower is None else max(-_I64, min(_I64 - 1, int(lower)))
        upper = None if upper is None else max(-_I64, min(_I64 - 1, int(upper)))
    or_values = tuple(_coerce(defn, r.field, v) for v in r.or_values[:MAX_FILTER_VALUES])
    return NumRange(r.field, lower, lower_inc, upper, upper_inc, or_values)  # type: ignore[arg-type]


def prepare_query(defn: IndexDefinition, q: SearchQuery, synonyms: Synonyms) -> PreparedQuery:
    """Validate ``q`` against the definition; raises ValueError / SearchAuthorizationError."""
    matches_nothing = False

    if defn.acl_field is not None:
        if q.acl is None:
            if not q.system:
                raise SearchAuthorizationError(
                    f"index {defn.name!r} is access-controlled: a query needs acl principals"
                )
            acl = None
        else:
            acl = _principals(q.acl)
            matches_nothing |= not acl
    else:
        if q.acl is not None:
            raise ValueError(f"index {defn.name!r} has no access-control field")
        acl = None

    filters: dict[str, list] = {}
    for fname, values in (q.filters or {}).items():
        if fname not in defn.filterable:
            raise ValueError(f"cannot filter on {fname!r}")
        if isinstance(values, (str, bytes, int, float, bool)) or values is None:
            values = [values]
        values = list(values)
        if len(values) > MAX_FILTER_VALUES:
            raise ValueError(f"{fname}: too many values")
        coerced = list(dict.fromkeys(_coerce(defn, fname, v) for v in values))
        filters[fname] = coerced
        matches_nothing |= not coerced

    ranges = [_prepare_range(defn, r) for r in (q.ranges or [])]

    facets = list(dict.fromkeys(q.facets or []))
    for f in facets:
        if f not in defn.facets:
            raise ValueError(f"cannot facet on {f!r}")

    sort = None
    if q.sort:
        if len(q.sort) > 1:
            raise ValueError("sort on one field at most")
        fname, direction = q.sort[0]
        if fname not in defn.sortable:
            raise ValueError(f"cannot sort on {fname!r}")
        if direction not in ("asc", "desc"):
            raise ValueError("sort direction must be 'asc' or 'desc'")
        sort = (defn.sort_attribute(fname), direction)

    if q.matching not in ("all", "any"):
        raise ValueError("matching must be 'all' or 'any'")

    boost: dict[str, list[str]] = {}
    for fname, values in (q.boost or {}).items():
        if fname not in defn.boost:
            raise ValueError(f"cannot boost on {fname!r}")
        vals = [str(_coerce(defn, fname, v)) for v in list(values)[:MAX_FILTER_VALUES]]
        if vals:
            boost[fname] = list(dict.fromkeys(vals))

    if isinstance(q.offset, bool) or not isinstance(q.offset, int) or q.offset < 0:
        raise ValueError("offset must be a non-negative integer")
    if isinstance(q.limit, bool) or not isinstance(q.limit, int) or q.limit < 0:
        raise ValueError("limit must be a non-negative integer")

    return PreparedQuery(
        text=plan_text(q.text, synonyms),
        filters=filters,
        ranges=ranges,
        acl=acl,
        facets=facets,
        offset=q.offset,
        limit=min(q.limit, MAX_LIMIT),
        sort=sort,
        matching=q.matching,
        highlight=q.highlight,
        boost=boost,
        matches_nothing=matches_nothing,
    )


def _principals(acl: Iterable[str]) -> list[str]:
    if isinstance(acl, str):
        raise ValueError("acl must be a list of principals")
    out = []
    for p in acl:
        if not isinstance(p, str) or not p or len(p) > MAX_KEYWORD_CHARS:
            raise ValueError("acl principals must be non-empty strings")
        out.append(p)
    if len(out) > MAX_ACL_PRINCIPALS:
        raise ValueError("too many acl principals")
    return list(dict.fromkeys(out))


def empty_result(pq: PreparedQuery) -> SearchResult:
    return SearchResult(hits=[], total=0, facets={f: {} for f in pq.facets})


# --- documents --------------------------------------------------------------------------------


def clean_document(defn: IndexDefinition, doc: dict) -> dict:
    """Declared fields only, type-checked; raises ValueError naming the field."""
    pk = defn.primary_key
    doc_id = doc.get(pk)
    if not isinstance(doc_id, str) or not _ID.match(doc_id):
        raise ValueError(f"{pk}: ids are 1-511 characters of A-Z a-z 0-9 - _ (got {doc_id!r})")
    out: dict[str, Any] = {}
    for fname, fdef in defn.fields.items():
        value = doc.get(fname)
        if value is None:
            continue
        if fdef.multi:
            if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
                raise ValueError(f"{fname}: expected a list")
            out[fname] = [_doc_value(fname, fdef.type, v) for v in value if v is not None]
        else:
            out[fname] = _doc_value(fname, fdef.type, value)
    return out


def _doc_value(fname: str, ftype: str, value: Any) -> Any:
    if ftype in ("text", "keyword"):
        if not isinstance(value, str):
            raise ValueError(f"{fname}: expected a string")
        return value
    if ftype == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"{fname}: expected a boolean")
        return value
    if ftype == "int":
        if isinstance(value, bool) or not isinstance(value, int) or not -_I64 <= value < _I64:
            raise ValueError(f"{fname}: expected a 64-bit integer")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{fname}: expected a finite number")
    return float(value)


def visible_window(pq: PreparedQuery, max_total_hits: int) -> tuple[int, int]:
    """(offset, limit) clipped to the engine's reachable window (Meilisearch's maxTotalHits)."""
    if pq.offset >= max_total_hits:
        return pq.offset, 0
    return pq.offset, min(pq.limit, max_total_hits - pq.offset)
