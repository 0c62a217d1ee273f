"""Cost of the query-understanding step on the routing tuning set (not a test: run it by hand).

    nice .venv/bin/python -m tests.matching.bench_understanding

Build: the vocabulary, the category names, the typo index and the known-word list, with the
process's resident memory before and after. Per request (title + description of the 58 tuning
requests, no category hint): the first time each is seen (every word new to the memo tables),
then the best of three later runs (the result cache bypassed), then a result-cache hit; and the
same with the dense vector (each text new to the embedder's cache).
"""

from __future__ import annotations

import json
import resource
import statistics
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / "data" / "routing_eval"


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def summary(label: str, seconds: list[float]) -> None:
    ms = sorted(1000 * s for s in seconds)
    p95 = ms[int(0.95 * (len(ms) - 1))]
    print(
        f"{label}: mean {statistics.mean(ms):.2f} ms, p50 {statistics.median(ms):.2f}, p95 {p95:.2f}, max {ms[-1]:.2f}"
    )


def main() -> None:
    base = rss_mb()
    t0 = time.perf_counter()
    from expertnet.matching.vocabulary import get_vocabulary

    get_vocabulary()
    t1 = time.perf_counter()
    from expertnet.matching.understanding import Understander, _known_words

    _known_words()
    t2 = time.perf_counter()
    u = Understander()
    t3 = time.perf_counter()
    print(
        f"vocabulary {t1 - t0:.2f} s; known words {t2 - t1:.2f} s; category names + typo index {t3 - t2:.2f} s "
        f"({len(u._typos)} keys); memory {base:.0f} -> {rss_mb():.0f} MB"
    )

    rows = [json.loads(line) for line in (DATA / "requests.jsonl").read_text("utf-8").splitlines() if line.strip()]
    texts = [f"{r['title']}\n{r['description']}" for r in rows]
    first = []
    for text in texts:
        s = time.perf_counter()
        u._understand(text, None, False)
        first.append(time.perf_counter() - s)
    summary("first sight of each request", first)
    warm = []
    for text in texts:
        best = float("inf")
        for _ in range(3):
            s = time.perf_counter()
            u._understand(text, None, False)
            best = min(best, time.perf_counter() - s)
        warm.append(best)
    summary("seen before (best of 3, result cache bypassed)", warm)
    for text in texts:
        u.understand(text, embed=False)
    s = time.perf_counter()
    for _ in range(20):
        for text in texts:
            u.understand(text, embed=False)
    print(f"result-cache hit: {1e6 * (time.perf_counter() - s) / (20 * len(texts)):.1f} µs")

    from expertnet.matching.embedder import get_embedder

    e = get_embedder()
    if e is None:
        print("embeddings are off: no figures with the vector")
        return
    s = time.perf_counter()
    e.warm_up()
    print(f"model load and warm-up {time.perf_counter() - s:.2f} s; memory now {rss_mb():.0f} MB")
    with_vector = []
    for text in texts:
        s = time.perf_counter()
        u._understand(text + " .", None, True)  # a text new to the embedder's cache
        with_vector.append(time.perf_counter() - s)
    summary("with the vector", with_vector)


if __name__ == "__main__":
    main()
