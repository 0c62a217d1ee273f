"""The table: one row per target, one column per stack, PASS/FAIL in every measured cell."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.table import Table

from bench.stacks import LABELS


@dataclass
class Row:
    name: str
    target: str
    # stack name, that stack's results -> (figure text, passed or None for information only)
    cell: Callable[[str, dict], tuple[str, bool | None]]


class Missing(Exception):
    """The figure is absent: the text says why."""


def _get(results: dict, *path: str):
    node = results
    for key in path:
        if not isinstance(node, dict):
            raise Missing("not measured")
        if "skipped" in node:
            raise Missing(f"skipped: {node['skipped']}")
        if "error" in node and key not in node:
            raise Missing(f"error: {node['error']}")
        if key not in node:
            raise Missing("not measured")
        node = node[key]
    if isinstance(node, dict) and "skipped" in node:
        raise Missing(f"skipped: {node['skipped']}")
    if isinstance(node, dict) and "error" in node:
        raise Missing(f"error: {node['error']}")
    return node


def _load(node: dict) -> str:
    load = node.get("load_after") or node.get("load_before")
    return f"\n[dim]load {load[0]:.1f}[/dim]" if load else ""


def _import(stack: str, r: dict):
    imp = _get(r, "import")
    rate = imp["experts_per_second"]
    need = 3000 if stack == "embedded" else 2000
    return (
        f"{rate:,}/s ({imp['experts']:,} in {imp['searchable_seconds']} s; "
        f"start-up {imp['startup_seconds']} s not counted)",
        rate >= need,
    )


def _vectors(stack: str, r: dict):
    v = _get(r, "import", "vectors")
    rate = v.get("experts_per_second")
    if rate is None:
        return f"{v['vectors']:,} vectors ({v['filled_by']})", None
    done = "" if v.get("complete", True) else f", only {v['vectors']:,} of {v['of']:,}"
    return f"{rate:,}/s by {v['filled_by']}{done}", rate >= 1000 and v.get("complete", True)


def _search(key: str, checked: bool):
    def cell(stack: str, r: dict):
        s = _get(r, "service", "search", key)
        text = f"p50 {s['p50_ms']} / p95 {s['p95_ms']} / p99 {s['p99_ms']} ms" + _load(s)
        return text, (s["p95_ms"] <= 15) if checked else None

    return cell


def _routing(stack: str, r: dict):
    s = _get(r, "service", "routing")
    text = f"p50 {s['p50_ms']} / p95 {s['p95_ms']} / p99 {s['p99_ms']} ms" + _load(s)
    return text, s["p95_ms"] <= 40


def _http(key: str):
    def cell(stack: str, r: dict):
        h = _get(r, "http", key)
        errors = f", {h['error_count']} errors" if h["error_count"] else ""
        text = f"{h['rps']:,.0f} req/s, p50 {h['p50_ms']} / p95 {h['p95_ms']} / p99 {h['p99_ms']} ms{errors}" + _load(h)
        return text, h["p99_ms"] <= 100 and not h["error_count"]

    return cell


def _ratio(stack: str, r: dict):
    ratio = _get(r, "http", "ratio")
    return f"{ratio:.2f} x", ratio >= 0.5


def _fresh(key: str):
    def cell(stack: str, r: dict):
        f = _get(r, "freshness", key)
        if f["max_ms"] is None:
            return f"{f['missed']} of {len(f['samples_ms'])} changes not seen within 10 s", False
        return f"max {f['max_ms']:.0f} ms over {len(f['samples_ms'])} changes ({_get(r, 'freshness', 'writer')})", f[
            "max_ms"
        ] <= 1000

    return cell


def _rss(stack: str, r: dict):
    rss = _get(r, "rss_mb")
    seen = {k: v for k, v in rss.items() if v is not None}
    if not seen:
        raise Missing("not measured")
    text = ", ".join(f"{k} {v:.0f}" for k, v in seen.items()) + " MB"
    return text, max(seen.values()) <= 400


ROWS = [
    Row("import (validated, written, searchable)", "SQLite >= 3,000/s; PostgreSQL >= 2,000/s", _import),
    Row("vectors filled by the worker", ">= 1,000 experts/s", _vectors),
    Row("directory search, facet cache OFF", "p95 <= 15 ms", _search("cache_off", True)),
    Row("directory search, facet cache ON", "(information)", _search("cache_on", False)),
    Row("routing (varied requests)", "p95 <= 40 ms", _routing),
    Row("HTTP trivial (/api/v1/me), 16 conn.", "p99 <= 100 ms", _http("trivial")),
    Row("HTTP search, 16 conn.", "p99 <= 100 ms", _http("search")),
    Row("HTTP search / trivial req/s", ">= 0.5", _ratio),
    Row("change searchable via another process", "<= 1 s", _fresh("searchable")),
    Row("facet counts right after another process writes", "<= 1 s", _fresh("facets")),
    Row("server RSS per process", "<= 400 MB", _rss),
]


def evaluate(results: dict) -> tuple[Table, dict]:
    """The rich table and the checks (row -> stack -> "PASS" | "FAIL" | "SKIP" | "INFO")."""
    stacks = [s for s in results["stacks"]]
    table = Table(
        title=f"expertnet benchmarks: {results['experts']:,} experts, {results['machine']['cpus']} CPUs, "
        f"load average at start {results['machine']['load_at_start'][0]:.1f}",
        show_lines=True,
    )
    table.add_column("figure")
    table.add_column("target")
    for stack in stacks:
        table.add_column(LABELS[stack])
    checks: dict = {}
    for row in ROWS:
        cells = []
        for stack in stacks:
            r = results["stacks"][stack]
            if "skipped" in r:
                cells.append(f"[yellow]skipped: {r['skipped'][:200]}" if row is ROWS[0] else "[yellow]skipped")
                checks.setdefault(row.name, {})[stack] = "SKIP"
                continue
            try:
                text, ok = row.cell(stack, r)
            except Missing as exc:
                cells.append(f"[yellow]{str(exc)[:160]}")
                checks.setdefault(row.name, {})[stack] = "FAIL" if str(exc).startswith("error") else "SKIP"
                continue
            mark = "" if ok is None else (" [green]PASS" if ok else " [red]FAIL")
            checks.setdefault(row.name, {})[stack] = "INFO" if ok is None else ("PASS" if ok else "FAIL")
            head, sep, tail = text.partition("\n")
            cells.append(head + mark + sep + tail)
        table.add_row(row.name, row.target, *cells)
    return table, checks
