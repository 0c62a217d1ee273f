"""Validation helpers shared by the input schemas of every domain."""
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from expertnet.core import reference


class Input(BaseModel):
    """Base of every request body: unknown fields are refused (a member cannot smuggle `role`)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _country(value: str) -> str:
    value = value.strip().upper()
    if not reference.is_country(value):
        raise ValueError(f"unknown ISO 3166-1 alpha-2 country code {value!r}")
    return value


def _countries(values: list[str]) -> list[str]:
    return list(dict.fromkeys(_country(v) for v in values))


def _language(value: str) -> str:
    value = value.strip().lower()
    if not reference.is_language(value):
        raise ValueError(f"unknown ISO 639-1 language code {value!r}")
    return value


def _languages(values: list[str]) -> list[str]:
    return list(dict.fromkeys(_language(v) for v in values))


def _category(value: str) -> str:
    value = value.strip().lower()
    if not reference.is_category(value):
        raise ValueError(f"unknown category {value!r}")
    return value


def _categories(values: list[str]) -> list[str]:
    return list(dict.fromkeys(_category(v) for v in values))


def _org_type(value: str) -> str:
    if value not in reference.ORG_TYPES:
        raise ValueError(f"must be one of {', '.join(reference.ORG_TYPES)}")
    return value


def _texts(values: list[str]) -> list[str]:
    cleaned = [v.strip() for v in values if v and v.strip()]
    return list(dict.fromkeys(cleaned))


Country = Annotated[str, AfterValidator(_country)]
Countries = Annotated[list[str], AfterValidator(_countries)]
Language = Annotated[str, AfterValidator(_language)]
Languages = Annotated[list[str], AfterValidator(_languages)]
Category = Annotated[str, AfterValidator(_category)]
Categories = Annotated[list[str], AfterValidator(_categories)]
OrgType = Annotated[str, AfterValidator(_org_type)]
ShortText = Annotated[str, StringConstraints(max_length=200)]
Texts = Annotated[list[ShortText], AfterValidator(_texts)]
