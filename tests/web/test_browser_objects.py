"""In the browser: an official files a request with a CSV of 20 objects and a photo; an official in
another country files the same photo, re-saved smaller; the admin sees the pair under "Seen
before" and links it; the second official then sees the first one's request summary (issue 16)."""

import re

from tests.objects.images import jpeg, scene
from tests.web.test_browser import _expect, browser, live, people  # noqa: F401 - fixtures

HEADER = "Type of object,Materials and techniques,Measurements,Date or period,Quantity,Your reference"


def _csv(n: int) -> bytes:
    rows = [HEADER] + [f'coin,"silver, struck",{18 + i % 3} mm,Roman Imperial,1,EXH-{i:03d}' for i in range(1, n + 1)]
    return ("\n".join(rows) + "\n").encode()


def _file(person, title: str, photo: bytes, csv: bytes | None = None) -> int:
    page = person.page
    page.goto("/consultations/new")
    page.locator("#f-title").fill(title)
    page.locator("#f-description").fill("Found during a check at the crossing; photos attached. What are they?")
    if csv is not None:
        page.get_by_text("Objects (optional)").click()
        page.locator("#f-objects_csv").set_input_files(
            files=[{"name": "objects.csv", "mimeType": "text/csv", "buffer": csv}]
        )
    page.locator("#f-attachments").set_input_files(
        files=[{"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": photo}]
    )
    page.get_by_role("button", name="Save and see the candidates").click()
    page.wait_for_url(re.compile(r"/consultations/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def test_csv_intake_and_a_linked_pair(live, people):
    env = live.env
    first = env.member("le_official", country="RS", full_name="Officer Vesna Marković")
    second = env.member("le_official", country="HR", full_name="Officer Luka Babić", languages=["hr", "en"])
    img = scene(2026)

    vesna = people("objects-official-rs")
    vesna.login(first.email, first.password)
    a = _file(vesna, "Twenty Roman coins offered online", jpeg(img, 92), _csv(20))
    page = vesna.page
    _expect(page.get_by_role("heading", name="Objects"))
    assert page.locator("#objects tr.object-row").count() == 20
    _expect(page.get_by_text("20 objects"))
    vesna.shot("objects-01-request-with-20-objects")

    luka = people("objects-official-hr")
    luka.login(second.email, second.password)
    b = _file(luka, "Coins detained at the border", jpeg(img, 60, (800, 600)))
    assert luka.page.goto(f"/consultations/{a}").status == 404  # not his case

    admin = people("objects-admin")
    admin.login(env.admin.email, env.admin.password)
    admin.page.goto("/admin/seen-before")
    pair = admin.page.locator("li[id^='pair-']").filter(has_text="Twenty Roman coins offered online")
    _expect(pair)
    _expect(pair.get_by_text("Coins detained at the border"))
    _expect(pair.get_by_text("perceptual hash"))
    admin.shot("objects-02-seen-before")
    pair.get_by_label("Reason (optional)").fill("same photo of the coins")
    pair.get_by_role("button", name="Link the two requests").click()
    _expect(admin.page.get_by_text("The two requests are linked"))
    admin.page.goto(f"/consultations/{b}")
    _expect(admin.page.get_by_role("heading", name="Seen before"))

    luka.page.goto(f"/consultations/{b}")
    linked = luka.page.locator("#linked")
    _expect(linked.get_by_text("Twenty Roman coins offered online"))
    _expect(linked.get_by_text("Officer Vesna Marković"))
    luka.shot("objects-03-linked-request")
    assert luka.page.goto(f"/consultations/{a}").status == 404  # the summary, not the case
    for person in (vesna, luka, admin):
        assert not person.csp_errors(), person.csp_errors()
