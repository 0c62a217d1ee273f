"""Helpers for the consultation desk tests: members from tests/factories.py, the desk through the API."""

import json
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from expertnet.core.models import AuditEntry, OutboxEvent
from tests import factories


@dataclass
class Desk:
    env: object

    @property
    def client(self):
        return self.env.client

    def official(self, **overrides):
        return self.env.member("le_official", **overrides)

    def expert(
        self,
        *,
        categories=("numismatics",),
        specialties=("Roman Imperial coinage",),
        bio="",
        languages=("sr", "en"),
        country="RS",
        coverage=(),
        market_ties=False,
        organisation="National Museum",
        **profile,
    ):
        user = factories.expert(
            self.env,
            languages=list(languages),
            country=country,
            organisation=organisation,
            expert={
                "categories": list(categories),
                "specialties": list(specialties),
                "bio": bio,
                "coverage_countries": list(coverage),
                "market_ties": market_ties,
            },
        )
        if profile:
            self.update_profile(user, **profile)
        return user

    def update_profile(self, user, **changes):
        me = self.client.get("/api/v1/experts/me", headers=user.headers).json()
        r = self.client.put("/api/v1/experts/me", json={"version": me["version"], **changes}, headers=user.headers)
        assert r.status_code == 200, r.text
        return r.json()

    def draft(self, official, **overrides):
        body = {
            "title": "Roman denarius seized at the border",
            "description": "Border police detained a silver Roman Imperial denarius of Trajan found in a car. "
            "Is it genuine, and where could it come from?",
            "location_country": "RS",
            "object_origin_country": "IT",
            "languages": ["sr", "en"],
        }
        body.update(overrides)
        r = self.client.post("/api/v1/consultations", json=body, headers=official.headers)
        assert r.status_code == 201, r.text
        return r.json()

    def submit(self, official, consultation_id, offer_count=3):
        r = self.client.post(
            f"/api/v1/consultations/{consultation_id}/submit",
            json={"offer_count": offer_count},
            headers=official.headers,
        )
        assert r.status_code == 200, r.text
        return r.json()

    def get(self, user, consultation_id, part="", **params):
        return self.client.get(f"/api/v1/consultations/{consultation_id}{part}", params=params, headers=user.headers)

    def offers(self, user, status="open"):
        r = self.client.get("/api/v1/offers", params={"status": status} if status else {}, headers=user.headers)
        assert r.status_code == 200, r.text
        return r.json()

    def offer_of(self, expert_user, consultation_id):
        for offer in self.offers(expert_user):
            if offer["consultation_id"] == consultation_id:
                return offer
        return None

    def notifications(self, kind=None, consultation_id=None):
        async def go(session):
            rows = (
                await session.execute(select(OutboxEvent).where(OutboxEvent.topic == "notify").order_by(OutboxEvent.id))
            ).scalars()
            return [dict(r.payload) for r in rows]

        found = self.env.db_run(go)
        return [
            p
            for p in found
            if (kind is None or p["kind"] == kind)
            and (consultation_id is None or p["consultation_id"] == consultation_id)
        ]

    def outbox(self, topic, key=None):
        async def go(session):
            query = select(OutboxEvent).where(OutboxEvent.topic == topic)
            if key is not None:
                query = query.where(OutboxEvent.key == str(key))
            return list((await session.execute(query.order_by(OutboxEvent.id))).scalars())

        return self.env.db_run(go)

    def audit(self, action=None, actor_id=None):
        async def go(session):
            query = select(AuditEntry).order_by(AuditEntry.id)
            if action:
                query = query.where(AuditEntry.action == action)
            if actor_id:
                query = query.where(AuditEntry.actor_id == actor_id)
            return list((await session.execute(query)).scalars())

        return self.env.db_run(go)


@pytest.fixture
def desk(env) -> Desk:
    return Desk(env)


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)
