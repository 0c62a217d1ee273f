"""The expert's opinion as a document for the case file: a printable page and a PDF.

One content, two renderings: web.opinion.layout() words what the document says (the request,
the opinion, the expert, the times, the SHA-256 of every attachment) as a `Layout` of sections,
and both the HTML page (templates/consultations/opinion_print.html) and `render_pdf()` show
exactly those sections.

- Who: the participants of the case only - the requesting official, the assigned expert, admins
  (consultations.access; an expert with an open offer has not seen the opinion and gets a 404,
  like anyone else, with the denial audited). A consultation without an opinion has no document.
- Every rendering writes an `opinion.document` audit row (format pdf or html, the opinion and the
  attachments it lists), like every other read of case data.
- Times are given in UTC, and also in the requesting official's time zone when their profile has
  one: the official files the document, in their local time.
- The PDF is made with fpdf2 (pure Python) and embeds DejaVu Sans (data/fonts, Bitstream Vera
  licence beside it): one face that covers Latin, Cyrillic, Greek, Georgian and Armenian, so no
  fallback font and nothing fetched at run time. Only the glyphs used are embedded.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fontTools.ttLib import TTFont
from fpdf import FPDF, XPos, YPos
from sqlalchemy.ext.asyncio import AsyncSession

from expertnet.consultations import reads, repository
from expertnet.consultations.access import ADMIN, ASSIGNED, REQUESTER, Ctx, access
from expertnet.consultations.schemas import AttachmentOut, ConsultationOut, OpinionOut
from expertnet.core import audit
from expertnet.core.errors import NotFound
from expertnet.db import utcnow

PARTICIPANTS = (REQUESTER, ASSIGNED, ADMIN)
FORMATS = ("pdf", "html")


@dataclass(frozen=True)
class OpinionDocument:
    consultation: ConsultationOut
    opinion: OpinionOut
    expert_name: str
    expert_affiliation: str
    files: list[AttachmentOut]
    official_zone: ZoneInfo | None
    generated_at: datetime
    generated_by: str


class NoOpinion(NotFound):
    def __init__(self) -> None:
        super().__init__("opinion: the expert has not given an opinion yet")


def zone_of(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


async def load(session: AsyncSession, ctx: Ctx, consultation_id: int, fmt: str) -> OpinionDocument:
    """Everything the document shows, for a participant; the rendering is audited here."""
    assert fmt in FORMATS, fmt
    acc = await access(session, ctx, consultation_id, "opinion.document", roles=PARTICIPANTS)
    c = acc.consultation
    latest = await repository.latest_opinion(session, consultation_id)
    if latest is None:
        raise NoOpinion()
    author = await repository.member(session, latest.author_id)
    expert = await repository.expert(session, latest.expert_id)
    requester = await repository.member(session, c.requester_id)
    files = await repository.attachments(session, consultation_id)
    view = await reads.consultation_out(session, c, acc.role, acc.expert)
    await audit.record(
        session,
        "opinion.document",
        actor_id=ctx.principal.id,
        object_type="consultation",
        object_id=consultation_id,
        reason=ctx.reason,
        ip=ctx.ip,
        detail={"format": fmt, "opinion_id": latest.id, "attachment_ids": [a.id for a in files]},
    )
    return OpinionDocument(
        consultation=view,
        opinion=reads.opinion_out(latest),
        expert_name=author.full_name if author else "",
        expert_affiliation=(expert.organisation if expert else "") or (author.organisation if author else ""),
        files=[AttachmentOut.model_validate(a) for a in files],
        # Member.time_zone (an IANA name, "" when unset) is the profile's zone where it exists.
        official_zone=zone_of(getattr(requester, "time_zone", None)),
        generated_at=utcnow(),
        generated_by=ctx.principal.full_name,
    )


# --------------------------------------------------------------------------- what it says


@dataclass(frozen=True)
class Row:
    label: str
    value: str
    code: bool = False  # a hash: smaller, never hyphenated


@dataclass(frozen=True)
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class Layout:
    """The document's words in the reader's language (web.opinion.layout makes it)."""

    title: str
    subtitle: str
    sections: list[Section]
    footer: str
    page_label: str
    # Shown at the top of the PDF when some characters cannot be drawn with the embedded font.
    missing_note: str = ""


# --------------------------------------------------------------------------- the PDF

FONT = "DejaVu"
LABEL_WIDTH = 48.0  # mm
LINE = 5.0  # mm
INK, MUTED, RULE, WARN = (17, 24, 39), (75, 85, 99), (209, 213, 219), (138, 90, 0)


def _font_file(name: str) -> str:
    return str(resources.files("expertnet").joinpath("data", "fonts", name))


@lru_cache(maxsize=1)
def _covered() -> frozenset[int]:
    with TTFont(_font_file("DejaVuSans.ttf"), lazy=True) as font:
        return frozenset(font.getBestCmap())


def missing_characters(texts: Iterable[str]) -> str:
    """The characters the embedded font cannot draw (the PDF would leave them out), in order of
    first use: scripts beyond Latin, Cyrillic, Greek, Georgian and Armenian, e.g. CJK or Arabic."""
    covered, seen = _covered(), dict.fromkeys(ch for text in texts for ch in text)
    return "".join(ch for ch in seen if not ch.isspace() and ord(ch) not in covered)


def layout_texts(layout: "Layout") -> Iterable[str]:
    yield from (layout.title, layout.subtitle, layout.footer)
    for section in layout.sections:
        yield from (section.title, section.note)
        for row in section.rows:
            yield from (row.label, row.value)


class _Document(FPDF):
    def __init__(self, footer_text: str, page_label: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.footer_text = footer_text
        self.page_label = page_label

    def footer(self) -> None:
        self.set_y(-16)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*MUTED)
        self.multi_cell(0, 3.6, self.footer_text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.cell(0, 3.6, f"{self.page_label} {self.page_no()}/{{nb}}", align="R")


def render_pdf(doc: OpinionDocument, layout: Layout) -> bytes:
    """The document as an A4 PDF (blocking CPU work: run it in a worker thread)."""
    pdf = _Document(layout.footer, layout.page_label)
    pdf.add_font(FONT, "", _font_file("DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", _font_file("DejaVuSans-Bold.ttf"))
    pdf.set_title(f"{layout.title}: {layout.subtitle}")
    pdf.set_subject(f"expertnet #{doc.consultation.id}")
    pdf.set_author(doc.expert_name)
    pdf.set_creator("expertnet")
    pdf.set_creation_date(doc.generated_at)
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, margin=22)
    pdf.alias_nb_pages()
    pdf.add_page()

    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "B", 17)
    pdf.multi_cell(0, 8, layout.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(0, 6, layout.subtitle, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if layout.missing_note:
        pdf.ln(2)
        pdf.set_font(FONT, "B", 9)
        pdf.set_text_color(*WARN)
        pdf.multi_cell(0, 4.5, layout.missing_note, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(*INK)
    for section in layout.sections:
        _section(pdf, section)
    return bytes(pdf.output())


def _section(pdf: FPDF, section: Section) -> None:
    pdf.ln(4)
    if pdf.will_page_break(14):
        pdf.add_page()
    pdf.set_font(FONT, "B", 12)
    pdf.set_text_color(*INK)
    pdf.multi_cell(0, 7, section.title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(*RULE)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.ln(1.5)
    for row in section.rows:
        _row(pdf, row)
    if section.note:
        pdf.ln(1)
        pdf.set_font(FONT, "", 8)
        pdf.set_text_color(*MUTED)
        pdf.multi_cell(0, 4, section.note, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _row(pdf: FPDF, row: Row) -> None:
    """Label on the left, value on the right; a long value runs on over the next pages."""
    pdf.set_font(FONT, "B", 8.5)
    lines = pdf.multi_cell(LABEL_WIDTH - 2, LINE, row.label, dry_run=True, output="LINES")
    label_height = LINE * max(1, len(lines) if isinstance(lines, list) else 1)
    if pdf.will_page_break(label_height):
        pdf.add_page()
    top, page = pdf.get_y(), pdf.page
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(LABEL_WIDTH - 2, LINE, row.label, new_x=XPos.RIGHT, new_y=YPos.TOP)
    pdf.set_xy(pdf.l_margin + LABEL_WIDTH, top)
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "", 8 if row.code else 10)
    value = row.value.replace("\t", "    ")
    pdf.multi_cell(0, LINE, value, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if pdf.page == page:
        pdf.set_y(max(pdf.get_y(), top + label_height))
    pdf.ln(1)
