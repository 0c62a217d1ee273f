"""The `expertnet` command group. Each package adds its own commands with `register(main)`."""

import asyncio
import logging

import click

from expertnet.audit import cli as audit_cli
from expertnet.config import ConfigError, get_settings
from expertnet.consultations import cli as consultations_cli
from expertnet.core.cli import migrate
from expertnet.core.security import use_hash_profile
from expertnet.demo import cli as demo_cli
from expertnet.experts import cli as experts_cli
from expertnet.experts import service as experts_service
from expertnet.members import cli as members_cli
from expertnet.members import service as members_service
from expertnet.notifications import service as notifications_service
from expertnet.objects import cli as objects_cli
from expertnet.retention import cli as retention_cli
from expertnet.search import cli as search_cli
from expertnet.worker import register_handlers, run_worker


@click.group()
def main() -> None:
    """expertnet: vetted expert network and consultation desk."""
    try:
        settings = get_settings()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    use_hash_profile(settings)
    register_handlers(settings)  # a command that writes may drain the outbox before it returns
    members_service.use_expert_profiles(experts_service.PROFILES)  # what app.py wires, for commands that decide
    members_service.use_member_news(notifications_service.notify)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations (SQLite or PostgreSQL)."""
    migrate()
    click.echo("database is at the latest schema")


@main.command()
@click.option("--once", is_flag=True, help="drain the outbox and run due jobs once, then exit")
def worker(once: bool) -> None:
    """Drain the outbox and run scheduled jobs until stopped."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(run_worker(get_settings(), once=once))


for _commands in (
    members_cli,
    experts_cli,
    search_cli,
    consultations_cli,
    demo_cli,
    audit_cli,
    retention_cli,
    objects_cli,
):
    _commands.register(main)
