"""What the benchmark feeds the system: a generated network, directory queries and routing requests.

Everything is drawn from the generated records with a seeded random generator, so a run is
repeatable and the queries match real data: words taken from profiles (some with a typo), every
filter of the directory (category, language, covered country, regional group, organisation type,
availability), and text-less browsing. Routing requests name a specialty of a generated expert in
one of several languages, using the vocabulary's own terms for its concepts.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from urllib.parse import urlencode

from expertnet.core import reference
from expertnet.demo import generate_experts

SEED = 11
WORD = re.compile(r"\w{4,}", re.UNICODE)
STOP = {
    "with",
    "from",
    "that",
    "this",
    "have",
    "been",
    "since",
    "their",
    "well",
    "also",
    "works",
    "widely",
    "specialising",
    "regularly",
    "trains",
    "advised",
    "police",
    "customs",
    "officers",
    "border",
    "seized",
    "objects",
    "published",
}


@dataclass
class Query:
    """One directory search: the service's input fields (ExpertSearchIn) and the API's parameters."""

    q: str = ""
    categories: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    org_types: list[str] = field(default_factory=list)
    available: bool | None = None
    kind: str = "text"  # text | typo | browse

    def service_params(self) -> dict:
        out = {k: v for k, v in asdict(self).items() if k != "kind" and v not in ([], None)}
        out.setdefault("q", "")
        return out

    def url(self) -> str:
        pairs: list[tuple[str, str]] = []
        if self.q:
            pairs.append(("q", self.q))
        for name, values in (
            ("category", self.categories),
            ("language", self.languages),
            ("country", self.countries),
            ("region", self.regions),
            ("org_type", self.org_types),
        ):
            pairs.extend((name, v) for v in values)
        if self.available is not None:
            pairs.append(("available", "true" if self.available else "false"))
        return "/api/v1/experts/search" + ("?" + urlencode(pairs) if pairs else "")

    def filter_types(self) -> set[str]:
        names = {
            "category": self.categories,
            "language": self.languages,
            "country": self.countries,
            "region": self.regions,
            "org_type": self.org_types,
        }
        out = {k for k, v in names.items() if v}
        if self.available is not None:
            out.add("available")
        return out


def write_network(path: Path, n: int, seed: int = SEED) -> list[dict]:
    """The interchange file `expertnet experts import` reads; returns the records (for queries)."""
    records = list(generate_experts(n, seed))
    with open(path, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return records


def typo(rng: random.Random, word: str) -> str:
    """One edit a hurried official makes: a swapped, missing, doubled or wrong letter."""
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    if kind == 2:
        return word[:i] + word[i] + word[i:]
    return word[:i] + rng.choice("aeioumnrst") + word[i + 1 :]


def _words(record: dict) -> list[str]:
    text = " ".join([*record["specialties"], record["bio"], record["organisation"]])
    return [w for w in WORD.findall(text) if w.lower() not in STOP and not w.isdigit()]


def _filters(rng: random.Random, record: dict, query: Query, kinds: list[str]) -> None:
    for kind in kinds:
        if kind == "category":
            query.categories = [rng.choice(record["categories"])]
        elif kind == "language":
            query.languages = rng.sample(record["languages"], min(len(record["languages"]), rng.choice((1, 1, 2))))
        elif kind == "country":
            query.countries = [rng.choice(record["coverage_countries"] or [record["country"]])]
        elif kind == "region":
            regions = reference.regions_for_countries([record["country"]])
            if regions:
                query.regions = [rng.choice(regions)]
        elif kind == "org_type":
            query.org_types = [record["org_type"]]
        elif kind == "available":
            query.available = rng.random() < 0.8


FILTERS = ["category", "language", "country", "region", "org_type", "available"]


def make_queries(records: list[dict], count: int = 400, seed: int = SEED) -> list[Query]:
    """`count` queries: about 45% words from a profile, 25% the same with a typo, 30% browsing by
    filters alone (one with none at all). Every filter type appears many times."""
    rng = random.Random(seed)
    queries: list[Query] = [Query(kind="browse")]
    while len(queries) < count:
        record = rng.choice(records)
        roll = rng.random()
        if roll < 0.30:
            query = Query(kind="browse")
            _filters(rng, record, query, rng.sample(FILTERS, rng.choice((1, 1, 2, 3))))
        else:
            words = _words(record)
            if not words:
                continue
            if rng.random() < 0.12:  # somebody's name
                picked = [rng.choice(record["full_name"].split())]
            else:
                start = rng.randrange(len(words))
                picked = words[start : start + rng.choice((1, 1, 2, 3))]
            kind = "text"
            if roll > 0.75:
                long = [i for i, w in enumerate(picked) if len(w) >= 6]
                if long:
                    i = rng.choice(long)
                    picked[i] = typo(rng, picked[i])
                    kind = "typo"
            query = Query(q=" ".join(picked).lower() if rng.random() < 0.7 else " ".join(picked), kind=kind)
            if rng.random() < 0.5:
                _filters(rng, record, query, rng.sample(FILTERS, rng.choice((1, 1, 2))))
        queries.append(query)
    return queries


# --- routing requests -------------------------------------------------------------------------

TEMPLATES = {
    "en": (
        "Seized at {place}: {what}",
        "Customs detained {what}. We need to know what it is and whether it is genuine; the hold ends in {hours} hours.",
    ),
    "fr": (
        "Saisie à {place} : {what}",
        "La douane a retenu {what}. Merci de nous dire de quoi il s'agit et si c'est authentique.",
    ),
    "de": (
        "Sicherstellung in {place}: {what}",
        "Der Zoll hat {what} sichergestellt. Bitte um Bestimmung und Echtheitsprüfung innerhalb von {hours} Stunden.",
    ),
    "it": (
        "Sequestro a {place}: {what}",
        "La dogana ha fermato {what}. Serve un parere sull'autenticità entro {hours} ore.",
    ),
    "es": ("Incautación en {place}: {what}", "La aduana retuvo {what}. Necesitamos saber qué es y si es auténtico."),
    "ru": (
        "Изъятие в {place}: {what}",
        "Таможня задержала {what}. Нужна экспертиза подлинности в течение {hours} часов.",
    ),
    "sr": (
        "Заплена у {place}: {what}",
        "Царина је задржала {what}. Потребна је процена аутентичности у року од {hours} сати.",
    ),
    "hr": (
        "Zapljena u {place}: {what}",
        "Carina je zadržala {what}. Trebamo procjenu autentičnosti u roku od {hours} sati.",
    ),
    "tr": (
        "{place} yakalama: {what}",
        "Gümrük {what} el koydu. {hours} saat içinde orijinallik değerlendirmesi gerekiyor.",
    ),
    "uk": ("Вилучення в {place}: {what}", "Митниця затримала {what}. Потрібна експертиза справжності."),
    "pl": ("Zatrzymanie w {place}: {what}", "Służba celna zatrzymała {what}. Prosimy o ocenę autentyczności."),
}
URGENCY = ("routine", "routine", "urgent", "critical")


@lru_cache(maxsize=1)
def _concept_terms() -> dict[str, dict[str, list[str]]]:
    """concept id -> language -> whole-word terms (stems and markers left out), from the vocabulary data."""
    data = resources.files("expertnet.matching").joinpath("data/vocabulary.json").read_text(encoding="utf-8")
    out: dict[str, dict[str, list[str]]] = {}
    for row in json.loads(data):
        terms = {}
        for lang, values in row.get("terms", {}).items():
            whole = [v.rstrip("=") for v in values if "*" not in v]
            if whole:
                terms[lang] = whole
        out[row["id"]] = terms
    return out


@dataclass
class Request:
    title: str
    description: str
    languages: list[str]
    location_country: str
    object_origin_country: str | None
    category: str | None
    urgency: str
    exclude_market_ties: bool
    language: str  # the language the text is written in

    def spec(self) -> dict:
        return {k: v for k, v in asdict(self).items() if k != "language"}


def make_requests(records: list[dict], count: int = 200, seed: int = SEED) -> list[Request]:
    """Requests about a specialty of a generated expert, written in one of eleven languages: the
    vocabulary's term for a concept of that specialty when it has one in that language, else the
    specialty in English inside the foreign sentence (as officials often write)."""
    from expertnet.matching.vocabulary import get_vocabulary

    vocab = get_vocabulary()
    terms = _concept_terms()
    rng = random.Random(seed + 1)
    langs = list(TEMPLATES)
    out: list[Request] = []
    while len(out) < count:
        record = rng.choice(records)
        specialty = rng.choice(record["specialties"] or record["categories"])
        lang = langs[len(out) % len(langs)]
        what = specialty.lower()
        if lang != "en":
            hits = [h.concept.id for h in vocab.extract(specialty) if not h.inferred]
            options = [t for cid in hits for t in terms.get(cid, {}).get(lang, [])]
            if options:
                what = " ".join(rng.sample(options, min(2, len(options))))
        if rng.random() < 0.2:
            long = [w for w in what.split() if len(w) >= 6]
            if long:
                w = rng.choice(long)
                what = what.replace(w, typo(rng, w), 1)
        title, description = TEMPLATES[lang]
        place = rng.choice(record["coverage_countries"] or [record["country"]])
        fill = {"place": reference.country_name(place, lang), "what": what, "hours": rng.choice((24, 48, 72))}
        spoken = (
            [lang]
            if lang in ("en", "fr", "de", "it", "es", "ru", "tr", "uk", "pl")
            else ["sr" if lang == "sr" else "hr"]
        )
        if rng.random() < 0.7:
            spoken.append("en")
        out.append(
            Request(
                title=title.format(**fill)[:200],
                description=description.format(**fill),
                languages=list(dict.fromkeys(spoken)),
                location_country=place,
                object_origin_country=rng.choice([None, record["country"]]),
                category=rng.choice(record["categories"]) if rng.random() < 0.4 else None,
                urgency=rng.choice(URGENCY),
                exclude_market_ties=rng.random() < 0.2,
                language=lang,
            )
        )
    return out


def describe(queries: list[Query], requests: list[Request]) -> dict:
    """What the workload holds, for the results file."""
    kinds: dict[str, int] = {}
    filters: dict[str, int] = {}
    for q in queries:
        kinds[q.kind] = kinds.get(q.kind, 0) + 1
        for f in q.filter_types():
            filters[f] = filters.get(f, 0) + 1
    languages: dict[str, int] = {}
    for r in requests:
        languages[r.language] = languages.get(r.language, 0) + 1
    return {
        "queries": len(queries),
        "query_kinds": kinds,
        "queries_per_filter": filters,
        "requests": len(requests),
        "request_languages": languages,
    }
