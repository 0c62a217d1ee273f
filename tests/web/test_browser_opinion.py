"""In a real Chromium: the official opens the answered ticket, sees the photo's preview, opens the
printable opinion and downloads the PDF for the case file. Pictures for a person to look at go to
test-artifacts/opinion/: the ticket, the printable page, and the PDF's first page as PNG."""

import re

import pypdfium2 as pdfium

from tests.consultations.conftest import Desk
from tests.web.test_browser import ROOT, _expect, browser, live, people  # noqa: F401 - fixtures
from tests.web.test_opinion_document import GEORGIAN, TITLE, _case

ARTIFACTS = ROOT / "test-artifacts" / "opinion"


def test_official_sees_the_preview_and_downloads_the_opinion_pdf(live, people, tmp_path):
    env = live.env
    official_user, _expert, cid, files = _case(Desk(env), env)
    photo = files[0]

    official = people("official")
    official.login(official_user.email, official_user.password)
    page = official.page
    page.goto(f"/consultations/{cid}")
    _expect(page.get_by_role("heading", name=re.compile(TITLE)))

    # The preview is an image the browser really decoded (not a broken-image icon), upright.
    preview = page.get_by_role("img", name=f"Preview of {photo['filename']}")
    preview.scroll_into_view_if_needed()
    _expect(preview)
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=preview.element_handle(), timeout=10_000)
    width, height = preview.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert 0 < width < height <= 320, (width, height)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ticket.png"), full_page=True, caret="initial")

    # The printable page opens from the ticket and carries the same content.
    page.get_by_role("link", name="Printable opinion").click()
    _expect(page.get_by_role("heading", name="Expert opinion", level=1))
    _expect(page.get_by_text(photo["sha256"]))
    page.screenshot(path=str(ARTIFACTS / "printable.png"), full_page=True, caret="initial")
    page.emulate_media(media="print")
    assert not page.get_by_role("button", name="Print").is_visible()  # the tools are not printed
    page.emulate_media(media="screen")
    page.go_back()

    # The PDF downloads from the ticket's link.
    with page.expect_download() as info:
        page.get_by_role("link", name="PDF for the case file").click()
    download = info.value
    assert download.suggested_filename == f"expertnet-{cid}-opinion.pdf"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    body = path.read_bytes()
    assert body.startswith(b"%PDF-")

    doc = pdfium.PdfDocument(body)
    try:
        text = " ".join(doc[0].get_textpage().get_text_range().split())
        doc[0].render(scale=1.5).to_pil().save(ARTIFACTS / "pdf-page1.png")
    finally:
        doc.close()
    for expected in (TITLE, GEORGIAN, photo["sha256"]):
        assert expected in text
