"""`expertnet objects hash-photos`: photos filed before pHashes existed get one, and their
requests are compared like fresh uploads."""

import io

from sqlalchemy import delete, func, select

from expertnet.objects.models import PhotoHash, SeenBefore
from tests.objects.images import jpeg, scene


def test_hash_photos_backfills_and_flags(desk, env, cli):
    img = scene(5)
    first, second = desk.official(), desk.official(country="HR")
    a, b = desk.draft(first)["id"], desk.draft(second)["id"]
    for user, cid, data in ((first, a, jpeg(img)), (second, b, jpeg(img, 65, (640, 480)))):
        r = env.client.post(
            f"/api/v1/consultations/{cid}/attachments",
            files={"file": ("p.jpg", io.BytesIO(data), "image/jpeg")},
            headers=user.headers,
        )
        assert r.status_code == 201, r.text

    async def forget(session):  # as before this package: no hashes, no pairs
        await session.execute(delete(SeenBefore))
        await session.execute(delete(PhotoHash))

    env.db_run(forget)
    result = cli("objects", "hash-photos")
    assert result.exit_code == 0 and "2 photo(s) hashed; 0 could not be read" in result.output, result.output
    flags = env.client.get("/api/v1/admin/seen-before", headers=env.admin.headers).json()
    assert [(f["consultation_id"], f["earlier_id"]) for f in flags] == [(b, a)]
    assert "0 photo(s) hashed" in cli("objects", "hash-photos").output  # idempotent

    async def count(session):
        return (await session.execute(select(func.count()).select_from(PhotoHash))).scalar_one()

    assert env.db_run(count) == 2
