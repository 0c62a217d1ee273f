"""What routing is asked (a request's fields) and what it answers (a ranked candidate)."""

from dataclasses import dataclass, field


@dataclass
class RoutingSpec:
    title: str = ""
    description: str = ""
    category: str | None = None
    location_country: str | None = None
    object_origin_country: str | None = None
    languages: list[str] = field(default_factory=list)
    urgency: str = "routine"
    exclude_market_ties: bool = False
    objects: str = ""  # the objects' descriptive words (expertnet.objects.text.routing_text), optional

    @property
    def text(self) -> str:
        base = f"{self.title}\n{self.description}"
        return f"{base}\n{self.objects}" if self.objects else base


@dataclass
class Candidate:
    expert_id: int
    external_id: str
    full_name: str
    score: float  # 0..1
    reasons: list[str]
