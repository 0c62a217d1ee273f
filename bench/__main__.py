"""`python -m bench [--experts N]`: measures the DESIGN.md targets on the embedded default.

Targets at 100,000 experts on one 2-core machine: directory search p95 <= 15 ms and routing
p95 <= 40 ms in the service layer; the HTTP search endpoint at >= half the request rate of a
trivial endpoint of the same app; import >= 3,000 experts/s; a change searchable within 1 s;
server memory <= 400 MB. Results go to bench/results/latest.json and a table on the terminal.
"""
import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
console = Console()

QUERIES = [
    ("", {"categories": ["numismatics"]}), ("roman coins", {}), ("icon", {"languages": ["ru"]}),
    ("Byzantine", {"regions": ["western_balkans"]}), ("manuscript", {"languages": ["en", "fr"]}),
    ("Petrovic", {}), ("Петровић", {}), ("numismatcs", {}), ("khmer bronze", {}), ("", {"countries": ["RS"]}),
    ("ottoman", {"categories": ["numismatics", "manuscripts"]}), ("provenance research", {"available": True}),
    ("forgery", {"org_types": ["museum"]}), ("gandharan sculpture", {}), ("", {}),
]
REQUESTS = [
    ("14 silver coins detained at the border", "Are they Roman denarii? Hold ends in 48 hours.", ["sr", "en"], "RS", "IT"),
    ("Икона изъята на таможне", "Старообрядческая икона XVII века, нужна экспертиза подлинности.", ["ru"], "KZ", "RU"),
    ("Statue en bronze saisie", "Bouddha en bronze déclaré comme copie décorative, probablement khmer.", ["fr", "en"], "FR", "KH"),
    ("Manuskript beschlagnahmt", "Eine Karte aus einem Atlas des 17. Jahrhunderts, herausgeschnitten.", ["de"], "AT", None),
    ("Fossili sequestrati", "Denti di dinosauro e ambra con inclusioni in vendita online.", ["it", "en"], "IT", "MA"),
    ("Sellos de plomo bizantinos", "Una cuenta en redes sociales ofrece 40 sellos de plomo.", ["es", "en"], "ES", "TR"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = max(0, min(len(values) - 1, int(round(p / 100 * (len(values) - 1)))))
    return values[k]


def progress() -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console)


def set_env(data_dir: Path) -> None:
    os.environ["EXPERTNET_DATA_DIR"] = str(data_dir)
    os.environ["EXPERTNET_ENV"] = "development"
    os.environ.pop("EXPERTNET_DATABASE_URL", None)
    os.environ.pop("EXPERTNET_MEILI_URL", None)
    os.environ["EXPERTNET_BACKGROUND_JOBS"] = "false"


async def bench_import(settings, n: int, seed: int) -> dict:
    from expertnet.core import outbox
    from expertnet.db import Database
    from expertnet.demo import generate_experts
    from expertnet.experts import importer
    from expertnet.worker import register_handlers

    lines = [json.dumps(r, ensure_ascii=False) for r in generate_experts(n, seed)]
    db = Database(settings)
    register_handlers(settings)
    t0 = time.perf_counter()
    with progress() as bar:
        task = bar.add_task("import: validate", total=n)
        records, errors = importer.parse(lines)
        bar.update(task, completed=n)
        assert not errors, errors[:3]
        task = bar.add_task("import: write", total=n)
        async with db.sessionmaker() as session:
            result = await importer.apply(session, settings, records, progress=lambda k: bar.advance(task, k))
            await session.commit()
        t_written = time.perf_counter()
        task = bar.add_task("import: index", total=None)
        await outbox.drain(db)
        bar.update(task, completed=1, total=1)
    t1 = time.perf_counter()
    await db.dispose()
    return {
        "experts": result.created,
        "seconds_validate_write": round(t_written - t0, 2),
        "seconds_total_incl_index": round(t1 - t0, 2),
        "experts_per_second": round(n / (t1 - t0)),
    }


async def bench_search(settings, rounds: int) -> dict:
    from expertnet.core.auth import Principal
    from expertnet.search.indexer import get_search
    from expertnet.search.schemas import ExpertSearchIn
    from expertnet.search.service import search_experts

    search = get_search(settings)
    official = Principal(1, "o@x", "Official", "le_official", "approved", None, 0, "Police", "en")
    rng = random.Random(1)
    for text, filters in QUERIES:  # warm-up
        await search_experts(search, official, ExpertSearchIn(q=text, **filters))
    times = []
    with progress() as bar:
        task = bar.add_task("directory search", total=rounds)
        for _ in range(rounds):
            text, filters = rng.choice(QUERIES)
            t = time.perf_counter()
            page = await search_experts(search, official, ExpertSearchIn(q=text, **filters))
            times.append((time.perf_counter() - t) * 1000)
            bar.advance(task)
    return {"queries": rounds, "p50_ms": round(pct(times, 50), 2), "p95_ms": round(pct(times, 95), 2), "last_total": page.total}


async def bench_routing(settings, rounds: int) -> dict:
    try:
        from expertnet.consultations.routing import RoutingSpec, rank_candidates
    except ModuleNotFoundError:
        return {"skipped": "routing not available"}
    from expertnet.db import Database
    from expertnet.search.indexer import get_search

    db = Database(settings)
    search = get_search(settings)
    rng = random.Random(2)
    times = []
    async with db.sessionmaker() as session:
        for title, desc, langs, loc, origin in REQUESTS:
            await rank_candidates(session, search, RoutingSpec(title=title, description=desc, languages=langs, location_country=loc, object_origin_country=origin), top=3)
        with progress() as bar:
            task = bar.add_task("routing", total=rounds)
            for _ in range(rounds):
                title, desc, langs, loc, origin = rng.choice(REQUESTS)
                spec = RoutingSpec(title=title, description=desc, languages=langs, location_country=loc, object_origin_country=origin, urgency="urgent")
                t = time.perf_counter()
                await rank_candidates(session, search, spec, top=3)
                times.append((time.perf_counter() - t) * 1000)
                bar.advance(task)
    await db.dispose()
    return {"requests": rounds, "p50_ms": round(pct(times, 50), 2), "p95_ms": round(pct(times, 95), 2)}


async def bench_freshness(settings, samples: int = 5) -> dict:
    """Profile change committed -> visible in search, through the service and the outbox."""
    from sqlalchemy import select

    from expertnet.core import outbox
    from expertnet.core.auth import Principal
    from expertnet.db import Database
    from expertnet.experts import service as experts_service
    from expertnet.experts.models import Expert
    from expertnet.experts.schemas import ExpertProfileUpdate
    from expertnet.members.models import Member
    from expertnet.search.indexer import get_search
    from expertnet.search.schemas import ExpertSearchIn
    from expertnet.search.service import search_experts

    db = Database(settings)
    admin = Principal(0, "a@x", "Admin", "admin", "approved", None, 0, "", "en")
    latencies = []
    for i in range(samples):
        word = f"zqxmarker{i}{random.randint(1000, 9999)}"
        async with db.sessionmaker() as session:
            expert, member = (await session.execute(select(Expert, Member).join(Member, Member.id == Expert.member_id).where(Expert.id == 1 + i))).one()
            principal = Principal(member.id, member.email, member.full_name, "expert", "approved", None, 0, "", "en")
            t0 = time.perf_counter()
            await experts_service.update_own(session, principal, ExpertProfileUpdate(version=expert.version, specialties=[*expert.specialties, word]))
            await session.commit()
        await outbox.drain(db)  # what the app does right after its commit on the embedded default
        while True:
            page = await search_experts(get_search(settings), admin, ExpertSearchIn(q=word))
            if page.total:
                break
            if time.perf_counter() - t0 > 10:
                break
        latencies.append((time.perf_counter() - t0) * 1000)
    await db.dispose()
    return {"samples": samples, "max_ms": round(max(latencies), 1), "p50_ms": round(pct(latencies, 50), 1)}


def bench_http(data_dir: Path, seconds: float, concurrency: int) -> dict:
    import httpx

    from expertnet.demo import DEMO_ACCOUNTS

    port = free_port()
    env = dict(os.environ)
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "expertnet.app:create_app", "--factory", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env=env, cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(base + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        officer = next(a for a in DEMO_ACCOUNTS if a["role"] == "le_official")
        token = httpx.post(base + "/api/v1/auth/login", json={"email": officer["email"], "password": officer["password"]}).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}

        async def load(path: str, params_cycle: list[dict]) -> float:
            count = 0
            stop = time.perf_counter() + seconds
            async with httpx.AsyncClient(base_url=base, headers=headers, timeout=10) as client:
                async def worker(k: int):
                    nonlocal count
                    i = k
                    while time.perf_counter() < stop:
                        r = await client.get(path, params=params_cycle[i % len(params_cycle)])
                        assert r.status_code == 200, r.text
                        count += 1
                        i += 1
                await asyncio.gather(*(worker(k) for k in range(concurrency)))
            return count / seconds

        search_params = [{"q": q, **{("category" if k == "categories" else "language" if k == "languages" else k): v for k, v in f.items() if k in ("categories", "languages")}} for q, f in QUERIES]
        with console.status("HTTP: trivial endpoint (/api/v1/me)"):
            trivial = asyncio.run(load("/api/v1/me", [{}]))
        with console.status("HTTP: search endpoint"):
            search = asyncio.run(load("/api/v1/experts/search", search_params))
        rss_kb = 0
        for line in Path(f"/proc/{server.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss_kb = int(line.split()[1])
        return {"trivial_rps": round(trivial), "search_rps": round(search), "ratio": round(search / trivial, 2), "server_rss_mb": round(rss_kb / 1024)}
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--experts", type=int, default=100_000)
    parser.add_argument("--search-rounds", type=int, default=1000)
    parser.add_argument("--routing-rounds", type=int, default=300)
    parser.add_argument("--http-seconds", type=float, default=8)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="expertnet-bench-"))
    set_env(data_dir)
    from expertnet.cli import migrate
    from expertnet.config import get_settings

    settings = get_settings()
    migrate()
    results: dict = {"experts": args.experts, "machine": {"cpus": os.cpu_count()}}
    try:
        results["import"] = asyncio.run(bench_import(settings, args.experts, seed=11))
        asyncio.run(seed_demo_accounts_only(settings))
        results["search"] = asyncio.run(bench_search(settings, args.search_rounds))
        results["routing"] = asyncio.run(bench_routing(settings, args.routing_rounds))
        results["freshness"] = asyncio.run(bench_freshness(settings))
        results["http"] = bench_http(data_dir, args.http_seconds, args.concurrency)
    finally:
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)

    checks = [
        ("import >= 3000 experts/s", results["import"]["experts_per_second"] >= 3000, f"{results['import']['experts_per_second']}/s"),
        ("directory search p95 <= 15 ms", results["search"]["p95_ms"] <= 15, f"{results['search']['p95_ms']} ms"),
        ("routing p95 <= 40 ms", results["routing"].get("p95_ms", 1e9) <= 40, f"{results['routing'].get('p95_ms', 'n/a')} ms"),
        ("change searchable <= 1 s", results["freshness"]["max_ms"] <= 1000, f"{results['freshness']['max_ms']} ms"),
        ("HTTP search >= 0.5 x trivial", results["http"]["ratio"] >= 0.5, f"{results['http']['search_rps']} vs {results['http']['trivial_rps']} req/s"),
        ("server memory <= 400 MB", results["http"]["server_rss_mb"] <= 400, f"{results['http']['server_rss_mb']} MB"),
    ]
    table = Table(title=f"expertnet benchmarks ({args.experts:,} experts)")
    table.add_column("target")
    table.add_column("measured")
    table.add_column("")
    for name, ok, measured in checks:
        table.add_row(name, measured, "[green]PASS" if ok else "[red]FAIL")
    console.print(table)
    results["checks"] = {name: ok for name, ok, _ in checks}
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2))
    console.print(f"results: {out / 'latest.json'}")
    sys.exit(0 if all(ok for _, ok, _ in checks) else 1)


async def seed_demo_accounts_only(settings) -> None:
    """The demo accounts (for HTTP login) next to the benchmark's generated directory."""
    from expertnet.core.security import hash_password
    from expertnet.db import Database, utcnow
    from expertnet.demo import DEMO_ACCOUNTS
    from expertnet.members.models import Member

    db = Database(settings)
    async with db.session() as session:
        for account in DEMO_ACCOUNTS:
            if account["role"] != "le_official":
                continue
            session.add(Member(
                email=account["email"], full_name=account["full_name"], password_hash=hash_password(account["password"]),
                role="le_official", vetting_status="approved", organisation=account.get("organisation", ""),
                country=account.get("country"), languages=account.get("languages", ["en"]), application_submitted_at=utcnow(),
            ))
    await db.dispose()


if __name__ == "__main__":
    main()
