"""`python -m bench.vectors [--experts N] [--fill N]`: the embedded vector leg and the vector fill.

Prints the machine's load average first (these machines are shared: figures taken under load are
slower than the machine is) and then:

* **fill** -- the ``vectors.expert`` outbox handler on ``--fill`` freshly imported experts (SQLite
  under a temporary data directory): read profiles, embed them, store ``expert_vectors``, hand the
  vectors to the engine; experts per second, cold phrase cache, then the same handler again on the
  next batch with a warm one;
* **vector leg** -- ``TantivyBackend.vector_search`` at ``--experts`` documents whose vectors are
  mixtures of real phrase vectors (the demo generator's specialty phrases and category names, as
  profile vectors are): p50/p95/p99 of the exact numpy scan and of the graph, without a filter,
  with one category (about 1/20 of the directory: graph + widened candidates) and with a category
  and a language (a few thousand: exact scan of just those ids); recall@20 of the graph against the
  exact scan; the time to build the graph from the vectors, and to load the saved one (start-up);
  the process's resident memory.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np


def pct(values, p):
    return round(float(np.percentile(values, p)), 2) if values else float("nan")


def rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


# ---------------------------------------------------------------------- fill


async def bench_fill(n: int) -> dict:
    from expertnet.config import get_settings
    from expertnet.core.models import OutboxEvent
    from expertnet.db import Database
    from expertnet.demo import generate_experts
    from expertnet.experts import importer
    from expertnet.matching.embedder import get_embedder
    from expertnet.search import indexer

    settings = get_settings()
    embedder = get_embedder(settings)
    if embedder is None:
        return {"skipped": "embeddings are off"}
    embedder.encode(["warm up"])  # loading the model and the vocabulary is start-up, not fill rate
    from expertnet.matching.vocabulary import get_vocabulary

    get_vocabulary()
    records, errors = importer.parse([json.dumps(r, ensure_ascii=False) for r in generate_experts(2 * n, 5)])
    assert not errors, errors[:3]
    db = Database(settings)
    try:
        async with db.sessionmaker() as session:
            result = await importer.apply(session, settings, records)
            await session.commit()
        ids = result.expert_ids
        out = {}
        for label, part in (("cold_cache", ids[:n]), ("warm_cache", ids[n:])):
            event = OutboxEvent(topic=indexer.VECTORS_TOPIC, key="bulk", payload={"ids": part})
            t = time.perf_counter()
            await indexer.index_vectors(db, [event])
            seconds = time.perf_counter() - t
            out[label] = {
                "experts": len(part),
                "seconds": round(seconds, 2),
                "experts_per_second": round(len(part) / seconds),
            }
        return out
    finally:
        await db.dispose()


# ---------------------------------------------------------------------- the vector leg


def _phrase_vectors(seed: int):
    from expertnet.demo import generate_experts
    from expertnet.matching.embedder import get_embedder

    embedder = get_embedder()
    sample = list(generate_experts(2000, seed))
    phrases = sorted({p for r in sample for p in r.get("specialties", [])})
    categories = sorted({c for r in sample for c in r.get("categories", [])})
    return sample, embedder.encode(phrases), {c: embedder.encode([c.replace("_", " ")])[0] for c in categories}


def _documents(n: int, seed: int):
    """Index documents and vectors: each a mixture of 3-6 phrase vectors and its category's name."""
    sample, phrases, cats = _phrase_vectors(seed)
    rng = np.random.default_rng(seed)
    names = sorted(cats)
    languages = ["en", "fr", "de", "ru", "sr", "tr", "it", "es"]
    docs, vectors = [], np.empty((n, phrases.shape[1]), dtype=np.float32)
    for i in range(n):
        cat = names[int(rng.integers(len(names)))]
        mix = phrases[rng.integers(0, len(phrases), int(rng.integers(3, 7)))].sum(axis=0) + cats[cat]
        vectors[i] = mix / np.linalg.norm(mix)
        docs.append(
            {
                "id": str(i + 1),
                "external_id": f"E-{i + 1}",
                "full_name": f"Expert {i + 1}",
                "organisation": "",
                "org_type": "museum",
                "country": "RS",
                "coverage_countries": ["RS"],
                "regions": [],
                "languages": ["en", languages[int(rng.integers(len(languages)))]],
                "categories": [cat],
                "specialties": [],
                "bio": "",
                "concepts": [f"category:{cat}"],
                "available": True,
                "away_until": 0,
                "vetting_status": "approved",
                "vetted_until": 0,
                "market_ties": False,
                "open_consultations": 0,
                "max_open_consultations": 3,
                "has_capacity": True,
                "member_id": i + 1,
                "responsiveness": 0.5,
                "updated_at": 0,
            }
        )
    queries = phrases[rng.integers(0, len(phrases), 200)]
    return docs, vectors, queries, names


def bench_leg(n: int, rounds: int, seed: int = 3) -> dict:
    from expertnet.search import SearchQuery, vector_index
    from expertnet.search.tantivy_backend import TantivyBackend

    docs, vectors, queries, names = _documents(n, seed)
    data = Path(tempfile.mkdtemp(prefix="bench-vectors-"))
    backend = TantivyBackend(data)
    backend.ensure_index("experts")
    t = time.perf_counter()
    backend.rebuild("experts", iter(docs))
    index = backend._vectors("experts")
    index.replace_all({d["id"]: v for d, v in zip(docs, vectors)})
    out: dict = {"experts": n, "seconds_index_and_vector_log": round(time.perf_counter() - t, 1)}

    t = time.perf_counter()
    while index.maintain_graph():
        pass
    out["seconds_graph_build"] = round(time.perf_counter() - t, 1)
    index.close()
    backend.close()

    cat = names[0]
    share = sum(1 for d in docs if d["categories"] == [cat]) / n
    small = sum(1 for d in docs if d["categories"] == [cat] and "fr" in d["languages"])
    del docs[1000:]  # what this process holds for the measurement, not for the server
    rss_before = rss_mb()
    backend = TantivyBackend(data)  # a new process: vectors.log and the saved graph
    index = backend._vectors("experts")
    t = time.perf_counter()
    index.refresh()
    out["seconds_start_read_log"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    index.maintain_graph(steps=0)
    out["seconds_start_load_graph"] = round(time.perf_counter() - t, 2)
    index._ann_thread = object()  # keep the graph as loaded: no background thread while we measure
    out["rss_mb_vectors_and_graph"] = round(rss_mb() - rss_before, 1)

    cases = {
        "no_filter": SearchQuery(system=True),
        f"category ({share:.1%})": SearchQuery(filters={"categories": [cat]}, system=True),
        f"category+language ({small} docs)": SearchQuery(
            filters={"categories": [cat], "languages": ["fr"]}, system=True
        ),
    }
    rng = random.Random(seed)
    legs: dict = {}
    for mode in ("exact", "graph"):
        vector_index.ANN_MIN = 10**12 if mode == "exact" else 20_000
        for name, q in cases.items():
            times = []
            for _ in range(rounds):
                v = queries[rng.randrange(len(queries))]
                t = time.perf_counter()
                backend.vector_search("experts", q, v, 100, 0.3)
                times.append((time.perf_counter() - t) * 1000)
            legs[f"{mode}: {name}"] = {"p50_ms": pct(times, 50), "p95_ms": pct(times, 95), "p99_ms": pct(times, 99)}
    out["vector_search_k100"] = legs
    vector_index.ANN_MIN = 20_000
    recall = []
    for v in queries[:100]:
        exact = {i for i, _ in index.nearest(v, 20, -1.0, exact=True)}
        approx = {i for i, _ in index.nearest(v, 20, -1.0)}
        recall.append(len(exact & approx) / 20)
    out["graph_recall_at_20"] = round(float(np.mean(recall)), 3)
    out["rss_mb"] = rss_mb()
    backend.close()
    shutil.rmtree(data, ignore_errors=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--experts", type=int, default=100_000)
    parser.add_argument("--fill", type=int, default=3000, help="experts per fill measurement (0: skip)")
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-vectors-env-"))
    os.environ["EXPERTNET_DATA_DIR"] = str(tmp)
    os.environ["EXPERTNET_ENV"] = "development"
    os.environ.pop("EXPERTNET_DATABASE_URL", None)
    os.environ.pop("EXPERTNET_MEILI_URL", None)
    os.environ["EXPERTNET_BACKGROUND_JOBS"] = "false"
    results = {"load_average": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count()}
    print(json.dumps({"load_average": results["load_average"], "cpus": results["cpus"]}), flush=True)
    if args.fill:
        from expertnet.cli import migrate

        migrate()
        results["fill"] = asyncio.run(bench_fill(args.fill))
        print(json.dumps({"fill": results["fill"]}, indent=1), flush=True)
    results["leg"] = bench_leg(args.experts, args.rounds)
    shutil.rmtree(tmp, ignore_errors=True)
    results["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps({"leg": results["leg"], "load_average_after": results["load_average_after"]}, indent=1))


if __name__ == "__main__":
    main()
