"""The search contract: the same cases against every backend (Tantivy always, Meilisearch when
EXPERTNET_MEILI_URL is set). Expected answers are computed in Python from the fixture lists."""

import json
import subprocess
import sys
import threading
import time
from collections import Counter

import anyio
import pytest

from expertnet.core.text import fold, tokens
from expertnet.search import AsyncSearch, Range, SearchAuthorizationError, SearchQuery
from expertnet.search.tantivy_backend import TantivyBackend


EXPERT_TEXT = ("full_name", "specialties", "organisation", "bio")
CONSULTATION_TEXT = ("title", "description")


# --- fixture data: ~40 experts, 15 consultations -----------------------------------------

NOW = 1_800_000_000
FUTURE = NOW + 86_400 * 365
PAST = NOW - 86_400 * 30

# name, organisation, org_type, country, coverage, regions, languages, categories, specialties, bio,
# available, vetting_status, vetted_until, market_ties, open_consultations, max_open_consultations
_E = [
    (
        "Marko Petrović",
        "Narodni muzej Beograd",
        "museum",
        "RS",
        ["RS", "ME", "BA"],
        ["western_balkans"],
        ["sr", "en"],
        ["numismatics", "archaeology"],
        ["Roman Imperial numismatics", "Moesian coin hoards"],
        "Curator of the coin cabinet: Roman and Byzantine coins from the Danube limes.",
        True,
        "approved",
        0,
        False,
        0,
        3,
    ),
    (
        "Јелена Петровић",
        "Музеј Војводине",
        "museum",
        "RS",
        ["RS"],
        ["western_balkans"],
        ["sr", "ru"],
        ["religious_art"],
        ["Serbian Orthodox icons", "Old Believer icons"],
        "Кустос збирке икона; post-Byzantine icons and liturgical silver.",
        True,
        "approved",
        FUTURE,
        False,
        1,
        3,
    ),
    (
        "Ana Petrovic",
        "University of Zagreb",
        "academia",
        "HR",
        ["HR", "SI", "BA"],
        ["western_balkans", "central_europe"],
        ["hr", "en", "de"],
        ["archaeology"],
        ["Illyrian bronze age metalwork"],
        "Field archaeologist working on looted hillfort sites.",
        True,
        "approved",
        PAST,
        False,
        2,
        2,
    ),
    (
        "Mehmet Yılmaz",
        "İstanbul Arkeoloji Müzeleri",
        "museum",
        "TR",
        ["TR", "CY"],
        ["south_east_europe", "middle_east"],
        ["tr", "en"],
        ["archaeology", "numismatics"],
        ["Ottoman coinage", "Hellenistic coins of Anatolia"],
        "Works in Istanbul on Anatolian numismatics and customs seizures.",
        True,
        "approved",
        FUTURE,
        False,
        0,
        4,
    ),
    (
        "Ayşe Demir",
        "Istanbul University",
        "academia",
        "TR",
        ["TR"],
        ["middle_east"],
        ["tr", "en", "fr"],
        ["manuscripts"],
        ["Ottoman manuscripts", "Islamic calligraphy"],
        "Specialist of illuminated Qur'an manuscripts in İstanbul collections.",
        True,
        "approved",
        0,
        False,
        1,
        3,
    ),
    (
        "Jean Dupont",
        "Musée du Louvre",
        "museum",
        "FR",
        ["FR", "BE"],
        ["western_europe"],
        ["fr", "en"],
        ["fine_art", "authentication"],
        ["Flemish paintings", "forgery detection"],
        "Paintings scientist: pigment analysis and dating of panels.",
        False,
        "approved",
        FUTURE,
        False,
        0,
        2,
    ),
    (
        "Giulia Rossi",
        "Carabinieri TPC",
        "law_enforcement",
        "IT",
        ["IT", "MT"],
        ["western_europe"],
        ["it", "en", "fr"],
        ["online_markets", "archaeology"],
        ["Etruscan antiquities", "online auction monitoring"],
        "Investigator tracing Etruscan and Apulian vases sold online.",
        True,
        "approved",
        0,
        False,
        3,
        3,
    ),
    (
        "Hans Müller",
        "Bundeskriminalamt",
        "law_enforcement",
        "DE",
        ["DE", "AT", "CH"],
        ["central_europe"],
        ["de", "en"],
        ["legal", "financial"],
        ["money laundering through art"],
        "Financial investigator; art market and freeports.",
        True,
        "approved",
        FUTURE,
        False,
        0,
        3,
    ),
    (
        "Olena Kovalenko",
        "National Museum of the History of Ukraine",
        "museum",
        "UA",
        ["UA", "MD"],
        ["eastern_europe"],
        ["uk", "ru", "en"],
        ["archaeology", "numismatics"],
        ["Scythian gold", "Golden Horde coins"],
        "Curator of Scythian gold and steppe archaeology.",
        True,
        "approved",
        FUTURE,
        False,
        1,
        3,
    ),
    (
        "Дмитрий Иванов",
        "Independent",
        "independent",
        "KZ",
        ["KZ", "KG", "UZ"],
        ["central_asia"],
        ["ru", "kk", "en"],
        ["numismatics"],
        ["Golden Horde coins", "Chagatai silver dirhams"],
        "Numismatist of the steppe; dirhams and pulos.",
        True,
        "approved",
        0,
        True,
        0,
        5,
    ),
    (
        "Sophie Laurent",
        "UNESCO",
        "international_org",
        "FR",
        [],
        [],
        ["fr", "en", "es"],
        ["legal"],
        ["1970 UNESCO Convention", "restitution"],
        "Legal officer for restitution cases.",
        True,
        "approved",
        0,
        False,
        0,
        2,
    ),
    (
        "Carlos García",
        "Guardia Civil",
        "law_enforcement",
        "ES",
        ["ES", "PT"],
        ["western_europe", "latin_america"],
        ["es", "pt", "en"],
        ["online_markets"],
        ["pre-Columbian ceramics", "OSINT"],
        "Open-source investigations of online sales of pre-Columbian objects.",
        True,
        "approved",
        FUTURE,
        False,
        1,
        3,
    ),
    (
        "Sok Dara",
        "Independent",
        "independent",
        "KH",
        ["KH", "TH"],
        ["south_east_asia"],
        ["km", "en", "fr"],
        ["archaeology"],
        ["Khmer sculpture", "Angkorian bronzes"],
        "Khmer statues and temple looting; repatriation cases.",
        True,
        "approved",
        0,
        False,
        0,
        3,
    ),
    (
        "Aisha Rahman",
        "Lahore Museum",
        "museum",
        "PK",
        ["PK", "AF"],
        ["south_asia"],
        ["ur", "en"],
        ["archaeology", "religious_art"],
        ["Gandharan Buddhist sculpture"],
        "Gandhara schist reliefs and Buddha heads.",
        True,
        "approved",
        FUTURE,
        False,
        2,
        3,
    ),
    (
        "Ahmed Hassan",
        "Egyptian Museum",
        "museum",
        "EG",
        ["EG"],
        ["mediterranean_partners", "africa"],
        ["ar", "en", "fr"],
        ["archaeology", "authentication"],
        ["Pharaonic amulets", "faience"],
        "Egyptologist; authentication of amulets and shabtis.",
        True,
        "approved",
        0,
        False,
        0,
        3,
    ),
    (
        "Nino Beridze",
        "Georgian National Museum",
        "museum",
        "GE",
        ["GE", "AM", "AZ"],
        ["south_caucasus"],
        ["ka", "ru", "en"],
        ["manuscripts", "religious_art"],
        ["Georgian medieval manuscripts", "cloisonné enamel icons"],
        "Manuscripts and enamel icons of medieval Georgia.",
        True,
        "approved",
        FUTURE,
        False,
        0,
        3,
    ),
    (
        "Erik Johansson",
        "Swedish Customs",
        "customs",
        "SE",
        ["SE", "NO", "FI", "DK"],
        ["northern_europe"],
        ["sv", "en"],
        ["customs"],
        ["HS 9705 collectors' pieces", "export licences"],
        "Customs classification of antiques and licences.",
        True,
        "approved",
        0,
        False,
        0,
        3,
    ),
    (
        "Maria Popescu",
        "National History Museum of Romania",
        "museum",
        "RO",
        ["RO", "MD", "BG"],
        ["south_east_europe"],
        ["ro", "en", "fr"],
        ["numismatics"],
        ["Dacian silver coins", "Roman Republican denarii"],
        "Numismatics curator: Dacian hoards and Republican denarii.",
        True,
        "approved",
        FUTURE,
        False,
        0,
        3,
    ),
    (
        "Ivan Dimitrov",
        "Sofia City Prosecutor's Office",
        "prosecution",
        "BG",
        ["BG"],
        ["south_east_europe"],
        ["bg", "en", "ru"],
        ["legal"],
        ["cultural property criminal law"],
        "Prosecutor handling trafficking cases.",
        True,
        "approved",
        0,
        False,
        0,
        3,
    ),
    (
        "Elif Kaya",
        "Independent",
        "independent",
        "TR",
        ["TR"],
        ["middle_east"],
        ["tr", "de"],
        ["conservation"],
        ["archaeological textiles"],
        "Textile conservator. <script>alert('x')</script> Handles seized carpets & kilims.",
        True,
        "approved",
        0,
        False,
        0,
        3,
    ),
    (
        "John Smith",
        "British Museum",
        "museum",
        "GB",
        ["GB", "IE"],
        ["western_europe"],
        ["en"],
        ["archaeology", "provenance"],
        ["Mesopotamian cylinder seals", "provenance research"],
        "Cylinder seals and cuneiform tablets from Iraq.",
        True,
        "approved",
        FUTURE,
        False,
        1,
        3,
    ),
    (
        "Emily Brown",
        "Yale University",
        "academia",
        "US",
        ["US", "CA"],
        ["north_america"],
        ["en", "es"],
        ["provenance"],
        ["Nazi-era provenance"],
        "Provenance research of paintings looted 1933-1945.",
        True,
        "approved",
        0,
        False,
        0,
        3,
    ),
    (
        "Kenji Tanaka",
        "Tokyo National Museum",
        "museum",
        "JP",
        ["JP", "KR"],
        ["asian_partners"],
        ["ja", "en"],
        ["decorative_arts", "arms_armour"],
        ["Japanese lacquerware", "samurai swords"],
        "Lacquer and sword fittings.",
        True,
        "approved",
        FUTURE,
        False,
        0,
        3,
    ),
    (
        "Fatima Zahra Benali",
        "Ministry of Culture",
        "ministry",
        "MA",
        ["MA", "DZ", "TN"],
        ["mediterranean_partners", "africa"],
        ["ar", "fr"],
        ["manuscripts", "legal"],
        ["Amazigh manuscripts"],
        "Manuscript heritage of the Maghreb.",
        True,
        "approved",
        0,
        False,
        0,
        3,
    ),
    (
        "Yosef Cohen",
        "Israel Antiquities Authority",
        "ministry",
        "IL",
        ["IL", "JO"],
        ["mediterranean_partners", "middle_east"],
        ["he", "en", "ar"],
        ["archaeology", "numismatics"],
        ["Judaean coins", "Dead Sea scroll fragments"],
        "Anti-looting unit; coins and scroll fragments.",
        True,
        "suspended",
        FUTURE,
        False,
        0,
        3,
    ),
    (
        "Aigerim Nurlanovna",
        "Central State Museum",
        "museum",
        "KZ",
        ["KZ"],
        ["central_asia"],
        ["kk", "ru"],
        ["ethnography"],
        ["Kazakh jewellery", "nomadic textiles"],
        "Ethnographer of nomadic culture.",
        True,
        "pending",
        0,
        False,
        0,
        3,
    ),
    (
        "Tomasz Nowak",
        "Polish National Police",
        "law_enforcement",
        "PL",
        ["PL", "CZ", "SK"],
        ["central_europe"],
        ["pl", "en", "de"],
        ["arms_armour"],
        ["historic firearms", "medieval swords"],
        "Arms and armour investigations.",
        True,
        "approved",
        FUTURE,
        False,
        0,
        3,
    ),
    (
        "Petra Novak",
        "National Museum Prague",
        "museum",
        "CZ",
        ["CZ"],
        ["central_europe"],
        ["cs", "de", "en"],
        ["palaeontology"],
        ["fossils", "meteorites"],
        "Palaeontologist; trilobites and meteorites seized at borders.",
        True,
        "approved",
        PAST,
        False,
        0,
        3,
    ),
    (
        "Luca Bianchi",
        "Independent",
        "independent",
        "IT",
        ["IT"],
        ["western_europe"],
        ["it", "en"],
        ["numismatics"],
        ["Roman Republican denarii", "Greek silver coins"],
        "Consultant to auction houses for ancient coins.",
        True,
        "approved",
        FUTURE,
        True,
        0,
        3,
    ),
    (
        "Anna Schmidt",
        "Federal Monuments Office",
        "ministry",
        "AT",
        ["AT", "DE"],
        ["central_europe"],
        ["de", "en", "it"],
        ["conservation", "decorative_arts"],
        ["Baroque furniture", "silverware"],
        "Conservation of seized furniture and silver.",
        False,
        "approved",
        0,
        False,
        0,
        3,
    ),
    (
        "Sven Olsen",
        "Norwegian Police",
        "law_enforcement",
        "NO",
        ["NO"],
        ["northern_europe"],
        ["no", "en"],
        ["online_markets", "financial"],
        ["cryptocurrency tracing", "social media OSINT"],
        "Online markets and payments.",
        True,
        "approved",
        0,
        False,
        0,
        3,
    ),
    (
        "Zoran Jovanović",
        "Customs Administration of Serbia",
        "customs",
        "RS",
        ["RS", "MK"],
        ["western_balkans"],
        ["sr", "mk", "en"],
        ["customs", "numismatics"],
        ["coin smuggling routes", "border procedure"],
        "Border officer specialised in coin smuggling.",
        True,
        "approved",
        FUTURE,
        False,
        0,
        3,
    ),
    (
        "Зоран Стојановић",
        "Народни музеј Црне Горе",
        "museum",
        "ME",
        ["ME"],
        ["western_balkans"],
        ["sr", "en"],
        ["archaeology"],
        ["Roman glass", "Illyrian helmets"],
        "Археолог; Roman glass and Illyrian helmets.",
        True,
        "rejected",
        0,
        False,
        0,
        3,
    ),
    (
        "Besa Hoxha",
        "Institute of Archaeology Tirana",
        "academia",
        "AL",
        ["AL", "XK"],
        ["western_balkans"],
        ["sq", "en", "it"],
        ["archaeology"],
        ["Illyrian and Roman epigraphy"],
        "Epigraphy of Illyrian and Roman inscriptions.",
        True,
        "approved",
        FUTURE,
        False,
        0,
        3,
    ),
    (
        "Armen Petrosyan",
        "Matenadaran",
        "library_archive",
        "AM",
        ["AM"],
        ["south_caucasus"],
        ["hy", "ru", "en"],
        ["manuscripts"],
        ["Armenian illuminated manuscripts"],
        "Keeper of illuminated manuscripts.",
        True,
        "approved",
        0,
        False,
        0,
        3,
    ),
    (
        "Kateryna Shevchenko",
        "Ministry of Culture of Ukraine",
        "ministry",
        "UA",
        ["UA"],
        ["eastern_europe"],
        ["uk", "en"],
        ["legal", "provenance"],
        ["wartime looting documentation"],
        "Documents museum looting in occupied territories.",
        True,
        "approved",
        FUTURE,
        False,
        0,
        3,
    ),
    (
        "Rashid Karimov",
        "Samarkand Museum",
        "museum",
        "UZ",
        ["UZ", "TJ", "TM"],
        ["central_asia"],
        ["uz", "ru", "tg"],
        ["archaeology", "manuscripts"],
        ["Sogdian murals", "Timurid manuscripts"],
        "Sogdian and Timurid heritage.",
        True,
        "approved",
        0,
        False,
        0,
        3,
    ),
    (
        "Claire Martin",
        "INTERPOL",
        "international_org",
        "FR",
        [],
        [],
        ["fr", "en", "es", "ar"],
        ["online_markets", "legal"],
        ["stolen works of art database"],
        "Works of art unit.",
        True,
        "approved",
        0,
        False,
        0,
        3,
    ),
    (
        "Pedro Alves",
        "National Library of Portugal",
        "library_archive",
        "PT",
        ["PT", "BR"],
        ["western_europe", "latin_america"],
        ["pt", "es", "en"],
        ["manuscripts"],
        ["Portuguese nautical charts", "incunabula"],
        "Maps cut from atlases and incunabula.",
        True,
        "approved",
        FUTURE,
        False,
        0,
        3,
    ),
    (
        "Nikos Papadopoulos",
        "Hellenic Police",
        "law_enforcement",
        "GR",
        ["GR", "CY"],
        ["south_east_europe"],
        ["el", "en"],
        ["archaeology", "numismatics"],
        ["Greek silver coins", "Cycladic figurines"],
        "Antiquities squad; Cycladic figurines and coins.",
        False,
        "approved",
        0,
        False,
        0,
        3,
    ),
]

_CONCEPTS = {"numismatics": "object:coin", "religious_art": "object:icon", "manuscripts": "object:manuscript"}


def _expert(i: int, row: tuple) -> dict:
    (
        name,
        org,
        org_type,
        country,
        coverage,
        regions,
        languages,
        categories,
        specialties,
        bio,
        available,
        vetting,
        vetted_until,
        market_ties,
        open_c,
        max_c,
    ) = row
    return {
        "id": f"e{i:02d}",
        "external_id": f"E-{i}",
        "full_name": name,
        "organisation": org,
        "org_type": org_type,
        "country": country,
        "coverage_countries": coverage,
        "regions": regions,
        "languages": languages,
        "categories": categories,
        "specialties": specialties,
        "bio": bio,
        "concepts": sorted({_CONCEPTS[c] for c in categories if c in _CONCEPTS}),
        "available": available,
        "vetting_status": vetting,
        "vetted_until": vetted_until,
        "market_ties": market_ties,
        "open_consultations": open_c,
        "max_open_consultations": max_c,
        "has_capacity": open_c < max_c,
        "member_id": 100 + i,
        "responsiveness": round((i % 10) / 10, 1),
        "updated_at": 1_700_000_000 + i * 1000,
    }


EXPERTS = [_expert(i, row) for i, row in enumerate(_E, start=1)]

# title, description, category, location, origin, languages, status, urgency, requester, extra principals
_C = [
    (
        "Roman denarius hoard seized at the border",
        "Forty silver denarii found in a car at Batrovci.",
        "numismatics",
        "RS",
        "IT",
        ["sr", "en"],
        "submitted",
        "urgent",
        3,
        [],
    ),
    (
        "Byzantine lead seals offered online",
        "A social-media account offers 40 lead seals.",
        "numismatics",
        "BG",
        None,
        ["bg", "en"],
        "offered",
        "routine",
        3,
        ["member:101"],
    ),
    (
        "Bronze Buddha statue at the airport",
        "Declared as a decorative copy; flight leaves tomorrow.",
        "archaeology",
        "GB",
        "KH",
        ["en"],
        "accepted",
        "critical",
        12,
        ["member:113"],
    ),
    (
        "Icon seized from a van",
        "Post-Byzantine icon, possibly stolen from a monastery.",
        "religious_art",
        "RS",
        "RS",
        ["sr"],
        "answered",
        "urgent",
        1,
        ["member:102"],
    ),
    (
        "Map cut from an atlas",
        "17th-century map; which library could it come from?",
        "manuscripts",
        "PT",
        None,
        ["pt", "en"],
        "closed",
        "routine",
        3,
        [],
    ),
    (
        "Fossils declared as souvenirs",
        "Trilobites in hand luggage.",
        "palaeontology",
        "CZ",
        "MA",
        ["cs", "en"],
        "submitted",
        "routine",
        31,
        [],
    ),
    (
        "Gandharan schist relief",
        "Relief fragment at a courier hub.",
        "archaeology",
        "DE",
        "PK",
        ["de", "en"],
        "offered",
        "urgent",
        31,
        ["member:114"],
    ),
    (
        "Ottoman manuscript in luggage",
        "Illuminated manuscript found in Istanbul transit.",
        "manuscripts",
        "TR",
        "TR",
        ["tr", "en"],
        "submitted",
        "critical",
        12,
        [],
    ),
    (
        "Silver coins in a parcel",
        "Greek silver coins shipped as jewellery.",
        "numismatics",
        "GR",
        "GR",
        ["el", "en"],
        "accepted",
        "routine",
        7,
        ["member:3"],
    ),
    (
        "Swords at a fair",
        "Medieval swords offered without papers.",
        "arms_armour",
        "PL",
        None,
        ["pl"],
        "submitted",
        "routine",
        13,
        [],
    ),
    (
        "Khmer statue for sale",
        "Angkorian bronze listed by a dealer.",
        "archaeology",
        "FR",
        "KH",
        ["fr", "en"],
        "escalated",
        "urgent",
        1,
        [],
    ),
    (
        "Scythian gold plaque",
        "Gold plaque seized at the border with Moldova.",
        "archaeology",
        "UA",
        "UA",
        ["uk", "en"],
        "submitted",
        "critical",
        30,
        [],
    ),
    (
        "Painting of uncertain provenance",
        "Flemish panel with a gap in provenance 1938-1946.",
        "provenance",
        "US",
        None,
        ["en"],
        "offered",
        "routine",
        3,
        ["member:106"],
    ),
    (
        "Cuneiform tablets in a shop",
        "Clay tablets sold as replicas.",
        "archaeology",
        "GB",
        "IQ",
        ["en", "ar"],
        "declined",
        "routine",
        21,
        [],
    ),
    (
        "Coins hidden in a spare tyre",
        "Mixed Roman and Byzantine coins, 300 pieces.",
        "numismatics",
        "MK",
        None,
        ["mk", "sr"],
        "submitted",
        "urgent",
        33,
        [],
    ),
]


def _consultation(i: int, row: tuple) -> dict:
    (title, description, category, location, origin, languages, status, urgency, requester, extra) = row
    doc = {
        "id": f"c{i:02d}",
        "title": title,
        "description": description,
        "category": category,
        "location_country": location,
        "languages": languages,
        "status": status,
        "urgency": urgency,
        "requester_id": requester,
        "created_at": 1_750_000_000 + i * 3600,
        "acl": [f"member:{requester}", "role:admin", *extra],
    }
    if origin:
        doc["origin_country"] = origin
    return doc


CONSULTATIONS = [_consultation(i, row) for i, row in enumerate(_C, start=1)]


@pytest.fixture(scope="module")
def loaded(module_backend):
    """A backend of each kind holding the fixture experts and consultations (read-only tests)."""
    module_backend.upsert("experts", EXPERTS)
    module_backend.upsert("consultations", CONSULTATIONS)
    return module_backend


@pytest.fixture
def experts():
    return [dict(d) for d in EXPERTS]


# --- oracles ----------------------------------------------------------------------------------


def _distance(a: str, b: str) -> int:
    """Damerau (optimal string alignment) distance, written independently of the backend's."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def _words(doc: dict, fields=EXPERT_TEXT) -> set[str]:
    out: set[str] = set()
    for f in fields:
        v = doc.get(f)
        for s in v if isinstance(v, list) else [v] if v else []:
            out.update(tokens(s))
    return out


def _with_word(docs, word: str, fields=EXPERT_TEXT, distance: int = 0) -> set[str]:
    return {d["id"] for d in docs if any(_distance(w, word) <= distance for w in _words(d, fields))}


def _passes(doc: dict, filters: dict, ranges: list[Range]) -> bool:
    for f, values in filters.items():
        v = doc.get(f)
        have = v if isinstance(v, list) else [v]
        if not set(have) & set(values):
            return False
    for r in ranges:
        v = doc.get(r.field)
        if v is None:
            return False
        ok = (
            (r.gte is None or v >= r.gte)
            and (r.gt is None or v > r.gt)
            and (r.lte is None or v <= r.lte)
            and (r.lt is None or v < r.lt)
        )
        if not (ok or v in r.or_values):
            return False
    return True


def _expected(docs, filters=None, ranges=None) -> set[str]:
    return {d["id"] for d in docs if _passes(d, filters or {}, ranges or [])}


def _facet_counts(docs, ids: set[str], fields) -> dict[str, dict[str, int]]:
    out = {}
    for f in fields:
        c: Counter = Counter()
        for d in docs:
            if d["id"] in ids:
                v = d.get(f)
                for x in v if isinstance(v, list) else [v] if v is not None else []:
                    c["true" if x is True else "false" if x is False else str(x)] += 1
        out[f] = dict(c)
    return out


def _ids(backend, name: str, **kw) -> set[str]:
    kw.setdefault("limit", 100)
    result = backend.search(name, SearchQuery(**kw))
    ids = [h.id for h in result.hits]
    assert len(ids) == len(set(ids))
    assert result.total == len(ids), "fixture sets fit in one page"
    return set(ids)


# --- text: typos, scripts, prefixes, synonyms ---------------------------------------------------


def test_typo_finds_numismatics_specialists(loaded):
    found = _ids(loaded, "experts", text="numismatcs")
    exact = _with_word(EXPERTS, "numismatics")
    assert len(exact) >= 3
    assert exact <= found
    assert found <= _with_word(EXPERTS, "numismatcs", distance=2)


@pytest.mark.parametrize("text", ["Petorvic", "petrovc", "Petrovićc"])
def test_typo_finds_a_name(loaded, text):
    assert {"e01", "e02", "e03"} <= _ids(loaded, "experts", text=text)


def test_short_words_need_an_exact_match(loaded):
    # "coin" has 4 letters: no typo allowed ("icon", "coins" do not match); the trailing space
    # says the word is complete, so it is not a prefix of "coins" or "coinage" either.
    found = _ids(loaded, "experts", text="coin ")
    assert found == _with_word(EXPERTS, "coin")


def test_one_name_in_three_spellings_and_two_scripts(loaded):
    results = [_ids(loaded, "experts", text=t) for t in ("Petrović", "Petrovic", "Петровић", "PETROVIĆ")]
    assert all(r == results[0] for r in results)
    assert results[0] == {"e01", "e02", "e03"}


def test_dotted_capital_i(loaded):
    results = [_ids(loaded, "experts", text=t) for t in ("İstanbul", "Istanbul", "istanbul", "ISTANBUL")]
    assert all(r == results[0] for r in results)
    assert results[0] == _with_word(EXPERTS, "istanbul") == {"e04", "e05"}


def test_cyrillic_query_finds_latin_text_and_back(loaded):
    assert "e33" in _ids(loaded, "experts", text="Stojanovic")
    assert "e01" in _ids(loaded, "experts", text="Марко")


def test_last_word_matches_as_prefix_while_typing(loaded):
    assert _with_word(EXPERTS, "numismatics") <= _ids(loaded, "experts", text="numism")
    assert _ids(loaded, "experts", text="numism ") == set()  # a finished word is not a prefix


def test_synonyms_expand_a_word(loaded):
    found = _ids(loaded, "experts", text="монета")
    assert found == _with_word(EXPERTS, "coin") | _with_word(EXPERTS, "coins")
    assert found == _ids(loaded, "experts", text="kovanica ")


def test_all_words_must_match_by_default_any_ranks(loaded):
    assert _ids(loaded, "experts", text="scythian gold") == {"e09"}
    assert _ids(loaded, "experts", text="scythian zzzzqqq") == set()
    assert "e09" in _ids(loaded, "experts", text="scythian zzzzqqq", matching="any")


# --- filters, ranges, facets --------------------------------------------------------------------

FILTER_CASES = [
    ({"categories": ["numismatics"]}, []),
    ({"categories": ["numismatics", "manuscripts"]}, []),
    ({"languages": ["sr"]}, []),
    ({"languages": ["en"], "categories": ["archaeology"]}, []),
    ({"coverage_countries": ["RS", "BA"]}, []),
    ({"regions": ["western_balkans"], "available": [True]}, []),
    ({"regions": ["central_asia", "south_caucasus"]}, []),
    ({"org_type": ["museum", "library_archive"]}, []),
    ({"available": [False]}, []),
    ({"vetting_status": ["approved"], "market_ties": [False]}, []),
    ({"vetting_status": ["pending", "suspended", "rejected"]}, []),
    ({"country": ["TR"], "languages": ["de", "fr"]}, []),
    ({"has_capacity": [True], "concepts": ["object:coin"]}, []),
    ({}, [Range("vetted_until", gte=NOW, or_values=[0])]),
    ({}, [Range("vetted_until", gt=0, lt=NOW)]),
    ({}, [Range("vetted_until", gte=FUTURE)]),
    ({}, [Range("open_consultations", lte=1)]),
    ({}, [Range("responsiveness", gte=0.5)]),
    ({}, [Range("responsiveness", gt=0.2, lt=0.6)]),
    (
        {"languages": ["en"], "vetting_status": ["approved"], "available": [True]},
        [Range("vetted_until", gte=NOW, or_values=[0]), Range("open_consultations", lt=3)],
    ),
]


@pytest.mark.parametrize("filters,ranges", FILTER_CASES)
def test_filters_and_ranges(loaded, filters, ranges):
    expected = _expected(EXPERTS, filters, ranges)
    assert _ids(loaded, "experts", filters=filters, ranges=ranges) == expected


def test_filter_values_may_be_query_strings(loaded):
    # HTTP query parameters arrive as strings
    assert _ids(loaded, "experts", filters={"available": ["false"]}) == _expected(EXPERTS, {"available": [False]})
    assert _ids(loaded, "experts", filters={"member_id": ["101", 102]}) == {"e01", "e02"}


def test_empty_value_list_matches_nothing(loaded):
    assert _ids(loaded, "experts", filters={"languages": []}) == set()


def test_text_and_filters_combine(loaded):
    filters = {"categories": ["numismatics"], "languages": ["en"]}
    found = _ids(loaded, "experts", text="coins", filters=filters)
    allowed = _expected(EXPERTS, filters)
    assert found <= allowed
    assert _with_word(EXPERTS, "coins") & allowed <= found
    assert found


FACETS = [
    "categories",
    "languages",
    "coverage_countries",
    "regions",
    "org_type",
    "available",
    "vetting_status",
    "country",
    "market_ties",
    "has_capacity",
]


@pytest.mark.parametrize("filters,ranges", [({}, [])] + FILTER_CASES[::3])
def test_facet_counts_equal_python_counts(loaded, filters, ranges):
    result = loaded.search("experts", SearchQuery(filters=filters, ranges=ranges, facets=FACETS, limit=5))
    expected_ids = _expected(EXPERTS, filters, ranges)
    assert result.total == len(expected_ids)
    assert result.facets == _facet_counts(EXPERTS, expected_ids, FACETS)


def test_facet_counts_follow_the_text_match(loaded):
    result = loaded.search("experts", SearchQuery(text="manuscripts", facets=["languages", "categories"], limit=100))
    ids = {h.id for h in result.hits}
    assert ids == _with_word(EXPERTS, "manuscripts")
    assert result.facets == _facet_counts(EXPERTS, ids, ["languages", "categories"])


def test_counts_only(loaded):
    result = loaded.search("experts", SearchQuery(filters={"languages": ["sr"]}, facets=["country"], limit=0))
    assert result.hits == []
    assert result.total == len(_expected(EXPERTS, {"languages": ["sr"]}))
    assert sum(result.facets["country"].values()) == result.total


# --- pagination and sorting ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"filters": {"languages": ["en"]}},
        {"text": "museum"},
        {"sort": [("updated_at", "desc")]},
        {"text": "roman", "matching": "any", "sort": [("full_name", "asc")]},
    ],
)
def test_pages_are_stable_and_disjoint(loaded, query):
    full = loaded.search("experts", SearchQuery(limit=100, **query))
    order = [h.id for h in full.hits]
    assert full.total == len(order) > 0
    seen: list[str] = []
    for offset in range(0, full.total + 7, 7):
        page = loaded.search("experts", SearchQuery(offset=offset, limit=7, **query))
        assert page.total == full.total
        seen += [h.id for h in page.hits]
    assert seen == order
    odd = loaded.search("experts", SearchQuery(offset=3, limit=5, **query))
    assert [h.id for h in odd.hits] == order[3:8]


def test_sorting(loaded):
    by_update = [h.id for h in loaded.search("experts", SearchQuery(sort=[("updated_at", "desc")], limit=100)).hits]
    assert by_update == [d["id"] for d in sorted(EXPERTS, key=lambda d: -d["updated_at"])]
    names = [
        h.document["full_name"]
        for h in loaded.search("experts", SearchQuery(sort=[("full_name", "asc")], limit=100)).hits
    ]
    assert [fold(n) for n in names] == sorted(fold(n) for n in names)
    assert len(names) == len(EXPERTS)


def test_limit_is_capped(loaded):
    result = loaded.search("experts", SearchQuery(limit=1000))
    assert len(result.hits) == len(EXPERTS) <= 100


def test_boost_does_not_filter(loaded):
    plain = loaded.search("experts", SearchQuery(filters={"languages": ["en"]}, limit=100))
    boosted = loaded.search(
        "experts", SearchQuery(filters={"languages": ["en"]}, limit=100, boost={"categories": ["numismatics"]})
    )
    assert boosted.total == plain.total
    assert {h.id for h in boosted.hits} == {h.id for h in plain.hits}
    if isinstance(loaded, TantivyBackend):  # Meilisearch has no per-query boost
        top = boosted.hits[: len(_expected(EXPERTS, {"languages": ["en"], "categories": ["numismatics"]}))]
        assert all("numismatics" in h.document["categories"] for h in top)


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        SearchQuery(filters={"bio": ["x"]}),
        SearchQuery(filters={"nope": ["x"]}),
        SearchQuery(filters={"languages OR 1": ["x"]}),
        SearchQuery(facets=["bio"]),
        SearchQuery(sort=[("bio", "asc")]),
        SearchQuery(sort=[("updated_at", "sideways")]),
        SearchQuery(ranges=[Range("languages", gte=1)]),
        SearchQuery(ranges=[Range("vetted_until")]),
        SearchQuery(filters={"available": ["maybe"]}),
        SearchQuery(filters={"member_id": ["12 OR 1=1"]}),
        SearchQuery(matching="some"),
        SearchQuery(boost={"bio": ["x"]}),
        SearchQuery(acl=["member:1"]),  # experts have no ACL field
    ],
)
def test_invalid_queries_raise_value_error(loaded, query):
    with pytest.raises(ValueError):
        loaded.search("experts", query)


def test_unknown_filter_field_on_consultations(loaded):
    with pytest.raises(ValueError):
        loaded.search("consultations", SearchQuery(acl=["member:3"], filters={"acl": ["role:admin"]}))
    with pytest.raises(ValueError):
        loaded.search("consultations", SearchQuery(acl=["member:3"], filters={"title": ["x"]}))


# --- authorization ------------------------------------------------------------------------------

MEMBER_3 = {d["id"] for d in CONSULTATIONS if "member:3" in d["acl"]}


def test_consultations_need_principals(loaded):
    with pytest.raises(SearchAuthorizationError):
        loaded.search("consultations", SearchQuery())
    with pytest.raises(PermissionError):
        loaded.search("consultations", SearchQuery(text="coins"))
    assert len(MEMBER_3) >= 4
    assert _ids(loaded, "consultations", system=True) == {d["id"] for d in CONSULTATIONS}


def test_principals_restrict_results(loaded):
    assert _ids(loaded, "consultations", acl=["member:3"]) == MEMBER_3
    assert _ids(loaded, "consultations", acl=["member:3", "member:31"]) == {
        d["id"] for d in CONSULTATIONS if {"member:3", "member:31"} & set(d["acl"])
    }
    assert _ids(loaded, "consultations", acl=[]) == set()
    assert _ids(loaded, "consultations", acl=["member:"]) == set()
    assert _ids(loaded, "consultations", acl=["role:admin"]) == {d["id"] for d in CONSULTATIONS}


@pytest.mark.parametrize("principals", [["member:3"], ["role:admin"], ["member:12", "member:31"]])
@pytest.mark.parametrize("word", ["coins", "seals", "border", "Istanbul"])
def test_text_search_within_principals(loaded, principals, word):
    visible = {d["id"] for d in CONSULTATIONS if set(principals) & set(d["acl"])}
    word = tokens(word)[0]
    found = _ids(loaded, "consultations", text=word + " ", acl=principals)
    assert _with_word(CONSULTATIONS, word, CONSULTATION_TEXT) & visible <= found
    assert found <= _with_word(CONSULTATIONS, word, CONSULTATION_TEXT, distance=1) & visible


@pytest.mark.parametrize(
    "text",
    [
        "acl:*",
        '" OR 1=1',
        "\\",
        "*",
        "acl:member:1 OR",
        'acl = "role:admin"',
        "coins",
        "-coins",
        '"coins"',
        "seized OR title:*",
    ],
)
def test_hostile_text_never_widens(loaded, text):
    found = _ids(loaded, "consultations", text=text, acl=["member:3"])
    assert found <= MEMBER_3
    if not tokens(text):
        assert found == MEMBER_3  # no words: the member's own list


@pytest.mark.parametrize(
    "field,value",
    [
        ("languages", 'en" OR acl = "role:admin'),
        ("languages", 'en") OR (acl EXISTS'),
        ("languages", "en\\"),
        ("languages", 'en\\" OR acl = \\"role:admin'),
        ("status", "submitted\nOR acl = role:admin"),
        ("category", "*"),
        ("category", "numismatics OR 1=1"),
    ],
)
def test_hostile_filter_values_match_nothing(loaded, field, value):
    assert _ids(loaded, "consultations", acl=["member:3"], filters={field: [value]}) == set()
    assert _ids(loaded, "consultations", system=True, filters={field: [value]}) == set()


def test_hostile_principals_match_nothing(loaded):
    assert _ids(loaded, "consultations", acl=['member:3" OR acl = "role:admin']) == set()
    assert _ids(loaded, "consultations", acl=["member:3\\", 'x"]) OR (acl EXISTS']) == set()


# --- highlights ---------------------------------------------------------------------------------


def test_highlights_mark_matches_and_escape_html(loaded):
    hit = next(h for h in loaded.search("experts", SearchQuery(text="textile")).hits if h.id == "e20")
    bio = hit.highlights["bio"]
    assert "<mark>Textile</mark>" in bio
    assert "<script>" not in bio and "&lt;script&gt;" in bio
    assert "&amp;" in bio  # "carpets & kilims"


def test_highlights_across_scripts(loaded):
    hits = {h.id: h for h in loaded.search("experts", SearchQuery(text="Петровић")).hits}
    assert hits["e01"].highlights["full_name"] == "Marko <mark>Petrović</mark>"
    assert hits["e02"].highlights["full_name"] == "Јелена <mark>Петровић</mark>"
    assert (
        "<mark>numismatics</mark>"
        in loaded.search("experts", SearchQuery(text="numismatcs", filters={"member_id": [101]}))
        .hits[0]
        .highlights["specialties"]
    )


def test_no_highlights_when_not_asked(loaded):
    hits = loaded.search("experts", SearchQuery(text="coins", highlight=False)).hits
    assert hits and all(h.highlights == {} for h in hits)
    assert all(h.document == next(d for d in EXPERTS if d["id"] == h.id) for h in hits)


# --- writes -------------------------------------------------------------------------------------


def test_updates_and_deletes_are_visible(backend, experts):
    backend.upsert("experts", experts)
    assert backend.count("experts") == len(experts)
    changed = dict(experts[0], full_name="Marko Zlatković", available=False)
    backend.upsert("experts", [changed])
    assert backend.count("experts") == len(experts)
    assert _ids(backend, "experts", text="Zlatković") == {"e01"}
    assert "e01" not in _ids(backend, "experts", text="Marko Petrović")
    assert "e01" in _ids(backend, "experts", filters={"available": [False]})
    backend.delete("experts", ["e01", "e02", "no-such-id"])
    assert backend.count("experts") == len(experts) - 2
    assert _ids(backend, "experts", text="Zlatković") == set()
    assert _ids(backend, "experts", text="Petrović") == {"e03"}


def test_invalid_documents_are_refused_whole(backend, experts):
    backend.upsert("experts", experts[:3])
    for bad in ({**experts[3], "id": "e 4"}, {**experts[3], "languages": "en"}, {**experts[3], "vetted_until": "soon"}):
        with pytest.raises(ValueError):
            backend.upsert("experts", [experts[4], bad])
    assert backend.count("experts") == 3


def test_rebuild_switches_without_an_empty_window(backend, experts):
    backend.upsert("experts", experts)
    seen: list[int] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def searcher():
        try:
            while not stop.is_set():
                seen.append(backend.search("experts", SearchQuery(filters={"languages": ["en"]}, limit=1)).total)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def slow_docs():
        for i, d in enumerate(experts):
            time.sleep(0.01)
            if i == 5:  # another writer changes data while the rebuild runs
                backend.upsert("experts", [dict(experts[-1], id="e99", full_name="Late Arrival")])
                backend.delete("experts", ["e02"])
            yield dict(d, bio=d["bio"] + " Rebuilt.")

    thread = threading.Thread(target=searcher)
    thread.start()
    progress: list[int] = []
    try:
        count = backend.rebuild("experts", slow_docs(), progress.append)
    finally:
        stop.set()
        thread.join()
    assert not errors
    assert seen and min(seen) > 0
    assert count == len(experts)
    assert progress and progress[-1] == len(experts)
    # the rebuild result plus the changes made while it ran
    assert backend.count("experts") == len(experts)
    assert _ids(backend, "experts", text="rebuilt") == {d["id"] for d in experts} - {"e02"}
    assert _ids(backend, "experts", text="late arrival") == {"e99"}
    if isinstance(backend, TantivyBackend):
        generations = [p for p in (backend.root / "experts").iterdir() if p.is_dir()]
        assert len(generations) == 1


def test_rebuild_from_empty_and_invalid_rebuild_keeps_the_index(backend, experts):
    assert backend.rebuild("experts", iter(experts)) == len(experts)
    assert backend.count("experts") == len(experts)
    with pytest.raises(ValueError):
        backend.rebuild("experts", iter(experts[:5] + [{"id": "bad id"}]))
    assert backend.count("experts") == len(experts)


def test_async_facade(loaded):
    facade = AsyncSearch(loaded)

    async def main():
        results = []
        async with anyio.create_task_group() as tg:
            for text in ("coins", "icons", "manuscripts"):

                async def one(t=text):
                    results.append(await facade.search("experts", SearchQuery(text=t)))

                tg.start_soon(one)
        return results, await facade.count("experts"), await facade.health()

    results, count, health = anyio.run(main)
    assert len(results) == 3 and all(r.total > 0 for r in results)
    assert count == len(EXPERTS)
    assert health["ok"]


# --- Tantivy: several processes ---------------------------------------------------------------

_WRITER = """
import json, sys
from pathlib import Path
from expertnet.search.tantivy_backend import TantivyBackend
b = TantivyBackend(Path(sys.argv[1]))
base = json.loads(sys.argv[3])
for i in range(int(sys.argv[2])):
    b.upsert("experts", [dict(base, id=f"p{sys.argv[4]}-{i}")])
"""


def test_tantivy_writers_in_several_processes(tmp_path, experts):
    backend = TantivyBackend(tmp_path)
    backend.upsert("experts", experts)
    assert backend.count("experts") == len(experts)
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(tmp_path), "15", json.dumps(experts[0]), str(n)])
        for n in range(2)
    ]
    for i in range(15):
        backend.upsert("experts", [dict(experts[1], id=f"main-{i}")])
    assert all(p.wait(timeout=120) == 0 for p in procs)
    # another process's commits are visible to this process's open searcher at once
    assert backend.count("experts") == len(experts) + 45
    assert backend.search("experts", SearchQuery(text="Petrović", limit=0)).total == 3 + 30 + 15
