"""The app under load: uvicorn serves it in its own process; wrk (another process) drives it.

Each figure is a wrk run of fixed length at a fixed number of connections, cycling through the
workload's URLs with the Bearer tokens of several officials (bench/wrk.lua), after a short
warm-up run that is not counted. wrk's own latency histogram gives p50/p95/p99; a non-2xx answer
or a socket error is counted and fails the row.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.stacks import ROOT, Stack
from bench.stats import load_average, rss_mb

LUA = Path(__file__).with_name("wrk.lua")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """One app process (uvicorn, one worker) of a stack."""

    stack: Stack
    proc: subprocess.Popen
    base: str
    log_path: Path

    @classmethod
    def start(cls, stack: Stack, name: str, timeout: float = 120) -> "Server":
        port = free_port()
        log_path = stack.data_dir / f"{name}.log"
        log = open(log_path, "w")
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "expertnet.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=stack.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        server = cls(stack, proc, f"http://127.0.0.1:{port}", log_path)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"app process {name} exited at start-up: {server.log_tail()}")
            try:
                if httpx.get(server.base + "/health", timeout=2).status_code == 200:
                    return server
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        server.stop()
        raise RuntimeError(f"app process {name} did not answer /health within {timeout:.0f} s")

    def log_tail(self) -> str:
        try:
            return " | ".join(self.log_path.read_text(errors="replace").strip().splitlines()[-5:])[-600:]
        except OSError:
            return ""

    def login(self, email: str, password: str) -> str:
        r = httpx.post(self.base + "/api/v1/auth/login", json={"email": email, "password": password}, timeout=30)
        r.raise_for_status()
        return r.json()["access_token"]

    def rss_mb(self) -> float | None:
        return rss_mb(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def wrk(base: str, paths: list[str], tokens: list[str], *, seconds: float, connections: int, threads: int = 1) -> dict:
    """One wrk run; its figures in milliseconds and requests per second."""
    with tempfile.TemporaryDirectory(prefix="expertnet-wrk-") as tmp:
        paths_file, tokens_file = Path(tmp) / "paths", Path(tmp) / "tokens"
        paths_file.write_text("\n".join(paths) + "\n")
        tokens_file.write_text("\n".join(tokens) + "\n")
        cmd = [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{seconds:g}s",
            "--timeout",
            "5s",
            "-s",
            str(LUA),
            base,
            "--",
            str(paths_file),
            str(tokens_file),
        ]
        load_before = load_average()
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no figures: {done.stderr.strip() or done.stdout.strip()}"[:400])
    raw = json.loads(line.removeprefix("BENCH_JSON "))
    errors = sum(raw["errors"].values())
    return {
        "requests": raw["requests"],
        "rps": round(raw["requests"] / (raw["duration_us"] / 1e6), 1),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p95_ms": round(raw["p95_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "errors": raw["errors"],
        "error_count": errors,
        "connections": connections,
        "seconds": seconds,
        "distinct_urls": len(set(paths)),
        "tokens": len(tokens),
        "load_before": load_before,
        "load_after": load_average(),
    }


def measure(
    server: Server, tokens: list[str], search_paths: list[str], *, seconds: float, connections: int, log
) -> dict:
    if shutil.which("wrk") is None:
        return {"skipped": "wrk not found (apt-get install wrk)"}
    out: dict = {}
    trivial_paths = ["/api/v1/me"]
    for name, paths in (("trivial", trivial_paths), ("search", search_paths)):
        log(f"HTTP {name}: warm-up, then {seconds:g} s at {connections} connections ({len(set(paths))} URLs)")
        wrk(server.base, paths, tokens, seconds=min(3.0, seconds), connections=connections)
        out[name] = wrk(server.base, paths, tokens, seconds=seconds, connections=connections)
        out[name]["path"] = paths[0] if name == "trivial" else "/api/v1/experts/search?..."
    out["ratio"] = round(out["search"]["rps"] / out["trivial"]["rps"], 3) if out["trivial"]["rps"] else None
    out["server_rss_mb"] = server.rss_mb()
    return out
