"""Coverage of the network and the audit log. Reads only; services never commit.

Coverage counts experts who could take a request today: vetting approved and current, marked
available and not away. Each expert counts once per (category, regional group) cell, the groups
being those of their own country and of the countries they cover. The table is computed in one
streamed pass over a single query (constant memory, no per-expert queries), which stays well
under a second at 100,000 experts.
"""
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.admin.schemas import AuditEntryOut, ChainOut, CoverageOut, CoverageRow, LanguageCoverage
from expertnet.core import audit, reference
from expertnet.core.models import AuditEntry
from expertnet.db import utcnow
from expertnet.experts.models import Expert
from expertnet.members.models import Member, Role, VettingStatus

# Languages the secretariat always watches (OSCE working languages and those of the region,
# DOMAIN.md), besides every language an approved official works in.
WATCHED_LANGUAGES: tuple[str, ...] = (
    "en", "fr", "de", "it", "ru", "es",
    "sr", "hr", "bs", "sq", "mk", "bg", "ro", "uk", "tr", "ka", "hy", "az",
    "kk", "ky", "uz", "tg", "tk", "mn", "el", "ar",
)
DEFAULT_FEW = 3
STREAM_CHUNK = 2000


@lru_cache(maxsize=65536)
def _regions(countries: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(reference.regions_for_countries(countries))


def _current(now: datetime):
    return (Member.vetting_status == VettingStatus.approved) & or_(Member.vetted_until.is_(None), Member.vetted_until > now)


async def coverage(session: AsyncSession, *, few: int = DEFAULT_FEW) -> CoverageOut:
    now = utcnow()
    today = now.date()
    cells: dict[str, Counter] = {slug: Counter() for slug in reference.CATEGORY_SLUGS}
    category_totals: Counter = Counter()
    region_totals: Counter = Counter()
    language_counts: Counter = Counter()
    total = 0

    experts = (
        select(Expert.categories, Expert.country, Expert.coverage_countries, Expert.languages)
        .join(Member, Member.id == Expert.member_id)
        .where(
            _current(now),
            Member.role == Role.expert,
            Expert.available.is_(True),
            or_(Expert.away_until.is_(None), Expert.away_until <= today),
        )
        .execution_options(yield_per=STREAM_CHUNK)
    )
    result = await session.stream(experts)
    async for categories, country, coverage_countries, languages in result:
        total += 1
        regions = _regions(tuple(sorted({country, *(coverage_countries or [])})))
        region_totals.update(regions)
        language_counts.update(set(languages or []))
        for category in set(categories or []):
            row = cells.get(category)
            if row is None:
                continue
            category_totals[category] += 1
            row.update(regions)

    demand: Counter = Counter()
    officials = (
        select(Member.languages)
        .where(_current(now), Member.role == Role.le_official)
        .execution_options(yield_per=STREAM_CHUNK)
    )
    result = await session.stream(officials)
    async for (languages,) in result:
        demand.update(set(languages or []))

    watched = set(WATCHED_LANGUAGES) | set(demand)
    thin = [
        LanguageCoverage(code=code, available_experts=language_counts.get(code, 0), officials=demand.get(code, 0))
        for code in watched
        if reference.is_language(code) and language_counts.get(code, 0) < few
    ]
    thin.sort(key=lambda row: (row.available_experts, -row.officials, row.code))
    regions = list(reference.REGIONS)
    return CoverageOut(
        regions=regions,
        rows=[
            CoverageRow(category=slug, counts={r: cells[slug].get(r, 0) for r in regions}, total=category_totals.get(slug, 0))
            for slug in reference.CATEGORY_SLUGS
        ],
        region_totals={r: region_totals.get(r, 0) for r in regions},
        total_experts=total,
        few_threshold=few,
        languages=thin,
        computed_at=now,
    )


# --------------------------------------------------------------------------- audit log


@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None
    action: str | None = None  # exact action, or a prefix ending in "." ("vetting.")
    object_type: str | None = None
    object_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _audit_where(f: AuditFilter) -> list:
    where = []
    if f.actor_id is not None:
        where.append(AuditEntry.actor_id == f.actor_id)
    if f.action:
        if f.action.endswith("."):
            where.append(AuditEntry.action.startswith(f.action, autoescape=True))
        else:
            where.append(AuditEntry.action == f.action)
    if f.object_type:
        where.append(AuditEntry.object_type == f.object_type)
    if f.object_id:
        where.append(AuditEntry.object_id == f.object_id)
    if f.since is not None:
        where.append(AuditEntry.at >= f.since)
    if f.until is not None:
        where.append(AuditEntry.at < f.until)
    return where


async def audit_log(session: AsyncSession, f: AuditFilter, *, offset: int, limit: int) -> tuple[list[AuditEntryOut], int]:
    where = _audit_where(f)
    total = int((await session.execute(select(func.count()).select_from(AuditEntry).where(*where))).scalar_one())
    rows = await session.execute(
        select(AuditEntry, Member.full_name)
        .outerjoin(Member, Member.id == AuditEntry.actor_id)
        .where(*where)
        .order_by(AuditEntry.id.desc())
        .offset(offset)
        .limit(limit)
    )
    items = [
        AuditEntryOut(
            id=entry.id,
            at=entry.at,
            actor_id=entry.actor_id,
            actor_name=name,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            reason=entry.reason,
            ip=entry.ip,
            detail=entry.detail or {},
            hash=entry.hash,
        )
        for entry, name in rows.all()
    ]
    return items, total


async def audit_actions(session: AsyncSession) -> list[str]:
    """The distinct actions in the log, for the filter's drop-down."""
    rows = await session.execute(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    return [row for row in rows.scalars().all()]


async def verify(session: AsyncSession) -> ChainOut:
    intact, broken = await audit.verify_chain(session)
    return ChainOut(intact=intact, first_broken_id=broken, checked_at=utcnow())
