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
    def experts_import(source: str) -> None:
        """Import experts from a JSON Lines file (or - for standard input). All or nothing."""
        if source == "-":
            lines = sys.stdin.read().splitlines()
        else:
            path = Path(source)
            if not path.is_file():
                raise click.ClickException(f"{source}: no such file")
            lines = path.read_text(encoding="utf-8").splitlines()
        result = asyncio.run(_import(lines))
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


async def _import(lines: list[str]):
    from expertnet.db import Database
    from expertnet.experts import importer

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
        with progress_bar("indexing", None):
            result.unindexed = await importer.wait_until_indexed(db, result.event_ids, settings.import_wait_seconds)
        return result
    finally:
        await db.dispose()
