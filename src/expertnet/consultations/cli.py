"""`expertnet route [--top N]`: routing as a filter, JSON Lines in, JSON Lines out (DESIGN.md).

Uses the same `rank_candidates` as the desk, against the configured database and search index.
Every line gets exactly one answer line, in order; an invalid line gets
`{"external_id": ..., "error": "field: reason"}` and the command exits 1 at the end.
"""

import asyncio
import json
import sys
from typing import Literal

import click
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from expertnet.core.schemas import Category, Country, Languages
from pydantic_core import ErrorDetails


class RouteObject(BaseModel):
    """One object of a request (optional `objects` field): the Object ID fields routing reads."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    object_type: str = Field(default="", max_length=200)
    materials_techniques: str = Field(default="", max_length=500)
    date_period: str = Field(default="", max_length=200)
    subject: str = Field(default="", max_length=500)
    title: str = Field(default="", max_length=300)
    maker: str = Field(default="", max_length=300)
    inscriptions_markings: str = Field(default="", max_length=5000)
    distinguishing_features: str = Field(default="", max_length=5000)
    description: str = Field(default="", max_length=5000)


class RouteRequest(BaseModel):
    """One input line. Unknown fields are ignored (evaluation files carry `expected` lists)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    external_id: str = Field(min_length=1, max_length=100)
    title: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=20_000)
    category: Category | None = None
    location_country: Country
    object_origin_country: Country | None = None
    languages: Languages = Field(min_length=1, max_length=10)
    urgency: Literal["routine", "urgent", "critical"] = "routine"
    exclude_market_ties: bool = False
    objects: list[RouteObject] = Field(default_factory=list, max_length=5000)


def _reason(err: ErrorDetails) -> str:
    message = err.get("msg", "invalid")
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
    return message


def parse_line(line: str) -> tuple[RouteRequest | None, dict | None]:
    """(request, None) or (None, error object)."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, {"external_id": None, "error": f"json: malformed JSON ({exc.msg} at column {exc.colno})"}
    if not isinstance(obj, dict):
        return None, {"external_id": None, "error": f"json: expected an object, got {type(obj).__name__}"}
    external_id = obj.get("external_id") if isinstance(obj.get("external_id"), str) else None
    try:
        request = RouteRequest.model_validate(obj)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"] if not isinstance(p, int)) or "line"
            errors.append(f"{name}: {_reason(err)}")
        return None, {"external_id": external_id, "error": "; ".join(errors)}
    if not (request.title or request.description or request.objects):
        return None, {"external_id": external_id, "error": "description: give a title or a description"}
    return request, None


async def route_lines(lines: list[str], top: int, emit) -> int:
    """Route every line, calling emit(obj) per line in order. Returns the number of invalid lines."""
    from expertnet.config import get_settings
    from expertnet.consultations.routing import RoutingSpec, rank_candidates
    from expertnet.db import Database
    from expertnet.objects.text import routing_text
    from expertnet.search.indexer import get_search

    settings = get_settings()
    db = Database(settings)
    search = get_search(settings)
    failures = 0
    try:
        async with db.sessionmaker() as session:
            for line in lines:
                if not line.strip():
                    continue
                request, error = parse_line(line)
                if error is not None:
                    failures += 1
                    emit(error)
                    continue
                assert request is not None  # parse_line returns a request whenever it returns no error
                spec = RoutingSpec(
                    title=request.title,
                    description=request.description,
                    category=request.category,
                    location_country=request.location_country,
                    object_origin_country=request.object_origin_country,
                    languages=list(request.languages),
                    urgency=request.urgency,
                    exclude_market_ties=request.exclude_market_ties,
                    objects=routing_text(request.objects),
                )
                candidates = await rank_candidates(session, search, spec, top=top)
                # Read-only: end the transaction per request so SQLite's write lock is not held.
                await session.rollback()
                emit(
                    {
                        "external_id": request.external_id,
                        "candidates": [
                            {"external_id": c.external_id, "score": c.score, "reasons": c.reasons} for c in candidates
                        ],
                    }
                )
    finally:
        await db.dispose()
    return failures


def register(main: click.Group) -> None:
    @main.command("route")
    @click.option("--top", default=3, show_default=True, type=click.IntRange(1, 100), help="candidates per request")
    def route(top: int) -> None:
        """Route consultation requests (JSON Lines on standard input) to ranked experts (JSON Lines out)."""
        lines = sys.stdin.read().splitlines()

        def emit(obj: dict) -> None:
            click.echo(json.dumps(obj, ensure_ascii=False))

        failures = asyncio.run(route_lines(lines, top, emit))
        if failures:
            click.echo(f"{failures} invalid line(s)", err=True)
            sys.exit(1)
