"""In the browser: an official's query in Russian, Serbian Cyrillic, German or Turkish finds the same
experts on the directory page as the same query in English (issue 10)."""

import pytest

from tests.web.test_browser import _expect, _htmx_idle, browser, live, people  # noqa: F401 - fixtures

SEARCH_BOX = "What is the object, or who are you looking for?"
QUERIES = {
    "coins": {"en": "coins", "ru": "монеты", "sr-Cyrl": "кованице", "de": "Münzen", "tr": "sikkeler"},
    "icons": {"en": "icons", "ru": "иконы", "sr-Cyrl": "иконе", "de": "Ikonen", "tr": "ikonalar"},
    "fossils": {"en": "fossils", "ru": "окаменелости", "sr-Cyrl": "фосили", "de": "Fossilien", "tr": "fosiller"},
}


@pytest.fixture(scope="module")
def seeded(live):
    env = live.env
    people_by_topic = {
        "coins": [
            ("Aleksandra Kovač", "numismatics", ["Roman Imperial coinage"]),
            ("Dieter Brandt", "numismatics", ["Münzen der Stauferzeit"]),
        ],
        "icons": [
            ("Irina Sokolova", "religious_art", ["Post-Byzantine icons"]),
            ("Јована Илић", "religious_art", ["српске иконе"]),
        ],
        "fossils": [("Heather Lowe", "palaeontology", ["Cretaceous dinosaur fossils"])],
    }
    for topic, experts in people_by_topic.items():
        for name, category, specialties in experts:
            env.member(
                "expert", full_name=name, expert={"categories": [category], "specialties": specialties, "bio": ""}
            )
    official = env.member("le_official", full_name="Olga Multilingual")
    return official, {topic: {name for name, _, _ in experts} for topic, experts in people_by_topic.items()}


def _names_on_the_page(page, query: str) -> set[str]:
    box = page.get_by_label(SEARCH_BOX)
    box.fill("")
    box.press_sequentially(query, delay=20)
    # Playwright types letters outside its US key map as text input without key events; a real
    # keyboard sends keyup for each letter. One key press after the word gives the search its keyup.
    box.press("End")
    # the address follows the live search: wait for the whole query, not the first letters typed
    try:
        page.wait_for_function("q => new URLSearchParams(location.search).get('q') === q", arg=query, timeout=10_000)
    except Exception:
        raise AssertionError(f"{query!r}: the address is {page.url!r}, the box holds {box.input_value()!r}") from None
    _htmx_idle(page)
    links = page.locator("#results a[href^='/experts/']")
    return {text.strip() for text in links.all_inner_texts()}


def test_same_experts_in_five_languages(seeded, people):
    official, expected = seeded
    person = people("multilingual-official")
    person.login(official.email, official.password)
    page = person.page
    page.goto("/directory")
    for topic, by_language in QUERIES.items():
        english = _names_on_the_page(page, by_language["en"])
        assert expected[topic] <= english, (topic, english)
        for language, query in by_language.items():
            found = _names_on_the_page(page, query)
            assert found == english, (topic, language, query, found, english)
        if topic == "icons":
            person.shot("20-directory-icons-in-serbian-cyrillic")
