"""Request limits before parsing (issue 12 findings 1-3). Against the old code: the big login
body answered 400 listing every key twice, the form with many fields got CSRF's 403 after being
parsed, deep JSON answered 500, and integer path ids past the column's range answered 500."""

import json
import re
import time

import pytest

from expertnet.core.limits import MAX_JSON_DEPTH, json_shape

LOGIN = "/api/v1/auth/login"


def test_an_oversized_login_body_is_refused_before_parsing(env):
    keys = {f"k{n}": 0 for n in range(100_000)}  # ~1.2 MB, the attack's shape at a tenth of its size
    body = json.dumps({"email": "a@b.example", "password": "x", **keys})
    started = time.perf_counter()
    r = env.client.post(LOGIN, content=body, headers={"content-type": "application/json"})
    elapsed = time.perf_counter() - started
    assert r.status_code == 413, r.status_code
    assert "at most 8 KB" in r.json()["detail"]
    assert len(r.content) < 2000 and elapsed < 1.0
    # Without a Content-Length (chunked), the size is counted while reading.
    chunks = (body[i : i + 65536].encode() for i in range(0, len(body), 65536))
    r = env.client.post(LOGIN, content=chunks, headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_validation_answers_name_each_field_once_and_are_capped(env):
    body = {"email": "a@b.example", "password": "x", **{f"k{n}": 0 for n in range(400)}}  # fits in 8 KB
    r = env.client.post(LOGIN, json=body)
    assert r.status_code == 400
    answer = r.json()
    assert len(answer["errors"]) == 20
    assert len({(e["field"], e["reason"]) for e in answer["errors"]}) == 20
    assert answer["detail"].count("k0") <= 1 and "more)" in answer["detail"]
    assert len(r.content) < 5000


def test_too_many_json_values_are_refused(env):
    body = json.dumps({"email": "a@b.example", "password": "x", "expert": {"specialties": [0] * 25_000}})
    r = env.client.post("/api/v1/auth/register", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400 and "JSON values" in r.json()["detail"]


def test_a_form_with_too_many_fields_is_refused_before_csrf_parses_it(env):
    body = "&".join(f"f{n}=" for n in range(1000)) + "&email=a%40b.example&password=x"
    r = env.client.post(
        "/login", content=body, headers={"content-type": "application/x-www-form-urlencoded", "accept": "text/html"}
    )
    assert r.status_code == 400 and "form fields" in r.text


@pytest.mark.parametrize("levels", [MAX_JSON_DEPTH + 1, 1000, 9000])
def test_deeply_nested_json_is_a_400(env, levels):
    body = "[" * levels + "]" * levels
    r = env.client.post("/api/v1/auth/register", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400, r.status_code
    assert "nested deeper" in r.json()["detail"]
    # And inside an object, on a route of the default limit.
    nested = '{"email": "a@b.example", "password": "x", "totp_code": ' + "[" * levels + "]" * levels + "}"
    r = env.client.post(LOGIN, content=nested, headers={"content-type": "application/json"})
    assert r.status_code in (400, 413), r.status_code


def test_json_shape_ignores_brackets_inside_strings():
    assert json_shape(b'{"a": "[[[[[[", "b": [1, 2, {"c": "]]"}]}') == (
        3,
        7,
    )  # separators + 1: an upper bound of keys and values
    assert json_shape(b'["\\"[", [[]]]')[0] == 3


def test_the_right_bodies_still_pass(env):
    # A registration with the longest fields the schema allows fits its route's limit, in UTF-8...
    user = env.register(
        "expert", application_statement="ж" * 4000, expert={"bio": "ж" * 8000, "specialties": ["с" * 200] * 30}
    )
    assert user.id
    # ...and with every letter \u-escaped (json.dumps' default), as is the longest consultation text.
    body = {
        "email": "escaped@test.example",
        "password": "a long test passphrase 7 ok",
        "full_name": "Ж" * 200,
        "role": "expert",
        "organisation": "Ж" * 300,
        "position": "Ж" * 200,
        "country": "RS",
        "languages": ["sr"],
        "application_statement": "ж" * 4000,
        "referee": "ж" * 500,
        "expert": {
            "categories": ["numismatics"],
            "bio": "ж" * 8000,
            "specialties": [f"с{n}" + "с" * 190 for n in range(30)],
            "market_ties_detail": "ж" * 2000,
        },
    }
    r = env.client.post("/api/v1/auth/register", content=json.dumps(body), headers={"content-type": "application/json"})
    assert r.status_code == 202, r.text
    official = env.member("le_official")
    draft = {"title": "Ж" * 200, "description": "ж" * 20_000, "location_country": "RS", "languages": ["sr"]}
    r = env.client.post(
        "/api/v1/consultations",
        content=json.dumps(draft),
        headers={**official.headers, "content-type": "application/json"},
    )
    assert r.status_code == 201, r.text


def _int_routes(app) -> list[tuple[str, str]]:
    routes = []
    for route in app.routes:
        if ":int}" not in route.path:
            continue
        for method in sorted(getattr(route, "methods", set()) - {"OPTIONS", "HEAD"}):
            routes.append((method, route.path))
    return routes


@pytest.mark.parametrize("value", [2**31, 2**63, 2**64, 0, -1])
def test_integer_path_ids_out_of_range_are_404_on_every_route(env, value):
    admin = env.admin
    routes = _int_routes(env.client.app)
    assert len(routes) > 20
    wrong = []
    for method, template in routes:
        path = re.sub(r"\{[a-z_]+:int\}", str(value), template)
        r = env.client.request(
            method, path, headers=admin.headers, json={} if method in ("POST", "PATCH", "PUT") else None
        )
        if r.status_code != 404:
            wrong.append((method, path, r.status_code))
    assert not wrong, wrong


def test_the_largest_valid_id_is_a_plain_not_found(env):
    r = env.client.get(f"/api/v1/admin/members/{2**31 - 1}", headers=env.admin.headers)
    assert r.status_code == 404
    assert env.client.get(f"/api/v1/admin/members/{env.admin.id}", headers=env.admin.headers).status_code == 200


def test_control_characters_in_query_parameters_are_a_400_naming_them(env):
    r = env.client.get("/api/v1/admin/members", params={"q": "abc\x00def"}, headers=env.admin.headers)
    assert r.status_code == 400 and "q:" in r.json()["detail"]
    assert env.client.get("/api/v1/admin/members", params={"q": "Ана"}, headers=env.admin.headers).status_code == 200
