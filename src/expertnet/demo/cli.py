"""`expertnet demo` and `expertnet run`: the desk with a fictional network, in one command."""

import asyncio
import sys

import click

from expertnet.config import ConfigError, Settings, get_settings
from expertnet.core.cli import migrate
from expertnet.demo.seed import DEMO_ACCOUNTS, seed_demo


def print_banner(settings: Settings, host: str, port: int) -> None:
    click.echo("")
    click.echo(f"  expertnet desk: http://{host}:{port}/   (API docs: http://{host}:{port}/schema)")
    click.echo(f"  data directory: {settings.data_dir.resolve()}")
    click.echo("  demo logins:")
    for account in DEMO_ACCOUNTS:
        label = (
            account["role"]
            if account.get("vetting_status", "approved") == "approved"
            else f"{account['role']} (pending application)"
        )
        click.echo(f"    {label:32} {account['email']:40} {account['password']}")
    click.echo("")


def refuse_in_production(settings: Settings) -> None:
    """Demo accounts have published passwords: the first visitor would be the demo admin."""
    if settings.env == "production":
        raise click.ClickException(
            "demo data has published passwords and is never loaded in production (EXPERTNET_ENV=production)"
        )


def register(main: click.Group) -> None:
    @main.command()
    @click.option("--experts", default=400, show_default=True, help="size of the generated network")
    @click.option("--seed", default=7, show_default=True)
    def demo(experts: int, seed: int) -> None:
        """Load demo accounts and a generated fictional network (only into an empty database)."""
        settings = get_settings()
        refuse_in_production(settings)
        migrate()
        result = asyncio.run(seed_demo(settings, experts, seed))
        if result["seeded"]:
            click.echo(f"demo data loaded: {result['experts']} experts")
        else:
            click.echo("the database already has members; demo data not loaded")

    @main.command()
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=8000, show_default=True, type=int)
    @click.option("--demo/--no-demo", "with_demo", default=False, help="load demo data into an empty database first")
    @click.option("--experts", default=400, show_default=True)
    def run(host: str, port: int, with_demo: bool, experts: int) -> None:
        """Migrate, optionally load demo data, and serve the desk."""
        import uvicorn

        from expertnet.search import single_process

        settings = get_settings()
        if with_demo:
            refuse_in_production(settings)
        try:  # say it before migrating or serving; the app's start-up holds the same lock
            single_process.acquire(settings)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
        migrate()
        if with_demo:
            result = asyncio.run(seed_demo(settings, experts, 7))
            if result["seeded"]:
                click.echo(f"demo data loaded: {result['experts']} experts")
            print_banner(settings, host, port)
        else:
            click.echo(f"expertnet desk: http://{host}:{port}/")
        sys.stdout.flush()
        uvicorn.run(
            "expertnet.app:create_app", factory=True, host=host, port=port, log_level="info", proxy_headers=False
        )
