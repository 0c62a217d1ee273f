"""Finding 7 of issue 12: audit evidence that survives an insider.

The chain is an HMAC under a key the database does not hold, and signed checkpoints outside the
database record how long the chain was. `expertnet audit verify` must report an edit, a deletion
(also of the last rows, also with the hashes recomputed), a truncation and a reordering.
Against the code before issue 12 these fail: rows deleted from the end, or deleted with the
SHA-256 chain recomputed, verified as intact, and the commands did not exist."""

import json
import logging
import os
import stat

import pytest

from expertnet.config import ConfigError, Settings, load_settings
from expertnet.core import audit
from tests.audit.conftest import legacy_digest

CHECKPOINTS = "audit-checkpoints.jsonl"


def _activity(env, n=3):
    """Audit rows made the way users make them: registrations, sign-ins, approvals."""
    for _ in range(n):
        env.member("le_official")


def _verify(cli):
    result = cli("audit", "verify")
    return result.exit_code, result.output


def _checkpoint(cli):
    result = cli("audit", "checkpoint")
    assert result.exit_code == 0, result.output
    return result.output


def test_an_intact_chain_verifies_against_its_checkpoint(env, cli, settings, caplog):
    _activity(env)
    with caplog.at_level(logging.INFO, logger="expertnet.audit"):
        out = _checkpoint(cli)
    rows = len(env.db_run(_count))
    assert f"{rows} rows" in out
    line = json.loads((settings.data_dir / CHECKPOINTS).read_text().splitlines()[-1])
    assert set(line) == {"seq", "count", "head", "at", "prev", "mac"} and line["seq"] == 1 and line["count"] == rows
    assert any("audit checkpoint" in r.getMessage() and line["mac"] in r.getMessage() for r in caplog.records)
    code, out = _verify(cli)
    assert code == 0, out
    assert "intact" in out and f"{rows} rows" in out and "checkpoint #1" in out
    _activity(env, 1)  # rows after the last checkpoint are fine
    assert _verify(cli)[0] == 0


async def _count(session):
    from sqlalchemy import select

    from expertnet.core.models import AuditEntry

    return list((await session.execute(select(AuditEntry.id))).scalars())


def test_an_edit_is_detected(env, cli, insider):
    _activity(env)
    _checkpoint(cli)
    victim = insider.rows()[2]
    insider.sql("UPDATE audit_log SET reason = 'nothing to see' WHERE id = :id", params=[{"id": victim["id"]}])
    code, out = _verify(cli)
    assert code == 1 and f"row {victim['id']}" in out and "altered" in out, out
    assert env.db_run(audit.verify_chain) == (False, victim["id"])


def test_deleting_the_last_rows_is_detected(env, cli, insider):
    _activity(env)
    _checkpoint(cli)
    rows = insider.rows()
    insider.sql("DELETE FROM audit_log WHERE id >= :id", params=[{"id": rows[-2]["id"]}])
    code, out = _verify(cli)
    assert code == 1 and f"{len(rows) - 2} rows" in out and f"recorded {len(rows)}" in out, out
    assert env.db_run(audit.verify_chain)[0] is False


def test_deleting_rows_and_recomputing_the_hashes_is_detected(env, cli, insider):
    """The insider removes a row and rebuilds the chain after it: with SHA-256 (the old scheme) or
    with an HMAC under a key of their own, no MAC matches."""
    _activity(env)
    _checkpoint(cli)
    rows = insider.rows()
    gone = rows[3]
    kept = [r for r in rows if r["id"] != gone["id"]]
    for forge in ("sha256", "wrong key"):
        prev, updates = audit.GENESIS, []
        for position, row in enumerate(kept, start=1):
            if forge == "sha256":
                digest = legacy_digest(prev, row)
            else:
                digest = audit.mac(b"k" * 32, {**row, "seq": position, "prev_hash": prev})
            updates.append({"id": row["id"], "seq": position, "prev": prev, "hash": digest})
            prev = digest
        insider.sql(
            "DELETE FROM audit_log WHERE id = :id",
            *["UPDATE audit_log SET seq = :seq, prev_hash = :prev, hash = :hash WHERE id = :id"] * len(updates),
            params=[{"id": gone["id"]}, *updates],
        )
        code, out = _verify(cli)
        assert code == 1 and "altered" in out, (forge, out)


def test_a_truncated_log_is_detected(env, cli, insider):
    _activity(env)
    _checkpoint(cli)
    insider.sql("DELETE FROM audit_log")
    code, out = _verify(cli)
    assert code == 1 and "0 rows" in out and "truncated" in out, out


def test_reordered_rows_are_detected(env, cli, insider):
    _activity(env)
    _checkpoint(cli)
    a, b = insider.rows()[1:3]
    # Swap the two rows' content (and their chain fields), keeping the ids: the order of events changes.
    swap = "UPDATE audit_log SET at = :at, action = :action, actor_id = :actor_id, object_id = :object_id, hash = :hash, prev_hash = :prev_hash WHERE id = :id"
    insider.sql(
        swap,
        swap,
        params=[
            {"id": a["id"], **{k: b[k] for k in ("at", "action", "actor_id", "object_id", "hash", "prev_hash")}},
            {"id": b["id"], **{k: a[k] for k in ("at", "action", "actor_id", "object_id", "hash", "prev_hash")}},
        ],
    )
    code, out = _verify(cli)
    assert code == 1 and f"row {a['id']}" in out, out


def test_a_forged_checkpoint_is_refused(env, cli, settings, insider):
    _activity(env)
    _checkpoint(cli)
    rows = insider.rows()
    insider.sql("DELETE FROM audit_log WHERE id = :id", params=[{"id": rows[-1]["id"]}])
    # The insider also rewrites the checkpoint to the shorter chain: without the key its MAC is wrong.
    path = settings.data_dir / CHECKPOINTS
    line = json.loads(path.read_text().splitlines()[-1])
    line.update(count=len(rows) - 1, head=rows[-2]["hash"])
    path.write_text(json.dumps(line) + "\n")
    code, out = _verify(cli)
    assert code == 1 and "checkpoint #1" in out and "signature" in out, out


def test_without_a_checkpoint_verify_says_what_it_cannot_prove(env, cli):
    _activity(env, 1)
    code, out = _verify(cli)
    assert code == 3 and "no checkpoint" in out, out


def test_verify_against_a_copy_of_the_checkpoints_from_the_log(env, cli, settings, insider, tmp_path):
    _activity(env)
    _checkpoint(cli)
    copy = tmp_path / "from-the-log.txt"
    copy.write_text(
        "2026-12-01 12:00:00 INFO expertnet.audit: audit checkpoint " + (settings.data_dir / CHECKPOINTS).read_text()
    )
    rows = insider.rows()
    insider.sql("DELETE FROM audit_log WHERE id = :id", params=[{"id": rows[-1]["id"]}])
    (settings.data_dir / CHECKPOINTS).unlink()  # the insider removed the file on the server too
    assert _verify(cli)[0] == 3
    result = cli("audit", "verify", "--checkpoints", str(copy))
    assert result.exit_code == 1 and "deleted" in result.output, result.output


def test_the_worker_writes_checkpoints(env, settings):
    from expertnet.db import Database
    from expertnet.worker import run_jobs
    from tests.conftest import run_async

    _activity(env, 1)

    async def jobs():
        db = Database(settings)
        try:
            await run_jobs(db)
        finally:
            await db.dispose()

    run_async(jobs())
    lines = (settings.data_dir / CHECKPOINTS).read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["count"] == len(env.db_run(_count))
    run_async(jobs())  # nothing new and not yet due: no second line
    assert len((settings.data_dir / CHECKPOINTS).read_text().splitlines()) == 1


def test_the_worker_does_not_sign_a_broken_chain(env, settings, insider, caplog):
    from expertnet.db import Database
    from expertnet.worker import run_jobs
    from tests.conftest import run_async

    _activity(env, 1)
    insider.sql("UPDATE audit_log SET reason = 'x' WHERE id = :id", params=[{"id": insider.rows()[0]["id"]}])

    async def jobs():
        db = Database(settings)
        try:
            await run_jobs(db)
        finally:
            await db.dispose()

    with caplog.at_level(logging.ERROR, logger="expertnet.audit"):
        run_async(jobs())
    assert audit.read_checkpoints(settings.data_dir / CHECKPOINTS) == []
    assert any("not signed" in r.getMessage() for r in caplog.records)


def test_truncate_is_refused_on_postgresql(env, insider, db_kind):
    if db_kind != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    _activity(env, 1)
    with pytest.raises(Exception, match="append-only"):
        insider.sql("TRUNCATE audit_log", disable_triggers=False)
    assert insider.rows()


def test_the_development_key_is_a_private_file_made_once(settings):
    key = audit.key_of(settings)
    path = settings.data_dir / "audit.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(key) >= 32
    assert audit.key_of(settings) == key and path.read_bytes().strip() == key
    other = Settings(env="test", data_dir=settings.data_dir / "other", database_url=settings.database_url)
    assert audit.key_of(other) != key
    given = Settings(env="test", data_dir=settings.data_dir, database_url=settings.database_url, audit_key="z" * 40)
    assert audit.key_of(given) == b"z" * 40


def test_a_key_file_others_can_read_is_refused(settings):
    path = settings.data_dir / "audit.key"
    path.write_text("k" * 64)
    os.chmod(path, 0o644)
    with pytest.raises(ConfigError, match="audit.key"):
        audit.key_of(Settings(env="test", data_dir=settings.data_dir, database_url=settings.database_url))


def test_production_refuses_to_start_without_an_audit_key(monkeypatch, tmp_path):
    monkeypatch.setenv("EXPERTNET_ENV", "production")
    monkeypatch.setenv("EXPERTNET_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("EXPERTNET_SECRET_KEY", "s3cr3t-" + os.urandom(24).hex())
    monkeypatch.delenv("EXPERTNET_AUDIT_KEY", raising=False)
    monkeypatch.delenv("EXPERTNET_PASSWORD_HASH_PROFILE", raising=False)
    with pytest.raises(ConfigError, match="EXPERTNET_AUDIT_KEY"):
        load_settings()
    monkeypatch.setenv("EXPERTNET_AUDIT_KEY", " " * 40)
    with pytest.raises(ConfigError, match="EXPERTNET_AUDIT_KEY"):
        load_settings()
    monkeypatch.setenv("EXPERTNET_AUDIT_KEY", os.urandom(24).hex())
    assert load_settings().audit_key


def test_the_app_cannot_change_or_delete_rows(env, insider):
    """After the migrations the append-only triggers still stand (0005 re-chains without a table copy)."""
    _activity(env, 1)
    row = insider.rows()[0]
    for statement in ("UPDATE audit_log SET reason = 'x' WHERE id = :id", "DELETE FROM audit_log WHERE id = :id"):
        with pytest.raises(Exception, match="append-only"):
            insider.sql(statement, params=[{"id": row["id"]}], disable_triggers=False)
    assert insider.rows()[0] == row


def test_a_checkpoint_is_not_signed_over_a_deletion(env, cli, insider):
    """The incremental check before signing: the signed head must still be where it was."""
    _activity(env)
    _checkpoint(cli)
    insider.sql("DELETE FROM audit_log WHERE id = :id", params=[{"id": insider.rows()[-1]["id"]}])
    _activity(env, 1)  # new rows continue the shortened chain
    result = cli("audit", "checkpoint")
    assert result.exit_code == 1 and "not the one checkpoint #1 signed" in result.output, result.output
    assert _verify(cli)[0] == 1
