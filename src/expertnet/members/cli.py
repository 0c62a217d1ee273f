"""`expertnet users ...`: accounts the operator creates."""

import asyncio

import click

from expertnet.config import get_settings


def register(main: click.Group) -> None:
    @main.group()
    def users() -> None:
        """Accounts."""

    @users.command("create-admin")
    @click.option("--email", required=True)
    @click.option("--full-name", required=True)
    @click.option(
        "--password", envvar="EXPERTNET_ADMIN_PASSWORD", help="or set EXPERTNET_ADMIN_PASSWORD; prompted otherwise"
    )
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
