"""`expertnet demo` and `expertnet run`: the desk with a fictional network, in one command."""
import asyncio
import sys
from datetime import timedelta

import click
from sqlalchemy import func, select

from expertnet.config import Settings, get_settings


async def seed_demo(settings: Settings, experts: int, seed: int) -> dict:
    """Load the demo accounts and a generated network. Does nothing if members already exist."""
    from expertnet.core import outbox
    from expertnet.core.security import hash_password
    from expertnet.db import Database, utcnow
    from expertnet.demo import DEMO_ACCOUNTS, generate_experts
    from expertnet.experts import importer
    from expertnet.experts.models import Expert
    from expertnet.experts.schemas import ImportRecord
    from expertnet.members import service
    from expertnet.members.models import Member, VettingDecision
    from expertnet.worker import register_handlers

    db = Database(settings)
    try:
        async with db.session() as session:
            if (await session.execute(select(func.count()).select_from(Member))).scalar_one():
                return {"seeded": False}
            admin_account = next(a for a in DEMO_ACCOUNTS if a["role"] == "admin")
            admin = await service.create_admin(session, admin_account["email"], admin_account["password"], admin_account["full_name"])
            records = [(n, ImportRecord.model_validate(r)) for n, r in enumerate(generate_experts(experts, seed), 1)]
            fields = set(ImportRecord.model_fields)
            expert_accounts = [a for a in DEMO_ACCOUNTS if a["role"] == "expert"]
            for account in expert_accounts:
                records.append((len(records) + 1, ImportRecord.model_validate({k: v for k, v in account.items() if k in fields})))
            result = await importer.apply(session, settings, records, actor_id=admin.id)
            if result.errors:
                raise click.ClickException("; ".join(result.errors[:5]))
            for account in expert_accounts:
                member = (await session.execute(select(Member).where(Member.email == account["email"]))).scalar_one()
                member.password_hash = hash_password(account["password"])
                member.application_submitted_at = utcnow()
            for account in DEMO_ACCOUNTS:
                if account["role"] != "le_official":
                    continue
                member = Member(
                    email=account["email"],
                    full_name=account["full_name"],
                    password_hash=hash_password(account["password"]),
                    role=account["role"],
                    vetting_status=account.get("vetting_status", "approved"),
                    vetted_until=utcnow() + timedelta(days=365) if account.get("vetting_status", "approved") == "approved" else None,
                    organisation=account.get("organisation", ""),
                    country=account.get("country"),
                    languages=account.get("languages", ["en"]),
                    application_statement="Demo account.",
                    application_submitted_at=utcnow(),
                )
                session.add(member)
                await session.flush()
                session.add(VettingDecision(member_id=member.id, admin_id=admin.id, decision=member.vetting_status, reason="demo account"))
            count = (await session.execute(select(func.count()).select_from(Expert))).scalar_one()
        register_handlers(settings)
        await outbox.drain(db)
        return {"seeded": True, "experts": count}
    finally:
        await db.dispose()


def print_banner(settings: Settings, host: str, port: int) -> None:
    from expertnet.demo import DEMO_ACCOUNTS

    click.echo("")
    click.echo(f"  expertnet desk: http://{host}:{port}/   (API docs: http://{host}:{port}/schema)")
    click.echo(f"  data directory: {settings.data_dir.resolve()}")
    click.echo("  demo logins:")
    for account in DEMO_ACCOUNTS:
        label = account["role"] if account.get("vetting_status", "approved") == "approved" else f"{account['role']} (pending application)"
        click.echo(f"    {label:32} {account['email']:40} {account['password']}")
    click.echo("")


def register(main: click.Group) -> None:
    @main.command()
    @click.option("--experts", default=400, show_default=True, help="size of the generated network")
    @click.option("--seed", default=7, show_default=True)
    def demo(experts: int, seed: int) -> None:
        """Load demo accounts and a generated fictional network (only into an empty database)."""
        from expertnet.core.cli import migrate

        settings = get_settings()
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

        from expertnet.core.cli import migrate

        settings = get_settings()
        migrate()
        if with_demo:
            result = asyncio.run(seed_demo(settings, experts, 7))
            if result["seeded"]:
                click.echo(f"demo data loaded: {result['experts']} experts")
            print_banner(settings, host, port)
        else:
            click.echo(f"expertnet desk: http://{host}:{port}/")
        sys.stdout.flush()
        uvicorn.run("expertnet.app:create_app", factory=True, host=host, port=port, log_level="info", proxy_headers=False)
