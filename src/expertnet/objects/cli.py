"""`expertnet objects hash-photos`: the pHash of every photo that has none yet (files uploaded
before "seen before" existed), then the comparisons through the outbox, as for an upload."""

import asyncio

import anyio.to_thread
import click

from expertnet.config import get_settings
from expertnet.consultations.attachments import stored_path
from expertnet.core import outbox
from expertnet.core.errors import NotFound
from expertnet.core.models import pk
from expertnet.db import Database
from expertnet.objects import repository
from expertnet.objects.photos import SEEN_BEFORE, hash_row, phash_of

BATCH = 200


def register(main: click.Group) -> None:
    main.add_command(group)


@click.group("objects")
def group() -> None:
    """Objects of consultations and the "seen before" comparison."""


async def hash_photos(db: Database) -> tuple[int, int]:
    """(photos hashed, photos that could not be read). Idempotent: a photo with a hash is skipped."""
    hashed = unreadable = 0
    after = 0
    while True:
        async with db.session() as session:
            batch = await repository.unhashed_photos(session, after, BATCH)
            if not batch:
                break
            consultations = set()
            for attachment in batch:
                after = pk(attachment)
                try:
                    data = await anyio.to_thread.run_sync(stored_path(db.settings, attachment).read_bytes)
                    value = await anyio.to_thread.run_sync(phash_of, data)
                except (OSError, NotFound):
                    value = None
                if value is None:
                    unreadable += 1
                    continue
                session.add(hash_row(pk(attachment), attachment.consultation_id, value))
                consultations.add(attachment.consultation_id)
                hashed += 1
            for consultation_id in sorted(consultations):
                outbox.emit(session, SEEN_BEFORE, consultation_id)
    await outbox.drain(db)
    return hashed, unreadable


@group.command("hash-photos")
def hash_photos_command() -> None:
    """Hash the photos that have no pHash yet and compare their requests with the others."""

    async def go():
        db = Database(get_settings())
        try:
            return await hash_photos(db)
        finally:
            await db.dispose()

    hashed, unreadable = asyncio.run(go())
    click.echo(f"{hashed} photo(s) hashed; {unreadable} could not be read")
