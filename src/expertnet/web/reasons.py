"""Why a candidate was chosen, in words for people, in the reader's language.

Routing (consultations/routing/scoring.py) gives each candidate machine-readable reasons such as
"category: numismatics", "speaks sr", "covers RS", "specialty: Roman Imperial coinage"; the API
and `expertnet route` keep them as they are (DESIGN.md). Pages turn them into phrases here, at
render time: languages and countries named in the reader's language, several of one kind joined
("Speaks Serbian and English"), the free-text specialties quoted as the expert wrote them.
"""

import re

from babel.lists import format_list

from expertnet.core import reference
from expertnet.web import i18n, labels
from expertnet.web.i18n import N_

_CATEGORY = re.compile(r"^category: (?P<slug>\w+)(?: \((?P<note>.*)\))?$")
_GIVEN_ELSEWHERE = re.compile(r"^given; the text points rather to (?P<other>\w+)$")
_FROM_TEXT = re.compile(r"^from the text, outweighing the given (?P<other>\w+)$")
_LIFTED = re.compile(r"^the text matches this expert's specialties more than the given category (?P<other>\w+)$")
_LOAD = re.compile(r"^load (?P<open>\d+)/(?P<max>\d+)$")


def _category(locale: str, slug: str) -> str:
    known = labels.CATEGORIES.get(slug)
    return i18n.translate(locale, known) if known else slug.replace("_", " ")


def _language(locale: str, code: str) -> str:
    try:
        return reference.language_name(code, locale)
    except ValueError:
        return code


def _country(locale: str, code: str) -> str:
    try:
        return reference.country_name(code, locale)
    except ValueError:
        return code


def _joined(locale: str, items: list[str]) -> str:
    return format_list(items, locale=i18n.babel_locale(locale)) if items else ""


def _category_phrase(locale: str, slug: str, note: str | None) -> str:
    t = i18n.translate
    name = _category(locale, slug)
    if note:
        for pattern, msgid in (
            (
                _GIVEN_ELSEWHERE,
                N_("works in %(category)s, the field you chose (the description points rather to %(other)s)"),
            ),
            (_FROM_TEXT, N_("works in %(category)s, which the description points to (you chose %(other)s)")),
            (
                _LIFTED,
                N_(
                    "works in %(category)s: the description matches this expert's specialties better than the field you chose (%(other)s)"
                ),
            ),
        ):
            found = pattern.match(note)
            if found:
                return t(locale, msgid, category=name, other=_category(locale, found["other"]))
    return t(locale, N_("works in %(category)s"), category=name)


def phrases(codes: list[str] | None, locale: str) -> list[str]:
    """The reasons as phrases, in their order; the languages, countries and specialties each
    joined into one phrase where the first of them stood."""
    t = i18n.translate
    out: list[str | None] = []
    groups: dict[str, tuple[int, list[str]]] = {}

    def grouped(kind: str, value: str) -> None:
        if kind not in groups:
            groups[kind] = (len(out), [])
            out.append(None)
        groups[kind][1].append(value)

    for code in codes or ():
        if code.startswith("speaks "):
            grouped("speaks", _language(locale, code.removeprefix("speaks ")))
        elif code.startswith("covers "):
            grouped("covers", _country(locale, code.removeprefix("covers ")))
        elif code.startswith("specialty: "):
            grouped("specialty", code.removeprefix("specialty: "))
        elif code.startswith("profile: "):
            out.append(t(locale, N_("the profile mentions %(topic)s"), topic=code.removeprefix("profile: ")))
        elif code.startswith("profile similar to the request"):
            out.append(t(locale, N_("the profile is close in meaning to the request")))
        elif code.startswith("specialises in what the request excludes: "):
            out.append(
                t(
                    locale,
                    N_("specialises in what the request excludes: %(topics)s"),
                    topics=code.removeprefix("specialises in what the request excludes: "),
                )
            )
        elif code == "declared market ties (the request asks for an independent expert)":
            out.append(t(locale, N_("has declared ties to the art market (you asked for an independent expert)")))
        elif code == "declared market ties":
            out.append(t(locale, N_("has declared ties to the art market")))
        elif found := _CATEGORY.match(code):
            out.append(_category_phrase(locale, found["slug"], found["note"]))
        elif found := _LOAD.match(code):
            out.append(
                t(locale, N_("has %(open)s of %(max)s consultations open"), open=found["open"], max=found["max"])
            )
        else:
            out.append(code)  # a reason this page does not know yet: shown as routing gave it
    for kind, (at, values) in groups.items():
        joined = _joined(locale, values)
        if kind == "speaks":
            out[at] = t(locale, N_("speaks %(languages)s"), languages=joined)
        elif kind == "covers":
            out[at] = t(locale, N_("covers %(countries)s"), countries=joined)
        else:
            out[at] = t(locale, N_("specialist in %(specialties)s"), specialties=joined)
    done = [text for text in out if text]
    if done:
        done[0] = done[0][:1].upper() + done[0][1:]
    return done


def sentence(codes: list[str] | None, locale: str) -> str:
    """'Speaks Serbian · covers Bulgaria and Serbia · specialist in Roman Imperial coinage'."""
    return " · ".join(phrases(codes, locale))
