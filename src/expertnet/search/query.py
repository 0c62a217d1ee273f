"""What a search asks and what it returns, and the validation both engines share: which fields
may be filtered, faceted and sorted, the deny-by-default ACL rule, limits, document checks."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
import dataclasses
from dataclasses import dataclass, field
from typing import Any

from expertnet.search.definitions import IndexDefinition
from expertnet.search.text_match import Synonyms, TextPlan, plan_text

MAX_LIMIT = 100
MAX_FILTER_VALUES = 200
MAX_ACL_PRINCIPALS = 64
MAX_KEYWORD_CHARS = 512

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
    or_values: list[float] = dataclasses.field(default_factory=list)  # `field` is an attribute name here


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
    for fname, boost_values in (q.boost or {}).items():
        if fname not in defn.boost:
            raise ValueError(f"cannot boost on {fname!r}")
        vals = [str(_coerce(defn, fname, v)) for v in list(boost_values)[:MAX_FILTER_VALUES]]
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
