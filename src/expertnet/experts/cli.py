"""`expertnet experts import`: the interchange format of DESIGN.md, all or nothing."""

import asyncio
import sys
from pathlib import Path

import click

from expertnet.config import get_settings
from expertnet.core.cli import progress_bar


def register(main: click.Group) -> None:
    @main.group()
    def experts() -> None:
        """The expert directory."""

    @experts.command("import")
    @click.argument("source", type=click.Path(allow_dash=True))
    @click.option(
        "--wait-vectors",
        is_flag=True,
        help="Also compute the dense vectors before returning (otherwise the worker does).",
    )
    def experts_import(source: str, wait_vectors: bool) -> None:
        """Import experts from a JSON Lines file (or - for standard input). All or nothing.
        Returns when they are searchable by words and concepts; their dense vectors (search and
        routing by meaning) are computed by the worker, or here with --wait-vectors."""
        if source == "-":
            lines = sys.stdin.read().splitlines()
        else:
            path = Path(source)
            if not path.is_file():
                raise click.ClickException(f"{source}: no such file")
            lines = path.read_text(encoding="utf-8").splitlines()
        result = asyncio.run(_import(lines, wait_vectors))
        if result.errors:
            for line in result.errors:
                click.echo(line, err=True)
            click.echo(f"{len(result.errors)} error(s); nothing was imported", err=True)
            sys.exit(1)
        click.echo(f"imported: {result.created} created, {result.updated} updated, {result.unchanged} unchanged")
        if result.unindexed:
            click.echo(
                f"indexing continues in the worker: {result.unindexed} of {len(result.event_ids)} index event(s) are "
                "not processed yet, so some of these experts are not searchable yet. Follow it with `expertnet "
                "worker` running and GET /health as an administrator (outbox pending), or `expertnet search experts`.",
                err=True,
            )
        elif result.vectors_pending:
            click.echo(
                "searchable by words and concepts now; their dense vectors are computed by the worker "
                "(`expertnet worker`, or the running desk), or pass --wait-vectors",
                err=True,
            )


async def _import(lines: list[str], wait_vectors: bool = False):
    from expertnet.db import Database
    from expertnet.experts import importer
    from expertnet.core import outbox
    from expertnet.experts.service import VECTORS_TOPIC

    settings = get_settings()
    records, errors = importer.parse(lines)
    if errors:
        return importer.ImportResult(errors=errors)
    db = Database(settings)
    try:
        with progress_bar("importing", len(records)) as bar:
            task = bar.tasks[0].id
            async with db.sessionmaker() as session:
                result = await importer.apply(session, settings, records, progress=lambda n: bar.advance(task, n))
                if result.errors:
                    await session.rollback()
                    return result
                await session.commit()
        # The outbox is the only path to the index. Wait until this import's own events are processed
        # (here, or by a worker that holds them), so the experts are searchable on return; after
        # EXPERTNET_IMPORT_WAIT_SECONDS say that indexing goes on in the worker.
        # The vectors follow in events of their own, left to the worker unless asked for: the
        # contract is lexical searchability.
        skip = frozenset() if wait_vectors else frozenset({VECTORS_TOPIC})
        with progress_bar("indexing", None):
            result.unindexed = await importer.wait_until_indexed(
                db, result.event_ids, settings.import_wait_seconds, skip_topics=skip
            )
            if wait_vectors and not result.unindexed:
                await outbox.drain(db)  # the vectors the index events announced
        result.vectors_pending = bool(skip) and await _pending(db, VECTORS_TOPIC)
        return result
    finally:
        await db.dispose()


async def _pending(db, topic: str) -> bool:
    from sqlalchemy import select
    from sqlmodel import col

    from expertnet.core.models import OutboxEvent

    async with db.read_sessionmaker() as session:
        found = await session.scalar(
            select(col(OutboxEvent.id))
            .where(col(OutboxEvent.topic) == topic, col(OutboxEvent.processed_at).is_(None))
            .limit(1)
        )
        await session.rollback()
    return found is not None
