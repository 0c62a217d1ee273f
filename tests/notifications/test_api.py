"""The notifications API: a member's own notifications only, read marks, and who may call it."""

from datetime import timedelta

from sqlalchemy import update

from expertnet.db import utcnow
from expertnet.members.models import Member
from expertnet.notifications import service
from tests.notifications.conftest import drain

BASE = "/api/v1/notifications"


def _notify(env, member_ids, kind, subject, consultation_id=None, url="/consultations/1"):
    async def go(session):
        await service.notify(session, member_ids, kind, subject, f"body of {subject}", url, consultation_id)

    env.db_run(go)


def _items(env, user, **params) -> dict:
    r = env.client.get(BASE, params=params, headers=user.headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_members_see_and_mark_only_their_own(env):
    official, expert = env.member("le_official"), env.member("expert")
    _notify(env, [official.id], "accepted", "first for the official", consultation_id=5)
    _notify(env, [official.id], "opinion", "second for the official", consultation_id=5)
    _notify(env, [expert.id], "offer", "for the expert", consultation_id=6)
    drain(env.settings)

    mine = _items(env, official)
    assert [i["subject"] for i in mine["items"]] == ["second for the official", "first for the official"]
    assert (mine["total"], mine["unread"]) == (2, 2)
    assert mine["items"][0]["url"] == "/consultations/1" and mine["items"][0]["consultation_id"] == 5
    theirs = _items(env, expert)
    assert [i["subject"] for i in theirs["items"]] == ["for the expert"]
    other_id = theirs["items"][0]["id"]

    # Someone else's notification does not exist for me, and stays unread for its owner.
    r = env.client.post(f"{BASE}/{other_id}/read", headers=official.headers)
    assert r.status_code == 404
    assert env.client.post(f"{BASE}/999999/read", headers=official.headers).status_code == 404
    assert _items(env, expert)["unread"] == 1

    first_id = mine["items"][1]["id"]
    r = env.client.post(f"{BASE}/{first_id}/read", headers=official.headers)
    assert r.status_code == 200, r.text
    read_at = r.json()["read_at"]
    assert read_at is not None
    again = env.client.post(f"{BASE}/{first_id}/read", headers=official.headers)
    assert again.status_code == 200 and again.json()["read_at"] == read_at  # idempotent

    unread = _items(env, official, unread="true")
    assert [i["subject"] for i in unread["items"]] == ["second for the official"]
    assert (unread["total"], unread["unread"]) == (1, 1)
    assert _items(env, official)["total"] == 2

    r = env.client.post(f"{BASE}/read-all", headers=official.headers)
    assert r.status_code == 200, r.text
    assert r.json() == {"marked": 1, "unread": 0}
    assert _items(env, official, unread="true")["items"] == []
    assert _items(env, expert)["unread"] == 1  # read-all touched only mine


def test_unread_count_for_the_badge(env):
    expert = env.member("expert")
    _notify(env, [expert.id], "offer", "one")
    _notify(env, [expert.id], "reoffered", "two")
    drain(env.settings)

    async def count(session):
        return await service.unread_count(session, expert.id)

    assert env.db_run(count) == 2
    first = _items(env, expert)["items"][0]["id"]
    env.client.post(f"{BASE}/{first}/read", headers=expert.headers)
    assert env.db_run(count) == 1


def test_paging_and_limits(env):
    expert = env.member("expert")
    for n in range(3):
        _notify(env, [expert.id], "message", f"message {n}")
    drain(env.settings)
    page = _items(env, expert, offset=1, limit=1)
    assert [i["subject"] for i in page["items"]] == ["message 1"]
    assert (page["total"], page["unread"], page["offset"], page["limit"]) == (3, 3, 1, 1)
    for bad in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"unread": "maybe"}):
        r = env.client.get(BASE, params=bad, headers=expert.headers)
        assert r.status_code == 400, (bad, r.status_code)


def test_anonymous_and_bad_tokens_get_401(env):
    expert = env.member("expert")
    _notify(env, [expert.id], "offer", "x")
    drain(env.settings)
    nid = _items(env, expert)["items"][0]["id"]
    for headers in ({}, {"Authorization": "Bearer not.a.token"}):
        assert env.client.get(BASE, headers=headers).status_code == 401
        assert env.client.post(f"{BASE}/{nid}/read", headers=headers).status_code == 401
        assert env.client.post(f"{BASE}/read-all", headers=headers).status_code == 401
    assert _items(env, expert)["unread"] == 1


def test_lapsed_vetting_shows_only_news_about_the_membership(env):
    expert = env.member("expert")
    _notify(env, [expert.id], "offer", "case news", consultation_id=9)
    _notify(env, [expert.id], "vetting_approved", "membership news", url="/me")
    drain(env.settings)
    both = _items(env, expert)
    assert {i["kind"] for i in both["items"]} == {"offer", "vetting_approved"}
    case_id = next(i["id"] for i in both["items"] if i["kind"] == "offer")

    def set_vetted_until(value):
        async def go(session):
            await session.execute(update(Member).where(Member.id == expert.id).values(vetted_until=value))

        env.db_run(go)

    set_vetted_until(utcnow() - timedelta(days=1))
    lapsed = _items(env, expert)
    assert [i["kind"] for i in lapsed["items"]] == ["vetting_approved"]
    assert (lapsed["total"], lapsed["unread"]) == (1, 1)
    assert env.client.post(f"{BASE}/{case_id}/read", headers=expert.headers).status_code == 404
    assert env.client.post(f"{BASE}/read-all", headers=expert.headers).json() == {"marked": 1, "unread": 0}

    set_vetted_until(None)
    current = _items(env, expert, unread="true")
    assert [i["id"] for i in current["items"]] == [case_id]  # still unread: it was never shown


def test_case_news_is_not_created_for_unvetted_applicants(env):
    applicant = env.register("expert")
    _notify(env, [applicant.id], "offer", "should not arrive")
    _notify(env, [applicant.id], "vetting_approved", "arrives", url="/me")
    drain(env.settings)
    assert [i["subject"] for i in _items(env, applicant)["items"]] == ["arrives"]
