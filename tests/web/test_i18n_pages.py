"""The Russian interface has no English left in it (issue 15): the main pages of every role, the
error summaries and the 403/404/500 pages, rendered in Russian over the test client.

All data typed into this network is Russian, so every Latin-script word a page shows came from
the interface: a catalogue msgid shown untranslated, a server message or an internal code.
"""

import re
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po

from expertnet.objects.schemas import LABELS as OBJECT_COLUMNS
from tests.web.test_i18n import CATALOGUES

CSV_COLUMNS = set(OBJECT_COLUMNS.values())

# Latin words that are not English prose: the brand, zone and file-type abbreviations.
ALLOWED = {"expertnet", "UTC", "GMT", "PDF", "JPEG", "PNG", "WebP", "KB", "MB", "HS", "OSINT", "ID", "Test", "Admin"}
ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
ENGLISH = {
    "the",
    "and",
    "of",
    "to",
    "is",
    "in",
    "for",
    "with",
    "your",
    "not",
    "this",
    "by",
    "on",
    "at",
    "an",
    "be",
    "or",
    "are",
    "has",
    "was",
    "no",
    "you",
    "it",
    "from",
    "as",
    "all",
    "none",
    "speaks",
    "covers",
    "category",
    "specialty",
    "load",
    "profile",
    "until",
    "available",
}


class _Visible(HTMLParser):
    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ATTRIBUTES and value:
                self.texts.append(value)
            if tag == "meta" and name == "content":
                continue

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def visible_texts(html: str) -> list[str]:
    parser = _Visible()
    parser.feed(html)
    return parser.texts


def _catalogue(locale: str):
    with open(CATALOGUES / locale / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh, locale=locale)


def _english_msgids(locale: str = "ru") -> set[str]:
    """The English texts of the interface that this language says differently."""
    out = set()
    for message in _catalogue(locale):
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        for msgid in ids:
            if msgid and re.search(r"[A-Za-z]{3}", msgid) and msgid not in ALLOWED and msgid not in strings:
                out.add(re.sub(r"%\(\w+\)s", "", msgid).strip())
    return out


MSGIDS = _english_msgids()
WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")


def _without_csv_headers(text: str) -> str:
    # The objects CSV's column names are English by contract (objects.schemas.LABELS); a hint that
    # names them as examples quotes them on purpose.
    for column in sorted(CSV_COLUMNS, key=len, reverse=True):
        text = text.replace(column, "")
    return text


def english_in(html: str, msgids: set[str] | None = None, words_too: bool = True) -> list[str]:
    """Visible texts that are English: a whole msgid, or (for a language in Cyrillic script)
    English function words."""
    msgids = MSGIDS if msgids is None else msgids
    found = []
    for shown in visible_texts(html):
        text = _without_csv_headers(shown)
        if re.fullmatch(r"[\w.+-]+@[\w.-]+|\([a-z]{2}\)", text):
            continue  # an e-mail address, an ISO 639-1 code beside the language's name
        words = [w for w in WORD.findall(re.sub(r"\S+@\S+|[A-Z][a-z]+/[A-Za-z_/]+", "", text)) if w not in ALLOWED]
        if shown in msgids or (words_too and any(w.lower() in ENGLISH for w in words)):
            found.append(shown)
    return found


def _russian(pages, user) -> None:
    pages.login(user)
    r = pages.post("/language", {"language": "ru", "next": "/"}, form_page="/")
    assert r.status_code == 303


@pytest.fixture
def network(env):
    """An official, two experts and an admin, all in Russian, and a request filed by the official."""
    kovac = env.member(
        "expert",
        full_name="Александра Ковач",
        organisation="Народный музей",
        languages=["sr", "ru"],
        application_statement="Я хранитель монет.",
        expert={
            "categories": ["numismatics"],
            "specialties": ["римские императорские монеты"],
            "coverage_countries": ["RS", "BG"],
            "bio": "Хранитель нумизматического кабинета.",
        },
    )
    petrov = env.member(
        "expert",
        full_name="Пётр Петров",
        organisation="Государственный музей",
        languages=["ru"],
        application_statement="Я нумизмат.",
        expert={"categories": ["numismatics"], "specialties": ["монеты Золотой Орды"], "bio": "Нумизмат."},
    )
    olga = env.member(
        "le_official",
        full_name="Ольга Пограничная",
        organisation="Пограничная полиция",
        languages=["ru", "sr"],
        application_statement="Я расследую преступления против наследия.",
    )
    return {"kovac": kovac, "petrov": petrov, "olga": olga}


def _file(pages) -> int:
    r = pages.post(
        "/consultations/new",
        {
            "title": "Серебряный денарий на границе",
            "description": "Пограничники задержали серебряную римскую монету Траяна в автомобиле.",
            "location_country": "RS",
            "object_origin_country": "IT",
            "languages": ["ru", "sr"],
            "category": "numismatics",
        },
        form_page="/consultations/new",
    )
    assert r.status_code == 303, r.text[-600:]
    return int(re.search(r"/consultations/(\d+)", r.headers["location"]).group(1))


def _check(pages, path: str, status: int = 200) -> str:
    page = pages.get(path)
    assert page.status_code == status, (path, page.status_code, page.text[-600:])
    assert '<html lang="ru">' in page.text, path
    leaks = english_in(page.text)
    assert not leaks, (path, leaks)
    return page.text


def test_the_catcher_catches_english():
    assert english_in("<p>Find an expert</p>") == ["Find an expert"]
    assert english_in('<input placeholder="Type the name of the object">')
    assert english_in("<li>speaks sr</li>")
    assert english_in("<p>title: This is too short.</p>")
    assert not english_in("<p>Найти эксперта · expertnet · 14:00 UTC · Europe/Belgrade</p>")


def test_official_pages_in_russian_have_no_english(env, pages, network):
    _russian(pages, network["olga"])
    consultation_id = _file(pages)
    draft = _check(pages, f"/consultations/{consultation_id}")
    # the candidates' reasons, in words: "Область: Нумизматика · … · языки: русский · охватывает: Сербия"
    assert "Область: Нумизматика" in draft and "языки: русский" in draft and "охватывает: Сербия" in draft
    for path in (
        "/",
        "/directory",
        "/directory?q=монеты",
        "/consultations",
        "/consultations/new",
        "/time-zone",
        f"/consultations/{consultation_id}/edit",
    ):
        _check(pages, path)
    expert_id = network["kovac"].extra.get("expert_id")
    if expert_id:
        _check(pages, f"/experts/{expert_id}")
    r = pages.post(
        f"/consultations/{consultation_id}/submit",
        {"offer_count": "2"},
        form_page=f"/consultations/{consultation_id}",
        follow=True,
    )
    assert r.status_code == 200 and not english_in(r.text), english_in(r.text)


def test_expert_and_admin_pages_in_russian_have_no_english(env, pages, network):
    _russian(pages, network["olga"])
    consultation_id = _file(pages)
    pages.post(
        f"/consultations/{consultation_id}/submit", {"offer_count": "2"}, form_page=f"/consultations/{consultation_id}"
    )
    _russian(pages, network["kovac"])
    for path in ("/", "/offers", "/consultations", "/profile", f"/consultations/{consultation_id}"):
        _check(pages, path)
    pages.logout_all()
    _russian(pages, env.admin)
    for path in (
        "/",
        "/admin/members",
        f"/admin/members/{network['olga'].id}",
        "/admin/escalations",
        "/admin/coverage",
        "/admin/audit",
        "/admin/retention",
        "/directory",
        f"/consultations/{consultation_id}",
    ):
        _check(pages, path)


def test_form_errors_in_russian_name_fields_by_their_label(env, pages, network):
    _russian(pages, network["olga"])
    r = pages.post(
        "/consultations/new",
        {"title": "ab", "description": "", "location_country": "XX", "deadline": "2001-01-01T10:00"},
        form_page="/consultations/new",
    )
    assert r.status_code == 400
    assert not english_in(r.text), english_in(r.text)
    assert "Краткое название" in r.text  # the field's label, not "title"


def test_error_pages_in_russian(env, pages, network, monkeypatch):
    _russian(pages, network["olga"])
    _check(pages, "/no-such-page", 404)
    _check(pages, "/consultations/999999", 404)
    _check(pages, "/admin/members", 403)

    from expertnet.web import desk

    async def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(desk, "dashboard_context", broken)
    text = _check(pages, "/", 500)
    assert "boom" not in text


# --------------------------------------------------------------------------- the other languages

OTHER = {"sr": "Пронађи стручњака", "sr_Latn": "Pronađi stručnjaka", "fr": "Trouver un expert"}


@pytest.mark.parametrize("locale", ["sr", "sr_Latn", "fr"])
def test_every_interface_text_is_translated_into(locale):
    from tests.web.test_i18n import PLACEHOLDER, _extracted

    catalogue = _catalogue(locale)
    missing, broken = [], []
    for text in _extracted():
        message = catalogue.get(text)
        strings = (
            [] if message is None else ([message.string] if isinstance(message.string, str) else list(message.string))
        )
        if not strings or not all(strings):
            missing.append(text)
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        wanted = set().union(*(PLACEHOLDER.findall(i) for i in ids)) - {"num"}
        if any(set(PLACEHOLDER.findall(string)) - {"num"} != wanted for string in strings):
            broken.append(text)
    assert not missing, f"no {locale} translation for: {sorted(map(str, missing))[:10]}"
    assert not broken, f"{locale}: placeholders differ in {broken[:5]}"
    if locale.startswith("sr"):
        assert catalogue.num_plurals == 3


@pytest.mark.parametrize("locale", ["sr", "sr_Latn", "fr"])
def test_the_switcher_offers_the_language_and_the_pages_speak_it(env, pages, network, locale):
    login = pages.get("/login").text
    assert f'<option value="{locale}" lang="{locale.replace("_", "-")}"' in login
    pages.login(network["olga"])
    r = pages.post("/language", {"language": locale, "next": "/"}, form_page="/")
    assert r.status_code == 303
    lang = locale.replace("_", "-")
    msgids = _english_msgids(locale)
    for path in ("/", "/directory", "/consultations", "/consultations/new", "/time-zone", "/no-such-page"):
        page = pages.get(path)
        assert f'<html lang="{lang}">' in page.text, path
        assert OTHER[locale] in page.text or path == "/no-such-page", path
        leaks = english_in(page.text, msgids, words_too=locale == "sr")
        assert not leaks, (locale, path, leaks)


def test_serbian_latin_is_chosen_from_the_browser(env):
    page = env.client.get("/login", headers={"accept": "text/html", "accept-language": "sr-Latn-RS,sr;q=0.8"})
    assert '<html lang="sr-Latn">' in page.text and "Prijava" in page.text
    page = env.client.get("/login", headers={"accept": "text/html", "accept-language": "sr-RS"})
    assert '<html lang="sr">' in page.text and "Пријава" in page.text
