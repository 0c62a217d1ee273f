"""Bulk intake of objects from a CSV: all rows or none; every error names its row (the
spreadsheet's: the header is row 1) and its column by label."""

import io

from sqlalchemy import func, select

from expertnet.objects.models import CaseObject

HEADER = "Type of object,Materials and techniques,Measurements,Date or period,Quantity,Your reference,Description"


def good_csv(n: int = 20) -> str:
    rows = [HEADER]
    for i in range(1, n + 1):
        rows.append(f'coin,"silver, struck",{18 + i % 3} mm,Roman Imperial,{i},EXH-{i:03d},"denarius, lot {i}"')
    return "\n".join(rows) + "\n"


def upload(env, user, cid, text: str, name="objects.csv"):
    return env.client.post(
        f"/api/v1/consultations/{cid}/objects/import",
        files={"file": (name, io.BytesIO(text.encode("utf-8")), "text/csv")},
        headers=user.headers,
    )


def count(env) -> int:
    async def go(session):
        return (await session.execute(select(func.count()).select_from(CaseObject))).scalar_one()

    return env.db_run(go)


def test_a_csv_of_twenty_objects(desk, env):
    official = desk.official()
    cid = desk.draft(official)["id"]
    r = upload(env, official, cid, good_csv(20))
    assert r.status_code == 201, r.text
    assert r.json()["created"] == 20
    listed = env.client.get(f"/api/v1/consultations/{cid}/objects", headers=official.headers).json()
    assert [o["reference"] for o in listed] == [f"EXH-{i:03d}" for i in range(1, 21)]
    assert listed[4]["quantity"] == 5 and listed[0]["materials_techniques"] == "silver, struck"
    # Excel in many European locales writes semicolons, with a byte-order mark; field names work too.
    text = "\ufeffobject_type;date_period;quantity\nicon;XVIII век;1\n"
    r = upload(env, official, cid, text)
    assert r.status_code == 201, r.text
    assert count(env) == 21


def test_errors_name_row_and_column_and_nothing_is_written(desk, env):
    official = desk.official()
    cid = desk.draft(official)["id"]
    lines = good_csv(5).splitlines()
    lines[2] = 'coin,silver,19 mm,Roman Imperial,many,EXH-2,"denarius"'  # row 3: Quantity
    lines[4] = ",,,,3,EXH-4,"  # row 5: nothing that describes the object
    lines[5] = "coin," + "x" * 501 + ",19 mm,Roman,1,EXH-5,"  # row 6: Materials and techniques
    r = upload(env, official, cid, "\n".join(lines) + "\n")
    assert r.status_code == 400, r.text
    body = r.json()
    fields = {e["field"]: e["reason"] for e in body["errors"]}
    assert fields["row 3: Quantity"] == "must be a whole number"
    assert "describe the object" in fields["row 5: Description"]
    assert "at most 500" in fields["row 6: Materials and techniques"]
    assert "nothing was imported" in body["detail"]
    assert count(env) == 0

    r = upload(env, official, cid, "Type of object,Colour\ncoin,red\n")
    assert r.status_code == 400 and "unknown column" in r.text and "Colour" in r.text
    r = upload(env, official, cid, HEADER + "\n")
    assert r.status_code == 400 and "no object rows" in r.text
    r = env.client.post(
        f"/api/v1/consultations/{cid}/objects/import",
        files={"file": ("objects.csv", io.BytesIO("Type of object\n\xe9t\xe9\n".encode("latin-1")), "text/csv")},
        headers=official.headers,
    )
    assert r.status_code == 400 and "UTF-8" in r.text
    assert count(env) == 0


def test_another_official_cannot_import(desk, env):
    official, other = desk.official(), desk.official(country="HR")
    cid = desk.draft(official)["id"]
    assert upload(env, other, cid, good_csv(2)).status_code == 404
    assert count(env) == 0
