"""IANA time zones: the names a member may choose, and local wall-clock time <-> UTC instants.

Times are stored as UTC instants; a member's zone only changes how pages show and read them.
"""

from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

UTC_NAME = "UTC"


@lru_cache(maxsize=1)
def _known() -> frozenset[str]:
    return frozenset(available_timezones()) | {UTC_NAME}


@lru_cache(maxsize=1)
def names() -> tuple[str, ...]:
    """Every zone name the system's tz database knows, sorted; the legacy aliases left out."""
    # "posixrules", "Factory", "EST5EDT" ... exist but no person lives in them.
    skip = ("posix", "right", "Etc/", "SystemV", "US/", "Factory", "localtime", "posixrules")
    zones = {name for name in _known() if "/" in name and not name.startswith(skip)}
    return tuple(sorted(zones | {UTC_NAME}))


def is_time_zone(name: str | None) -> bool:
    if not isinstance(name, str) or not name or len(name) > 64 or name not in _known():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@lru_cache(maxsize=512)
def zone(name: str | None) -> tzinfo:
    """The zone of that name; UTC for an empty or unknown name."""
    if name and name != UTC_NAME and is_time_zone(name):
        return ZoneInfo(name)
    return UTC


def local_to_utc(value: datetime, zone_name: str | None) -> datetime:
    """A wall-clock time typed in `zone_name` (naive) as the UTC instant it names. In the hour a
    clock is set back the earlier of the two instants counts (the legal deadline comes first)."""
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    return value.replace(tzinfo=zone(zone_name), fold=0).astimezone(UTC)


def utc_to_local(value: datetime, zone_name: str | None) -> datetime:
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return aware.astimezone(zone(zone_name))
