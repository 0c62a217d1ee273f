"""Search: one interface (``SearchBackend``), two engines (embedded Tantivy, Meilisearch)."""

from __future__ import annotations

from pathlib import Path

from expertnet.search.backend import (
    AsyncSearch,
    Hit,
    Range,
    SearchAuthorizationError,
    SearchBackend,
    SearchQuery,
    SearchResult,
)
from expertnet.search.definitions import IndexDefinition, load_definition, settings_for_meili

__all__ = [
    "AsyncSearch",
    "Hit",
    "IndexDefinition",
    "Range",
    "SearchAuthorizationError",
    "SearchBackend",
    "SearchQuery",
    "SearchResult",
    "load_definition",
    "make_backend",
    "settings_for_meili",
]


def make_backend(
    data_dir: Path,
    meili_url: str | None,
    meili_key: str | None,
    synonyms: dict[str, list[str]] | None = None,
    meili_index_prefix: str = "",
) -> SearchBackend:
    """Meilisearch when a URL is configured, else the embedded Tantivy index under data_dir."""
    if meili_url:
        from expertnet.search.meili_backend import MeiliBackend

        return MeiliBackend(meili_url, meili_key, synonyms, index_prefix=meili_index_prefix)
    from expertnet.search.tantivy_backend import TantivyBackend

    return TantivyBackend(Path(data_dir), synonyms)
