"""One browser journey on the production search engine: the real app (uvicorn) on Meilisearch.

An official searches the directory live (htmx), files a request, sees the candidates routing
found through Meilisearch, submits it, and the expert accepts it. Runs on the Meilisearch leg
(EXPERTNET_MEILI_URL) with Chromium; skipped otherwise. The pieces are test_browser.py's.
"""

import re
import shutil
from dataclasses import replace

import httpx
import pytest

from expertnet.config import Settings
from tests.search import meili
from tests.web.test_browser import LiveServer, _expect, _htmx_idle, browser, people  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(sqlite_template, tmp_path_factory):
    """The real app over HTTP on 127.0.0.1, SQLite + Meilisearch under a private index prefix."""
    from tests.conftest import TEST_SECRET, Env

    url, key = meili.require()
    prefix = meili.unique_prefix()
    data_dir = tmp_path_factory.mktemp("browser-meili") / "data"
    data_dir.mkdir()
    shutil.copy(sqlite_template, data_dir / "expertnet.db")
    settings = Settings(
        env="test",
        data_dir=data_dir,
        database_url=f"sqlite+aiosqlite:///{data_dir / 'expertnet.db'}",
        secret_key=TEST_SECRET,
        inline_worker=True,
        base_url="http://127.0.0.1",
        password_hash_profile="test",
    )
    settings = replace(settings, meili_url=url, meili_key=key, meili_index_prefix=prefix)
    try:
        with LiveServer(settings) as server, httpx.Client(base_url=server.url, timeout=30) as api:
            server.env = Env(settings, api)
            yield server
    finally:
        meili.drop_prefix(url, key, prefix)


def test_search_file_and_accept_on_meilisearch(live, people):
    env = live.env
    health = httpx.get(live.url + "/health", timeout=10).json()
    assert health["search"] == "ok", health  # public health names parts only
    expert = env.member(
        "expert",
        full_name="Milica Jovanović",
        languages=["sr", "en"],
        expert={
            "categories": ["numismatics"],
            "specialties": ["Roman Imperial coinage", "Trajan denarii"],
            "coverage_countries": ["RS"],
            "bio": "Curator of the coin cabinet.",
        },
    )
    olga = env.member("le_official", full_name="Olga Meili", languages=["sr", "en"])
    # The desk really searches Meilisearch: the expert's document is in this run's index there.
    from expertnet.search.meili_backend import MeiliBackend

    settings = live.env.settings
    uid = MeiliBackend(settings.meili_url, settings.meili_key, index_prefix=settings.meili_index_prefix).uid("experts")
    found = httpx.post(
        f"{settings.meili_url}/indexes/{uid}/search",
        json={"q": "Jovanović"},
        timeout=10,
        headers={"Authorization": f"Bearer {settings.meili_key}"},
    ).json()
    assert [h.get("full_name") for h in found.get("hits", [])][:1] == ["Milica Jovanović"], found

    official = people("meili-official")
    official.login(olga.email, olga.password)
    page = official.page
    page.goto("/directory")
    # A typo and the other script: Meilisearch's typo tolerance and our folded copies.
    page.get_by_label("What is the object, or who are you looking for?").press_sequentially(
        "Јовановић denari", delay=40
    )
    _expect(page.locator("#results mark").first, timeout=15_000)
    _expect(page.locator("#results").get_by_role("link", name=re.compile("Milica")))
    _htmx_idle(page)
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # no page load happened
    official.shot("meili-01-directory-results")

    page.goto("/consultations/new")
    page.get_by_label("Short title").fill("Trajan denarius seized at Batrovci")
    page.get_by_label("Description").fill(
        "Customs found a silver Roman Imperial denarius of Trajan in a car. Is it genuine?"
    )
    page.get_by_label("Field of expertise").select_option("numismatics")
    page.get_by_label("Country where the object is now").select_option("RS")
    page.get_by_role("button", name="Save and see the candidates").click()
    _expect(page.get_by_role("heading", name="Check the candidates, then submit"))
    _expect(page.get_by_role("link", name="Milica Jovanović"))
    cid = int(re.search(r"/consultations/(\d+)", page.url).group(1))
    page.get_by_label("Offer to how many experts at once").select_option("1")
    page.get_by_role("button", name="Submit the request").click()
    _expect(page.get_by_text("Your request has been submitted"))

    taker = people("meili-expert")
    taker.login(expert.email, expert.password)
    taker.page.goto(f"/consultations/{cid}")
    _expect(taker.page.get_by_role("heading", name="This request is offered to you"))
    taker.page.get_by_role("button", name="Accept").click()
    _expect(taker.page.get_by_text("You have accepted the consultation."))
    taker.shot("meili-02-expert-accepted")
