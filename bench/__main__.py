"""`python -m bench [--experts N] [--stacks embedded,production]` (`make bench`, options through
BENCH_ARGS): the targets of DESIGN.md and issues 10 and 13, measured on a generated network on
each stack, in one run. How each figure is measured: bench/README.md.

Results: a table on the terminal (PASS/FAIL per row and stack) and bench/results/latest.json.
Exit status 1 when a measured target is missed or a step failed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from bench import freshness, http_load, report, workload
from bench.http_load import Server
from bench.stacks import BIN, LABELS, ROOT, STACKS, Skip, Stack, open_stack
from bench.stats import load_average, rss_mb

console = Console(stderr=True)


def say(message: str) -> None:
    console.print(f"[bold cyan]bench[/] {message}")


def probe(stack: Stack, step: str, spec: dict, tmp: Path) -> dict:
    """A step in its own process with the stack's environment (bench/probe.py)."""
    path = tmp / f"{stack.name}-{step}.json"
    path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    done = stack.python("bench.probe", step, str(path))
    lines = [ln for ln in (done.stdout or "").splitlines() if ln.startswith("{")]
    if not lines:
        return {"error": f"bench.probe {step} exited {done.returncode} without a result"}
    return json.loads(lines[-1])


def run_stack(name: str, args, network: Path, records: list[dict], queries, requests, tmp: Path) -> dict:
    say(f"[bold]{LABELS[name]}[/]: fresh state")
    try:
        stack = open_stack(name)
    except Skip as exc:
        say(f"{LABELS[name]} skipped: {exc}")
        return {"skipped": str(exc)}
    result: dict = {"label": LABELS[name], "started": datetime.now(UTC).isoformat(timespec="seconds")}
    servers: list[Server] = []
    worker = None
    try:
        say(f"import of {len(records):,} experts (expertnet experts import)")
        result["import"] = probe(stack, "import", {"path": str(network)}, tmp)
        if "error" in result["import"]:
            say(f"[red]import failed[/]: {result['import']['error']}")
            result["error"] = "import failed"
            return result
        approved = [r["email"] for r in records if r["vetting_status"] == "approved"][:3]
        accounts = probe(stack, "accounts", {"officials": 4, "expert_emails": approved}, tmp)
        if "error" in accounts:
            result["error"] = f"accounts: {accounts['error']}"
            return result
        say("service layer: directory search (facet cache on, then off), routing")
        result["service"] = probe(
            stack,
            "service",
            {
                "queries": [{**q.service_params(), "kind": q.kind} for q in queries],
                "requests": [{"spec": r.spec(), "language": r.language} for r in requests],
                "official_id": accounts["officials"][0]["id"],
                "search_rounds": args.search_rounds,
                "routing_rounds": args.routing_rounds,
            },
            tmp,
        )

        say("HTTP: app process A (uvicorn), load from wrk")
        a = Server.start(stack, "app-a")
        servers.append(a)
        tokens = [a.login(o["email"], o["password"]) for o in accounts["officials"]]
        result["http"] = http_load.measure(
            a, tokens, [q.url() for q in queries], seconds=args.http_seconds, connections=args.connections, log=say
        )
        rss = {"app A": a.rss_mb()}
        try:
            if stack.embedded:
                say("freshness: re-imports by `expertnet experts import`, searches through A")
                record = next(r for r in records if r["email"].lower() == accounts["experts"][0]["email"])
                result["freshness"] = freshness.measure(
                    a, tokens[0], lambda client: freshness.ImportWriter(stack, record)
                )
            else:
                say("freshness: changes through app process B, indexed by `expertnet worker`, searches through A")
                b = Server.start(stack, "app-b")
                servers.append(b)
                worker = subprocess.Popen(
                    [str(BIN / "expertnet"), "worker"],
                    env=stack.env,
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                result["freshness"] = freshness.measure(
                    a,
                    tokens[0],
                    lambda client: freshness.HttpWriter(
                        client, b, accounts["experts"][0], "app process B, indexed by expertnet worker"
                    ),
                )
                rss["app B"] = b.rss_mb()
                rss["worker"] = rss_mb(worker.pid)
        except Exception as exc:  # noqa: BLE001 - reported in the stack's column
            result["freshness"] = {"error": f"{type(exc).__name__}: {exc}"[:400]}
        rss["app A"] = max(v for v in (rss["app A"], a.rss_mb()) if v is not None)
        result["rss_mb"] = rss
    except Exception as exc:  # noqa: BLE001
        result["error"] = f"{type(exc).__name__}: {exc}"[:500]
        say(f"[red]{name} failed[/]: {result['error']}")
    finally:
        for server in servers:
            server.stop()
        if worker is not None:
            worker.terminate()
            worker.wait(15)
        stack.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--experts", type=int, default=100_000, help="size of the generated network (default 100,000)")
    parser.add_argument("--stacks", default=",".join(STACKS), help="comma-separated: embedded, production")
    parser.add_argument("--queries", type=int, default=400, help="distinct directory queries drawn from the data")
    parser.add_argument("--requests", type=int, default=200, help="distinct routing requests drawn from the data")
    parser.add_argument("--search-rounds", type=int, default=1000, help="timed searches per cache setting")
    parser.add_argument("--routing-rounds", type=int, default=400, help="timed routing calls")
    parser.add_argument("--http-seconds", type=float, default=15, help="length of each wrk run")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    args = parser.parse_args()
    stacks = [s.strip() for s in args.stacks.split(",") if s.strip()]
    unknown = set(stacks) - set(STACKS)
    if unknown:
        parser.error(f"--stacks: unknown {', '.join(sorted(unknown))} (choose from {', '.join(STACKS)})")

    started = time.perf_counter()
    results: dict = {
        "experts": args.experts,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "load_at_start": load_average()},
        "options": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "stacks": {},
    }
    with tempfile.TemporaryDirectory(prefix="expertnet-bench-") as tmp_name:
        tmp = Path(tmp_name)
        network = tmp / "network.jsonl"
        say(f"generating {args.experts:,} experts, {args.queries} queries, {args.requests} routing requests")
        records = workload.write_network(network, args.experts)
        queries = workload.make_queries(records, args.queries)
        requests = workload.make_requests(records, args.requests)
        results["workload"] = workload.describe(queries, requests)
        for name in stacks:
            results["stacks"][name] = run_stack(name, args, network, records, queries, requests, tmp)
    results["machine"]["load_at_end"] = load_average()
    results["seconds"] = round(time.perf_counter() - started)

    table, checks = report.evaluate(results)
    results["checks"] = checks
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    Console().print(table)
    say(f"results: {args.out} ({results['seconds']} s)")
    failed = any(v == "FAIL" for row in checks.values() for v in row.values())
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
