"""The words of objects as routing and the similarity check read them."""

from collections.abc import Iterable

# What says who should answer: type, material, period, culture (subject/title), maker, markings.
ROUTING_FIELDS = (
    "object_type",
    "materials_techniques",
    "date_period",
    "subject",
    "title",
    "maker",
    "inscriptions_markings",
    "distinguishing_features",
    "description",
)
# What identifies one object: everything descriptive, measurements too (19 mm, 3.3 g), but not the
# official's own reference or the count.
IDENTITY_FIELDS = (*ROUTING_FIELDS[:6], "measurements", *ROUTING_FIELDS[6:])
ROUTING_TEXT_MAX = 4000  # characters of objects' text added to a request's text for routing


def object_text(obj, fields: Iterable[str] = ROUTING_FIELDS) -> str:
    return "; ".join(v for v in ((getattr(obj, f, "") or "").strip() for f in fields) if v)


def routing_text(objects: Iterable) -> str:
    """The objects' distinct descriptive values, in order, capped: a CSV of 200 identical coins adds
    one line, not 200."""
    seen: dict[str, None] = {}
    for obj in objects:
        for name in ROUTING_FIELDS:
            value = (getattr(obj, name, "") or "").strip()
            if value:
                seen.setdefault(value, None)
    text, size = [], 0
    for value in seen:
        if size + len(value) > ROUTING_TEXT_MAX:
            break
        text.append(value)
        size += len(value) + 2
    return "; ".join(text)
