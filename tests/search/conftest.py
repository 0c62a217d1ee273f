"""Fixtures for the search contract: one fixture set, two engines.

The Meilisearch leg runs when EXPERTNET_MEILI_URL is set (``docker compose up meilisearch``);
each test run uses its own index-uid prefix and drops its indexes afterwards.
"""

import os
import uuid

import pytest

from expertnet.search.meili_backend import MeiliBackend
from expertnet.search.tantivy_backend import TantivyBackend

SYNONYMS = {"монета": ["coin", "coins"], "moneta": ["coin", "coins"], "kovanica": ["coin", "coins"]}


def _meili_params() -> tuple[str, str | None] | None:
    url = os.environ.get("EXPERTNET_MEILI_URL")
    return (url, os.environ.get("EXPERTNET_MEILI_KEY")) if url else None


def _make(kind: str, data_dir):
    if kind == "tantivy":
        return TantivyBackend(data_dir, synonyms=SYNONYMS)
    params = _meili_params()
    if params is None:
        pytest.skip("Meilisearch leg needs EXPERTNET_MEILI_URL (e.g. `docker compose up meilisearch`); "
                    "no Meilisearch server is available here")
    url, key = params
    return MeiliBackend(url, key, synonyms=SYNONYMS, index_prefix=f"t{uuid.uuid4().hex[:10]}_")


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
