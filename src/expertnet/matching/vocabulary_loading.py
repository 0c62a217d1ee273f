"""Reading the vocabulary file: each row validated (facet, category slugs, broader ids and cycles,
terms, weight, century) and parsed into its terms; a bad row raises ``ValueError`` naming the
concept."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources

from expertnet.matching.concepts import FACETS, Concept
from expertnet.matching.folding import _BISCRIPT, _script_variants
from expertnet.matching.terms import _PROCLITICS, _check_stopwords, _clitic_terms, _parse_term, _Term


@dataclass
class _Raw:
    concept: Concept
    terms: list[_Term] = field(default_factory=list)
    exclude: list[tuple[str, bool]] = field(default_factory=list)
    century: int | None = None
    weight: float = 1.0


def _category_slugs() -> frozenset[str]:
    rows = json.loads(resources.files("expertnet").joinpath("data", "categories.json").read_text("utf-8"))
    return frozenset(row["slug"] for row in rows)


def _validate(rows: list) -> list[_Raw]:
    slugs = _category_slugs()
    raws: list[_Raw] = []
    ids: set[str] = set()
    for index, row in enumerate(rows):
        if not isinstance(row, dict) or not isinstance(row.get("id"), str) or not row["id"]:
            raise ValueError(f"vocabulary: entry {index} has no id")
        cid = row["id"]
        if cid in ids:
            raise ValueError(f"{cid}: duplicate concept id")
        ids.add(cid)
        facet = row.get("facet")
        if facet not in FACETS:
            raise ValueError(f"{cid}: unknown facet {facet!r}")
        if not cid.startswith(facet + ":"):
            raise ValueError(f"{cid}: id must start with its facet {facet!r}")
        label = row.get("label")
        if not isinstance(label, str) or not label.strip():
            raise ValueError(f"{cid}: missing label")
        categories = row.get("categories", [])
        if not isinstance(categories, list) or any(c not in slugs for c in categories):
            bad = [c for c in categories if c not in slugs] if isinstance(categories, list) else categories
            raise ValueError(f"{cid}: unknown category slug(s) {bad!r}")
        if facet == "category" and len(categories) != 1:
            raise ValueError(f"{cid}: a category concept points to exactly one category")
        broader = row.get("broader", [])
        if not isinstance(broader, list) or not all(isinstance(b, str) for b in broader):
            raise ValueError(f"{cid}: broader must be a list of concept ids")
        terms = row.get("terms")
        if not isinstance(terms, dict) or not any(isinstance(v, list) and v for v in terms.values()):
            raise ValueError(f"{cid}: empty terms")
        if not terms.get("en"):
            raise ValueError(f"{cid}: no English term")
        weight = row.get("weight", 1.0)
        if not isinstance(weight, (int, float)) or not 0 < weight <= 2:
            raise ValueError(f"{cid}: weight must be in (0, 2]")
        century = row.get("century")
        if century is not None and (not isinstance(century, int) or not 1 <= century <= 21 or facet != "period"):
            raise ValueError(f"{cid}: century must be an int 1..21 on a period concept")
        concept = Concept(cid, facet, label.strip(), tuple(categories), tuple(broader))
        raw = _Raw(concept, century=century, weight=float(weight))
        for lang, values in terms.items():
            if not isinstance(lang, str) or not re.fullmatch(r"[a-z]{2,3}", lang):
                raise ValueError(f"{cid}: bad language code {lang!r}")
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise ValueError(f"{cid}: terms[{lang}] must be a list of strings")
            for value in values:
                if lang in _PROCLITICS:
                    base = _parse_term(value, cid, where=f"terms[{lang}]")
                    found = [base, *_clitic_terms(lang, value, base)]
                else:
                    variants = _script_variants(value) if lang in _BISCRIPT else [value]
                    found = [_parse_term(variant, cid, where=f"terms[{lang}]") for variant in variants]
                for term in found:
                    _check_stopwords(term, cid, value)
                    raw.terms.append(term)
        excludes = row.get("exclude", [])
        if not isinstance(excludes, list) or not all(isinstance(v, str) for v in excludes):
            raise ValueError(f"{cid}: exclude must be a list of strings")
        for value in excludes:
            for variant in _script_variants(value):
                parsed = _parse_term(variant, cid, where="exclude")
                if len(parsed.words) != 1:
                    raise ValueError(f"{cid}: exclude {value!r} must be a single word")
                raw.exclude.append(parsed.words[0])
        if not raw.terms:
            raise ValueError(f"{cid}: empty terms")
        raws.append(raw)
    for raw in raws:
        for b in raw.concept.broader:
            if b not in ids:
                raise ValueError(f"{raw.concept.id}: unknown broader concept {b!r}")
            if b == raw.concept.id:
                raise ValueError(f"{raw.concept.id}: a concept cannot be broader than itself")
    _check_cycles(raws)
    return raws


def _check_cycles(raws: list[_Raw]) -> None:
    graph = {r.concept.id: r.concept.broader for r in raws}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        if state.get(node) == 2:
            return
        if state.get(node) == 1:
            raise ValueError(f"{node}: broader cycle {' -> '.join(path + [node])}")
        state[node] = 1
        for b in graph[node]:
            visit(b, path + [node])
        state[node] = 2

    for node in graph:
        visit(node, [])
