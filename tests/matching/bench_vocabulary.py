"""Load time and match throughput of the vocabulary (not a test: run it by hand).

    .venv/bin/python -m tests.matching.bench_vocabulary [--repeat 5]

Texts: every request (title + description) and every expert (each specialty, and the bio) of the
routing tuning set tests/data/routing_eval, plus the same texts cut into sentences, so a few
thousand distinct texts of realistic length and language mix. "cold" matches each text once with a
fresh Vocabulary (nothing memoised); "warm" matches them again with the per-token memo filled.
Times are CPU time of this process (time.process_time), less disturbed by other work on a shared
machine than wall-clock time.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from pathlib import Path

from expertnet.matching.vocabulary import Vocabulary

DATA = Path(__file__).resolve().parents[1] / "data" / "routing_eval"


def corpus() -> list[str]:
    texts: list[str] = []
    for line in (DATA / "requests.jsonl").read_text("utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            texts.append(f"{row['title']}. {row['description']}")
    for line in (DATA / "experts.jsonl").read_text("utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            texts.extend(row["specialties"])
            texts.append(row["bio"])
            texts.append(" ; ".join(row["specialties"]) + " . " + row["bio"])
    sentences = [s for t in texts for s in re.split(r"(?<=[.!?])\s+", t) if len(s) > 12]
    return list(dict.fromkeys(texts + sentences))


def multilingual() -> list[str]:
    """The requests of the coverage tests (30 languages, 10 scripts), each prefixed by a tuning-set
    request so that every text is distinct and of request length."""
    from tests.matching.test_vocabulary_coverage import SAME_QUERY

    base = corpus()[:200]
    return [f"{text}. {other}" for _, text in SAME_QUERY for other in base]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--multilingual", action="store_true", help="texts in the new languages and scripts")
    args = parser.parse_args()
    texts = multilingual() if args.multilingual else corpus()
    loads, colds, warms = [], [], []
    for _ in range(args.repeat):
        t0 = time.process_time()
        vocab = Vocabulary.load()
        loads.append(time.process_time() - t0)
        t0 = time.process_time()
        for text in texts:
            vocab.extract(text)
            vocab.infer_categories(text)
        colds.append(time.process_time() - t0)
        t0 = time.process_time()
        for text in texts:
            vocab.extract(text)
            vocab.infer_categories(text)
        warms.append(time.process_time() - t0)
    n = len(texts)
    chars = sum(map(len, texts))
    print(f"concepts {len(vocab)}, texts {n} ({chars / n:.0f} chars on average)")
    print(f"load: median {statistics.median(loads) * 1000:.0f} ms (min {min(loads) * 1000:.0f})")
    for name, runs in (("cold", colds), ("warm", warms)):
        best = min(runs)
        print(
            f"{name}: {n / statistics.median(runs):,.0f} texts/s median, {n / best:,.0f} best "
            f"({best / n * 1e6:.0f} us per text, extract + infer_categories)"
        )


if __name__ == "__main__":
    main()
