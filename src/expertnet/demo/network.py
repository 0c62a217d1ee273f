"""A seeded generator of a realistic, entirely fictional expert network.

``generate_experts(n, seed)`` yields records in the expert interchange format (DESIGN.md) for demos,
tests and benchmarks. Expert ``i`` is drawn from its own ``random.Random(seed * 1_000_003 + i)``, so
the output is fully deterministic, the first N records of a larger run equal a smaller run, and
100,000 records stream in a few seconds with constant memory.

Countries (with their name cultures, scripts, languages and cities), categories, specialties and
organisations are data (data/countries.json, expertise.json, organisations.json); names come from
`names`. Organisations are plausible but invented; e-mail domains end in ``.example``.
"""

import random
from collections.abc import Iterator
from functools import lru_cache
from itertools import accumulate

from expertnet.core import reference
from expertnet.core.text import tokens
from expertnet.demo import material, names
from expertnet.demo.names import capitalise, email_part, firm_name, one, person, pick

# =========================================================================== countries


class _Country:
    """A country's share of the network, its name cultures (weighted), how often names are written
    in another script, the languages its experts speak besides their own, and its cities."""

    __slots__ = ("code", "weight", "cultures", "culture_cum", "sr_cyr", "latin", "also", "foreign", "cities", "name")

    def __init__(self, row: dict, foreign: dict[str, list], display: dict[str, str]) -> None:
        self.code: str = row["code"]
        self.weight: int = row["weight"]
        self.cultures = tuple(names.CULTURES[key] for key in row["cultures"])
        self.culture_cum = tuple(accumulate(row["cultures"].values()))
        self.sr_cyr: float = row.get("serbian_cyrillic", 0.0)  # Serbian names written in Cyrillic
        self.latin: float = row.get("latin", 0.0)  # non-Latin names written transliterated
        self.also = tuple(row.get("also_speak", {}).items())
        self.foreign = tuple((lang, p) for lang, p in foreign[row["foreign_languages"]])
        self.cities: tuple[str, ...] = tuple(row["cities"])
        self.name = display.get(self.code, reference.country_name(self.code).replace(" & ", " and "))


COUNTRIES: tuple[_Country, ...] = tuple(
    _Country(row, material.COUNTRIES["foreign_languages"], material.COUNTRIES["display_names"])
    for row in material.COUNTRIES["countries"]
)
_COUNTRY_CUM = tuple(accumulate(c.weight for c in COUNTRIES))


# =========================================================================== specialties
# Each specialty has the countries whose experts are far more likely to hold it (and whose
# territory it covers). Text is written as it reads mid-sentence.

SPECIALTIES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    slug: tuple((row["text"], tuple(row["countries"])) for row in rows)
    for slug, rows in material.EXPERTISE["specialties"].items()
}


@lru_cache(maxsize=4096)
def _specialty_cum(category: str, country: str) -> tuple[float, ...]:
    """Cumulative weights: the country's own heritage first, general skills next, the rest last."""
    weights = []
    for _, affinity in SPECIALTIES[category]:
        if not affinity:
            weights.append(3.0)
        elif country in affinity:
            weights.append(12.0)
        else:
            weights.append(0.06)
    return tuple(accumulate(weights))


# =========================================================================== categories and organisations

_CATEGORY_LIST = tuple(reference.CATEGORIES)
_CATEGORY_CUM = tuple(accumulate(material.EXPERTISE["category_weights"][c] for c in _CATEGORY_LIST))
# Secondary categories that go with a primary one.
_RELATED_T = {k: tuple(v) for k, v in material.EXPERTISE["related_categories"].items()}

# Organisation types likely for an expert whose main category is the key.
_ORG_FOR_CATEGORY_T = {
    k: (tuple(t for t, _ in v), tuple(accumulate(w for _, w in v)))
    for k, v in material.ORGANISATIONS["types_by_category"].items()
}
_MUSEUM_BY_CATEGORY = {k: tuple(v) for k, v in material.ORGANISATIONS["museums_by_category"].items()}
_ACADEMIA_BY_CATEGORY = {k: tuple(v) for k, v in material.ORGANISATIONS["academia_by_category"].items()}
_ORG_TEMPLATES = {k: tuple(v) for k, v in material.ORGANISATIONS["names_by_type"].items()}
_ROLES = {k: tuple(v) for k, v in material.ORGANISATIONS["roles_by_type"].items()}

_STOP = frozenset({"of", "the", "and", "for", "s"})

_VETTING = ("approved", "pending", "suspended", "rejected")
_VETTING_CUM = tuple(accumulate((85, 9, 3, 3)))
_CAPACITY = (1, 2, 3, 4, 5)
_CAPACITY_CUM = tuple(accumulate((1, 3, 4, 2, 1)))


def _domain(organisation: str, country: str) -> str:
    words = [w for w in tokens(organisation) if w not in _STOP]
    if len(words) >= 2:
        label = "".join(w[0] for w in words)[:8]
    else:
        label = (words[0] if words else "mail")[:16]
    return f"{label}.{country.lower()}.example"


# =========================================================================== one expert


def _pick_categories(rng: random.Random) -> list[str]:
    primary = pick(rng, _CATEGORY_LIST, _CATEGORY_CUM)
    cats = [primary]
    extra = 0
    roll = rng.random()
    if roll < 0.2:
        extra = 2
    elif roll < 0.6:
        extra = 1
    related = _RELATED_T[primary]
    while len(cats) < 1 + extra:
        candidate = one(rng, related)
        if candidate not in cats:
            cats.append(candidate)
    return cats


def _pick_specialties(rng: random.Random, cats: list[str], country: str) -> tuple[list[str], set[str]]:
    count = one(rng, (2, 2, 3, 3, 3, 4, 4, 5))
    chosen: list[str] = []
    affinity: set[str] = set()
    attempts = 0
    while len(chosen) < count and attempts < 30:
        attempts += 1
        # the main category provides most of the specialties
        cat = cats[0] if (len(chosen) == 0 or len(cats) == 1 or rng.random() < 0.55) else one(rng, cats[1:])
        pool = SPECIALTIES[cat]
        text, aff = pick(rng, pool, _specialty_cum(cat, country))
        if text in chosen:
            continue
        chosen.append(text)
        affinity.update(aff)
    return chosen, affinity


def _pick_languages(rng: random.Random, country: _Country, native: str) -> list[str]:
    langs = [native]
    for lang, p in country.also:
        if lang not in langs and rng.random() < p:
            langs.append(lang)
    for lang, p in country.foreign:
        if lang not in langs and rng.random() < p:
            langs.append(lang)
    return langs


def _organisation(rng: random.Random, org_type: str, primary: str, country: _Country, family: str) -> tuple[str, bool]:
    """(organisation name, whether English puts "the" before it)."""
    city = one(rng, country.cities)
    if org_type == "museum" and primary in _MUSEUM_BY_CATEGORY and rng.random() < 0.7:
        template = one(rng, _MUSEUM_BY_CATEGORY[primary])
    elif org_type == "academia" and primary in _ACADEMIA_BY_CATEGORY and rng.random() < 0.6:
        template = one(rng, _ACADEMIA_BY_CATEGORY[primary])
    elif org_type == "ministry" and primary not in ("legal", "financial", "customs"):
        template = one(rng, _ORG_TEMPLATES[org_type][:3])  # culture, not interior
    else:
        template = one(rng, _ORG_TEMPLATES[org_type])
    name = template.format(city=city, country=country.name, surname=firm_name(family))
    return name, not template.startswith("{")


def _coverage(rng: random.Random, country: str, affinity: set[str], org_type: str) -> list[str]:
    covered = [country]
    neighbours = _neighbours(country)
    wide = org_type in ("international_org", "customs", "law_enforcement")
    k = one(rng, (0, 0, 1, 1, 2, 3)) + (2 if wide else 0)
    if neighbours:
        covered.extend(rng.sample(neighbours, min(k, len(neighbours))))
    for code in sorted(affinity - {country}):  # sorted: set order is not reproducible
        if code not in covered and rng.random() < 0.35:
            covered.append(code)
    return covered


@lru_cache(maxsize=512)
def _neighbours(country: str) -> tuple[str, ...]:
    """Countries sharing a geographic regional group (the OSCE partner groups are not geographic)."""
    slugs = [s for s in reference.regions_for_countries([country]) if not s.startswith("osce_")]
    return tuple(sorted({c for slug in slugs for c in reference.REGIONS[slug].countries} - {country}))


def _bio(
    rng: random.Random, org_type: str, organisation: str, article: bool, specialties: list[str], langs: list[str]
) -> str:
    role = one(rng, _ROLES[org_type])
    if len(specialties) == 1:
        focus = specialties[0]
    else:
        a, b = specialties[0], specialties[1]
        focus = f"{a} as well as {b}" if " and " in a or " and " in b else f"{a} and {b}"
    if organisation == "Independent researcher":
        first = f"Independent researcher specialising in {focus}."
    else:
        first = f"{role} at {'the ' if article else ''}{organisation}, specialising in {focus}."
    roll = rng.random()
    if roll < 0.25:
        second = f" Has advised police and customs on seized objects since {1998 + int(rng.random() * 27)}."
    elif roll < 0.45 and len(specialties) > 2:
        second = f" Has published widely on {specialties[2]}."
    elif roll < 0.6:
        second = f" Regularly trains border and customs officers on {specialties[0]}."
    elif roll < 0.75:
        spoken = [reference.language_name(code) for code in langs]
        joined = spoken[0] if len(spoken) == 1 else ", ".join(spoken[:-1]) + " and " + spoken[-1]
        second = f" Works in {joined}."
    else:
        second = ""
    return first + second


def _expert(i: int, seed: int) -> dict:
    rng = random.Random(seed * 1_000_003 + i)
    country = pick(rng, COUNTRIES, _COUNTRY_CUM)
    full_name, given, family, culture = person(
        rng, country.cultures, country.culture_cum, cyrillic=country.sr_cyr, latin=country.latin
    )
    cats = _pick_categories(rng)
    specialties, affinity = _pick_specialties(rng, cats, country.code)
    org_types, org_cum = _ORG_FOR_CATEGORY_T[cats[0]]
    org_type = pick(rng, org_types, org_cum)
    organisation, article = _organisation(rng, org_type, cats[0], country, family)
    langs = _pick_languages(rng, country, culture.lang)
    local_given = email_part(given) or "expert"
    local_family = email_part(family) or "member"
    email = f"{local_given}.{local_family}.{i + 1}@{_domain(organisation, country.code)}"
    market_p = 0.3 if org_type == "independent" else 0.08
    return {
        "external_id": f"E-{i + 1:06d}",
        "full_name": full_name,
        "email": email,
        "organisation": organisation,
        "org_type": org_type,
        "country": country.code,
        "coverage_countries": _coverage(rng, country.code, affinity, org_type),
        "languages": langs,
        "categories": cats,
        "specialties": [capitalise(s) for s in specialties],
        "bio": _bio(rng, org_type, organisation, article, specialties, langs),
        "available": rng.random() < 0.85,
        "max_open_consultations": pick(rng, _CAPACITY, _CAPACITY_CUM),
        "market_ties": rng.random() < market_p,
        "vetting_status": pick(rng, _VETTING, _VETTING_CUM),
    }


def generate_experts(n: int, seed: int = 7) -> Iterator[dict]:
    """Yield ``n`` fictional experts in the interchange format, deterministically for (n, seed).

    Expert ``i`` depends only on ``(seed, i)``: ``generate_experts(10)`` is the prefix of
    ``generate_experts(1000)``.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    return (_expert(i, seed) for i in range(n))
