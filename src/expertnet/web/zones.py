"""The time zone a page shows times in: the member's chosen zone, else the browser's (the
`expertnet_tz` cookie app.js sets from Intl), else UTC. Computed once per request."""

from litestar.connection import ASGIConnection

from expertnet.core import timezones

TZ_COOKIE = "expertnet_tz"
_SCOPE_KEY = "expertnet.time_zone"


def browser_zone(connection: ASGIConnection) -> str | None:
    name = connection.cookies.get(TZ_COOKIE)
    return name if timezones.is_time_zone(name) else None


def zone_name_of(connection: ASGIConnection) -> str:
    scope = connection.scope
    cached = scope.get(_SCOPE_KEY)
    if isinstance(cached, str) and cached:
        return cached
    principal = scope.get("user")
    chosen = getattr(principal, "time_zone", "") if principal is not None else ""
    name = chosen if timezones.is_time_zone(chosen) else (browser_zone(connection) or timezones.UTC_NAME)
    scope[_SCOPE_KEY] = name  # type: ignore[literal-required]
    return name
