"""`python -m bench.probe STEP INPUT.json`: one step of the benchmark inside a stack's environment
(its own process, so settings and caches are those of that stack). Prints one JSON object.

Steps: ``import`` (bench.importing), ``accounts`` (sign-in accounts for the HTTP steps),
``service`` (bench.service_layer).
"""

from __future__ import annotations

import asyncio
import json
import secrets
import sys
from datetime import timedelta
from pathlib import Path


def log(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


async def accounts(spec: dict) -> dict:
    """Officials who sign in to search (created as an admin would: vetted, approved) and experts
    of the generated network given a password, who edit their profiles in the freshness step.
    A fixture of the benchmark: written straight to the tables, like the demo's accounts."""
    from sqlalchemy import select

    from expertnet.config import get_settings
    from expertnet.core.security import hash_password
    from expertnet.db import Database, utcnow
    from expertnet.members.models import Member

    db = Database(get_settings())
    password = secrets.token_urlsafe(18)
    hashed = hash_password(password)
    officials, experts = [], []
    async with db.session() as session:
        for i in range(spec["officials"]):
            member = Member(
                email=f"official{i}@bench.expertnet.example",
                full_name=f"Bench Official {i}",
                password_hash=hashed,
                role="le_official",
                vetting_status="approved",
                vetted_until=utcnow() + timedelta(days=365),
                organisation="Benchmark Border Police",
                country="AT",
                languages=["en", "de"],
                application_statement="benchmark account",
                application_submitted_at=utcnow(),
            )
            session.add(member)
            await session.flush()
            officials.append({"id": member.id, "email": member.email, "password": password})
        emails = [e.lower() for e in spec["expert_emails"]]
        rows = (await session.execute(select(Member).where(Member.email.in_(emails)))).scalars().all()
        for member in rows:
            member.password_hash = hashed
            member.application_submitted_at = utcnow()
            experts.append({"id": member.id, "email": member.email, "password": password})
    await db.dispose()
    return {"officials": officials, "experts": experts}


async def service(spec: dict) -> dict:
    from bench import service_layer

    out = {
        "search": await service_layer.search_figures(spec["queries"], spec["official_id"], spec["search_rounds"], log)
    }
    out["routing"] = await service_layer.routing_figures(spec["requests"], spec["routing_rounds"], log)
    return out


async def run_import(spec: dict) -> dict:
    from bench import importing

    records = [json.loads(line) for line in Path(spec["path"]).read_text(encoding="utf-8").splitlines() if line]
    return await importing.measure(Path(spec["path"]), records, log)


STEPS = {"accounts": accounts, "service": service, "import": run_import}


def main() -> None:
    step, path = sys.argv[1], Path(sys.argv[2])
    spec = json.loads(path.read_text(encoding="utf-8"))
    try:
        result = asyncio.run(STEPS[step](spec))
    except Exception as exc:  # noqa: BLE001 - the report shows the failure in this stack's column
        import traceback

        traceback.print_exc()
        result = {"error": f"{type(exc).__name__}: {exc}"[:500]}
    print(json.dumps(result, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
