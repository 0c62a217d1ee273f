"""Index definitions as data.

The top-level ``search/<index>.json`` files are the single description of every index: field types
for the embedded Tantivy schema and the Meilisearch settings for production. This module loads and
checks them; both backends derive everything from an ``IndexDefinition``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from expertnet.core.text import tokens

FIELD_TYPES = frozenset({"text", "keyword", "int", "float", "bool"})
HIGHLIGHT_MODES = frozenset({"full", "snippet"})
# Derived attributes carry this marker; declared field names may not contain it.
DERIVED_MARK = "__"
FOLDED_SUFFIX = "__folded"
SORT_SUFFIX = "__sort"

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_DEFAULT_MAX_TOTAL_HITS = 10_000
_DEFAULT_MAX_FACET_VALUES = 300


class DefinitionError(ValueError):
    """An index definition file is missing or inconsistent."""


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: str
    multi: bool = False
    stored: bool = True


@dataclass(frozen=True)
class IndexDefinition:
    name: str
    uid: str
    primary_key: str
    fields: dict[str, FieldDef]
    searchable: tuple[str, ...]
    weights: dict[str, float]
    filterable: tuple[str, ...]  # what SearchQuery.filters/ranges may name (never the ACL field)
    facets: tuple[str, ...]
    sortable: tuple[str, ...]
    highlight: dict[str, str]
    boost: dict[str, float]
    acl_field: str | None
    meili: dict[str, Any]
    fingerprint: str
    raw: dict[str, Any] = field(repr=False, compare=False)

    @property
    def max_total_hits(self) -> int:
        return int(self.meili.get("pagination", {}).get("maxTotalHits", _DEFAULT_MAX_TOTAL_HITS))

    @property
    def max_facet_values(self) -> int:
        return int(self.meili.get("faceting", {}).get("maxValuesPerFacet", _DEFAULT_MAX_FACET_VALUES))

    def fields_of_type(self, *types: str) -> list[FieldDef]:
        return [f for f in self.fields.values() if f.type in types]

    def sort_attribute(self, name: str) -> str:
        """Engine attribute a sort on ``name`` uses: text fields sort on a folded derived copy."""
        return name + SORT_SUFFIX if self.fields[name].type == "text" else name


def _definitions_dir(directory: Path | None) -> Path:
    if directory is not None:
        return Path(directory)
    # Repository layout: <repo>/src/expertnet/search/definitions.py and <repo>/search/*.json.
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "search"
        if (candidate / "experts.json").is_file() and (parent / "pyproject.toml").is_file():
            return candidate
    cwd_candidate = Path.cwd() / "search"
    if (cwd_candidate / "experts.json").is_file():
        return cwd_candidate
    raise DefinitionError("cannot find the search/ definitions folder; pass its directory explicitly")


def _filterable_names(spec: Any) -> list[str]:
    names: list[str] = []
    for entry in spec or []:
        if isinstance(entry, str):
            names.append(entry)
        elif isinstance(entry, dict):
            for pattern in entry.get("attributePatterns", []):
                if "*" in pattern:
                    raise DefinitionError(f"filterable pattern {pattern!r}: list attributes by name")
                names.append(pattern)
        else:
            raise DefinitionError(f"bad filterableAttributes entry {entry!r}")
    return names


def parse_definition(name: str, raw: dict[str, Any]) -> IndexDefinition:
    def need(cond: bool, message: str) -> None:
        if not cond:
            raise DefinitionError(f"{name}: {message}")

    fields: dict[str, FieldDef] = {}
    for fname, spec in raw.get("fields", {}).items():
        need(bool(_NAME.match(fname)) and DERIVED_MARK not in fname, f"bad field name {fname!r}")
        ftype = spec.get("type")
        need(ftype in FIELD_TYPES, f"field {fname}: unknown type {ftype!r}")
        fields[fname] = FieldDef(fname, ftype, bool(spec.get("multi", False)), bool(spec.get("stored", True)))

    pk = raw.get("primaryKey", "id")
    need(
        pk in fields and fields[pk].type == "keyword" and not fields[pk].multi,
        "primaryKey must be a single keyword field",
    )
    meili = raw.get("meili", {})

    searchable = tuple(raw.get("searchable") or meili.get("searchableAttributes") or ())
    need(bool(searchable), "no searchable fields")
    for f in searchable:
        need(f in fields and fields[f].type == "text", f"searchable field {f!r} must be a text field")
    if "searchableAttributes" in meili:
        need(
            tuple(meili["searchableAttributes"]) == searchable,
            "meili.searchableAttributes must list the searchable fields in the same order",
        )

    weights = {f: float(raw.get("weights", {}).get(f, 1.0)) for f in searchable}

    acl_field = raw.get("acl_field")
    if acl_field is not None:
        need(acl_field in fields and fields[acl_field].type == "keyword", "acl_field must be a keyword field")

    all_filterable = _filterable_names(meili.get("filterableAttributes"))
    for f in all_filterable:
        need(f in fields, f"filterable attribute {f!r} is not a field")
        need(fields[f].type != "text", f"filterable attribute {f!r} must not be a text field")
    if acl_field is not None:
        need(acl_field in all_filterable, "the acl_field must be filterable")
    filterable = tuple(f for f in all_filterable if f != acl_field)

    facets = tuple(raw.get("facets", ()))
    for f in facets:
        need(f in filterable, f"facet {f!r} must be filterable")

    sortable = tuple(meili.get("sortableAttributes", ()))
    for f in sortable:
        need(f in fields and not fields[f].multi, f"sortable attribute {f!r} must be a single-valued field")

    highlight = dict(raw.get("highlight", {}))
    for f, mode in highlight.items():
        need(f in fields and fields[f].type == "text", f"highlight field {f!r} must be a text field")
        need(mode in HIGHLIGHT_MODES, f"highlight mode {mode!r}")

    boost = {f: float(w) for f, w in raw.get("boost", {}).items()}
    for f in boost:
        need(f in fields and fields[f].type == "keyword", f"boost field {f!r} must be a keyword field")

    canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"))
    return IndexDefinition(
        name=name,
        uid=raw.get("uid", name),
        primary_key=pk,
        fields=fields,
        searchable=searchable,
        weights=weights,
        filterable=filterable,
        facets=facets,
        sortable=sortable,
        highlight=highlight,
        boost=boost,
        acl_field=acl_field,
        meili=meili,
        fingerprint=hashlib.sha256(canonical.encode()).hexdigest()[:16],
        raw=raw,
    )


_cache: dict[tuple[str, str], IndexDefinition] = {}


def load_definition(name: str, directory: Path | None = None) -> IndexDefinition:
    """Load ``search/<name>.json`` (or ``<directory>/<name>.json``) and check it."""
    if not _NAME.match(name):
        raise DefinitionError(f"bad index name {name!r}")
    path = _definitions_dir(directory) / f"{name}.json"
    key = (name, str(path))
    if key not in _cache:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DefinitionError(f"no index definition {path}") from None
        _cache[key] = parse_definition(name, raw)
    return _cache[key]


def fold_synonyms(synonyms: dict[str, list[str]] | None) -> dict[str, list[str]]:
    """Fold keys and values the way documents and queries are folded; drop empty entries."""
    out: dict[str, list[str]] = {}
    for key, values in (synonyms or {}).items():
        k = " ".join(tokens(key))
        if not k:
            continue
        vals = out.setdefault(k, [])
        for v in values:
            fv = " ".join(tokens(v))
            if fv and fv != k and fv not in vals:
                vals.append(fv)
        if not vals:
            del out[k]
    return out


def settings_for_meili(defn: IndexDefinition, synonyms: dict[str, list[str]] | None = None) -> dict:
    """Meilisearch settings for ``defn``.

    Meilisearch does not transliterate, so every searchable field gets a folded copy
    (``<field>__folded``) placed right after it in the weight order; text fields that are sortable
    sort on a folded copy (``<field>__sort``). Only declared fields are displayed.
    """
    settings = copy.deepcopy(defn.meili)
    searchable: list[str] = []
    for f in defn.searchable:
        searchable += [f, f + FOLDED_SUFFIX]
    settings["searchableAttributes"] = searchable
    settings["displayedAttributes"] = list(defn.fields)
    settings["sortableAttributes"] = [defn.sort_attribute(f) for f in defn.sortable]
    settings.setdefault("pagination", {})["maxTotalHits"] = defn.max_total_hits
    settings.setdefault("faceting", {}).setdefault("maxValuesPerFacet", defn.max_facet_values)
    settings["synonyms"] = fold_synonyms(synonyms)
    return settings
