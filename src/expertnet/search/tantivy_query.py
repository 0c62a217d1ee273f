"""The embedded engine's schema, documents and queries: how an index definition and a prepared
query become Tantivy objects. Text is folded in Python (``expertnet.core.text``) before it reaches
Tantivy, so Петровић, Petrović and Petrovic are one term."""

from __future__ import annotations

import json

import tantivy
from tantivy import FieldType, Occur, Query

from expertnet.core.text import fold, tokens
from expertnet.search.backend import NumRange, PreparedQuery, TextPlan, typo_budget
from expertnet.search.definitions import SORT_SUFFIX, IndexDefinition

ALL_FIELD = "_all"  # every searchable text, for typo and prefix matching (one automaton per word)
SOURCE_FIELD = "_src"  # the original document, JSON
FUZZY_WEIGHT = 0.5  # a typo/prefix match counts less than an exact word
SYNONYM_WEIGHT = 0.8


def build_schema(defn: IndexDefinition) -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    # the primary key is fast too: the vector leg reads the ids a filter allows from its column
    fast_keywords = set(defn.facets) | set(defn.sortable) | {defn.primary_key}
    for f in defn.fields.values():
        if f.type == "keyword":
            sb.add_text_field(f.name, tokenizer_name="raw", fast=f.name in fast_keywords, index_option="basic")
        elif f.type == "text":
            sb.add_text_field(f.name, tokenizer_name="default", index_option="position")
            if f.name in defn.sortable:
                sb.add_text_field(f.name + SORT_SUFFIX, tokenizer_name="raw", fast=True, index_option="basic")
        elif f.type == "int":
            sb.add_integer_field(f.name, indexed=True, fast=True)
        elif f.type == "float":
            sb.add_float_field(f.name, indexed=True, fast=True)
        elif f.type == "bool":
            sb.add_boolean_field(f.name, indexed=True, fast=True)
    sb.add_text_field(ALL_FIELD, tokenizer_name="default", index_option="basic")
    sb.add_bytes_field(SOURCE_FIELD, stored=True)
    return sb.build()


def to_tantivy(defn: IndexDefinition, doc: dict) -> tantivy.Document:
    """``doc`` must have been through ``clean_document``."""
    d = tantivy.Document()
    all_text: list[str] = []
    for fname, fdef in defn.fields.items():
        value = doc.get(fname)
        if value is None:
            continue
        values = value if fdef.multi else (value,)
        if fdef.type == "text":
            for v in values:
                folded = " ".join(tokens(v))
                d.add_text(fname, folded)
                if fname in defn.searchable:
                    all_text.append(folded)
            if fname in defn.sortable:
                d.add_text(fname + SORT_SUFFIX, fold(value).strip()[:200])
        elif fdef.type == "keyword":
            for v in values:
                d.add_text(fname, v)
        elif fdef.type == "int":
            for v in values:
                d.add_integer(fname, v)
        elif fdef.type == "float":
            for v in values:
                d.add_float(fname, v)
        elif fdef.type == "bool":
            for v in values:
                d.add_boolean(fname, v)
    d.add_text(ALL_FIELD, " ".join(all_text))
    d.add_bytes(SOURCE_FIELD, json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode())
    return d


# --- queries ----------------------------------------------------------------------------------


def text_query(defn: IndexDefinition, schema: tantivy.Schema, plan: TextPlan, matching: str) -> Query:
    """Each word: an OR over the searchable fields of the exact term (BM25, field weight), a typo
    or prefix match on the combined field, and its synonyms. "all" needs every word, "any" one."""
    occur = Occur.Must if matching == "all" else Occur.Should
    last = len(plan.tokens) - 1
    words = []
    for i, tok in enumerate(plan.tokens):
        alts = [Query.boost_query(Query.term_query(schema, f, tok), defn.weights[f]) for f in defn.searchable]
        typos = typo_budget(tok)
        as_prefix = plan.prefix_last and i == last
        if typos or as_prefix:
            alts.append(
                Query.boost_query(Query.fuzzy_term_query(schema, ALL_FIELD, tok, typos, True, as_prefix), FUZZY_WEIGHT)
            )
        synonyms = plan.synonyms.get(tok, ())
        words_only = [alt[0] for alt in synonyms if len(alt) == 1]
        phrases = [list(alt) for alt in synonyms if len(alt) > 1]
        for f in defn.searchable if synonyms else ():
            # one set query per field: a word may have a couple of dozen synonyms
            if words_only:
                alts.append(
                    Query.boost_query(Query.term_set_query(schema, f, words_only), defn.weights[f] * SYNONYM_WEIGHT)
                )
            for phrase in phrases:
                alts.append(
                    Query.boost_query(Query.phrase_query(schema, f, [*phrase]), defn.weights[f] * SYNONYM_WEIGHT)
                )
        words.append((occur, Query.boolean_query([(Occur.Should, a) for a in alts])))
    return Query.boolean_query(words)


def _range_query(defn: IndexDefinition, schema: tantivy.Schema, r: NumRange) -> Query:
    ftype = FieldType.Integer if defn.fields[r.field].type == "int" else FieldType.Float
    q = Query.range_query(
        schema, r.field, ftype, r.lower, r.upper, include_lower=r.lower_inclusive, include_upper=r.upper_inclusive
    )
    if r.or_values:
        q = Query.boolean_query(
            [(Occur.Should, q), (Occur.Should, Query.term_set_query(schema, r.field, list(r.or_values)))]
        )
    return q


def build_query(defn: IndexDefinition, schema: tantivy.Schema, pq: PreparedQuery) -> Query:
    clauses: list[tuple[Occur, Query]] = []
    if pq.text is not None:
        clauses.append((Occur.Must, text_query(defn, schema, pq.text, pq.matching)))
    # Filters are terms, never parsed syntax: a hostile value is just a term that matches nothing.
    filters = [Query.term_set_query(schema, f, values) for f, values in pq.filters.items()]
    filters += [_range_query(defn, schema, r) for r in pq.ranges]
    if pq.acl is not None:
        if defn.acl_field is None:
            raise ValueError(f"index {defn.name!r} has no access-control field")
        filters.append(Query.term_set_query(schema, defn.acl_field, pq.acl))
    if filters:
        combined = filters[0] if len(filters) == 1 else Query.boolean_query([(Occur.Must, f) for f in filters])
        clauses.append((Occur.Must, Query.const_score_query(combined, 0.0)))
    if not clauses:
        clauses.append((Occur.Must, Query.all_query()))
    for fname, values in pq.boost.items():
        weight = defn.boost[fname]
        for v in values:  # each matching value adds its weight
            clauses.append((Occur.Should, Query.const_score_query(Query.term_query(schema, fname, v), weight)))
    return clauses[0][1] if len(clauses) == 1 else Query.boolean_query(clauses)


def _facet_counts(raw: dict, names: list[str]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for name in names:
        buckets = raw.get(name, {}).get("buckets", [])
        out[name] = {str(b.get("key_as_string", b["key"])): int(b["doc_count"]) for b in buckets}
    return out


def stored_source(doc: tantivy.Document) -> dict:
    """The stored JSON source of a hit (every document is indexed with one)."""
    source = doc.get_first(SOURCE_FIELD)
    if source is None:
        raise ValueError(f"search document without {SOURCE_FIELD}")
    return json.loads(source)
