"""Objects through the pages: the optional "Objects" part of the intake form (one object typed in,
a CSV), CSV errors naming row and column with nothing saved, the objects panel, and the
secretariat's "Seen before" panel where an admin links two requests."""

import re

from sqlalchemy import func, select

from expertnet.consultations.models import Consultation
from tests.objects.images import jpeg, scene

CSV = (
    "Type of object,Materials and techniques,Date or period,Quantity,Your reference\n"
    "coin,silver,Roman Imperial,3,EXH-1\n"
    "icon,tempera on wood,18th century,1,EXH-2\n"
)


def _file(env, pages, *, csv=None, photo=None, **fields):
    data = {
        "title": "Items found in a car",
        "description": "Border police found several items in a car at the crossing.",
        "location_country": "RS",
        "languages": ["sr", "en"],
        **fields,
    }
    files = {}
    if csv is not None:
        files["objects_csv"] = ("objects.csv", csv.encode(), "text/csv")
    if photo is not None:
        files["attachments"] = ("photo.jpg", photo, "image/jpeg")
    token = pages.token("/consultations/new")
    return env.client.post(
        "/consultations/new",
        data={**data, "_csrf_token": token},
        files=files or None,
        headers={"accept": "text/html"},
        follow_redirects=False,
    )


def _count(env):
    async def go(session):
        return (await session.execute(select(func.count()).select_from(Consultation))).scalar_one()

    return env.db_run(go)


def test_intake_with_one_object_and_a_csv(env, pages):
    official = env.member("le_official")
    pages.login(official)
    form = pages.get("/consultations/new").text
    assert "Objects (optional)" in form and 'name="objects_csv"' in form

    r = _file(env, pages, csv=CSV, obj_object_type="denarius", obj_materials_techniques="silver", obj_quantity="2")
    assert r.status_code == 303, r.text[-3000:]
    cid = int(re.search(r"/consultations/(\d+)", r.headers["location"]).group(1))
    page = pages.get(f"/consultations/{cid}").text
    assert 'id="objects"' in page
    for value in ("denarius", "EXH-1", "EXH-2", "tempera on wood", "3 objects"):
        assert value in page, value
    # The quick request still needs nothing of it.
    r = _file(env, pages)
    assert r.status_code == 303


def test_intake_csv_errors_name_row_and_column_and_save_nothing(env, pages):
    pages.login(env.member("le_official"))
    before = _count(env)
    bad = CSV.replace("coin,silver,Roman Imperial,3,EXH-1", "coin,silver,Roman Imperial,three,EXH-1")
    r = _file(env, pages, csv=bad)
    assert r.status_code == 400
    assert "row 2, column “Quantity”: must be a whole number" in r.text.replace("&#34;", '"')
    assert "nothing was saved" in r.text
    assert _count(env) == before
    r = _file(env, pages, obj_quantity="0", obj_object_type="coin")
    assert r.status_code == 400 and 'id="e-obj_quantity"' in r.text
    assert _count(env) == before


def test_objects_panel_add_import_remove(env, pages):
    official = env.member("le_official")
    pages.login(official)
    r = _file(env, pages)
    cid = int(re.search(r"/consultations/(\d+)", r.headers["location"]).group(1))
    page = f"/consultations/{cid}"
    r = pages.post(
        f"{page}/attachments", {}, form_page=page, files={"attachments": ("icon.jpg", jpeg(scene(1)), "image/jpeg")}
    )
    assert r.status_code == 303, r.text[-2000:]
    form = pages.get(page).text
    photo_id = re.search(r'name="obj_photos" value="(\d+)"', form).group(1)
    r = pages.post(
        f"{page}/objects",
        {"obj_object_type": "icon", "obj_date_period": "XVIII век", "obj_photos": photo_id},
        form_page=page,
    )
    assert r.status_code == 303, r.text[-2000:]
    listed = env.client.get(f"/api/v1/consultations/{cid}/objects", headers=official.headers).json()
    assert listed[0]["photo_attachment_ids"] == [int(photo_id)]
    r = pages.post(
        f"{page}/objects/import",
        {},
        form_page=page,
        files={"objects_csv": ("x.csv", b"Type of object,Quantity\ncoin,-1\n", "text/csv")},
    )
    assert r.status_code == 400 and "column “Quantity”" in r.text.replace("&#34;", '"')
    text = pages.get(page).text
    assert "XVIII век" in text and "1 object" in text
    object_id = re.search(rf"/consultations/{cid}/objects/(\d+)/edit", text).group(1)
    version = re.search(rf'id="edit-object-{object_id}"[\s\S]*?name="version" value="(\d+)"', text).group(1)
    edit = {"version": version, "obj_object_type": "icon", "obj_date_period": "XVII век", "obj_quantity": "x"}
    r = pages.post(f"{page}/objects/{object_id}/edit", edit, form_page=page)
    assert r.status_code == 400 and "Enter a whole number." in r.text  # the form shows the error, keeps the input
    r = pages.post(f"{page}/objects/{object_id}/edit", {**edit, "obj_quantity": "2"}, form_page=page)
    assert r.status_code == 303, r.text[-2000:]
    listed = env.client.get(f"/api/v1/consultations/{cid}/objects", headers=official.headers).json()
    assert (listed[0]["date_period"], listed[0]["quantity"], listed[0]["photo_attachment_ids"]) == ("XVII век", 2, [])
    text = pages.get(page).text
    object_id = re.search(rf"/consultations/{cid}/objects/(\d+)/delete", text).group(1)
    r = pages.post(f"{page}/objects/{object_id}/delete", {}, form_page=page)
    assert r.status_code == 303
    assert "No objects listed" in pages.get(page).text


def test_admin_links_a_pair_on_the_request_page(env, pages):
    img = scene(11)
    first = env.member("le_official", country="RS", full_name="Officer Rada")
    second = env.member("le_official", country="HR", full_name="Officer Hrvoje")
    pages.login(first)
    a = int(re.search(r"(\d+)$", _file(env, pages, title="Icon online", photo=jpeg(img)).headers["location"]).group(1))
    pages.login(second)
    r = _file(env, pages, title="Icon at the border", photo=jpeg(img, 60, (640, 480)), location_country="HR")
    b = int(re.search(r"(\d+)$", r.headers["location"]).group(1))
    assert pages.get(f"/consultations/{a}").status_code == 404
    assert "Linked requests" not in pages.get(f"/consultations/{b}").text

    pages.login_admin()
    listing = pages.get("/admin/seen-before").text
    assert "Icon online" in listing and "Icon at the border" in listing
    view = pages.get(f"/consultations/{b}").text
    assert "Seen before" in view and "perceptual hash" in view
    flag_id = re.search(r"/admin/seen-before/(\d+)/link", view).group(1)
    r = pages.post(
        f"/admin/seen-before/{flag_id}/link",
        {"back": f"/consultations/{b}", "reason": "same photo"},
        form_page=f"/consultations/{b}",
    )
    assert r.status_code == 303 and r.headers["location"].startswith(f"/consultations/{b}")

    pages.login(second)
    view = pages.get(f"/consultations/{b}").text
    assert "Linked requests" in view and "Icon online" in view and "Officer Rada" in view
    assert pages.get(f"/consultations/{a}").status_code == 404
