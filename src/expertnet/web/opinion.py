"""The opinion as a document (printable page, PDF) and the photo previews on the ticket.

The services decide who may see what and write the audit rows (consultations.opinion_document,
consultations.thumbnails); these handlers only render. Both the page and the PDF show the same
sections, in the reader's interface language.
"""

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import anyio.to_thread
from babel.dates import format_datetime
from babel.numbers import format_decimal
from litestar import Request, Response, get
from litestar.response import File
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.config import Settings
from expertnet.consultations import opinion_document, thumbnails
from expertnet.consultations.opinion_document import Layout, OpinionDocument, Row, Section
from expertnet.core import reference
from expertnet.core.auth import MEMBER, Principal, access
from expertnet.web import i18n, labels
from expertnet.web.common import render
from expertnet.web.consultations import ctx_of

TIME_PATTERN = "d MMM y, HH:mm"


def _t(locale: str, message: str, **variables) -> str:
    return i18n.translate(locale, message, **variables)


def _label(locale: str, value: str | None, group: str) -> str:
    if not value:
        return ""
    known = labels.GROUPS[group].get(value)
    return _t(locale, known) if known else value.replace("_", " ")


def _country(locale: str, code: str | None) -> str:
    if not code:
        return ""
    try:
        return reference.country_name(code, locale)
    except ValueError:
        return code


def _language(locale: str, code: str) -> str:
    try:
        name = reference.language_name(code, locale)
    except ValueError:
        return code
    return name[:1].upper() + name[1:]


def _time(locale: str, value: datetime, zone: ZoneInfo | None) -> str:
    """UTC always (deadlines are legal times); the official's own zone beside it when known."""
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    utc = format_datetime(value, TIME_PATTERN, tzinfo=UTC, locale=locale) + " UTC"
    if zone is None or zone.key == "UTC":
        return utc
    local = format_datetime(value, TIME_PATTERN, tzinfo=zone, locale=locale)
    return f"{utc} ({local} {zone.key})"


def _size(locale: str, size: int) -> str:
    if size < 1024:
        return f"{format_decimal(size, locale=locale)} B"
    return f"{format_decimal(round(size / 1024, 1), locale=locale)} KB"


def _rows(pairs: list[tuple[str, str | None]]) -> list[Row]:
    return [Row(label, value) for label, value in pairs if value]


def layout(doc: OpinionDocument, locale: str) -> Layout:
    """What the document says, in one interface language: the same for the page and the PDF."""
    if locale not in i18n.LOCALES:
        locale = i18n.DEFAULT_LOCALE
    c, o, zone = doc.consultation, doc.opinion, doc.official_zone
    category = _label(locale, c.category, "categories")
    if not category and c.inferred_category:
        category = _t(locale, "%(name)s (inferred)", name=_label(locale, c.inferred_category, "categories"))
    request = Section(
        _t(locale, "Request"),
        _rows(
            [
                (_t(locale, "Desk reference"), f"expertnet #{c.id}"),
                (_t(locale, "Title"), c.title),
                (_t(locale, "Description"), c.description),
                (_t(locale, "Field"), category or _t(locale, "unknown")),
                (_t(locale, "Object is in"), _country(locale, c.location_country)),
                (_t(locale, "Suspected origin"), _country(locale, c.object_origin_country) or _t(locale, "unknown")),
                (_t(locale, "Languages"), ", ".join(_language(locale, code) for code in c.languages)),
                (_t(locale, "Urgency"), _label(locale, c.urgency, "urgency")),
                (
                    _t(locale, "Detention deadline"),
                    _time(locale, c.deadline, zone) if c.deadline else _t(locale, "none given"),
                ),
                (_t(locale, "Requested by"), ", ".join(p for p in (c.requester_name, c.requester_organisation) if p)),
                (_t(locale, "Filed"), _time(locale, c.created_at, zone)),
                (_t(locale, "Status"), _label(locale, c.status, "statuses")),
                (_t(locale, "Outcome"), _label(locale, c.outcome, "outcomes")),
            ]
        ),
    )
    opinion = Section(
        _t(locale, "The expert's opinion"),
        _rows(
            [
                (_t(locale, "Identification"), o.identification),
                (_t(locale, "Likely origin"), o.likely_origin or "—"),
                (_t(locale, "Likely period"), o.likely_period or "—"),
                (_t(locale, "Authenticity"), _label(locale, o.authenticity, "authenticity")),
                (_t(locale, "Confidence"), _label(locale, o.confidence, "confidence")),
                (_t(locale, "Recommended next steps"), o.next_steps or "—"),
                (_t(locale, "Remarks"), o.remarks),
                (_t(locale, "Given"), _time(locale, o.created_at, zone)),
            ]
        ),
    )
    expert = Section(
        _t(locale, "Expert"),
        _rows([(_t(locale, "Name"), doc.expert_name), (_t(locale, "Affiliation"), doc.expert_affiliation or "—")]),
    )
    files = Section(
        _t(locale, "Photos and documents"),
        [
            row
            for a in doc.files
            for row in (
                Row(a.filename, f"{a.content_type} · {_size(locale, a.size)} · {_time(locale, a.created_at, None)}"),
                Row("SHA-256", a.sha256, code=True),
            )
        ],
        note=_t(locale, "The SHA-256 of each file identifies it: a copy whose SHA-256 differs is not the same file.")
        if doc.files
        else _t(locale, "No files attached."),
    )
    words = Layout(
        title=_t(locale, "Expert opinion"),
        subtitle=f"#{c.id} {c.title}",
        sections=[request, opinion, expert, files],
        footer=_t(
            locale,
            "Produced by expertnet on %(when)s for %(name)s. This copy is recorded in the audit log.",
            when=_time(locale, doc.generated_at, zone),
            name=doc.generated_by,
        ),
        page_label=_t(locale, "Page"),
    )
    missing = opinion_document.missing_characters(opinion_document.layout_texts(words))
    if not missing:
        return words
    note = _t(
        locale,
        "This PDF cannot show some characters of the case (%(chars)s); they are left out here. "
        "The printable page shows the full text.",
        chars=" ".join(f"U+{ord(ch):04X}" for ch in missing[:20]),  # the glyphs themselves cannot be drawn
    )
    return replace(words, missing_note=note)


@get("/consultations/{consultation_id:int}/opinion/print", opt=access(MEMBER))
async def opinion_print(
    request: Request, db_session: AsyncSession, principal: Principal, consultation_id: int
) -> Response:
    """The opinion as a page to print (print stylesheet: A4, no navigation)."""
    doc = await opinion_document.load(db_session, ctx_of(request, principal), consultation_id, "html")
    words = layout(doc, i18n.locale_of(request))
    return render(request, "consultations/opinion_print.html", {"doc": doc, "layout": words})


@get("/consultations/{consultation_id:int}/opinion.pdf", opt=access(MEMBER))
async def opinion_pdf(
    request: Request, db_session: AsyncSession, principal: Principal, consultation_id: int
) -> Response:
    """The opinion as a PDF for the case file, always as a download."""
    doc = await opinion_document.load(db_session, ctx_of(request, principal), consultation_id, "pdf")
    body = await anyio.to_thread.run_sync(
        opinion_document.render_pdf, doc, layout(doc, i18n.locale_of(request))
    )  # font subsetting is CPU work
    return Response(
        content=body,
        media_type="application/pdf",
        headers={
            "content-disposition": f'attachment; filename="expertnet-{consultation_id}-opinion.pdf"',
            "x-content-type-options": "nosniff",
        },
    )


@get("/consultations/{consultation_id:int}/attachments/{attachment_id:int}/thumbnail", opt=access(MEMBER))
async def attachment_thumbnail(
    request: Request,
    db_session: AsyncSession,
    settings: Settings,
    principal: Principal,
    consultation_id: int,
    attachment_id: int,
) -> Response:
    """A photo's preview (JPEG, EXIF stripped), shown inline on the ticket; every fetch audited."""
    _, path = await thumbnails.thumbnail(
        db_session, settings, ctx_of(request, principal), consultation_id, attachment_id
    )
    return File(
        path=path,
        media_type=thumbnails.CONTENT_TYPE,
        content_disposition_type="inline",
        filename=f"preview-{attachment_id}.jpg",
        headers={"x-content-type-options": "nosniff"},
    )


ROUTES = [opinion_print, opinion_pdf, attachment_thumbnail]
