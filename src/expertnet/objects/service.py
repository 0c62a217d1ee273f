"""Objects of a consultation: list, add, edit, remove, bulk intake from CSV; linked cases.

Who: the requesting official changes the objects while the consultation is open; the official, the
assigned expert and admins read them (every read audited as case data). Services never commit.
After every change the consultation's inferred category is read again with the objects' words
(when the official gave none and it is still a draft), and the worker is asked, through the
outbox, whether the request resembles an earlier one (objects.seen_before).
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.consultations import effects, routing
from expertnet.consultations.access import ADMIN, ASSIGNED, REQUESTER, Ctx, access, audit_change, audit_read, deny
from expertnet.consultations.models import OPEN_STATUSES, Consultation, Status
from expertnet.core import outbox
from expertnet.core.errors import BadRequest, Conflict, FieldError, field_error
from expertnet.core.models import pk
from expertnet.db import utcnow
from expertnet.objects import repository
from expertnet.objects.models import CaseObject
from expertnet.objects.photos import SEEN_BEFORE
from expertnet.objects.schemas import LABELS, ImportOut, ObjectIn, ObjectOut, ObjectUpdate
from expertnet.objects.text import routing_text

READ_ROLES = (REQUESTER, ASSIGNED, ADMIN)
CSV_MAX_ROWS = 5000
CSV_MAX_ERRORS = 50  # an answer names at most this many bad cells


def _out(obj: CaseObject, photos: dict[int, list[int]]) -> ObjectOut:
    out = ObjectOut.model_validate(obj)
    out.photo_attachment_ids = list(photos.get(pk(obj), []))
    return out


async def list_objects(session: AsyncSession, ctx: Ctx, consultation_id: int) -> list[ObjectOut]:
    await access(session, ctx, consultation_id, "objects", roles=READ_ROLES)
    rows = await repository.objects_of(session, consultation_id)
    await audit_read(session, ctx, consultation_id, "objects", object_ids=[o.id for o in rows])
    photos = await repository.photos_of(session, (pk(o) for o in rows))
    return [_out(o, photos) for o in rows]


async def _writable(session: AsyncSession, ctx: Ctx, consultation_id: int, action: str) -> Consultation:
    acc = await access(session, ctx, consultation_id, action, roles=(REQUESTER,), for_update=True)
    c = acc.consultation
    if c.status not in OPEN_STATUSES:
        raise Conflict(f"status: the consultation is {c.status}; its objects can no longer change")
    return c


async def _check_photos(session: AsyncSession, c: Consultation, ids: Sequence[int]) -> None:
    found = await repository.image_attachment_ids(session, pk(c), ids)
    missing = [i for i in ids if i not in found]
    if missing:
        raise field_error("photo_attachment_ids", f"attachment {missing[0]} is not a photo of this consultation")


async def after_change(session: AsyncSession, ctx: Ctx, c: Consultation, action: str, **detail) -> None:
    """What every change of a consultation's objects writes beside itself."""
    effects.event(session, pk(c), pk(ctx.principal), f"objects.{action}", **detail)
    if c.category is None and c.status == Status.draft:
        extra = routing_text(await repository.objects_of(session, pk(c)))
        c.inferred_category = routing.infer_category(f"{c.title}\n{c.description}\n{extra}")
    effects.changed(session, c)
    outbox.emit(session, SEEN_BEFORE, pk(c))
    await audit_change(session, ctx, pk(c), f"objects.{action}", **detail)


def _new_object(c: Consultation, data: ObjectIn, position: int) -> CaseObject:
    now = utcnow()
    return CaseObject(
        consultation_id=pk(c),
        position=position,
        **data.model_dump(exclude={"photo_attachment_ids"}),
        created_at=now,
        updated_at=now,
    )


async def add_object(session: AsyncSession, ctx: Ctx, consultation_id: int, data: ObjectIn) -> ObjectOut:
    c = await _writable(session, ctx, consultation_id, "objects.add")
    await _check_photos(session, c, data.photo_attachment_ids)
    obj = _new_object(c, data, await repository.next_position(session, pk(c)))
    await repository.add(session, obj)
    if data.photo_attachment_ids:
        await repository.set_photos(session, pk(obj), data.photo_attachment_ids)
    await after_change(session, ctx, c, "add", object_ids=[obj.id])
    return _out(obj, {pk(obj): list(dict.fromkeys(data.photo_attachment_ids))})


async def _own_object(session: AsyncSession, ctx: Ctx, c: Consultation, object_id: int, action: str) -> CaseObject:
    obj = await repository.get_object(session, pk(c), object_id)
    if obj is None:
        raise await deny(session, ctx, object_id, action, "object")
    return obj


async def update_object(
    session: AsyncSession, ctx: Ctx, consultation_id: int, object_id: int, data: ObjectUpdate
) -> ObjectOut:
    c = await _writable(session, ctx, consultation_id, "objects.update")
    obj = await _own_object(session, ctx, c, object_id, "objects.update")
    if data.version != obj.version:
        raise Conflict("version: the object was changed elsewhere; reload and try again")
    changes = data.model_dump(exclude_unset=True, exclude={"version", "photo_attachment_ids"})
    for name, value in changes.items():
        if value is None:
            raise field_error(name, "may not be null (send an empty text to clear it)")
        setattr(obj, name, value)
    try:  # the result must still describe something
        ObjectIn.model_validate({k: getattr(obj, k) for k in LABELS if k != "photo_attachment_ids"})
    except ValidationError:
        raise field_error("description", DESCRIBE) from None
    if data.photo_attachment_ids is not None:
        await _check_photos(session, c, data.photo_attachment_ids)
        await repository.set_photos(session, pk(obj), data.photo_attachment_ids)
    obj.updated_at = utcnow()
    obj.version += 1
    await session.flush()
    await repository.drop_vectors(session, [pk(obj)])  # the worker makes it anew from the new text
    fields = sorted(changes) + (["photo_attachment_ids"] if data.photo_attachment_ids is not None else [])
    await after_change(session, ctx, c, "update", object_ids=[obj.id], fields=fields)
    return _out(obj, await repository.photos_of(session, [pk(obj)]))


async def remove_object(session: AsyncSession, ctx: Ctx, consultation_id: int, object_id: int) -> None:
    c = await _writable(session, ctx, consultation_id, "objects.remove")
    obj = await _own_object(session, ctx, c, object_id, "objects.remove")
    await repository.delete_object(session, obj)
    await after_change(session, ctx, c, "remove", object_ids=[object_id])


# --- bulk intake from CSV --------------------------------------------------------------------------

CSV_FIELDS = [name for name in LABELS if name != "photo_attachment_ids"]
_HEADERS = {
    **{name: name for name in CSV_FIELDS},
    **{LABELS[name].casefold(): name for name in CSV_FIELDS},
    "reference": "reference",
    "your reference": "reference",
}


def _header_name(cell: str) -> str | None:
    key = cell.strip().casefold()
    return _HEADERS.get(key) or _HEADERS.get(key.replace(" ", "_"))


@dataclass(frozen=True)
class CsvProblem:
    """One bad cell: the row (the header is row 1), the column's label and the reason, as a message
    template with its values (the pages translate both)."""

    row: int
    column: str  # the label (LABELS), or the header cell as written for an unknown column
    reason: str  # e.g. "must be at most %(n)s"
    params: dict

    @property
    def field(self) -> str:
        return f"row {self.row}: {self.column}" if self.column else f"row {self.row}"

    @property
    def text(self) -> str:
        return self.reason % self.params if self.params else self.reason


DESCRIBE = "describe the object: give at least its type or a description"


def _reason(err) -> tuple[str, dict]:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "string_too_long":
        return "is too long (at most %(n)s characters)", {"n": ctx.get("max_length")}
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return "must be a whole number", {}
    if kind == "greater_than_equal":
        return "must be at least %(n)s", {"n": ctx.get("ge")}
    if kind == "less_than_equal":
        return "must be at most %(n)s", {"n": ctx.get("le")}
    message = str(err.get("msg", "is invalid")).removeprefix("Value error, ")
    return (DESCRIBE, {}) if message == DESCRIBE else (message.replace("%", "%%"), {})


class CsvRejected(BadRequest):
    """A CSV with bad cells: every error names its row and its column label; nothing was written."""

    def __init__(self, problems: list[CsvProblem], total: int):
        more = f" (and {total - len(problems)} more)" if total > len(problems) else ""
        listed = "; ".join(f"{p.field}: {p.text}" for p in problems[:10])
        super().__init__(
            f"file: {total} error(s), nothing was imported: {listed}{more}",
            [FieldError(p.field, p.text) for p in problems],
        )
        self.problems = problems
        self.total = total


def parse_csv(content: bytes) -> list[ObjectIn]:
    """Every row as an ObjectIn, or CsvRejected naming each bad cell by row and column label.
    Row numbers are the spreadsheet's: the header is row 1."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise field_error("file", "is not UTF-8 text; save the spreadsheet as CSV UTF-8") from None
    if not text.strip():
        raise field_error("file", "is empty")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","  # Excel in many locales writes ';'
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header, body = rows[0], rows[1:]
    problems: list[CsvProblem] = []
    total = 0

    def problem(row: int, column: str, reason: str, **params) -> None:
        nonlocal total
        total += 1
        if len(problems) < CSV_MAX_ERRORS:
            problems.append(CsvProblem(row, column, reason, params))

    names: list[str | None] = []
    for cell in header:
        name = _header_name(cell)
        if name is None and cell.strip():
            problem(1, cell.strip()[:60], "unknown column")
        if name is not None and name in names:
            problem(1, LABELS[name], "the column appears twice")
        names.append(name)
    if not any(names):
        raise CsvRejected(problems or [CsvProblem(1, "", "no known column (see the README for the columns)", {})], 1)
    data_rows = [(i, r) for i, r in enumerate(body, start=2) if any(cell.strip() for cell in r)]
    if len(data_rows) > CSV_MAX_ROWS:
        raise field_error("file", f"has {len(data_rows)} objects; at most {CSV_MAX_ROWS} per file")
    if not data_rows:
        raise field_error("file", "has a header but no object rows")
    objects: list[ObjectIn] = []
    for number, row in data_rows:
        if len(row) > len(names):
            problem(
                number, "", "has %(cells)s cells but the header has %(columns)s", cells=len(row), columns=len(names)
            )
            continue
        values: dict[str, object] = {}
        for name, cell in zip(names, row, strict=False):
            if name is not None and (cell.strip() or name != "quantity"):
                values[name] = cell.strip()
        try:
            objects.append(ObjectIn.model_validate(values))
        except ValidationError as exc:
            for err in exc.errors():
                loc = [str(p) for p in err.get("loc", ()) if not isinstance(p, int)]
                label = LABELS.get(loc[0], loc[0]) if loc else LABELS["description"]
                reason, params = _reason(err)
                problem(number, label, reason, **params)
    if problems:
        raise CsvRejected(problems, total)
    return objects


async def import_csv(session: AsyncSession, ctx: Ctx, consultation_id: int, content: bytes) -> ImportOut:
    """All rows or none: a single bad cell refuses the whole file."""
    c = await _writable(session, ctx, consultation_id, "objects.import")
    parsed = parse_csv(content)
    start = await repository.next_position(session, pk(c))
    rows = [_new_object(c, data, start + i) for i, data in enumerate(parsed)]
    await repository.add(session, *rows)
    await after_change(session, ctx, c, "import", count=len(rows))
    return ImportOut(created=len(rows), objects=[_out(o, {}) for o in rows])
