from datetime import datetime

from expertnet.core.schemas import Output


class CoverageRow(Output):
    category: str
    counts: dict[str, int]  # regional group slug -> experts
    total: int  # distinct experts in this category


class LanguageCoverage(Output):
    code: str
    available_experts: int
    officials: int  # approved officials who work in this language (the demand side)


class CoverageOut(Output):
    regions: list[str]
    rows: list[CoverageRow]
    region_totals: dict[str, int]
    total_experts: int
    few_threshold: int
    languages: list[LanguageCoverage]  # languages with fewer than `few_threshold` available experts
    computed_at: datetime


class AuditEntryOut(Output):
    id: int
    at: datetime
    actor_id: int | None
    actor_name: str | None
    action: str
    object_type: str
    object_id: str
    reason: str
    ip: str
    detail: dict
    hash: str


class AuditPage(Output):
    items: list[AuditEntryOut]
    total: int
    offset: int
    limit: int


class ChainOut(Output):
    intact: bool
    first_broken_id: int | None
    checked_at: datetime
    status: str  # intact | tampered | unanchored (no checkpoint yet: rows cut from the end cannot be ruled out)
    rows: int
    message: str
    problems: list[str]
