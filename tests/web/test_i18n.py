"""Interface languages: complete catalogues, labels for all reference data, the switch itself."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from sqlalchemy import select

from expertnet.core import reference
from expertnet.members.models import Member
from expertnet.web import i18n, labels

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = ROOT / "src" / "expertnet" / "translations"
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2), "translate": (2,), "_t": (2,)}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _extracted() -> set:
    found = set()
    for directory, method, options in (
        (
            ROOT / "templates",
            "jinja2",
            {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"},
        ),
        (ROOT / "src" / "expertnet" / "web", "python", {}),
    ):
        pattern = "**.html" if method == "jinja2" else "**.py"
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(directory), method_map=[(pattern, method)], options_map={pattern: options}, keywords=KEYWORDS
        ):
            found.add(message)
    return found


def _catalogue(locale: str):
    with open(CATALOGUES / locale / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=locale)


def test_every_interface_text_is_in_the_catalogue_and_translated_to_russian():
    texts = _extracted()
    assert len(texts) > 300  # the extractor really read the templates
    with open(CATALOGUES / "messages.pot", "rb") as fh:
        template = {m.id for m in read_po(fh) if m.id}
    missing_from_pot = {t for t in texts if t not in template}
    assert not missing_from_pot, (
        f"run pybabel extract (translations/README.md): {sorted(map(str, missing_from_pot))[:10]}"
    )
    ru = _catalogue("ru")
    untranslated = []
    for text in texts:
        message = ru.get(text)
        strings = (
            [] if message is None else ([message.string] if isinstance(message.string, str) else list(message.string))
        )
        if not strings or not all(strings):
            untranslated.append(text)
    assert not untranslated, f"no Russian translation for: {sorted(map(str, untranslated))[:10]}"


def test_russian_translations_keep_the_placeholders():
    ru = _catalogue("ru")
    assert ru.num_plurals == 3
    for message in ru:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        wanted = set().union(*(PLACEHOLDER.findall(i) for i in ids)) - {"num"}
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) - {"num"} == wanted, (message.id, string)


def test_reference_data_has_display_labels():
    assert set(labels.CATEGORIES) == set(reference.CATEGORY_SLUGS)
    assert set(labels.REGIONS) == set(reference.REGIONS)
    assert set(labels.ORG_TYPES) == set(reference.ORG_TYPES)
    for slug, category in reference.CATEGORIES.items():
        assert labels.CATEGORIES[slug] == category.name  # the data's English name is the msgid
    for slug, region in reference.REGIONS.items():
        assert labels.REGIONS[slug] == region.name


def test_desk_enumerations_have_labels():
    from expertnet.consultations import models

    assert {s.value for s in models.Status} <= set(labels.STATUSES)
    assert {s.value for s in models.Urgency} == set(labels.URGENCY)
    assert {s.value for s in models.OfferStatus} == set(labels.OFFER_STATUSES)
    assert {s.value for s in models.Authenticity} == set(labels.AUTHENTICITY)
    assert {s.value for s in models.Confidence} == set(labels.CONFIDENCE)
    assert {s.value for s in models.Outcome} == set(labels.OUTCOMES)


def test_translation_lookup():
    assert i18n.translate("ru", "Sign in") == "Войти"
    assert i18n.translate("en", "Sign in") == "Sign in"
    assert i18n.translate("xx", "Sign in") == "Sign in"
    assert i18n.ntranslate("ru", "%(num)s expert found", "%(num)s experts found", 5) == "Найдено 5 экспертов"
    assert i18n.ntranslate("ru", "%(num)s expert found", "%(num)s experts found", 21) == "Найден 21 эксперт"


def test_anonymous_visitor_switches_to_russian(env, pages):
    page = pages.get("/login")
    assert '<html lang="en">' in page.text and "Sign in" in page.text
    r = pages.post("/language", {"language": "ru", "next": "/login"})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    page = pages.get("/login")
    assert '<html lang="ru">' in page.text
    assert "Войти" in page.text and "Пароль" in page.text
    assert "Язык интерфейса изменён." in page.text
    assert pages.get("/login", headers={"accept-language": "en"}).text.count("Войти") >= 1  # the cookie wins
    # An unknown language is ignored.
    pages.post("/language", {"language": "xx", "next": "/login"})
    assert '<html lang="ru">' in pages.get("/login").text


def test_browser_language_is_the_default(env, pages):
    page = env.client.get("/login", headers={"accept": "text/html", "accept-language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert '<html lang="ru">' in page.text
    page = env.client.get("/login", headers={"accept": "text/html", "accept-language": "de-DE,it;q=0.8"})
    assert '<html lang="en">' in page.text  # neither is an interface language
    page = env.client.get("/login", headers={"accept": "text/html", "accept-language": "de-DE,fr;q=0.8"})
    assert '<html lang="fr">' in page.text


def test_member_language_is_stored_on_the_account(env, pages):
    official = env.member("le_official")
    pages.login(official)
    r = pages.post("/language", {"language": "ru", "next": "/consultations"}, form_page="/")
    assert r.headers["location"] == "/consultations"
    assert env.db_run(lambda s: _language(s, official.id)) == "ru"
    page = pages.get("/consultations")
    assert "Мои запросы" in page.text and '<html lang="ru">' in page.text
    # The choice follows the account to another browser (no cookie there).
    env.client.cookies.clear()
    pages.login(official)
    assert "Мои запросы" in pages.get("/consultations").text


@pytest.mark.parametrize("path", ["/", "/consultations", "/consultations/new", "/directory"])
def test_official_pages_render_in_russian(env, pages, path):
    official = env.member("le_official")
    pages.login(official)
    pages.post("/language", {"language": "ru", "next": "/"}, form_page="/")
    page = pages.get(path)
    assert page.status_code == 200, page.text[-800:]
    assert '<html lang="ru">' in page.text
    assert "Выйти" in page.text


async def _language(session, member_id):
    return (await session.execute(select(Member.ui_language).where(Member.id == member_id))).scalar_one()
