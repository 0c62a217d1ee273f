"""Speed of the sentence embedder and quality of the profile-vector recipe (not a test: run by hand).

    nice .venv/bin/python -m tests.matching.bench_embedder [--generated 5000] [--quality]

Speed, on one core (USE(threads=1), BLAS held to one thread): model load, first-call warm-up,
per-query latency (distinct queries, nothing cached; and a repeated, cached query), phrases/s
(distinct specialty phrases, one batch), whole profiles/s (specialties and bio as one text, the
figure the issue quotes) and profile_vectors/s (the recipe in embedder.py) on the tuning set's
experts, every phrase new, and on generated experts (expertnet.demo), where phrases repeat.

Quality (--quality), on the routing tuning set only: requests ranked against every profile by cosine
alone, after the hard constraints the data can express, for several profile recipes; and short
directory queries (a discipline or object word in one of several languages): the share of the top 20
experts who hold the query's category.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np

from expertnet.matching import embedder as emb

DATA = Path(__file__).resolve().parents[1] / "data" / "routing_eval"

SHORT_QUERIES = [
    ("икона", "religious_art"),
    ("нумизматика", "numismatics"),
    ("римские монеты", "numismatics"),
    ("paleontology", "palaeontology"),
    ("numismatics", "numismatics"),
    ("Münzen", "numismatics"),
    ("rukopisi", "manuscripts"),
    ("Archäologie", "archaeology"),
    ("oružje", "arms_armour"),
    ("провенанс", "provenance"),
    ("restitution", "legal"),
    ("fossiles", "palaeontology"),
    ("ikone", "religious_art"),
    ("sikke", "numismatics"),
    ("el yazması", "manuscripts"),
    ("money laundering", "financial"),
    ("конзервација", "conservation"),
    ("painting", "fine_art"),
    ("ethnographic objects", "ethnography"),
    ("customs classification", "customs"),
]


def load(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text("utf-8").splitlines() if line.strip()]


def per_second(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else float("inf")


class Clock:
    """Wall time and this process's CPU time: on a busy machine the CPU time is the better guess
    of what one quiet core would take (the encoder runs on one thread)."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu

    def rate(self, count: int, unit: str) -> str:
        return f"{per_second(count, self.wall):.0f} {unit}/s wall, {per_second(count, self.cpu):.0f} {unit}/s CPU"


def speed(generated: int) -> None:
    t0 = time.perf_counter()
    e = emb.UseEmbedder(cache_size=1_000_000)
    t1 = time.perf_counter()
    e.encode(["Roman Imperial coinage"])  # loads the weights, builds the tokenizer, first forward pass
    t2 = time.perf_counter()
    e.encode(["Ottoman silver akçe from Balkan mints"])  # second call: what is left of warm-up
    t3 = time.perf_counter()
    print(
        f"construct {1000 * (t1 - t0):.1f} ms; load + first encode {t2 - t1:.2f} s; second call {1000 * (t3 - t2):.1f} ms"
    )

    requests = load("requests.jsonl")
    queries = [f"{r['title']}" for r in requests] + [q for q, _ in SHORT_QUERIES]
    for label, texts in (
        ("query (short, distinct, uncached)", queries),
        ("request (title + description, uncached)", [f"{r['title']}. {r['description']}" for r in requests]),
    ):
        walls, cpus = [], []
        for q in texts:
            with Clock() as c:
                e.encode([q])
            walls.append(c.wall)
            cpus.append(c.cpu)
        walls.sort()
        print(
            f"{label}: p50 {1000 * statistics.median(walls):.2f} ms, p95 {1000 * walls[int(0.95 * (len(walls) - 1))]:.2f} ms "
            f"wall; mean CPU {1000 * statistics.mean(cpus):.2f} ms, over {len(texts)}"
        )
    s = time.perf_counter()
    for _ in range(1000):
        e.encode([queries[0]])
    print(f"query (cached): {1000 * (time.perf_counter() - s):.3f} µs")

    from expertnet.matching.vocabulary import get_vocabulary

    get_vocabulary()  # profile_text reads the bio's concepts: load the vocabulary outside the timings
    experts = load("experts.jsonl")
    phrases = list(dict.fromkeys(p for x in experts for p in x["specialties"]))
    fresh = emb.UseEmbedder(cache_size=1_000_000)
    fresh.warm_up()
    with Clock() as c:
        fresh.encode(phrases)
    print(f"phrases ({len(phrases)} distinct specialty phrases, one batch): {c.rate(len(phrases), 'phrases')}")
    whole = ["; ".join(x["specialties"]) + ". " + x["bio"] for x in experts]
    with Clock() as c:
        fresh.encode(whole)
    print(f"whole profiles (specialties + bio as one text): {c.rate(len(whole), 'profiles')}")
    fresh = emb.UseEmbedder(cache_size=1_000_000)
    fresh.warm_up()
    batch = [(x["specialties"], x["bio"], x["categories"]) for x in experts]
    with Clock() as c:
        emb.profile_vectors(batch, embedder=fresh)
    print(f"profile_vectors, tuning-set experts, every phrase new: {c.rate(len(batch), 'experts')}")

    if generated:
        from expertnet.demo import generate_experts

        rows = list(generate_experts(generated, 11))
        fresh = emb.UseEmbedder(cache_size=1_000_000)
        fresh.warm_up()
        distinct = len(
            {p for r in rows for p in emb.profile_text(r["specialties"], r.get("bio", ""), r["categories"]).phrases}
        )
        with Clock() as c:
            for i in range(0, len(rows), 500):  # the worker's batch size
                emb.profile_vectors(
                    [(r["specialties"], r.get("bio", ""), r["categories"]) for r in rows[i : i + 500]], embedder=fresh
                )
        print(
            f"profile_vectors, {generated} generated experts ({distinct} distinct phrases), batches of 500: "
            f"{c.rate(len(rows), 'experts')}"
        )


def quality() -> None:
    requests = load("requests.jsonl")
    experts = load("experts.jsonl")
    ids = [x["external_id"] for x in experts]
    e = emb.UseEmbedder(cache_size=1_000_000)

    def eligible(x: dict, r: dict) -> bool:
        return (
            x["vetting_status"] == "approved"
            and x["available"]
            and x["max_open_consultations"] > 0
            and bool(set(x["languages"]) & set(r["languages"]))
            and not (r["exclude_market_ties"] and x["market_ties"])
        )

    def recipe(name: str, category_weight: float, bio_weight: float) -> np.ndarray:
        if name == "whole text":
            return e.encode(["; ".join(x["specialties"]) + ". " + x["bio"] for x in experts])
        old = emb.PROFILE_CATEGORY_WEIGHT, emb.BIO_WEIGHT
        emb.PROFILE_CATEGORY_WEIGHT, emb.BIO_WEIGHT = category_weight, bio_weight
        try:
            out = emb.profile_vectors([(x["specialties"], x["bio"], x["categories"]) for x in experts], embedder=e)
        finally:
            emb.PROFILE_CATEGORY_WEIGHT, emb.BIO_WEIGHT = old
        return np.stack([p.vector for p in out])

    q_requests = e.encode([f"{r['title']}. {r['description']}" for r in requests])
    q_short = e.encode([q for q, _ in SHORT_QUERIES])
    variants = [
        ("whole text", 0, 0),
        ("recipe", 1.0, 0.0),
        ("recipe", 0.0, 1.0),
        ("recipe", 0.5, 1.0),
        ("recipe", 1.0, 1.0),
        ("recipe", 2.0, 1.0),
    ]
    for name, weight, bio in variants:
        profiles = recipe(name, weight, bio)
        sims = q_requests @ profiles.T
        top1 = top3 = 0
        mrr = 0.0
        for i, r in enumerate(requests):
            ranked = [ids[j] for j in np.argsort(-sims[i]) if eligible(experts[j], r)]
            rank = min(ranked.index(x) for x in r["expected"])
            top1 += rank == 0
            top3 += any(x in r["acceptable"] for x in ranked[:3])
            mrr += 1 / (rank + 1)
        sims = q_short @ profiles.T
        precision = statistics.mean(
            sum(cat in experts[j]["categories"] for j in np.argsort(-sims[i])[:20]) / 20
            for i, (_, cat) in enumerate(SHORT_QUERIES)
        )
        label = name if name == "whole text" else f"{name}, categories x{weight}, bio labels x{bio}"
        print(
            f"{label:32s} requests: top-1 {top1}/{len(requests)}, top-3 {top3}/{len(requests)}, "
            f"MRR {mrr / len(requests):.3f}; short queries: category precision@20 {precision:.3f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--generated", type=int, default=5000)
    parser.add_argument("--quality", action="store_true")
    args = parser.parse_args()
    from threadpoolctl import threadpool_info

    print(
        "BLAS:",
        ", ".join(
            f"{i['internal_api']} {i.get('architecture', '')} ({i['num_threads']} threads)" for i in threadpool_info()
        ),
    )
    speed(args.generated)
    if args.quality:
        quality()


if __name__ == "__main__":
    main()
