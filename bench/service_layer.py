"""Service-layer figures, one call at a time, in the stack's environment: directory search with the
facet cache on and off (reported apart), and routing over generated requests.

Timed: ``search_experts`` (the function the API handler calls) and ``rank_candidates`` (the one
the desk and ``expertnet route`` call), each from call to answer, including whatever they do
inside (query understanding, query embedding, engine calls, database reads).
"""

from __future__ import annotations

import contextlib
import random
import time

from expertnet.config import get_settings
from expertnet.db import Database
from expertnet.members.auth import load_principal
from expertnet.search import service as search_service
from expertnet.search.indexer import get_search
from expertnet.search.schemas import ExpertSearchIn

from bench.stats import load_average, summary


@contextlib.contextmanager
def facet_cache(enabled: bool):
    """Switch the search service's cache of text-less facet counts off (or leave it on).

    The knobs are looked up, not assumed: the TTL constant of the service module, else a
    ``facet_cache_seconds`` setting. Yields a description, or raises LookupError when this code
    offers no way to switch the cache off."""
    if enabled:
        yield "default"
        return
    if hasattr(search_service, "FACET_TTL_SECONDS"):
        saved = search_service.FACET_TTL_SECONDS
        search_service.FACET_TTL_SECONDS = 0.0
        cache = getattr(search_service, "_facet_cache", None)
        if hasattr(cache, "clear"):
            cache.clear()
        try:
            yield "FACET_TTL_SECONDS = 0"
        finally:
            search_service.FACET_TTL_SECONDS = saved
        return
    raise LookupError("the search service has no FACET_TTL_SECONDS to switch its facet cache off")


async def search_figures(queries: list[dict], official_id: int, rounds: int, log) -> dict:
    settings = get_settings()
    db = Database(settings)
    search = get_search(settings)
    async with db.sessionmaker() as session:
        principal = await load_principal(session, official_id)
    params = [ExpertSearchIn(**{k: v for k, v in q.items() if k != "kind"}) for q in queries]
    kinds = [q["kind"] for q in queries]
    out: dict = {}
    for enabled in (True, False):
        name = "cache_on" if enabled else "cache_off"
        try:
            with facet_cache(enabled) as how:
                for p in params[:20]:  # warm-up: engine caches, lazy loads
                    await search_service.search_experts(search, principal, p, locale="en")
                rng = random.Random(3)
                times: list[float] = []
                by_kind: dict[str, list[float]] = {}
                load_before = load_average()
                totals = 0
                for i in range(rounds):
                    k = i % len(params) if i < len(params) else rng.randrange(len(params))
                    t = time.perf_counter()
                    page = await search_service.search_experts(search, principal, params[k], locale="en")
                    ms = (time.perf_counter() - t) * 1000
                    times.append(ms)
                    by_kind.setdefault(kinds[k], []).append(ms)
                    totals += page.total > 0
                    if i and i % 500 == 0:
                        log(f"search ({name}): {i}/{rounds}")
                out[name] = {
                    **summary(times),
                    "switch": how,
                    "with_hits": f"{totals}/{rounds}",
                    "by_kind": {kind: summary(v) for kind, v in by_kind.items()},
                    "load_before": load_before,
                    "load_after": load_average(),
                }
        except LookupError as exc:
            out[name] = {"skipped": str(exc)}
    await db.dispose()
    return out


class _EmbedCounter:
    """Counts the sentence-embedding calls made while routing runs (does the code embed queries?)."""

    def __init__(self) -> None:
        self.calls = 0
        self._cls = None
        try:
            from expertnet.matching import embedder
        except ImportError:
            return
        self._cls = getattr(embedder, "UseEmbedder", None)
        if self._cls is not None:
            self._original = self._cls.encode
            counter = self

            def encode(self_, texts):
                counter.calls += 1
                return counter._original(self_, texts)

            self._cls.encode = encode

    def close(self) -> None:
        if self._cls is not None:
            self._cls.encode = self._original

    def describe(self, requests: int) -> str:
        if self._cls is None:
            return "no sentence embedder in this code"
        if not self.calls:
            return "routing made no embedding call"
        return f"included: {self.calls} embedding calls over {requests} requests"


async def routing_figures(requests: list[dict], rounds: int, log) -> dict:
    try:
        from expertnet.consultations.routing import RoutingSpec, rank_candidates
    except ImportError as exc:
        return {"skipped": f"routing not importable: {exc}"}
    settings = get_settings()
    db = Database(settings)
    search = get_search(settings)
    specs = [RoutingSpec(**r["spec"]) for r in requests]
    counter = _EmbedCounter()
    times: list[float] = []
    by_lang: dict[str, list[float]] = {}
    empty = 0
    async with db.sessionmaker() as session:
        for spec in specs[:10]:  # warm-up: vocabulary, model load, engine caches
            await rank_candidates(session, search, spec, top=3)
        await session.rollback()
        load_before = load_average()
        rng = random.Random(4)
        for i in range(rounds):
            k = i % len(specs) if i < len(specs) else rng.randrange(len(specs))
            t = time.perf_counter()
            found = await rank_candidates(session, search, specs[k], top=3)
            ms = (time.perf_counter() - t) * 1000
            await session.rollback()  # each request reads fresh rows, as the desk's requests do
            times.append(ms)
            by_lang.setdefault(requests[k]["language"], []).append(ms)
            empty += not found
            if i and i % 100 == 0:
                log(f"routing: {i}/{rounds}")
    await db.dispose()
    counter.close()
    return {
        **summary(times),
        "requests_without_candidates": empty,
        "embedding": counter.describe(rounds + 10),
        "by_language_p95_ms": {lang: summary(v)["p95_ms"] for lang, v in sorted(by_lang.items())},
        "load_before": load_before,
        "load_after": load_average(),
    }
