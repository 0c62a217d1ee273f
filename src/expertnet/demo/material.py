"""The demo's material, as data (data/*.json): names per culture, countries, expertise,
organisations and the demo logins. Loaded once, at import."""

import json
from importlib import resources
from typing import Any


def _load(name: str) -> Any:
    return json.loads(resources.files("expertnet.demo").joinpath("data", name).read_text("utf-8"))


NAMES: dict[str, dict] = _load("names.json")
COUNTRIES: dict[str, Any] = _load("countries.json")
EXPERTISE: dict[str, Any] = _load("expertise.json")
ORGANISATIONS: dict[str, Any] = _load("organisations.json")
ACCOUNTS: list[dict] = _load("accounts.json")
