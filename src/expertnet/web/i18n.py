"""Interface language: gettext catalogues read from .po files at start-up (no build step).
English, Russian, Serbian (Cyrillic `sr` and Latin `sr_Latn`) and French.

The locale of a request is, in order: the signed-in member's `ui_language`, the language cookie
of an anonymous visitor, the browser's Accept-Language, English.
"""

import io
from functools import lru_cache
from importlib import resources

from babel import Locale, negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from litestar.connection import ASGIConnection

LOCALES: tuple[str, ...] = ("en", "ru", "sr", "sr_Latn", "fr")
# Each language named in itself, for the switcher (Serbian in both of its scripts).
LANGUAGE_NAMES = {
    "en": "English",
    "ru": "Русский",
    "sr": "Српски (ћирилица)",
    "sr_Latn": "Srpski (latinica)",
    "fr": "Français",
}
DEFAULT_LOCALE = "en"
LANG_COOKIE = "expertnet_lang"
_SCOPE_KEY = "expertnet.locale"


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext_noop marker
    """Marks a string for extraction; it is translated where it is shown."""
    return message


@lru_cache(maxsize=len(LOCALES))
def translations(locale: str) -> NullTranslations:
    if locale not in LOCALES:
        locale = DEFAULT_LOCALE
    path = resources.files("expertnet.translations").joinpath(locale, "LC_MESSAGES", "messages.po")
    try:
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
    except FileNotFoundError:
        return NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


@lru_cache(maxsize=len(LOCALES))
def babel_locale(locale: str) -> Locale:
    return Locale.parse(locale if locale in LOCALES else DEFAULT_LOCALE)


def _from_accept_language(header: str) -> str | None:
    wanted = []
    for part in header.split(","):
        tag = part.split(";", 1)[0].strip().replace("-", "_")
        if tag.lower().startswith("sr_latn"):
            tag = "sr_Latn"  # sr-Latn-RS: Serbian in Latin script, not the Cyrillic default
        if tag and tag != "*":
            wanted.append(tag)
    return negotiate_locale(wanted, list(LOCALES), sep="_") if wanted else None


def locale_of(connection: ASGIConnection) -> str:
    """The interface language of this request (computed once per request)."""
    scope = connection.scope
    cached = scope.get(_SCOPE_KEY)
    if isinstance(cached, str) and cached:
        return cached
    principal = scope.get("user")
    locale = None
    if principal is not None and getattr(principal, "ui_language", None) in LOCALES:
        locale = principal.ui_language
    if locale is None:
        cookie = connection.cookies.get(LANG_COOKIE)
        if cookie in LOCALES:
            locale = cookie
    if locale is None:
        locale = _from_accept_language(connection.headers.get("accept-language", "")) or DEFAULT_LOCALE
    scope[_SCOPE_KEY] = locale  # type: ignore[literal-required]
    return locale


class Translated(str):
    """A text already in the reader's language (what `translate` returns). Pages pass the other
    texts that reach them (server messages) through web.messages; these they leave alone."""

    __slots__ = ()


def translate(locale: str, message: str, **variables) -> str:
    text = translations(locale).gettext(message)
    return Translated(text % variables if variables else text)


def ntranslate(locale: str, singular: str, plural: str, n: int, **variables) -> str:
    text = translations(locale).ngettext(singular, plural, n)
    return Translated(text % {"num": n, **variables})
