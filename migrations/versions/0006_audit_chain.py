"""Audit chain under a key: chain positions, HMAC instead of plain SHA-256, TRUNCATE refused

The existing chain is checked under its old scheme first (a broken one stops the upgrade: signing
it now would launder the tampering), then every row gets its position and is re-chained under the
audit key (EXPERTNET_AUDIT_KEY, or the development key file). PostgreSQL also refuses TRUNCATE,
which row triggers do not see.

Revision ID: 0005
Revises: 0005_sign_in
Create Date: 2026-12-01
"""
import hashlib
import hmac
import json

import sqlalchemy as sa
from alembic import context, op

import expertnet.db

revision = '0005'
down_revision = '0005_sign_in'
branch_labels = None
depends_on = None

GENESIS = "0" * 64
_audit = sa.table(
    "audit_log",
    sa.column("id", sa.Integer), sa.column("seq", sa.Integer), sa.column("at", expertnet.db.UTCDateTime(timezone=True)),
    sa.column("actor_id", sa.Integer), sa.column("action", sa.String), sa.column("object_type", sa.String),
    sa.column("object_id", sa.String), sa.column("reason", sa.String), sa.column("ip", sa.String),
    sa.column("detail", sa.JSON), sa.column("prev_hash", sa.String), sa.column("hash", sa.String),
)


def _body(row, prev: str, seq: int | None) -> bytes:
    body = {"prev": prev, "at": row.at.isoformat(), "actor": row.actor_id, "action": row.action, "type": row.object_type,
            "id": row.object_id, "reason": row.reason, "ip": row.ip, "detail": row.detail}
    if seq is not None:
        body["seq"] = seq
    return json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")


def _legacy(row, prev: str) -> str:
    return hashlib.sha256(_body(row, prev, None)).hexdigest()


def _keyed(key: bytes, row, prev: str, seq: int) -> str:
    # The same bytes as expertnet.core.audit.mac at revision 0005.
    return hmac.new(key, b"audit-row:" + _body(row, prev, seq), hashlib.sha256).hexdigest()


def _key() -> bytes:
    key = context.config.attributes.get("audit_key")
    if key:
        return key
    from expertnet.config import get_settings
    from expertnet.core.audit import key_of

    return key_of(get_settings())


def _rows(bind):
    return bind.execute(sa.select(_audit).order_by(_audit.c.id)).fetchall()


def _rewrite(bind, updates: list[dict]) -> None:
    if not updates:
        return
    statement = (
        _audit.update().where(_audit.c.id == sa.bindparam("row_id"))
        .values(seq=sa.bindparam("new_seq"), prev_hash=sa.bindparam("new_prev"), hash=sa.bindparam("new_hash"))
    )
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
        bind.execute(statement, updates)
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        bind.execute(statement, updates)
        op.execute(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        )


def upgrade() -> None:
    bind = op.get_bind()
    # Plain ALTER TABLE (no batch copy): on SQLite a table copy would drop the append-only triggers.
    op.add_column("audit_log", sa.Column("seq", sa.Integer(), nullable=True))
    rows = _rows(bind)
    prev = GENESIS
    for row in rows:
        if row.prev_hash != prev or _legacy(row, prev) != row.hash:
            raise RuntimeError(
                f"audit_log: the existing chain is broken at row {row.id}; it was altered before this upgrade. "
                "Investigate (and keep a copy of the database) before re-chaining it under the audit key."
            )
        prev = row.hash
    key = _key() if rows else b""
    prev, updates = GENESIS, []
    for seq, row in enumerate(rows, start=1):
        digest = _keyed(key, row, prev, seq)
        updates.append({"row_id": row.id, "new_seq": seq, "new_prev": prev, "new_hash": digest})
        prev = digest
    _rewrite(bind, updates)
    op.create_index("ix_audit_log_seq", "audit_log", ["seq"], unique=True)
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_log ALTER COLUMN seq SET NOT NULL")
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        op.execute(
            "CREATE TRIGGER audit_log_seq_required BEFORE INSERT ON audit_log WHEN NEW.seq IS NULL "
            "BEGIN SELECT RAISE(ABORT, 'audit_log.seq is required'); END"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_seq_required")
    prev, updates = GENESIS, []
    for row in _rows(bind):
        digest = _legacy(row, prev)
        updates.append({"row_id": row.id, "new_seq": row.seq, "new_prev": prev, "new_hash": digest})
        prev = digest
    _rewrite(bind, updates)
    op.drop_index("ix_audit_log_seq", table_name="audit_log")
    op.drop_column("audit_log", "seq")  # SQLite 3.35+: ALTER TABLE DROP COLUMN, triggers kept
