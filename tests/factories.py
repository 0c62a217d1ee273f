"""Factories: members, experts and consultations for tests that are not about making them.

They call the same service functions as the HTTP handlers, in one unit of work that ends as a
request does (commit, then the inline worker drains the outbox, so experts are in the search index
and notifications are queued), and mint the tokens a login would answer with. What they skip is
the HTTP round trips and the login itself (no "member.login" audit entry, no login attempt row):
tests about registration, login or their audit trail use `Env.register` / `Env.login` instead.
"""

import itertools
import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete

from expertnet.core import outbox
from expertnet.core.models import OutboxEvent
from expertnet.db import Database, commit, utcnow

if TYPE_CHECKING:
    from tests.conftest import Env, User

_n = itertools.count(1)


def unit_of_work(env: "Env", fn) -> Any:
    """Run `await fn(session, settings)` as a request would: commit, then drain the outbox when the
    app is its own worker (inline_worker), like core.deps.provide_db_session."""
    from tests.conftest import run_async

    settings = env.settings

    async def go():
        db = Database(settings)
        try:
            async with db.sessionmaker() as session:
                result = await fn(session, settings)
                await commit(session)
                dirty = session.info.get("outbox_dirty")
            if dirty and settings.inline_worker:
                await outbox.drain(db)
            return result
        finally:
            await db.dispose()

    return run_async(go())


def registration(role: str = "le_official", **overrides) -> dict:
    """The body `Env.register` posts to /api/v1/auth/register, with `overrides` applied."""
    n = next(_n)
    body: dict = {
        "email": f"member{n}.{uuid.uuid4().hex[:8]}@test.example",
        "password": f"a long test passphrase {n} ok",
        "full_name": f"Test Member {n}",
        "role": role,
        "organisation": "Border Police Directorate" if role == "le_official" else "National Museum",
        "country": "RS",
        "languages": ["sr", "en"],
        "application_statement": "I work on heritage crime.",
    }
    if role == "expert":
        body["expert"] = {
            "categories": ["numismatics"],
            "specialties": ["Roman Imperial coinage"],
            "bio": "Numismatist.",
        }
    for key, value in overrides.items():
        if key == "expert" and isinstance(value, dict):
            body["expert"] = {**body.get("expert", {}), **value}
        else:
            body[key] = value
    return body


def admin(
    env: "Env", email: str = "root-admin@test.example", password: str = "correct horse battery staple 1"
) -> "User":
    """An administrator as `expertnet create-admin` makes one, with tokens."""
    from expertnet.members import service
    from expertnet.members.auth import issue_pair
    from tests.conftest import User

    async def go(session, settings):
        member = await service.create_admin(session, email, password, "Test Admin")
        return member.id, await issue_pair(session, settings, member)

    member_id, tokens = unit_of_work(env, go)
    return User(member_id, email, password, "admin", tokens.access_token, tokens.refresh_token)


def confirm_email(env: "Env", email: str) -> None:
    """The applicant's address counts as confirmed, as if the e-mailed link had been opened."""
    from sqlalchemy import update

    from expertnet.members.models import Member

    async def go(session, settings):
        await session.execute(update(Member).where(Member.email == email.lower()).values(email_confirmed_at=utcnow()))

    unit_of_work(env, go)


def member(env: "Env", role: str = "le_official", *, approve: bool = True, **overrides) -> "User":
    """A member registered (and by default approved by the test admin) through the service layer,
    the address confirmed. `overrides` are fields of the registration body, as for `Env.register`."""
    from expertnet.members import service, tokens
    from expertnet.members.auth import issue_pair, load_principal
    from expertnet.members.schemas import ApproveIn, RegisterIn
    from tests.conftest import User

    body = registration(role, **overrides)
    admin_id = env.admin.id if approve else None

    async def go(session, settings):
        out = await service.register(session, settings, RegisterIn.model_validate(body))
        (await service.get_member(session, out.id)).email_confirmed_at = utcnow()
        await tokens.revoke_live(session, out.id, "confirm")  # confirmed: its link is not mailed
        if admin_id is not None:
            await service.approve(session, settings, await load_principal(session, admin_id), out.id, ApproveIn())
            # The news of the approval (a notification and an e-mail) is not what these tests are
            # about: leave it unsent (tests/members/test_joining.py checks that it goes out).
            await session.flush()
            await session.execute(
                delete(OutboxEvent).where(OutboxEvent.topic == "notify", OutboxEvent.key == f"vetting.{out.id}")
            )
        member_row = await service.get_member(session, out.id)
        return out.model_dump(mode="json"), await issue_pair(
            session, settings, member_row
        )  # `extra`: the registration's answer

    out, tokens = unit_of_work(env, go)
    return User(out["id"], body["email"], body["password"], role, tokens.access_token, tokens.refresh_token, out)


def expert(env: "Env", **overrides) -> "User":
    """An approved expert; `user.extra` also holds the profile's `expert_id` and `external_id`."""
    from expertnet.experts.models import Expert
    from sqlalchemy import select

    user = member(env, "expert", **overrides)

    async def go(session, settings):
        row = (await session.execute(select(Expert).where(Expert.member_id == user.id))).scalar_one()
        return row.id, row.external_id

    user.extra["expert_id"], user.extra["external_id"] = unit_of_work(env, go)
    return user


def consultation_body(**overrides) -> dict:
    body = {
        "title": "Roman denarius seized at the border",
        "description": "Border police detained a silver Roman Imperial denarius of Trajan found in a car. "
        "Is it genuine, and where could it come from?",
        "location_country": "RS",
        "object_origin_country": "IT",
        "languages": ["sr", "en"],
    }
    body.update(overrides)
    return body


def consultation(env: "Env", official: "User", *, submit: bool = False, offer_count: int = 3, **overrides) -> dict:
    """A draft filed by `official` (and submitted, which routes it to offers, when `submit`); the
    answer is the consultation as the API shows it to the official."""
    from expertnet.consultations import service
    from expertnet.consultations.schemas import ConsultationCreate, SubmitIn
    from expertnet.members.auth import load_principal
    from expertnet.search.indexer import get_search

    body = consultation_body(**overrides)

    async def go(session, settings):
        ctx = service.Ctx(principal=await load_principal(session, official.id))
        out = await service.create(session, ctx, ConsultationCreate.model_validate(body))
        if submit:
            out = await service.submit(session, get_search(settings), ctx, out.id, SubmitIn(offer_count=offer_count))
        return out.model_dump(mode="json")

    return unit_of_work(env, go)
