"""NUL and other control characters, and lengths after trimming (issue 12 finding 4). Against
the old code: a NUL in registration answered 500 on PostgreSQL and was stored on SQLite, and a
title of three NULs passed min_length=3."""

from sqlalchemy import func, select

from expertnet.consultations.models import Consultation
from expertnet.members.models import Member

DRAFT = {
    "title": "Roman denarius seized at the border",
    "description": "Border police detained a silver Roman Imperial denarius of Trajan found in a car.",
    "location_country": "RS",
    "object_origin_country": "IT",
    "languages": ["sr", "en"],
}


def _count(env, model):
    return env.db_run(lambda s: s.scalar(select(func.count()).select_from(model)))


def _registration(**over):
    body = {
        "email": "nul.test@test.example",
        "password": "a long test passphrase 9 ok",
        "full_name": "Nul Test",
        "role": "le_official",
        "organisation": "Customs",
        "country": "RS",
        "languages": ["sr"],
    }
    return {**body, **over}


def test_nul_in_registration_is_a_400_naming_the_field_and_nothing_is_written(env):
    before = _count(env, Member)
    for field, value in [
        ("full_name", "Ana\x00Test"),
        ("organisation", "Cus\x00toms"),
        ("application_statement", "x\x00"),
        ("referee", "\x1b[31m"),
    ]:
        r = env.client.post("/api/v1/auth/register", json=_registration(**{field: value}))
        assert r.status_code == 400, (field, r.status_code)
        assert r.json()["errors"][0]["field"] == field and "control characters" in r.json()["detail"]
    assert _count(env, Member) == before


def test_titles_of_nuls_or_spaces_fail_min_length(env):
    official = env.member("le_official")
    before = _count(env, Consultation)
    for title in ["\x00\x00\x00", "   ", " \t ab \n", "ab\x7f", "Line\nbreak in a title"]:
        r = env.client.post("/api/v1/consultations", json={**DRAFT, "title": title}, headers=official.headers)
        assert r.status_code == 400, (repr(title), r.status_code)
        assert any(e["field"] == "title" for e in r.json()["errors"]), r.text
    assert _count(env, Consultation) == before
    # Line breaks and tabs stay allowed where a text may span lines; the title is trimmed.
    r = env.client.post(
        "/api/v1/consultations",
        json={**DRAFT, "title": "  Coin  ", "description": "First line.\r\n\tSecond line, indented."},
        headers=official.headers,
    )
    assert r.status_code == 201, r.text
    assert r.json()["title"] == "Coin" and "\tSecond" in r.json()["description"]


def test_nul_in_a_list_item_and_in_the_registration_page(env):
    r = env.client.post(
        "/api/v1/auth/register",
        json=_registration(role="expert", expert={"categories": ["numismatics"], "specialties": ["Roman\x00"]}),
    )
    assert r.status_code == 400 and "specialties" in r.text
    page = env.client.get("/register")
    csrf = page.cookies.get("csrftoken") or env.client.cookies.get("csrftoken")
    form = {
        **_registration(full_name="Ana\x00Test"),
        "password_confirm": "a long test passphrase 9 ok",
        "_csrf_token": csrf,
        "languages": "sr",
    }
    r = env.client.post("/register", data=form, headers={"accept": "text/html"})
    assert r.status_code == 400 and "control characters" in r.text
