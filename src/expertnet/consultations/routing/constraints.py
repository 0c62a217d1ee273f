"""Hard constraints (DESIGN.md "Routing: what the right expert means", rule 1): checked on fresh
database rows of every candidate, never relaxed by ranking. Declared conflicts are compared with the
requester's organisation and country case-, diacritic- and script-insensitively."""

from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache

from expertnet.consultations.routing.model import RoutingSpec
from expertnet.core.text import tokens
from expertnet.db import utcnow
from expertnet.members.models import VettingStatus

CONFLICT_NAME_LOCALES = (
    "en",
    "fr",
    "de",
    "it",
    "es",
    "ru",
    "sr",
    "sr_Latn",
    "hr",
    "bs",
    "mk",
    "bg",
    "uk",
    "tr",
    "sq",
    "ro",
)


@lru_cache(maxsize=512)
def _country_names(code: str) -> frozenset[str]:
    """The country's code and its names in the languages the network works in, folded."""
    from expertnet.core.reference import country_name

    names = {code.lower()}
    for locale in CONFLICT_NAME_LOCALES:
        try:
            name = country_name(code, locale)
        except Exception:  # noqa: BLE001 - a missing translation only weakens the match
            continue
        folded = " ".join(tokens(name))
        if folded:
            names.add(folded)
    return frozenset(names)


def conflict_matches(conflicts: Iterable[str], requester_org: str, requester_country: str | None) -> str | None:
    """The declared conflict that concerns this requester - their organisation or their country -
    compared case-, diacritic- and script-insensitively (Србија / Srbija / Serbia / RS), or None."""
    if not conflicts:
        return None
    org = " ".join(tokens(requester_org or ""))
    country = (requester_country or "").strip().upper()
    for entry in conflicts:
        folded = " ".join(tokens(entry))
        if not folded:
            continue
        if org and (folded == org or _contains_words(org, folded) or _contains_words(folded, org)):
            return entry
        if country and folded in _country_names(country):
            return entry
    return None


def _contains_words(haystack: str, needle: str) -> bool:
    """Whole-word containment of folded, space-joined words ("border police" in "serbian border police")."""
    return len(needle) >= 4 and f" {needle} " in f" {haystack} "


# The constraints an admin may set aside for one manual offer, with a written reason (the expert
# can still do the work: they read the language, or take a case while marked away). Vetting,
# capacity (accepting needs a free place), market ties the requester excluded, declared conflicts
# and the requester themselves are never set aside.
OVERRIDABLE = ("availability", "language")


def constraint_findings(
    expert,
    spec: RoutingSpec,
    *,
    requester_id: int | None = None,
    requester_org: str = "",
    requester_country: str | None = None,
    now: datetime | None = None,
) -> list[tuple[str, str]]:
    """(constraint, why) for each hard constraint this expert fails for this request (empty:
    eligible). Constraints: vetting, availability, capacity, language, market_ties, conflict,
    requester. `expert` is a candidate row (repository.CANDIDATE_COLUMNS): the profile with the
    member's name and vetting."""
    now = now or utcnow()
    found: list[tuple[str, str]] = []
    if expert.vetting_status != VettingStatus.approved:
        found.append(("vetting", f"vetting is {expert.vetting_status}"))
    elif expert.vetted_until is not None and expert.vetted_until <= now:
        found.append(("vetting", "vetting has expired"))
    if not expert.available:
        found.append(("availability", "not available"))
    if expert.away_until is not None and expert.away_until >= now.date():
        found.append(("availability", f"away until {expert.away_until.isoformat()}"))
    if expert.open_consultations >= expert.max_open_consultations:
        found.append(("capacity", f"at capacity ({expert.open_consultations}/{expert.max_open_consultations} open)"))
    if spec.languages and set(spec.languages).isdisjoint(expert.languages or ()):
        found.append(("language", "shares no working language with the request"))
    if spec.exclude_market_ties and expert.market_ties:
        found.append(("market_ties", "declared market ties, excluded by the request"))
    conflict = conflict_matches(expert.conflicts, requester_org, requester_country)
    if conflict:
        found.append(("conflict", f"declared conflict: {conflict}"))
    if requester_id is not None and expert.member_id == requester_id:
        found.append(("requester", "is the requester"))
    return found


def hard_constraint_problems(
    expert,
    spec: RoutingSpec,
    *,
    requester_id: int | None = None,
    requester_org: str = "",
    requester_country: str | None = None,
    now: datetime | None = None,
) -> list[str]:
    """Why this expert may not be offered this request (empty: eligible): DESIGN.md's hard
    constraints, never relaxed by ranking (see constraint_findings)."""
    return [
        why
        for _, why in constraint_findings(
            expert,
            spec,
            requester_id=requester_id,
            requester_org=requester_org,
            requester_country=requester_country,
            now=now,
        )
    ]
