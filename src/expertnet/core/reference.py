"""Reference data: countries, languages, categories, regional groups and organisation types.

Countries are ISO 3166-1 alpha-2 and languages ISO 639-1, both taken from pycountry (no
hand-typed lists); display names come from Babel's CLDR data in the requested locale.
Categories and regional groups are project data (``expertnet/data/*.json``).

Everything used on hot paths (import lines, search filters) is a set or dict built once at
import time, so the checks cost a hash lookup.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import pycountry
from babel import Locale, UnknownLocaleError

__all__ = [
    "CATEGORIES",
    "CATEGORY_SLUGS",
    "COUNTRY_CODES",
    "LANGUAGE_CODES",
    "ORG_TYPES",
    "REGIONS",
    "Category",
    "Region",
    "countries",
    "country_name",
    "is_category",
    "is_country",
    "is_language",
    "is_org_type",
    "is_region",
    "language_name",
    "languages",
    "regions_for_countries",
    "validate_categories",
    "validate_countries",
    "validate_country",
    "validate_languages",
    "validate_org_type",
]


# --------------------------------------------------------------------------- data files


def _load_json(name: str):
    return json.loads(resources.files("expertnet").joinpath("data", name).read_text("utf-8"))


@dataclass(frozen=True)
class Category:
    slug: str
    name: str
    covers: str


@dataclass(frozen=True)
class Region:
    slug: str
    name: str
    countries: frozenset[str]


CATEGORIES: dict[str, Category] = {
    row["slug"]: Category(slug=row["slug"], name=row["name"], covers=row["covers"])
    for row in _load_json("categories.json")
}
CATEGORY_SLUGS: tuple[str, ...] = tuple(CATEGORIES)

ORG_TYPES: tuple[str, ...] = (
    "museum",
    "library_archive",
    "academia",
    "law_enforcement",
    "customs",
    "prosecution",
    "ministry",
    "international_org",
    "independent",
)
_ORG_TYPE_SET = frozenset(ORG_TYPES)

# --------------------------------------------------------------------------- countries

COUNTRY_CODES: frozenset[str] = frozenset(c.alpha_2 for c in pycountry.countries)

REGIONS: dict[str, Region] = {
    row["slug"]: Region(slug=row["slug"], name=row["name"], countries=frozenset(row["countries"]))
    for row in _load_json("regions.json")
}


def _country_regions() -> dict[str, tuple[str, ...]]:
    mapping: dict[str, list[str]] = {}
    for slug, region in REGIONS.items():
        unknown = sorted(region.countries - COUNTRY_CODES)
        if unknown:  # a data error; fail loudly at import rather than silently never matching
            raise RuntimeError(f"regions.json: {slug}: unknown country codes {unknown}")
        for code in region.countries:
            mapping.setdefault(code, []).append(slug)
    return {code: tuple(sorted(slugs)) for code, slugs in mapping.items()}


_COUNTRY_REGIONS: dict[str, tuple[str, ...]] = _country_regions()


def is_country(code: str) -> bool:
    """Exact ISO 3166-1 alpha-2 code, upper-case ("GB" yes; "UK", "gb", "GBR" no)."""
    return isinstance(code, str) and code in COUNTRY_CODES


def is_region(slug: str) -> bool:
    return isinstance(slug, str) and slug in REGIONS


def regions_for_countries(codes: Iterable[str]) -> list[str]:
    """Sorted, unique slugs of the regional groups the given countries belong to."""
    found: set[str] = set()
    for code in codes:
        if isinstance(code, str):
            found.update(_COUNTRY_REGIONS.get(code.strip().upper(), ()))
    return sorted(found)


def _sort_key(name: str) -> str:
    """Accent-insensitive, case-insensitive key that keeps each script's own order."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@lru_cache(maxsize=64)
def _locale(locale: str) -> Locale | None:
    try:
        return Locale.parse((locale or "en").replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


@lru_cache(maxsize=8192)
def country_name(code: str, locale: str = "en") -> str:
    """Name of a country in the given locale (Babel/CLDR), falling back to English, then pycountry."""
    if not is_country(code):
        raise ValueError(f"unknown country code {code!r}")
    for loc in (_locale(locale), _locale("en")):
        if loc is not None:
            name = loc.territories.get(code)
            if name:
                return name
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        raise ValueError(f"unknown country code {code!r}")
    return country.name


@lru_cache(maxsize=64)
def _countries(locale: str) -> tuple[tuple[str, str], ...]:
    pairs = [(code, country_name(code, locale)) for code in COUNTRY_CODES]
    return tuple(sorted(pairs, key=lambda pair: (_sort_key(pair[1]), pair[0])))


def countries(locale: str = "en") -> list[tuple[str, str]]:
    """(code, name) pairs of every country, sorted by name in that locale (form dropdowns)."""
    return list(_countries(locale))


# --------------------------------------------------------------------------- languages

LANGUAGE_CODES: frozenset[str] = frozenset(
    lang.alpha_2 for lang in pycountry.languages if getattr(lang, "alpha_2", None)
)


def is_language(code: str) -> bool:
    """Exact ISO 639-1 code, lower-case ("sr" yes; "SR", "srp", "sr-Latn" no)."""
    return isinstance(code, str) and code in LANGUAGE_CODES


@lru_cache(maxsize=8192)
def language_name(code: str, locale: str = "en") -> str:
    """Name of a language in the given locale (Babel/CLDR), falling back to English, then pycountry."""
    if not is_language(code):
        raise ValueError(f"unknown language code {code!r}")
    for loc in (_locale(locale), _locale("en")):
        if loc is not None:
            name = loc.languages.get(code)
            if name:
                return name
    language = pycountry.languages.get(alpha_2=code)
    if language is None:
        raise ValueError(f"unknown language code {code!r}")
    return language.name


@lru_cache(maxsize=64)
def _languages(locale: str) -> tuple[tuple[str, str], ...]:
    pairs = [(code, language_name(code, locale)) for code in LANGUAGE_CODES]
    return tuple(sorted(pairs, key=lambda pair: (_sort_key(pair[1]), pair[0])))


def languages(locale: str = "en") -> list[tuple[str, str]]:
    """(code, name) pairs of every ISO 639-1 language, sorted by name in that locale."""
    return list(_languages(locale))


# --------------------------------------------------------------------------- categories, org types


def is_category(slug: str) -> bool:
    return isinstance(slug, str) and slug in CATEGORIES


def is_org_type(value: str) -> bool:
    return isinstance(value, str) and value in _ORG_TYPE_SET


# --------------------------------------------------------------------------- validators


def _clean_list(values: Iterable[str] | None, field: str, kind: str, upper: bool, valid) -> list[str]:
    if values is None:
        return []
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise ValueError(f"{field}: expected a list of {kind}s")
    cleaned: dict[str, None] = {}
    for raw in values:
        if not isinstance(raw, str):
            raise ValueError(f"{field}: expected a {kind}, got {type(raw).__name__}")
        value = raw.strip()
        value = value.upper() if upper else value.lower()
        if not valid(value):
            raise ValueError(f"{field}: unknown {kind} {raw.strip()!r}")
        cleaned[value] = None
    return list(cleaned)


def validate_countries(codes: Iterable[str] | None, field: str) -> list[str]:
    """Upper-cased, de-duplicated (order kept) country codes; ValueError names the field and the code."""
    return _clean_list(codes, field, "country code", True, COUNTRY_CODES.__contains__)


def validate_country(code: str, field: str) -> str:
    """One country code, stripped and upper-cased; ValueError names the field and the code."""
    if not isinstance(code, str) or not code.strip():
        raise ValueError(f"{field}: a country code is required")
    return validate_countries([code], field)[0]


def validate_languages(codes: Iterable[str] | None, field: str) -> list[str]:
    """Lower-cased, de-duplicated ISO 639-1 codes; ValueError names the field and the code."""
    return _clean_list(codes, field, "language code", False, LANGUAGE_CODES.__contains__)


def validate_categories(slugs: Iterable[str] | None, field: str) -> list[str]:
    """Lower-cased, de-duplicated category slugs; ValueError names the field and the slug."""
    return _clean_list(slugs, field, "category", False, CATEGORIES.__contains__)


def validate_org_type(value: str, field: str) -> str:
    """One organisation type, stripped and lower-cased; ValueError lists the allowed values."""
    cleaned = value.strip().lower() if isinstance(value, str) else ""
    if cleaned not in _ORG_TYPE_SET:
        raise ValueError(f"{field}: unknown organisation type {value!r} (one of {', '.join(ORG_TYPES)})")
    return cleaned
