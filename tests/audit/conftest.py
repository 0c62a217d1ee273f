"""Helpers for the audit tests: an insider's raw SQL on the audit log, past the app's triggers."""

import hashlib
import json

import pytest
from sqlalchemy import text

from expertnet.db import Database
from tests.conftest import run_async


def legacy_digest(prev: str, row) -> str:
    """The chain hash before issue 12: plain SHA-256 of the row, which anyone with the database can recompute."""
    body = json.dumps(
        {
            "prev": prev,
            "at": row["at"].isoformat(),
            "actor": row["actor_id"],
            "action": row["action"],
            "type": row["object_type"],
            "id": row["object_id"],
            "reason": row["reason"],
            "ip": row["ip"],
            "detail": row["detail"],
        },
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


class Insider:
    """Someone with the database's own credentials: may drop or disable triggers, but has no audit key."""

    def __init__(self, settings):
        self.settings = settings

    def sql(self, *statements: str, params: list[dict] | None = None, disable_triggers: bool = True):
        async def go():
            db = Database(self.settings)
            try:
                async with db.engine.begin() as conn:
                    if disable_triggers:
                        if db.dialect == "postgresql":
                            await conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
                        else:
                            await conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
                            await conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
                    for i, statement in enumerate(statements):
                        await conn.execute(text(statement), (params or [{}] * len(statements))[i])
                    if disable_triggers and db.dialect == "postgresql":
                        await conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
            finally:
                await db.dispose()

        run_async(go())

    def rows(self) -> list[dict]:
        async def go():
            db = Database(self.settings)
            try:
                async with db.sessionmaker() as session:
                    from sqlalchemy import select

                    from expertnet.core.models import AuditEntry

                    result = await session.execute(select(AuditEntry).order_by(AuditEntry.id))
                    return [e.model_dump() for e in result.scalars()]
            finally:
                await db.dispose()

        return run_async(go())


@pytest.fixture
def insider(settings) -> Insider:
    return Insider(settings)


from tests.consultations.conftest import desk  # noqa: E402,F401  (fixtures shared with the desk and page tests)
from tests.web.conftest import pages  # noqa: E402,F401
