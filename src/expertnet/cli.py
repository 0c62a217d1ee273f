"""The `expertnet` command group."""
import asyncio
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from expertnet.config import ConfigError, get_settings

ROOT = Path(__file__).resolve().parents[2]
err = Console(stderr=True)


def progress_bar(description: str, total: int | None) -> Progress:
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err,
        disable=not err.is_terminal,
        transient=False,
    )
    progress.add_task(description, total=total)
    return progress


def migrate(database_url: str | None = None) -> None:
    from alembic import command
    from alembic.config import Config

    settings = get_settings()
    if settings.is_sqlite and not database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    cfg = Config(str(ROOT / "alembic.ini"))
    if database_url:
        cfg.attributes["database_url"] = database_url
    command.upgrade(cfg, "head")


@click.group()
def main() -> None:
    """expertnet: vetted expert network and consultation desk."""
    try:
        get_settings()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations (SQLite or PostgreSQL)."""
    migrate()
    click.echo("database is at the latest schema")


@main.group()
def users() -> None:
    """Accounts."""


@users.command("create-admin")
@click.option("--email", required=True)
@click.option("--full-name", required=True)
@click.option("--password", envvar="EXPERTNET_ADMIN_PASSWORD", help="or set EXPERTNET_ADMIN_PASSWORD; prompted otherwise")
def create_admin(email: str, full_name: str, password: str | None) -> None:
    """Create a vetted admin account."""
    from expertnet.core.errors import AppError
    from expertnet.db import Database
    from expertnet.members import service

    if not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)

    async def go():
        db = Database(get_settings())
        try:
            async with db.session() as session:
                return await service.create_admin(session, email, password, full_name)
        finally:
            await db.dispose()

    try:
        member = asyncio.run(go())
    except AppError as exc:
        raise click.ClickException(exc.detail) from None
    click.echo(f"admin {member.email} created (id {member.id})")


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


async def _import(lines: list[str]):
    from expertnet.core import outbox
    from expertnet.db import Database
    from expertnet.experts import importer
    from expertnet.worker import register_handlers

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
        # The outbox is the only path to the index; drain it so the experts are searchable on return.
        register_handlers(settings)
        with progress_bar("indexing", None) as bar:
            await outbox.drain(db)
        return result
    finally:
        await db.dispose()


@main.command()
@click.option("--once", is_flag=True, help="drain the outbox and run due jobs once, then exit")
def worker(once: bool) -> None:
    """Drain the outbox and run scheduled jobs until stopped."""
    import logging

    from expertnet.worker import run_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(run_worker(get_settings(), once=once))


# Domain packages add their own commands: each of these modules defines `register(main)`.
for _name in ("expertnet.search.cli", "expertnet.consultations.cli", "expertnet.demo_cli"):
    __import__(_name, fromlist=["register"]).register(main)
