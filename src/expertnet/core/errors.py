"""Domain errors carry their status code; one handler renders them (see app.py)."""

from dataclasses import dataclass, field


@dataclass
class FieldError:
    field: str
    reason: str


@dataclass
class AppError(Exception):
    status_code: int
    detail: str
    errors: list[FieldError] = field(default_factory=list)

    def __str__(self) -> str:
        return self.detail


class BadRequest(AppError):
    def __init__(self, detail: str, errors: list[FieldError] | None = None):
        super().__init__(400, detail, errors or [])


def field_error(name: str, reason: str) -> "BadRequest":
    return BadRequest(f"{name}: {reason}", [FieldError(name, reason)])


class Unauthorized(AppError):
    def __init__(self, detail: str = "authentication required", errors: list[FieldError] | None = None):
        super().__init__(401, detail, errors or [])


class Forbidden(AppError):
    def __init__(self, detail: str = "not allowed"):
        super().__init__(403, detail)


class NotFound(AppError):
    def __init__(self, detail: str = "not found"):
        super().__init__(404, detail)


class Conflict(AppError):
    def __init__(self, detail: str):
        super().__init__(409, detail)


class TooManyRequests(AppError):
    def __init__(self, detail: str):
        super().__init__(429, detail)
