"""Validation helpers shared by the input schemas of every domain."""

import re
from functools import lru_cache
from typing import Annotated, Any, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints, ValidationInfo, field_validator

from expertnet.core import reference

ONE_LINE_MAX = 300  # a text field of at most this many characters is one line: no tab or line break either


class Input(BaseModel):
    """Base of every request body: unknown fields are refused (a member cannot smuggle `role`).

    Texts are trimmed before their lengths are checked, and control characters are refused in
    every text field by name (NUL breaks PostgreSQL and hides in SQLite): tab and line breaks are
    allowed only in multi-line fields (longer than ONE_LINE_MAX characters), and never in lists."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any, info: ValidationInfo) -> Any:
        if value is not None and info.field_name is not None:
            _refuse_controls(value, allow_newlines=not _one_line(cls, info.field_name))
        return value


# Unicode's control characters (general category Cc) are exactly U+0000-U+001F and U+007F-U+009F;
# one regular expression scans a text in C (the per-character check was half of an import's parse).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_NEWLINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _has_control(text: str, allow_newlines: bool) -> bool:
    return (_CONTROL_BUT_NEWLINES if allow_newlines else _CONTROL).search(text) is not None


def _refuse_controls(value: Any, *, allow_newlines: bool) -> None:
    if isinstance(value, str):
        if _has_control(value, allow_newlines):
            raise ValueError("must not contain control characters" + ("" if allow_newlines else " or line breaks"))
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            _refuse_controls(item, allow_newlines=False)
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_controls(key, allow_newlines=False)
            _refuse_controls(item, allow_newlines=allow_newlines)


def _max_length(annotation: Any, metadata: list) -> int | None:
    for item in metadata:
        if getattr(item, "max_length", None) is not None:
            return item.max_length
    for arg in get_args(annotation):
        found = _max_length(arg, list(getattr(arg, "__metadata__", ())))
        if found is not None:
            return found
    return None


@lru_cache(maxsize=2048)
def _one_line(model: type[BaseModel], name: str) -> bool:
    field = model.model_fields.get(name)
    if field is None:
        return False
    annotation = field.annotation
    if getattr(annotation, "__origin__", None) in (list, set, tuple, dict):
        return False  # items are checked one line each by _refuse_controls
    limit = _max_length(annotation, list(field.metadata))
    return limit is not None and limit <= ONE_LINE_MAX


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
