"""Coverage of the network and the audit log. Reads only; services never commit.

Coverage counts experts who could take a request today: vetting approved and current, marked
available and not away. Each expert counts once per (category, regional group) cell, the groups
being those of their own country and of the countries they cover. The table is computed in one
streamed pass over a single query (constant memory, no per-expert queries), which stays well
under a second at 100,000 experts.
"""

from collections import Counter
from functools import lru_cache

from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.admin import repository
from expertnet.admin.repository import AuditFilter
from expertnet.admin.schemas import AuditEntryOut, AuditPage, ChainOut, CoverageOut, CoverageRow, LanguageCoverage
from expertnet.core import audit, reference
from expertnet.db import utcnow

__all__ = ["DEFAULT_FEW", "AuditFilter", "audit_actions", "audit_log", "coverage", "verify"]

# Languages the secretariat always watches (OSCE working languages and those of the region,
# DOMAIN.md), besides every language an approved official works in.
WATCHED_LANGUAGES: tuple[str, ...] = (
    "en",
    "fr",
    "de",
    "it",
    "ru",
    "es",
    "sr",
    "hr",
    "bs",
    "sq",
    "mk",
    "bg",
    "ro",
    "uk",
    "tr",
    "ka",
    "hy",
    "az",
    "kk",
    "ky",
    "uz",
    "tg",
    "tk",
    "mn",
    "el",
    "ar",
)
DEFAULT_FEW = 3


@lru_cache(maxsize=65536)
def _regions(countries: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(reference.regions_for_countries(countries))


async def coverage(session: AsyncSession, *, few: int = DEFAULT_FEW) -> CoverageOut:
    now = utcnow()
    cells: dict[str, Counter] = {slug: Counter() for slug in reference.CATEGORY_SLUGS}
    category_totals: Counter = Counter()
    region_totals: Counter = Counter()
    language_counts: Counter = Counter()
    total = 0

    async for categories, country, coverage_countries, languages in repository.available_experts(session, now):
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
    async for languages in repository.official_languages(session, now):
        demand.update(set(languages or []))

    watched = set(WATCHED_LANGUAGES) | set(demand)
    thin = [
        LanguageCoverage(code=code, available_experts=language_counts.get(code, 0), officials=demand.get(code, 0))
        for code in watched
        if reference.is_language(code) and language_counts.get(code, 0) < few
    ]
    thin.sort(key=lambda row: (row.available_experts, -row.officials, row.code))
    region_codes = list(reference.REGIONS)
    return CoverageOut(
        regions=region_codes,
        rows=[
            CoverageRow(
                category=slug,
                counts={r: cells[slug].get(r, 0) for r in region_codes},
                total=category_totals.get(slug, 0),
            )
            for slug in reference.CATEGORY_SLUGS
        ],
        region_totals={r: region_totals.get(r, 0) for r in region_codes},
        total_experts=total,
        few_threshold=few,
        languages=thin,
        computed_at=now,
    )


# --------------------------------------------------------------------------- audit log


async def audit_log(session: AsyncSession, f: AuditFilter, *, offset: int, limit: int) -> AuditPage:
    """Entries newest first, each with the actor's name."""
    rows, total = await repository.audit_page(session, f, offset=offset, limit=limit)
    items = [
        AuditEntryOut.model_validate(entry.model_dump() | {"actor_name": name, "detail": entry.detail or {}})
        for entry, name in rows
    ]
    return AuditPage(items=items, total=total, offset=offset, limit=limit)


async def audit_actions(session: AsyncSession) -> list[str]:
    """The distinct actions in the log, for the filter's drop-down."""
    return await repository.audit_actions(session)


async def verify(session: AsyncSession) -> ChainOut:
    """The whole chain against the last checkpoint (see core/audit.py)."""
    report = await audit.verify_stored(session)
    return ChainOut(
        intact=report.intact,
        first_broken_id=report.first_broken_id,
        checked_at=utcnow(),
        status=report.status,
        rows=report.rows,
        message=report.message(),
        problems=report.problems,
    )
