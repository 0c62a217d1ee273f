"""People's names as the region writes them: given names and surnames per culture
(data/names.json), female surname forms, Serbian in Cyrillic or Latin, transliteration of
Georgian, Armenian and Cyrillic names, and the seeded draws every part of the generator uses."""

import random
from bisect import bisect_right
from collections.abc import Callable
from functools import lru_cache

from anyascii import anyascii

from expertnet.core.text import tokens
from expertnet.demo import material

# =========================================================================== seeded draws
# Hand-rolled draws: random.choices/choice cost several times more per call, and 100,000 experts
# make about a million draws. Both depend only on rng.random(), so they are just as reproducible.


def pick(rng: random.Random, seq, cum):
    """Weighted draw: ``cum`` are the cumulative weights of ``seq``."""
    return seq[min(bisect_right(cum, rng.random() * cum[-1]), len(seq) - 1)]


def one(rng: random.Random, seq):
    return seq[int(rng.random() * len(seq))]


# =========================================================================== surname grammar


def _fem_slavic_ru(s: str) -> str:  # Russian, Bulgarian, Macedonian, Kazakh, Kyrgyz, Tajik
    if s.endswith(("ский", "цкий")):
        return s[:-2] + "ая"
    if s.endswith(("ски", "цки")):
        return s[:-1] + "а"
    if s.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return s + "а"
    return s


def _fem_uk(s: str) -> str:
    if s.endswith(("ський", "цький")):
        return s[:-2] + "а"
    if s.endswith("ний"):
        return s[:-2] + "а"
    if s.endswith(("ов", "ев", "ін", "ин")):
        return s + "а"
    return s


def _fem_be(s: str) -> str:
    if s.endswith(("оў", "еў", "ёў", "аў")):
        return s[:-1] + "ва"
    if s.endswith(("скі", "цкі")):
        return s[:-1] + "ая"
    if s.endswith("ін"):
        return s + "а"
    return s


def _fem_latin_ov(s: str) -> str:  # Uzbek, Azerbaijani, Turkmen in Latin script
    return s + "a" if s.endswith(("ov", "ev", "ow", "ew")) else s


def _fem_cs(s: str) -> str:  # Czech and Slovak
    if s.endswith("ý"):
        return s[:-1] + "á"
    if s.endswith(("a", "o")):
        return s[:-1] + "ová"
    if s.endswith("ek"):
        return s[:-2] + "ková"
    if s.endswith("ec") and len(s) > 4:
        return s[:-2] + "cová"
    return s + "ová"


def _fem_pl(s: str) -> str:
    if s.endswith(("ski", "cki", "dzki")):
        return s[:-1] + "a"
    return s


def _fem_el(s: str) -> str:
    if s.endswith("os"):
        return s[:-2] + "ou"
    if s.endswith(("is", "as", "es")):
        return s[:-1]
    return s


def _fem_lv(s: str) -> str:
    if s.endswith("is"):
        return s[:-2] + "e"
    if s.endswith("ons"):
        return s[:-1] + "e"
    if s.endswith(("š", "s")):
        return s[:-1] + "a"
    return s


def _fem_lt(s: str) -> str:
    if s.endswith("ius"):
        return s[:-3] + "ienė"
    if s.endswith(("as", "is", "ys")):
        return s[:-2] + "ienė"
    if s.endswith("us"):
        return s[:-2] + "uvienė"
    return s


def _fem_is(s: str) -> str:
    return s[:-3] + "dóttir" if s.endswith("son") else s


def _same(s: str) -> str:
    return s


# names.json names these rules ("female_surnames"); a culture without one keeps the form.
_FEMININE_SURNAMES: dict[str, Callable[[str], str]] = {
    "slavic_ru": _fem_slavic_ru,
    "uk": _fem_uk,
    "be": _fem_be,
    "latin_ov": _fem_latin_ov,
    "cs": _fem_cs,
    "pl": _fem_pl,
    "el": _fem_el,
    "lv": _fem_lv,
    "lt": _fem_lt,
    "is": _fem_is,
}


# =========================================================================== scripts

_SR_CYR = {
    "lj": "љ",
    "Lj": "Љ",
    "LJ": "Љ",
    "nj": "њ",
    "Nj": "Њ",
    "NJ": "Њ",
    "dž": "џ",
    "Dž": "Џ",
    "DŽ": "Џ",
}
_SR_CYR1 = dict(
    zip(
        "abcčćdđefghijklmnoprsštuvzžABCČĆDĐEFGHIJKLMNOPRSŠTUVZŽ",
        "абцчћдђефгхијклмнопрсштувзжАБЦЧЋДЂЕФГХИЈКЛМНОПРСШТУВЗЖ",
    )
)


@lru_cache(maxsize=4096)
def _serbian_cyrillic(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        pair = text[i : i + 2]
        if pair in _SR_CYR:
            out.append(_SR_CYR[pair])
            i += 2
        else:
            out.append(_SR_CYR1.get(text[i], text[i]))
            i += 1
    return "".join(out)


_KA_LAT = dict(
    zip(
        "აბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰ",
        [
            "a",
            "b",
            "g",
            "d",
            "e",
            "v",
            "z",
            "t",
            "i",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "zh",
            "r",
            "s",
            "t",
            "u",
            "p",
            "k",
            "gh",
            "q",
            "sh",
            "ch",
            "ts",
            "dz",
            "ts",
            "ch",
            "kh",
            "j",
            "h",
        ],
    )
)


@lru_cache(maxsize=4096)
def _georgian_latin(text: str) -> str:
    return " ".join("".join(_KA_LAT.get(ch, ch) for ch in word).capitalize() for word in text.split(" "))


@lru_cache(maxsize=4096)
def _armenian_latin(text: str) -> str:
    for armenian, latin in (("ու", "u"), ("Ու", "U"), ("և", "ev"), ("Ե", "Ye"), ("Ռ", "R"), ("ռ", "r")):
        text = text.replace(armenian, latin)
    return anyascii(text).replace("'", "")  # no aspiration marks: "Tamara", not "T'amara"


@lru_cache(maxsize=4096)
def _latin(text: str) -> str:
    """Latin transliteration of a name in a non-Latin script."""
    first = text[:1]
    if "\u10d0" <= first <= "\u10ff":
        return _georgian_latin(text)
    if "\u0530" <= first <= "\u058f":
        return _armenian_latin(text)
    return anyascii(text)


@lru_cache(maxsize=8192)
def email_part(text: str) -> str:
    return "".join(tokens(_latin(text))) if text and not is_latin(text) else "".join(tokens(text))


def capitalise(text: str) -> str:
    return text[0].upper() + text[1:]


def is_latin(text: str) -> bool:
    return all(ord(ch) < 0x250 or 0x1E00 <= ord(ch) <= 0x1EFF or ch == "ʻ" for ch in text)


@lru_cache(maxsize=4096)
def firm_name(family: str) -> str:
    """A family name as it would appear in an English firm name ("De Jong", "Petrov", "Beridze")."""
    first = family if family[:1].islower() else family.split(" ")[0]
    return capitalise(first if is_latin(first) else _latin(first))


# =========================================================================== name cultures


class Culture:
    """Native language, given names, surnames, the female surname rule, name order."""

    __slots__ = ("lang", "male", "female", "surnames", "fem", "family_first", "double_surname")

    def __init__(self, row: dict) -> None:
        self.lang: str = row["language"]
        self.male: tuple[str, ...] = tuple(row["male"])
        self.female: tuple[str, ...] = tuple(row["female"])
        self.surnames: tuple[str, ...] = tuple(row["surnames"])
        self.fem = _FEMININE_SURNAMES[row["female_surnames"]] if "female_surnames" in row else _same
        self.family_first: bool = row.get("family_first", False)
        self.double_surname: float = row.get("double_surname", 0.0)


CULTURES: dict[str, Culture] = {key: Culture(row) for key, row in material.NAMES.items()}


def person(
    rng: random.Random, cultures: tuple[Culture, ...], culture_cum: tuple[float, ...], *, cyrillic: float, latin: float
) -> tuple[str, str, str, Culture]:
    """(full name as written, given name, family name, culture), given and family in the source
    script. `cyrillic` and `latin` are how often a name is written in the other script."""
    culture = pick(rng, cultures, culture_cum) if len(cultures) > 1 else cultures[0]
    female = rng.random() < 0.5
    given = one(rng, culture.female if female else culture.male)
    family = one(rng, culture.surnames)
    if culture.double_surname and rng.random() < culture.double_surname:
        second = one(rng, culture.surnames)
        if second != family:
            family = f"{family} {second}"
    if female:
        family = " ".join(culture.fem(part) for part in family.split(" "))
    full = f"{family} {given}" if culture.family_first else f"{given} {family}"
    if cyrillic and culture.lang == "sr" and rng.random() < cyrillic:
        full = _serbian_cyrillic(full)
    elif latin and rng.random() < latin:
        full = _latin(full)
    return full, given, family, culture
