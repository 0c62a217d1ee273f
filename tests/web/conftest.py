"""Helpers for page tests: a signed-in browser-like client (cookie + CSRF form token)."""

import re
from html import unescape

import pytest

from expertnet.core.auth import COOKIE_NAME

TOKEN_RE = re.compile(r'name="_csrf_token" value="([^"]*)"')


def csrf_from(html: str) -> str:
    found = TOKEN_RE.search(html)
    assert found, "page has no CSRF form field"
    return unescape(found.group(1))


class Pages:
    """Acts on the pages as a person with a browser would: GET a form, POST it with its token."""

    def __init__(self, env):
        self.env = env
        self.client = env.client

    def get(self, path: str, **kwargs):
        headers = {"accept": "text/html", **kwargs.pop("headers", {})}
        return self.client.get(path, headers=headers, follow_redirects=kwargs.pop("follow_redirects", False), **kwargs)

    def token(self, path: str = "/login") -> str:
        return csrf_from(self.get(path).text)

    def post(
        self,
        path: str,
        data: dict | list | None = None,
        *,
        form_page: str | None = None,
        files=None,
        follow=False,
        headers=None,
    ):
        token = self.token(form_page or "/login")
        body = list(data.items()) if isinstance(data, dict) else list(data or [])
        flat = []
        for key, value in body:
            if isinstance(value, (list, tuple)):
                flat.extend((key, v) for v in value)
            else:
                flat.append((key, value))
        flat.append(("_csrf_token", token))
        return self.client.post(
            path,
            data=_group(flat),
            files=files,
            headers={"accept": "text/html", **(headers or {})},
            follow_redirects=follow,
        )

    def logout_all(self) -> None:
        self.client.cookies.clear()

    def login(self, user_or_email, password: str | None = None, next_: str = ""):
        email = getattr(user_or_email, "email", user_or_email)
        password = password or user_or_email.password
        self.logout_all()
        r = self.post("/login", {"email": email, "password": password, "next": next_})
        assert r.status_code == 303, r.text
        assert self.client.cookies.get(COOKIE_NAME)
        return r

    def login_admin(self):
        admin = self.env.admin
        return self.login(admin.email, admin.password)


def _group(pairs):
    grouped: dict = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return {k: v if len(v) > 1 else v[0] for k, v in grouped.items()}


@pytest.fixture
def pages(env) -> Pages:
    return Pages(env)
