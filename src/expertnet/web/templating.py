"""Jinja2 set-up for the pages: gettext in the request's language, and display filters.

`configure(engine)` is called by create_app's TemplateConfig. Every template gets `_()`/`ngettext()`
(jinja2.ext.i18n, new style: variables are escaped), and filters that render in the request's
locale: `country`, `language`, `category`, `region`, `label(group)`, `datetime`, `date`,
`countdown`, `ago`.
"""

from datetime import UTC, date, datetime, timedelta

from functools import lru_cache

from babel.dates import format_date, format_datetime, get_timezone_location
from babel.numbers import format_decimal
from jinja2 import pass_context
from litestar.utils.scope.state import ScopeState
from markupsafe import Markup
from jinja2.runtime import Context
from litestar.contrib.jinja import JinjaTemplateEngine

from expertnet.core import reference, timezones
from expertnet.db import utcnow
from expertnet.web import i18n, labels, messages, reasons, zones


def _locale(ctx: Context) -> str:
    locale = ctx.get("locale")
    if locale in i18n.LOCALES:
        return locale
    request = ctx.get("request")
    if request is not None:
        try:
            return i18n.locale_of(request)
        except Exception:  # noqa: BLE001 - error pages must render even for odd requests
            return i18n.DEFAULT_LOCALE
    return i18n.DEFAULT_LOCALE


@pass_context
def _gettext(ctx: Context, message: str) -> str:
    return i18n.translations(_locale(ctx)).gettext(message)


@pass_context
def _ngettext(ctx: Context, singular: str, plural: str, n: int) -> str:
    return i18n.translations(_locale(ctx)).ngettext(singular, plural, n)


@pass_context
def _pgettext(ctx: Context, context: str, message: str) -> str:
    return str(i18n.translations(_locale(ctx)).pgettext(context, message))  # Babel types it as object


@pass_context
def _npgettext(ctx: Context, context: str, singular: str, plural: str, n: int) -> str:
    return i18n.translations(_locale(ctx)).npgettext(context, singular, plural, n)


@pass_context
def country_filter(ctx: Context, code: str | None) -> str:
    if not code:
        return ""
    try:
        return reference.country_name(code, _locale(ctx))
    except ValueError:
        return code


@pass_context
def language_filter(ctx: Context, code: str | None) -> str:
    if not code:
        return ""
    try:
        name = reference.language_name(code, _locale(ctx))
    except ValueError:
        return code
    return name[:1].upper() + name[1:]


@pass_context
def label_filter(ctx: Context, value: str | None, group: str) -> str:
    """Translated display name of an enumerated value (`status|label("statuses")`)."""
    if value is None or value == "":
        return ""
    known = labels.GROUPS[group].get(value)
    if known is None:
        return str(value).replace("_", " ")
    return i18n.translations(_locale(ctx)).gettext(known)


@pass_context
def field_label_filter(ctx: Context, name: str | None) -> str:
    """A form field's label in the reader's language (error summaries name fields by it)."""
    known = labels.FIELDS.get(name or "")
    if known is None:
        # An unlisted field: its code reads as English, so other languages leave it unnamed.
        return (name or "").replace("_", " ") if _locale(ctx) == "en" else ""
    return i18n.translations(_locale(ctx)).gettext(known)


@pass_context
def server_filter(ctx: Context, text: str | None) -> str:
    """A server message in the reader's language (web.messages); translated texts pass as they are."""
    return messages.server_message(_locale(ctx), text) if text else ""


@pass_context
def reasons_filter(ctx: Context, codes: list[str] | None) -> str:
    return reasons.sentence(codes, _locale(ctx))


@pass_context
def category_filter(ctx: Context, slug: str | None) -> str:
    return label_filter(ctx, slug, "categories")


@pass_context
def region_filter(ctx: Context, slug: str | None) -> str:
    return label_filter(ctx, slug, "regions")


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _zone_name(ctx: Context) -> str:
    name = ctx.get("time_zone")
    if isinstance(name, str) and name:
        return name
    request = ctx.get("request")
    if request is not None:
        try:
            return zones.zone_name_of(request)
        except Exception:  # noqa: BLE001 - error pages must render even for odd requests
            return timezones.UTC_NAME
    return timezones.UTC_NAME


def _zone_suffix(local: datetime, zone_name: str) -> str:
    """'UTC', or the offset ('GMT+1'), which says more to a reader than a tz database name."""
    if zone_name == timezones.UTC_NAME:
        return "UTC"
    offset = local.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


@pass_context
def datetime_filter(ctx: Context, value: datetime | None) -> str:
    """Date and time in the reader's zone, with its offset named ('3 Dec 2026, 15:00 UTC+1')."""
    if value is None:
        return ""
    zone_name = _zone_name(ctx)
    local = timezones.utc_to_local(value, zone_name)
    text = format_datetime(local, "d MMM y, HH:mm", tzinfo=local.tzinfo, locale=_locale(ctx))
    return f"{text} {_zone_suffix(local, zone_name)}"


@pass_context
def deadline_filter(ctx: Context, value: datetime | None) -> str:
    """A legal deadline: the reader's local time, and UTC beside it unless the reader reads UTC."""
    if value is None:
        return ""
    local_text = datetime_filter(ctx, value)
    if _zone_name(ctx) == timezones.UTC_NAME:
        return local_text
    utc = _as_utc(value)
    local = timezones.utc_to_local(value, _zone_name(ctx))
    pattern = "HH:mm" if local.date() == utc.date() else "d MMM y, HH:mm"
    return f"{local_text} ({format_datetime(utc, pattern, tzinfo=UTC, locale=_locale(ctx))} UTC)"


@pass_context
def local_input_filter(ctx: Context, value: datetime | str | None) -> str:
    """The value of a datetime-local input: the instant as wall-clock time in the reader's zone."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):  # a value the form sent back (typed in local time already)
        return value
    return timezones.utc_to_local(value, _zone_name(ctx)).strftime("%Y-%m-%dT%H:%M")


@pass_context
def date_filter(ctx: Context, value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezones.utc_to_local(value, _zone_name(ctx)).date()
    return format_date(value, "medium", locale=_locale(ctx))


def _span(locale: str, minutes: int) -> str:
    """A floored duration: '45 min', '1 h 36 min', '37 h', '4 d 3 h' (never more than the time left)."""
    gettext = i18n.translations(locale).gettext
    hours, mins = divmod(minutes, 60)
    if hours >= 72:
        days, hours = divmod(hours, 24)
        if hours:
            return gettext("%(d)s d %(h)s h") % {"d": days, "h": hours}
        return gettext("%(d)s d") % {"d": days}
    if hours >= 24 or (hours and not mins):
        return gettext("%(h)s h") % {"h": hours}
    if hours:
        return gettext("%(h)s h %(m)s min") % {"h": hours, "m": mins}
    return gettext("%(m)s min") % {"m": mins}


@pass_context
def countdown_filter(ctx: Context, value: datetime | None, now: datetime | None = None, overdue: bool = False) -> str:
    """'in 1 h 36 min' / '3 h ago' (or 'overdue by 3 h' for a deadline), floored to the minute:
    a countdown must never promise more time than is left."""
    if value is None:
        return ""
    locale = _locale(ctx)
    gettext = i18n.translations(locale).gettext
    seconds = int((_as_utc(value) - _as_utc(now or utcnow())).total_seconds())
    minutes = abs(seconds) // 60
    if seconds >= 0:
        if minutes == 0:
            return gettext("in less than a minute")
        return gettext("in %(span)s") % {"span": _span(locale, minutes)}
    if minutes == 0:
        return gettext("overdue just now") if overdue else gettext("just now")
    if overdue:
        return gettext("overdue by %(span)s") % {"span": _span(locale, minutes)}
    return gettext("%(span)s ago") % {"span": _span(locale, minutes)}


def time_left(value: datetime | None, now: datetime | None = None) -> timedelta | None:
    if value is None:
        return None
    return _as_utc(value) - _as_utc(now or utcnow())


def urgency_class(value: datetime | None, now: datetime | None = None) -> str:
    """CSS class of a deadline: overdue, due within 6 hours, within 24 hours, later."""
    left = time_left(value, now)
    if left is None:
        return ""
    if left <= timedelta(0):
        return "due-overdue"
    if left < timedelta(hours=6):
        return "due-soon"
    if left < timedelta(hours=24):
        return "due-today"
    return "due-later"


@pass_context
def zone_label(ctx: Context) -> str:
    """The reader's zone as the header and the deadline field name it: 'Europe/Belgrade (UTC+1)'."""
    zone_name = _zone_name(ctx)
    if zone_name == timezones.UTC_NAME:
        return "UTC"
    local = timezones.utc_to_local(utcnow(), zone_name)
    return f"{zone_city(zone_name, _locale(ctx))} ({_zone_suffix(local, zone_name)})"


@pass_context
def number_filter(ctx: Context, value: int | float | None) -> str:
    if value is None:
        return ""
    return format_decimal(value, locale=_locale(ctx))


def iso_filter(value: datetime | None) -> str:
    return _as_utc(value).isoformat() if value else ""


@pass_context
def options(ctx: Context, group: str) -> list[tuple[str, str]]:
    """(value, translated label) pairs of an enumerated group, for selects and checkbox groups."""
    translate = i18n.translations(_locale(ctx)).gettext
    return [(value, translate(label)) for value, label in labels.GROUPS[group].items()]


@lru_cache(maxsize=2048)
def zone_city(name: str, locale: str) -> str:
    """The zone's city in the reader's language ('Белград' for Europe/Belgrade)."""
    if name == timezones.UTC_NAME:
        return "UTC"
    try:
        return get_timezone_location(name, locale=i18n.babel_locale(locale), return_city=True)
    except Exception:  # noqa: BLE001 - a zone Babel does not know: its own name
        return name.rsplit("/", 1)[-1].replace("_", " ")


@lru_cache(maxsize=8)
def _zone_options(locale: str) -> list[tuple[str, str]]:
    return [(name, f"{zone_city(name, locale)} — {name}") for name in timezones.names()]


@pass_context
def zone_options(ctx: Context) -> list[tuple[str, str]]:
    """Every zone for a select: 'Белград — Europe/Belgrade', in the tz database's order."""
    return _zone_options(_locale(ctx))


def language_options(locale: str) -> list[tuple[str, str]]:
    """Every ISO 639-1 language, named and sorted in the locale, with a capital first letter."""
    return [(code, name[:1].upper() + name[1:]) for code, name in reference.languages(locale)]


@pass_context
def csrf_field(ctx: Context) -> Markup:
    """The hidden CSRF input, also on pages rendered without Litestar's `csrf_input` (error pages)."""
    given = ctx.get("csrf_input")
    if given:
        return Markup(given)
    request = ctx.get("request")
    token = ""
    if request is not None:
        state_token = ScopeState.from_scope(request.scope).csrf_token
        # Error pages of unrouted paths run without the CSRF middleware; the cookie holds the token.
        token = state_token if isinstance(state_token, str) else request.cookies.get("csrftoken", "")
    return Markup('<input type="hidden" name="_csrf_token" value="%s">') % token


def configure(engine: JinjaTemplateEngine) -> None:
    env = engine.engine
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _gettext, _ngettext, newstyle=True, pgettext=_pgettext, npgettext=_npgettext
    )
    env.trim_blocks = True
    env.lstrip_blocks = True
    env.filters.update(
        country=country_filter,
        language=language_filter,
        category=category_filter,
        region=region_filter,
        label=label_filter,
        field_label=field_label_filter,
        reasons=reasons_filter,
        server=server_filter,
        datetime=datetime_filter,
        deadline=deadline_filter,
        local_input=local_input_filter,
        date=date_filter,
        countdown=countdown_filter,
        number=number_filter,
        iso=iso_filter,
        urgency=urgency_class,
    )
    env.globals.update(
        LOCALES=i18n.LOCALES,
        LANGUAGE_NAMES=i18n.LANGUAGE_NAMES,
        CATEGORY_SLUGS=reference.CATEGORY_SLUGS,
        REGION_SLUGS=tuple(reference.REGIONS),
        ORG_TYPES=reference.ORG_TYPES,
        all_countries=reference.countries,
        all_languages=language_options,
        time_left=time_left,
        zone_label=zone_label,
        current_locale=pass_context(_locale),
        zone_options=zone_options,
        csrf_field=csrf_field,
        options=options,
    )
