"""A demo installation: the fixed logins (one per role, data/accounts.json) and a generated
network, loaded into an empty database."""

from datetime import timedelta

import click

from expertnet.config import Settings
from expertnet.demo import material
from expertnet.demo.network import generate_experts
from expertnet.core.models import pk

DEMO_ACCOUNTS: list[dict] = material.ACCOUNTS


async def seed_demo(settings: Settings, experts: int, seed: int) -> dict:
    """Load the demo accounts and a generated network. Does nothing if members already exist."""
    from expertnet.core import outbox
    from expertnet.core.security import hash_password
    from expertnet.db import Database, utcnow
    from expertnet.experts import importer
    from expertnet.experts import repository as expert_rows
    from expertnet.experts.schemas import ImportRecord
    from expertnet.members import repository as member_rows
    from expertnet.members import service
    from expertnet.members.models import Member, VettingDecision
    from expertnet.worker import register_handlers

    db = Database(settings)
    try:
        async with db.session() as session:
            if await member_rows.count(session):
                return {"seeded": False}
            admin_account = next(a for a in DEMO_ACCOUNTS if a["role"] == "admin")
            admin = await service.create_admin(
                session, admin_account["email"], admin_account["password"], admin_account["full_name"]
            )
            records = [(n, ImportRecord.model_validate(r)) for n, r in enumerate(generate_experts(experts, seed), 1)]
            fields = set(ImportRecord.model_fields)
            expert_accounts = [a for a in DEMO_ACCOUNTS if a["role"] == "expert"]
            for account in expert_accounts:
                records.append(
                    (len(records) + 1, ImportRecord.model_validate({k: v for k, v in account.items() if k in fields}))
                )
            result = await importer.apply(session, settings, records, actor_id=admin.id)
            if result.errors:
                raise click.ClickException("; ".join(result.errors[:5]))
            for account in expert_accounts:  # imported experts have no password; these may sign in
                member = await member_rows.by_email(session, account["email"])
                if member is None:
                    raise click.ClickException(f"demo: {account['email']} was not imported")
                member.password_hash = hash_password(account["password"])
                member.application_submitted_at = utcnow()
            for account in DEMO_ACCOUNTS:
                if account["role"] != "le_official":
                    continue
                status = account.get("vetting_status", "approved")
                member = Member(
                    email=account["email"],
                    full_name=account["full_name"],
                    password_hash=hash_password(account["password"]),
                    role=account["role"],
                    vetting_status=status,
                    vetted_until=utcnow() + timedelta(days=365) if status == "approved" else None,
                    organisation=account.get("organisation", ""),
                    country=account.get("country"),
                    languages=account.get("languages", ["en"]),
                    application_statement="Demo account.",
                    application_submitted_at=utcnow(),
                )
                session.add(member)
                await session.flush()
                session.add(
                    VettingDecision(
                        member_id=pk(member), admin_id=pk(admin), decision=member.vetting_status, reason="demo account"
                    )
                )
            count = await expert_rows.count(session)
        register_handlers(settings)
        await outbox.drain(db)
        return {"seeded": True, "experts": count}
    finally:
        await db.dispose()
