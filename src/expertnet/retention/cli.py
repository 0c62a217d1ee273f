"""`expertnet retention run [--dry-run]` and `expertnet retention due`."""

import asyncio

import click

from expertnet.config import get_settings
from expertnet.core import outbox
from expertnet.db import Database
from expertnet.retention import service


def register(main: click.Group) -> None:
    main.add_command(group)


@click.group("retention")
def group() -> None:
    """Review dates of closed consultations: flag or erase what is due."""


def _with_db(fn):
    async def go():
        db = Database(get_settings())
        try:
            return await fn(db)
        finally:
            await db.dispose()

    return asyncio.run(go())


@group.command("run")
@click.option("--dry-run", is_flag=True, help="list what would be flagged or erased; change nothing")
def run_command(dry_run: bool) -> None:
    """Flag or erase (EXPERTNET_RETENTION_ACTION) the closed consultations past their review date."""

    async def go(db):
        out = await service.run(db, dry_run=dry_run)
        await outbox.drain(db)  # the search index drops the erased text before the command returns
        return out

    out = _with_db(go)
    verb = "would be" if dry_run else "were"
    click.echo(f"{out.due} consultation(s) due; action: {out.action}")
    for label, ids in (("flagged", out.flagged), ("erased", out.erased)):
        if ids:
            click.echo(f"{label} {verb}: " + ", ".join(f"#{i}" for i in ids))
    if out.failed:
        raise click.ClickException("failed: " + ", ".join(f"#{i}" for i in out.failed) + " (see the log)")


@group.command("due")
def due_command() -> None:
    """List what is past its review date and not erased."""

    async def go(db):
        async with db.sessionmaker() as session:
            return await service.due_page(session, db.settings, limit=1000)

    page = _with_db(go)
    click.echo(f"{page.total} consultation(s) due; action: {page.action}")
    for item in page.items:
        flagged = f", flagged {item.flagged_at:%Y-%m-%d}" if item.flagged_at else ""
        click.echo(
            f"#{item.consultation_id}\t{item.rule}\tclosed {item.closed_at:%Y-%m-%d}\tdue {item.due_at:%Y-%m-%d}{flagged}"
        )
