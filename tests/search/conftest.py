"""Fixtures for the search tests: one fixture set, two engines.

The Meilisearch leg runs when EXPERTNET_MEILI_URL is set (`bash .ci/run` and `make test-meili`
start a server with scripts/meili.sh); each test uses its own index-uid prefix and drops its
indexes afterwards (tests/search/meili.py). Tests through the app (`env`, `cli`) run on both
engines too: the `settings` fixture of tests/conftest.py is switched to Meilisearch for the leg.
"""

import pytest

from expertnet.search.meili_backend import MeiliBackend
from expertnet.search.tantivy_backend import TantivyBackend
from tests.search import meili

SYNONYMS = {"монета": ["coin", "coins"], "moneta": ["coin", "coins"], "kovanica": ["coin", "coins"]}


def _make(kind: str, data_dir):
    if kind == "tantivy":
        return TantivyBackend(data_dir, synonyms=SYNONYMS)
    url, key = meili.require()
    return MeiliBackend(url, key, synonyms=SYNONYMS, index_prefix=meili.unique_prefix())


def _dispose(backend) -> None:
    if isinstance(backend, MeiliBackend):
        backend.drop_all()
    backend.close()


@pytest.fixture(params=["tantivy", "meili"])
def backend(request, tmp_path):
    """An empty backend of each kind, fresh for every test."""
    b = _make(request.param, tmp_path)
    yield b
    _dispose(b)


@pytest.fixture(scope="module", params=["tantivy", "meili"])
def module_backend(request, tmp_path_factory):
    """An empty backend of each kind shared by a module (for read-only tests on loaded data)."""
    b = _make(request.param, tmp_path_factory.mktemp("search"))
    yield b
    _dispose(b)


@pytest.fixture(params=["tantivy", "meili"])
def engine(request) -> str:
    if request.param == "meili":
        meili.require()
    return request.param


@pytest.fixture
def settings(settings, engine, request):
    """The app's settings on the test's engine (the embedded Tantivy index, or Meilisearch)."""
    return meili.on_meili(settings, request) if engine == "meili" else settings


@pytest.fixture
def cli(cli, settings, monkeypatch):
    meili.cli_env(monkeypatch, settings)
    return cli
