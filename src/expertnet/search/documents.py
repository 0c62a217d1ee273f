"""Search documents derived from database rows. The index is derived data: these functions are
the only definition of what an indexed expert or consultation looks like."""

from datetime import UTC, date, datetime, time
from functools import lru_cache

from expertnet.core import reference
from expertnet.experts.models import Expert
from expertnet.matching.vocabulary import get_vocabulary
from expertnet.members.models import Member


def epoch(value: datetime | None) -> int:
    return int(value.timestamp()) if value else 0


def day_end_epoch(value: date | None) -> int:
    """An expert away until a date is away for the whole of that day."""
    if value is None:
        return 0
    return int(datetime.combine(value, time.max, tzinfo=UTC).timestamp())


@lru_cache(maxsize=50_000)
def _concepts_of(text: str) -> tuple[str, ...]:
    # Specialties repeat across many profiles; terms never match across "; " so extracting each
    # specialty alone gives the same concepts as extracting the joined profile text.
    return tuple(get_vocabulary().concept_ids(text))


def available_now(expert: Expert, member: Member, today: date | None = None) -> bool:
    """Approved, available, and not away: an expert away until a date is away all of that day."""
    today = today or datetime.now(UTC).date()
    away = expert.away_until is not None and expert.away_until >= today
    return bool(expert.available) and not away and member.vetting_status == "approved"


def expert_document(expert: Expert, member: Member) -> dict:
    concepts = set(get_vocabulary().concept_ids(expert.bio)) if expert.bio else set()
    for specialty in expert.specialties:
        concepts.update(_concepts_of(specialty))
    # every category, in the vocabulary or not: the concept leg of a search looks categories up here
    concepts.update(f"category:{slug}" for slug in expert.categories)
    answered = expert.offers_answered / expert.offers_received if expert.offers_received else 0.5
    return {
        "id": str(expert.id),
        "external_id": expert.external_id,
        "full_name": member.full_name,
        "organisation": expert.organisation,
        "org_type": expert.org_type,
        "country": expert.country,
        "coverage_countries": list(expert.coverage_countries),
        "regions": reference.regions_for_countries([expert.country, *expert.coverage_countries]),
        "languages": list(expert.languages),
        "categories": list(expert.categories),
        "specialties": list(expert.specialties),
        "bio": expert.bio,
        "concepts": sorted(concepts),
        # What the directory shows and its "Available now" filter counts: takes offers now. The
        # worker re-indexes experts whose away-until date has passed (experts.tasks).
        "available": available_now(expert, member),
        "away_until": day_end_epoch(expert.away_until),
        "vetting_status": member.vetting_status,
        "vetted_until": epoch(member.vetted_until),
        "market_ties": bool(expert.market_ties),
        "open_consultations": expert.open_consultations,
        "max_open_consultations": expert.max_open_consultations,
        "has_capacity": expert.open_consultations < expert.max_open_consultations,
        "member_id": member.id,
        "responsiveness": round(answered, 4),
        "updated_at": epoch(max(expert.updated_at, member.updated_at)),
    }
