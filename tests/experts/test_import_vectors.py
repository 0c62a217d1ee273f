"""`expertnet experts import` returns once the experts are searchable by words and concepts
(DESIGN.md); their dense vectors are the worker's job, unless --wait-vectors asks for them."""

from sqlalchemy import func, select

from expertnet.core.models import OutboxEvent
from expertnet.experts.service import VECTORS_TOPIC
from expertnet.matching.vectors import ExpertVector
from tests.experts.test_import import _count, _record, _scalar, _write


def _pending_vector_events(env) -> int:
    return env.db_run(
        lambda s: _scalar(
            s,
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.topic == VECTORS_TOPIC, OutboxEvent.processed_at.is_(None)),
        )
    )


def test_import_leaves_the_vectors_to_the_worker(env, cli, tmp_path):
    result = cli("experts", "import", _write(tmp_path, [_record(1), _record(2)]))
    assert result.exit_code == 0, result.output
    assert "computed by the worker" in result.output
    assert _count(env, ExpertVector) == 0 and _pending_vector_events(env) == 1
    r = env.client.get(
        "/api/v1/experts/search", params={"q": "Byzantine lead seals"}, headers=env.member("le_official").headers
    )
    assert r.status_code == 200 and {i["external_id"] for i in r.json()["items"]} >= {"E-1", "E-2"}


def test_wait_vectors_computes_them_before_returning(env, cli, tmp_path):
    result = cli("experts", "import", "--wait-vectors", _write(tmp_path, [_record(1), _record(2)]))
    assert result.exit_code == 0, result.output
    assert "computed by the worker" not in result.output
    assert _count(env, ExpertVector) == 2 and _pending_vector_events(env) == 0
