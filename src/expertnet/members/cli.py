"""`expertnet users ...`: accounts the operator creates."""

import asyncio

import click

from expertnet.config import get_settings
from expertnet.core.cli import progress_bar


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

    @users.command("invite")
    @click.argument("email", required=False)
    @click.option(
        "--all-imported", is_flag=True, help="every imported expert without a password and an open invitation"
    )
    def invite(email: str | None, all_imported: bool) -> None:
        """E-mail an invitation link to set a password: to the member with EMAIL (again, if they
        were invited before: the older link stops working), or with --all-imported to every
        imported expert who cannot sign in yet. The link is valid EXPERTNET_INVITATION_HOURS."""
        from expertnet.core.errors import AppError

        if bool(email) == all_imported:
            raise click.UsageError("give either EMAIL or --all-imported")
        try:
            count = asyncio.run(_invite(email, all_imported))
        except AppError as exc:
            raise click.ClickException(exc.detail) from None
        click.echo(f"{count} invitation(s) sent" if count else "nobody to invite")


async def _invite(email: str | None, all_imported: bool) -> int:
    from expertnet.core import outbox
    from expertnet.core.errors import NotFound
    from expertnet.db import Database
    from expertnet.members import invitations, repository, tokens

    settings = get_settings()
    db = Database(settings)
    try:
        if email:
            async with db.session() as session:
                member = await repository.by_email(session, email.strip().lower())
                if member is None or member.id is None:
                    raise NotFound(f"email: no member has the address {email}")
                await invitations.invite(session, settings, None, member.id)
            count = 1
        else:
            async with db.read_session() as session:
                total = await invitations.count_uninvited(session)
            count, after = 0, 0
            with progress_bar("inviting", total) as bar:
                task = bar.tasks[0].id
                while True:
                    # One unit of work per chunk: an interrupted run is resumed by running it again.
                    async with db.session() as session:
                        done, after = await invitations.invite_imported_chunk(session, settings, None, after)
                    if not done:
                        break
                    count += done
                    bar.advance(task, done)
        # Send now rather than wait for a worker (the mails are this command's result).
        # (the `expertnet` group registered the outbox handlers before this command ran)
        with progress_bar("sending", None):
            await outbox.drain(db, skip_topics=frozenset(outbox.topics()) - {tokens.ACCOUNT_MAIL})
        return count
    finally:
        await db.dispose()
