"""`expertnet audit checkpoint` and `expertnet audit verify`."""

import asyncio
import sys
from pathlib import Path

import click

from expertnet.config import get_settings
from expertnet.core import audit
from expertnet.db import Database

# verify's exit codes
INTACT, TAMPERED, UNANCHORED = 0, 1, 3


def register(main: click.Group) -> None:
    main.add_command(group)


@click.group("audit")
def group() -> None:
    """Evidence that the audit log is complete and unaltered."""


@group.command("checkpoint")
def checkpoint_command() -> None:
    """Check the rows since the last checkpoint and sign a new one (file under the data directory and the log)."""

    async def go():
        settings = get_settings()
        db = Database(settings)
        try:
            async with db.read_sessionmaker() as session:  # a snapshot; on SQLite writers go on
                return await audit.checkpoint(session, settings)
        finally:
            await db.dispose()

    try:
        cp = asyncio.run(go())
    except audit.ChainBroken as exc:
        click.echo("audit log TAMPERED, no checkpoint signed: " + "; ".join(exc.problems), err=True)
        sys.exit(TAMPERED)
    click.echo(
        f"checkpoint #{cp.seq}: {cp.count} rows, head {cp.head[:16]}..., written to {audit.checkpoint_path(get_settings())}"
    )


@group.command("verify")
@click.option(
    "--checkpoints",
    "source",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="check against these checkpoints (a copy of the file, or log lines that carry them)",
)
def verify_command(source: Path | None) -> None:
    """Walk the whole chain and compare it with the last checkpoint.

    Exit 0: intact and consistent with the last checkpoint; 1: tampered (rows edited, deleted,
    reordered, the log truncated, or a checkpoint forged); 3: the chain is intact but there is no
    checkpoint, so rows cut from its end cannot be ruled out."""

    async def go():
        db = Database(get_settings())
        try:
            async with db.read_sessionmaker() as session:  # a snapshot; on SQLite writers go on
                checkpoints = audit.parse_checkpoints(source.read_text("utf-8").splitlines()) if source else None
                return await audit.verify_stored(session, checkpoints)
        finally:
            await db.dispose()

    try:
        report = asyncio.run(go())
    except ValueError as exc:
        raise click.ClickException(f"--checkpoints: {exc}") from None
    click.echo(report.message())
    sys.exit({"intact": INTACT, "tampered": TAMPERED, "unanchored": UNANCHORED}[report.status])
