"""Production search: Meilisearch through the official (synchronous) client.

The filter and request builders are pure functions so that the security-relevant part — what
reaches the engine as a filter string — is tested without a server. Every value is quoted and
escaped, attribute names come only from the definition, the ACL clause is a positive allow-list
(``acl IN [...]``) and the filter is an array, so Meilisearch ANDs the clauses structurally.
"""

from __future__ import annotations

import html
import itertools
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import meilisearch
from meilisearch.errors import MeilisearchApiError, MeilisearchError

from expertnet.core.text import fold, tokens
from expertnet.search.backend import (
    Hit,
    PreparedQuery,
    SearchQuery,
    SearchResult,
    Synonyms,
    WordMatcher,
    clean_document,
    empty_result,
    highlight_full,
    highlight_snippet,
    prepare_query,
    visible_window,
)
from expertnet.search.meili_vectors import MeiliVectors, meili_vectors
from expertnet.search.vector_index import VECTOR_KEY
from expertnet.search.definitions import (
    FOLDED_SUFFIX,
    SORT_SUFFIX,
    IndexDefinition,
    load_definition,
    settings_for_meili,
)

# Private-use characters as highlight tags: the engine's output is escaped first, then they become
# <mark>/</mark>; documents are stripped of them so text cannot forge a tag.
PRE_TAG = "\ue000"
POST_TAG = "\ue001"
_STRIP_TAGS = str.maketrans({PRE_TAG: None, POST_TAG: None})
# A typo match comes back with only the query word's length marked ("<mark>numismatic</mark>s"):
# widen every mark to the whole words it touches, as the shared highlighter marks them.
_PARTIAL_MARK = re.compile(rf"([^\W_]*){PRE_TAG}([^{POST_TAG}]*){POST_TAG}([^\W_]*)")
# matching="any": drop the most frequent (least telling) words first when not all words match.
ANY_MATCHING_STRATEGY = "frequency"
CROP_WORDS = 30
NEW_SUFFIX = "__new"
JOURNAL_SUFFIX = "__journal"
BATCH = 5_000
WRITE_TIMEOUT_MS = 60_000
REBUILD_TIMEOUT_MS = 30 * 60_000


class MeiliTaskError(RuntimeError):
    """A Meilisearch task failed or was canceled."""


# --- pure builders ----------------------------------------------------------------------------


def escape_value(value: Any) -> str:
    """A Meilisearch filter string literal: backslashes first, then double quotes."""
    text = str(value)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _number(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        value = int(value)
    return str(value) if isinstance(value, int) else repr(float(value))


def _literal(defn: IndexDefinition, fname: str, value: Any) -> str:
    ftype = defn.fields[fname].type
    if ftype == "bool":
        return "true" if value else "false"
    if ftype in ("int", "float"):
        return _number(value)  # validated numbers, never user text
    return escape_value(value)


def _equals_any(defn: IndexDefinition, fname: str, values: list) -> str:
    parts = [f"{fname} = {_literal(defn, fname, v)}" for v in values]
    return parts[0] if len(parts) == 1 else "(" + " OR ".join(parts) + ")"


def filter_for(defn: IndexDefinition, pq: PreparedQuery) -> list[str]:
    clauses: list[str] = []
    if pq.acl is not None:
        clauses.append(f"{defn.acl_field} IN [" + ", ".join(escape_value(p) for p in pq.acl) + "]")
    for fname, values in pq.filters.items():
        clauses.append(_equals_any(defn, fname, values))
    for r in pq.ranges:
        bounds = []
        if r.lower is not None:
            bounds.append(f"{r.field} {'>=' if r.lower_inclusive else '>'} {_number(r.lower)}")
        if r.upper is not None:
            bounds.append(f"{r.field} {'<=' if r.upper_inclusive else '<'} {_number(r.upper)}")
        if not r.or_values:
            clauses.extend(bounds)
            continue
        within = bounds[0] if len(bounds) == 1 else "(" + " AND ".join(bounds) + ")"
        extra = " OR ".join(f"{r.field} = {_literal(defn, r.field, v)}" for v in r.or_values)
        clauses.append(f"({within} OR {extra})")
    return clauses


def build_filter(defn: IndexDefinition, q: SearchQuery) -> list[str]:
    """The filter array for ``q``; raises ValueError for fields outside the definition's allow-list
    and SearchAuthorizationError for an access-controlled index queried without principals."""
    return filter_for(defn, prepare_query(defn, q, Synonyms(None)))


def page_window(pq: PreparedQuery, max_total_hits: int) -> tuple[int, int, int]:
    """(page, hitsPerPage, skip). Page mode gives an exact totalHits; an offset that is not a
    multiple of the limit fetches from the start and skips."""
    offset, limit = visible_window(pq, max_total_hits)
    if limit == 0:
        return 1, 0, 0
    if offset % limit == 0:
        return offset // limit + 1, limit, 0
    return 1, offset + limit, offset


def params_for(defn: IndexDefinition, pq: PreparedQuery) -> dict[str, Any]:
    page, per_page, _ = page_window(pq, defn.max_total_hits)
    params: dict[str, Any] = {
        "q": pq.text.engine_text if pq.text is not None else "",
        "filter": filter_for(defn, pq),
        "page": page,
        "hitsPerPage": per_page,
        "attributesToRetrieve": list(defn.fields),
        "showRankingScore": True,
        "matchingStrategy": "all" if pq.matching == "all" else ANY_MATCHING_STRATEGY,
    }
    if pq.facets:
        params["facets"] = list(pq.facets)
    if pq.sort is not None:
        params["sort"] = [f"{pq.sort[0]}:{pq.sort[1]}"]
    if pq.text is not None and pq.highlight and defn.highlight:
        params["attributesToHighlight"] = list(defn.highlight)
        params["highlightPreTag"] = PRE_TAG
        params["highlightPostTag"] = POST_TAG
        crop = [f for f, mode in defn.highlight.items() if mode == "snippet"]
        if crop:
            params["attributesToCrop"] = crop
            params["cropLength"] = CROP_WORDS
            params["cropMarker"] = "…"
    return params


def build_search_params(
    defn: IndexDefinition, q: SearchQuery, synonyms: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """The search request body (``q`` included) for ``q``."""
    return params_for(defn, prepare_query(defn, q, Synonyms(synonyms)))


def to_meili(defn: IndexDefinition, doc: dict, vector: Any = None) -> dict:
    """A cleaned document plus the folded copies Meilisearch needs (it does not transliterate),
    and its dense vector for each ``userProvided`` embedder (``null`` opts a document out)."""
    out: dict[str, Any] = meili_vectors(defn, vector)
    for fname, value in doc.items():
        if isinstance(value, str):
            value = value.translate(_STRIP_TAGS)
        elif isinstance(value, list) and value and isinstance(value[0], str):
            value = [v.translate(_STRIP_TAGS) for v in value]
        out[fname] = value
    for fname in defn.searchable:
        value = out.get(fname)
        if value is None:
            continue
        values = value if isinstance(value, list) else [value]
        if not all(v.isascii() for v in values):
            folded = [" ".join(tokens(v)) for v in values]
            out[fname + FOLDED_SUFFIX] = folded if isinstance(value, list) else folded[0]
    for fname in defn.sortable:
        if defn.fields[fname].type == "text" and isinstance(out.get(fname), str):
            out[fname + SORT_SUFFIX] = fold(out[fname]).strip()[:200]
    return out


def _restore_tags(text: str) -> str:
    text = _PARTIAL_MARK.sub(rf"{PRE_TAG}\1\2\3{POST_TAG}", text)
    return html.escape(text).replace(PRE_TAG, "<mark>").replace(POST_TAG, "</mark>")


def highlights_from(defn: IndexDefinition, doc: dict, formatted: dict, matcher: WordMatcher) -> dict[str, str]:
    """Meilisearch's _formatted, escaped, tags restored. Where it marked nothing (the match was in
    a folded copy, e.g. a Cyrillic name) the shared highlighter marks the original text."""
    out: dict[str, str] = {}
    for fname, mode in defn.highlight.items():
        value = doc.get(fname)
        if value is None or value == "" or value == []:
            continue
        shown = formatted.get(fname, value)
        if isinstance(shown, list):
            rendered = "; ".join(_restore_tags(str(v)) for v in shown)
        else:
            rendered = _restore_tags(str(shown))
        if "<mark>" not in rendered:
            if isinstance(value, list):
                rendered = "; ".join(highlight_full(str(v), matcher) for v in value)
            elif mode == "snippet":
                rendered = highlight_snippet(str(value), matcher)
            else:
                rendered = highlight_full(str(value), matcher)
        out[fname] = rendered
    return out


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


# --- backend ----------------------------------------------------------------------------------


class MeiliBackend(MeiliVectors):
    def __init__(
        self,
        url: str,
        key: str | None = None,
        synonyms: dict[str, list[str]] | None = None,
        *,
        index_prefix: str = "",
        definitions_dir=None,
        timeout: int = 10,
    ):
        self.url = url
        self._key = key
        self._timeout = timeout
        self.synonyms_raw = synonyms
        self.synonyms = Synonyms(synonyms)
        self.index_prefix = index_prefix
        self._definitions_dir = definitions_dir
        self._local = threading.local()  # the client mutates shared headers: one per thread
        self._ready: set[str] = set()

    def _client(self) -> meilisearch.Client:
        client = getattr(self._local, "client", None)
        if client is None:
            client = meilisearch.Client(self.url, self._key, timeout=self._timeout)
            self._local.client = client
        return client

    def _defn(self, name: str) -> IndexDefinition:
        return load_definition(name, self._definitions_dir)

    def uid(self, name: str) -> str:
        return self.index_prefix + self._defn(name).uid

    def _wait(self, task_uid: int, timeout_ms: int = WRITE_TIMEOUT_MS) -> None:
        task = self._client().wait_for_task(task_uid, timeout_in_ms=timeout_ms, interval_in_ms=25)
        if task.status != "succeeded":
            raise MeiliTaskError(f"task {task_uid} {task.status}: {task.error}")

    def _exists(self, uid: str) -> bool:
        try:
            self._client().get_raw_index(uid)
            return True
        except MeilisearchApiError as exc:
            if getattr(exc, "code", None) == "index_not_found":
                return False
            raise

    def _create(self, uid: str, defn: IndexDefinition) -> None:
        client = self._client()
        task = client.wait_for_task(
            client.create_index(uid, {"primaryKey": defn.primary_key}).task_uid, timeout_in_ms=WRITE_TIMEOUT_MS
        )
        if task.status != "succeeded" and (task.error or {}).get("code") != "index_already_exists":
            raise MeiliTaskError(f"creating {uid}: {task.error}")
        settings = settings_for_meili(defn, self.synonyms_raw)
        self._wait(client.index(uid).update_settings(settings).task_uid)

    def _drop(self, uid: str) -> None:
        if self._exists(uid):
            self._wait(self._client().delete_index(uid).task_uid)

    def _journal_and_targets(self, uid: str) -> tuple[str | None, list[str]]:
        """While a rebuild runs (``<uid>__new`` exists) a change goes to its journal first, then to
        the live index and the new one; the rebuild replays the journal after its bulk load, so a
        change made during the rebuild survives whatever order the bulk documents arrive in."""
        if self._exists(uid + NEW_SUFFIX):
            return uid + JOURNAL_SUFFIX, [uid, uid + NEW_SUFFIX]
        return None, [uid]

    def _send(self, uid: str, defn: IndexDefinition, docs: list[dict], ids: list[str]) -> None:
        journal, targets = self._journal_and_targets(uid)
        client = self._client()
        tasks = []
        if journal is not None:
            entries = [{"id": d[defn.primary_key], "deleted": False, "doc": d} for d in docs]
            entries += [{"id": i, "deleted": True, "doc": None} for i in ids]
            tasks.append(client.index(journal).add_documents(entries, primary_key="id").task_uid)
        for target in targets:
            for chunk in _chunks(docs, BATCH):
                tasks.append(client.index(target).add_documents(chunk, primary_key=defn.primary_key).task_uid)
            for chunk in _chunks(ids, 500):
                expr = f"{defn.primary_key} IN [" + ", ".join(escape_value(i) for i in chunk) + "]"
                tasks.append(client.index(target).delete_documents(filter=expr).task_uid)
        for task_uid in tasks:
            self._wait(task_uid)

    def _replay(self, journal: str, new: str, defn: IndexDefinition) -> None:
        client = self._client()
        upserts: list[dict] = []
        deletes: list[str] = []
        offset = 0
        while True:
            page = client.index(journal).get_documents({"limit": 1000, "offset": offset})
            for entry in (dict(doc) for doc in page.results):
                if entry.get("deleted"):
                    deletes.append(entry["id"])
                else:
                    upserts.append(entry["doc"])
            offset += len(page.results)
            if not page.results or offset >= page.total:
                break
        tasks = [
            client.index(new).add_documents(chunk, primary_key=defn.primary_key).task_uid
            for chunk in _chunks(upserts, BATCH)
        ]
        for chunk in _chunks(deletes, 500):
            expr = f"{defn.primary_key} IN [" + ", ".join(escape_value(i) for i in chunk) + "]"
            tasks.append(client.index(new).delete_documents(filter=expr).task_uid)
        for task_uid in tasks:
            self._wait(task_uid, REBUILD_TIMEOUT_MS)

    # -- SearchBackend

    def ensure_index(self, name: str) -> None:
        uid = self.uid(name)
        if uid not in self._ready:
            self._create(uid, self._defn(name))
            self._ready.add(uid)

    def upsert(self, name: str, docs: list[dict]) -> None:
        defn = self._defn(name)
        payload = [to_meili(defn, clean_document(defn, d), d.get(VECTOR_KEY)) for d in docs]
        if payload:
            self.ensure_index(name)
            self._send(self.uid(name), defn, payload, [])

    def delete(self, name: str, ids: list[str]) -> None:
        defn = self._defn(name)
        ids = [i for i in ids if isinstance(i, str) and i]
        if ids:
            self.ensure_index(name)
            self._send(self.uid(name), defn, [], ids)

    def search(self, name: str, q: SearchQuery) -> SearchResult:
        defn = self._defn(name)
        pq = prepare_query(defn, q, self.synonyms)
        if pq.matches_nothing:
            return empty_result(pq)
        params = params_for(defn, pq)
        _, _, skip = page_window(pq, defn.max_total_hits)
        try:  # searching needs no write permission: no ensure_index here
            res = self._client().index(self.uid(name)).search(params.pop("q"), params)
        except MeilisearchApiError as exc:
            if exc.code == "index_not_found":
                return empty_result(pq)
            raise
        matcher = WordMatcher(pq.text) if pq.text is not None and pq.highlight else None
        hits = []
        for raw in res.get("hits", [])[skip:]:
            doc = {k: v for k, v in raw.items() if k in defn.fields}
            hits.append(
                Hit(
                    id=str(doc[defn.primary_key]),
                    score=float(raw.get("_rankingScore", 0.0)),
                    document=doc,
                    highlights=highlights_from(defn, doc, raw.get("_formatted", {}), matcher) if matcher else {},
                )
            )
        distribution = res.get("facetDistribution", {}) or {}
        facets = {f: {str(k): int(v) for k, v in distribution.get(f, {}).items()} for f in pq.facets}
        total = res.get("totalHits", res.get("estimatedTotalHits", len(hits)))
        return SearchResult(hits=hits, total=int(total), facets=facets)

    def rebuild(self, name: str, docs: Iterable[dict], progress: Callable[[int], None] | None = None) -> int:
        """Fill ``<uid>__new``, replay the changes journaled meanwhile, swap it with the live index
        (atomic), delete the old one."""
        defn = self._defn(name)
        uid = self.uid(name)
        new, journal = uid + NEW_SUFFIX, uid + JOURNAL_SUFFIX
        client = self._client()
        self._drop(new)  # left over from an interrupted rebuild
        self._drop(journal)
        self._wait(client.create_index(journal, {"primaryKey": "id"}).task_uid)
        self._create(new, defn)  # from here on writers journal
        count = 0
        try:
            pending: list[int] = []
            for chunk in _chunks(docs, BATCH):
                payload = [to_meili(defn, clean_document(defn, d), d.get(VECTOR_KEY)) for d in chunk]
                pending.append(client.index(new).add_documents(payload, primary_key=defn.primary_key).task_uid)
                count += len(payload)
                while len(pending) > 4:  # bounded number of enqueued payloads
                    self._wait(pending.pop(0), REBUILD_TIMEOUT_MS)
                if progress is not None:
                    progress(count)
            for task_uid in pending:
                self._wait(task_uid, REBUILD_TIMEOUT_MS)
            # Writers journal before writing, and tasks run in order: every change that reached
            # the new index before the bulk documents is in the journal by now.
            self._replay(journal, new, defn)
            self.ensure_index(name)
            self._wait(client.swap_indexes([{"indexes": [uid, new]}]).task_uid, REBUILD_TIMEOUT_MS)
        except BaseException:
            self._drop(new)
            self._drop(journal)
            raise
        self._drop(new)  # now holds the previous generation
        self._drop(journal)
        return count

    def count(self, name: str) -> int:
        try:
            return int(self._client().index(self.uid(name)).get_stats().number_of_documents)
        except MeilisearchApiError as exc:
            if exc.code == "index_not_found":
                return 0
            raise

    def health(self) -> dict:
        try:
            status = self._client().health().get("status")
        except MeilisearchError as exc:
            return {"backend": "meilisearch", "ok": False, "url": self.url, "error": str(exc)}
        return {"backend": "meilisearch", "ok": status == "available", "url": self.url, "status": status}

    def close(self) -> None:
        self._local = threading.local()

    def drop_all(self) -> None:
        """Delete every index under this backend's prefix (tests and teardown only)."""
        if not self.index_prefix:
            raise RuntimeError("refusing to drop indexes without a prefix")
        # meilisearch annotates get_raw_indexes as a list; the server answers {"results": [...], ...}
        listing: Any = self._client().get_raw_indexes({"limit": 1000})
        for raw in listing.get("results", []):
            if raw["uid"].startswith(self.index_prefix):
                self._wait(self._client().delete_index(raw["uid"]).task_uid)
