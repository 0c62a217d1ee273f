"""`python -m bench.evaluate` (`make eval`): routing and directory-search quality, measured honestly.

Three sets, each loaded into its own fresh, temporary embedded data directory through the public
path (`expertnet db upgrade`, `expertnet experts import FILE`):

* tests/data/routing_eval      the routing set the team tunes on
* tests/data/routing_heldout   a routing set written once and never tuned on
* tests/data/search_eval       a directory and queries split into `dev` (may be looked at) and
                               `heldout` (never looked at)

Routing runs through `expertnet route --top 3`, the contract of DESIGN.md, in a subprocess.
top-1: the first candidate is in `expected`; top-3: one of the first three is in `acceptable`.
Every returned candidate is checked against the hard constraints the interchange data can
express (approved, available, capacity above 0, a shared language, no market ties when the
request excludes them), restated here from DESIGN.md and not taken from the routing code.

Search runs in-process through the directory search service as a vetted official would call it
(approved experts with current vetting only), first page of 20. recall@20: the share of
`must_find` in the first 20; best-in-top-5: every id of `best` is in the first 5.

It reports; it does not gate: the exit status is 0 whatever the figures (2 only when a set could
not be evaluated at all). `--engine meili` starts a Meilisearch per set with scripts/meili.sh.
"""

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
HIDDEN = " (not shown: held-out; `--show-held-out` prints them for the final report)"
HELD_OUT_SPLITS = frozenset({"heldout"})
ROUTING_SETS = (("tuning routing set", DATA / "routing_eval"), ("held-out routing set", DATA / "routing_heldout"))
SEARCH_SET = DATA / "search_eval"
TOP = 3
PAGE = 20
BEST_WITHIN = 5
# Query parameter names of GET /api/v1/experts/search -> fields of ExpertSearchIn.
SEARCH_PARAMS = {
    "category": "categories",
    "language": "languages",
    "country": "countries",
    "region": "regions",
    "org_type": "org_types",
    "available": "available",
}


class SetFailed(RuntimeError):
    pass


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def constraint_violations(expert: dict, request: dict) -> list[str]:
    """The hard constraints of DESIGN.md that the interchange records can express."""
    problems = []
    if expert.get("vetting_status", "pending") != "approved":
        problems.append(f"vetting {expert.get('vetting_status', 'pending')}")
    if not expert.get("available", True):
        problems.append("not available")
    if expert.get("max_open_consultations", 3) <= 0:
        problems.append("no capacity")
    if not set(expert["languages"]) & set(request["languages"]):
        problems.append("no shared language")
    if request.get("exclude_market_ties") and expert.get("market_ties"):
        problems.append("market ties excluded")
    return problems


# --------------------------------------------------------------------------- a data directory per set


def expertnet_command() -> list[str]:
    script = Path(sys.executable).with_name("expertnet")
    if script.is_file():
        return [str(script)]
    found = shutil.which("expertnet")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from expertnet.cli import main; sys.exit(main())"]


class DataDir:
    """A fresh temporary data directory (SQLite + Tantivy, or a private Meilisearch)."""

    def __init__(self, engine: str, label: str):
        self.engine = engine
        self.path = Path(tempfile.mkdtemp(prefix=f"expertnet-eval-{label}-"))
        self.meili_dir = self.path / "meili"
        self.meili_url: str | None = None
        self.meili_key: str | None = None

    def __enter__(self) -> "DataDir":
        if self.engine == "meili":
            self._start_meili()
        return self

    def __exit__(self, *exc) -> None:
        if self.engine == "meili":
            subprocess.run(
                [str(ROOT / "scripts" / "meili.sh"), "stop", str(self.meili_dir)],
                check=False,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        shutil.rmtree(self.path, ignore_errors=True)

    def _start_meili(self) -> None:
        done = subprocess.run(
            [str(ROOT / "scripts" / "meili.sh"), "start", str(self.meili_dir)], capture_output=True, text=True
        )
        if done.returncode != 0:
            raise SetFailed(f"scripts/meili.sh start failed: {done.stderr.strip()}")
        values = dict(
            line.split("=", 1) for line in (self.meili_dir / "meili.env").read_text().splitlines() if "=" in line
        )
        self.meili_url, self.meili_key = values["EXPERTNET_MEILI_URL"], values["EXPERTNET_MEILI_KEY"]

    @property
    def database_url(self) -> str:
        return f"sqlite+aiosqlite:///{(self.path / 'expertnet.db').as_posix()}"

    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("EXPERTNET_")}
        env.update(EXPERTNET_ENV="test", EXPERTNET_DATA_DIR=str(self.path), EXPERTNET_DATABASE_URL=self.database_url)
        if self.meili_url:
            env.update(EXPERTNET_MEILI_URL=self.meili_url, EXPERTNET_MEILI_KEY=self.meili_key or "")
        return env

    def settings(self):
        from expertnet.config import Settings

        return Settings(
            env="test",
            data_dir=self.path,
            database_url=self.database_url,
            meili_url=self.meili_url,
            meili_key=self.meili_key,
        ).validate()

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*expertnet_command(), *args], input=stdin, capture_output=True, text=True, env=self.env(), cwd=ROOT
        )

    def load(self, experts_file: Path) -> None:
        # --wait-vectors: measure the steady state, where the worker has filled the profile vectors
        # (a plain import returns once the experts are lexically searchable).
        for args in (("db", "upgrade"), ("experts", "import", "--wait-vectors", str(experts_file))):
            done = self.run(*args)
            if done.returncode != 0:
                raise SetFailed(
                    f"expertnet {' '.join(args)} failed ({done.returncode}): {tail(done.stderr or done.stdout)}"
                )
        # DESIGN.md: imported experts are searchable when the import returns. Measuring on an index
        # that silently stayed empty would report a broken engine as a bad ranking.
        expected = min(100, sum(1 for line in experts_file.read_text("utf-8").splitlines() if line.strip()))
        done = self.run("search", "experts", "", "--json", "--limit", "100")
        found = sum(1 for line in done.stdout.splitlines() if line.strip())
        if done.returncode != 0 or found < expected:
            raise SetFailed(
                f"after the import only {found} of at least {expected} experts are searchable: "
                f"{tail(done.stderr) or 'no error reported'}"
            )


def tail(text: str, lines: int = 3) -> str:
    """The last lines of a subprocess's output: the error, without the whole traceback."""
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])


# --------------------------------------------------------------------------- routing


@dataclass
class RoutingReport:
    name: str
    path: str
    requests: int = 0
    top1: int = 0
    top3: int = 0
    violations: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    by_trap: dict[str, list[int]] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "set": self.name,
            "path": self.path,
            "requests": self.requests,
            "top1": self.top1,
            "top1_rate": round(self.top1 / self.requests, 4) if self.requests else None,
            "top3": self.top3,
            "top3_rate": round(self.top3 / self.requests, 4) if self.requests else None,
            "hard_constraint_violations": self.violations,
            "top1_misses": self.misses,
            "errors": self.errors,
            "by_trap": {k: {"requests": v[1], "top1": v[0]} for k, v in sorted(self.by_trap.items())},
            "seconds": round(self.seconds, 1),
        }


def evaluate_routing(name: str, directory: Path, engine: str) -> RoutingReport:
    report = RoutingReport(name=name, path=str(directory.relative_to(ROOT)))
    experts = {e["external_id"]: e for e in read_jsonl(directory / "experts.jsonl")}
    lines = [line for line in (directory / "requests.jsonl").read_text("utf-8").splitlines() if line.strip()]
    requests = [json.loads(line) for line in lines]
    started = time.perf_counter()
    with DataDir(engine, directory.name) as data:
        data.load(directory / "experts.jsonl")
        done = data.run("route", "--top", str(TOP), stdin="\n".join(lines) + "\n")
    report.seconds = time.perf_counter() - started
    answers = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    if len(answers) != len(requests):
        raise SetFailed(
            f"expertnet route answered {len(answers)} lines for {len(requests)} requests "
            f"(exit {done.returncode}): {tail(done.stderr)}"
        )
    by_trap: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for request, answer in zip(requests, answers):
        report.requests += 1
        if "error" in answer:
            report.errors.append(f"{request['external_id']}: {answer['error']}")
            got = []
        else:
            got = [c["external_id"] for c in answer["candidates"]][:TOP]
        hit1 = bool(got) and got[0] in request["expected"]
        hit3 = any(g in request["acceptable"] for g in got)
        report.top1 += hit1
        report.top3 += hit3
        for trap in {t.split(":")[0] for t in request.get("traps", [])}:
            by_trap[trap][0] += hit1
            by_trap[trap][1] += 1
        for rank, expert_id in enumerate(got, 1):
            expert = experts.get(expert_id)
            problems = ["not in the directory file"] if expert is None else constraint_violations(expert, request)
            if problems:
                report.violations.append(f"{request['external_id']}: #{rank} {expert_id} ({', '.join(problems)})")
        if not hit1:

            def who(ids):
                return ", ".join(f"{i} {experts[i]['full_name']}" if i in experts else i for i in ids) or "nothing"

            report.misses.append(
                f"{request['external_id']} [{request.get('text_language') or ','.join(request['languages'])}] "
                f"{request.get('title', '')[:60]!r}: got {who(got)}; expected {who(request['expected'])}"
                + ("" if hit3 else "  (top-3 miss too)")
            )
    report.by_trap = dict(by_trap)
    return report


# --------------------------------------------------------------------------- search


@dataclass
class SearchSplit:
    queries: int = 0
    recall_sum: float = 0.0
    best_hits: int = 0
    empty: int = 0
    failures: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        n = self.queries or 1
        return {
            "queries": self.queries,
            "mean_recall_at_20": round(self.recall_sum / n, 4),
            "best_in_top5": self.best_hits,
            "best_in_top5_rate": round(self.best_hits / n, 4),
            "empty_results": self.empty,
            "failing_queries": self.failures,
        }


def official():
    """A vetted law-enforcement official: sees approved experts with current vetting only."""
    from expertnet.core.auth import Principal

    return Principal(
        id=0,
        email="eval-official@eval.example.org",
        full_name="Evaluation Official",
        role="le_official",
        vetting_status="approved",
        vetted_until=None,
        token_version=0,
        organisation="evaluation",
        ui_language="en",
    )


async def _search_all(settings, queries: list[dict]) -> list[list[str]]:
    from expertnet.search import service
    from expertnet.search.controllers import parse_params
    from expertnet.search.indexer import get_search
    from expertnet.search.schemas import ExpertSearchIn

    search = get_search(settings)
    principal = official()
    results = []
    for query in queries:
        raw = {SEARCH_PARAMS[name]: value for name, value in query.get("filters", {}).items()}
        params = parse_params(ExpertSearchIn, q=query["q"], limit=PAGE, **raw)
        page = await service.search_experts(search, principal, params, locale="en")
        results.append([hit.external_id for hit in page.items])
    return results


def evaluate_search(directory: Path, engine: str) -> dict:
    experts = {e["external_id"]: e for e in read_jsonl(directory / "experts.jsonl")}
    queries = read_jsonl(directory / "queries.jsonl")
    started = time.perf_counter()
    with DataDir(engine, directory.name) as data:
        data.load(directory / "experts.jsonl")
        try:
            results = asyncio.run(_search_all(data.settings(), queries))
        except Exception as exc:  # noqa: BLE001 - any engine failure is reported, not a crash of the report
            raise SetFailed(f"directory search failed: {type(exc).__name__}: {str(exc)[:300]}") from exc
    splits: dict[str, SearchSplit] = defaultdict(SearchSplit)
    for query, got in zip(queries, results):
        split = splits[query["split"]]
        split.queries += 1
        top = got[:PAGE]
        must = query["must_find"]
        found = [e for e in must if e in top]
        recall = len(found) / len(must)
        best_ok = all(b in top[:BEST_WITHIN] for b in query["best"])
        split.recall_sum += recall
        split.best_hits += best_ok
        split.empty += not got
        if recall < 1 or not best_ok:
            missing = [e for e in must if e not in top]
            best_missing = [b for b in query["best"] if b not in top[:BEST_WITHIN]]
            filters = f" {query['filters']}" if query.get("filters") else ""
            parts = [f"recall {len(found)}/{len(must)}"]
            if missing:
                parts.append(
                    "missing "
                    + ", ".join(f"{e} {experts[e]['full_name']}" for e in missing[:6])
                    + (f" (+{len(missing) - 6})" if len(missing) > 6 else "")
                )
            if best_missing:
                parts.append("best not in top 5: " + ", ".join(f"{b} {experts[b]['full_name']}" for b in best_missing))
            if not got:
                parts.append("NO RESULTS")
            split.failures.append(
                f"{query['id']} [{query.get('text_language', '')}] {query['q']!r}{filters}: " + "; ".join(parts)
            )
    return {
        "path": str(directory.relative_to(ROOT)),
        "seconds": round(time.perf_counter() - started, 1),
        "splits": {name: splits[name].as_dict() for name in sorted(splits)},
    }


# --------------------------------------------------------------------------- printing


def _rate(k: int, n: int) -> str:
    return f"{k}/{n} = {k / n:.3f}" if n else "n/a"


def print_routing(report: RoutingReport, details: bool = True) -> None:
    print(f"\n== {report.name} ({report.path}): {report.requests} requests, {report.seconds:.0f} s")
    print(f"   top-1                      {_rate(report.top1, report.requests)}")
    print(f"   top-3                      {_rate(report.top3, report.requests)}")
    print(f"   hard-constraint violations {len(report.violations)} (in the top-{TOP} lists)")
    for line in report.violations:
        print(f"     ! {line}")
    for line in report.errors:
        print(f"     error: {line}")
    if report.by_trap:
        print(
            "   top-1 by kind of request:  "
            + ", ".join(f"{trap} {hits}/{n}" for trap, (hits, n) in sorted(report.by_trap.items()))
        )
    if report.misses:
        print(f"   top-1 misses ({len(report.misses)}){':' if details else HIDDEN}")
        for line in report.misses if details else ():
            print(f"     - {line}")


def print_search(result: dict, hidden: frozenset[str] = frozenset()) -> None:
    print(f"\n== search-quality set ({result['path']}), {result['seconds']:.0f} s")
    for name, split in result["splits"].items():
        print(
            f"   {name:8} {split['queries']:3} queries  mean recall@20 {split['mean_recall_at_20']:.3f}  "
            f"best-in-top-5 {_rate(split['best_in_top5'], split['queries'])}  "
            f"no results {split['empty_results']}"
        )
    for name, split in result["splits"].items():
        if split["failing_queries"]:
            print(f"   failing {name} queries ({len(split['failing_queries'])}){HIDDEN if name in hidden else ':'}")
            for line in split["failing_queries"] if name not in hidden else ():
                print(f"     - {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.evaluate", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--engine",
        choices=("tantivy", "meili"),
        default="tantivy",
        help="embedded Tantivy (default) or a Meilisearch started per set with scripts/meili.sh",
    )
    parser.add_argument("--only", choices=("routing", "search"), help="run only one kind of evaluation")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--show-held-out",
        action="store_true",
        help="also print (and write) what the held-out sets miss -- for the final report, never while tuning",
    )
    args = parser.parse_args(argv)

    print(f"expertnet evaluation, engine: {args.engine} (timings are wall-clock on a shared machine: noisy)")
    out: dict = {"engine": args.engine, "routing": [], "search": None}
    status = 0
    if args.only in (None, "routing"):
        for name, directory in ROUTING_SETS:
            if not (directory / "requests.jsonl").is_file():
                print(f"\n== {name}: {directory} not present, skipped")
                continue
            try:
                report = evaluate_routing(name, directory, args.engine)
            except SetFailed as exc:
                print(f"\n== {name}: could not be evaluated: {exc}")
                status = 2
                continue
            held_out = directory.name == "routing_heldout"
            print_routing(report, details=args.show_held_out or not held_out)
            figures = report.as_dict()
            if held_out and not args.show_held_out:
                figures["top1_misses"] = len(report.misses)  # the count, not the requests
            out["routing"].append(figures)
    if args.only in (None, "search"):
        if (SEARCH_SET / "queries.jsonl").is_file():
            try:
                out["search"] = evaluate_search(SEARCH_SET, args.engine)
                hidden = frozenset() if args.show_held_out else HELD_OUT_SPLITS
                print_search(out["search"], hidden)
                for name in hidden & set(out["search"]["splits"]):
                    split = out["search"]["splits"][name]
                    split["failing_queries"] = len(split["failing_queries"])
            except SetFailed as exc:
                print(f"\n== search-quality set: could not be evaluated: {exc}")
                status = 2
        else:
            print(f"\n== search-quality set: {SEARCH_SET} not present, skipped")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(f"\nfigures written to {args.json}")
    return status


if __name__ == "__main__":
    sys.exit(main())
