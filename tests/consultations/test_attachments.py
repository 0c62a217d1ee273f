"""Attachments: checked by content, size-capped, stored under generated names with SHA-256,
downloaded as attachments by participants and admins only, every view and download audited."""

import dataclasses
import hashlib
import io
import struct
import zlib

import pytest
from sqlalchemy import func, select

from expertnet.consultations.attachments import sanitise_filename, sniff, PDF
from expertnet.consultations.models import Attachment

LIMIT = 64 * 1024


@pytest.fixture
def settings(settings):
    """The conftest settings with a small upload cap, so the size check is cheap to test."""
    return dataclasses.replace(settings, upload_max_bytes=LIMIT)


def png_bytes() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"\x00\xff\x00\x00"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200 + b"\xff\xd9"
WEBP = b"RIFF" + struct.pack("<I", 30) + b"WEBPVP8 " + b"\x00" * 22
PDF_BYTES = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!DOCTYPE html><html><script>alert(document.cookie)</script></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 100


def _setup(desk, env):
    official = desk.official()
    expert = desk.expert()
    cid = desk.draft(official, category="numismatics")["id"]
    return official, expert, cid


def _upload(env, user, cid, name, content, content_type="application/octet-stream"):
    return env.client.post(
        f"/api/v1/consultations/{cid}/attachments",
        files={"file": (name, io.BytesIO(content), content_type)},
        headers=user.headers,
    )


def _stored_files(env):
    root = env.settings.upload_dir
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _rows(env):
    return env.db_run(lambda s: _count(s))


async def _count(session):
    return (await session.execute(select(func.count()).select_from(Attachment))).scalar_one()


def test_sniffer_and_sanitiser():
    assert sniff(JPEG).content_type == "image/jpeg"
    assert sniff(png_bytes()).content_type == "image/png"
    assert sniff(WEBP).content_type == "image/webp"
    assert sniff(PDF_BYTES).content_type == "application/pdf"
    assert sniff(HTML) is None and sniff(EXE) is None and sniff(b"") is None
    assert sniff(b"RIFF\x00\x00\x00\x00WAVEfmt ") is None
    assert sanitise_filename("../../etc/passwd.pdf", PDF) == "passwd.pdf"
    assert sanitise_filename("C:\\Users\\x\\scan <1>.pdf", PDF) == "scan _1.pdf"
    assert sanitise_filename("\u202eevil\x00.pdf", PDF) == "evil.pdf"
    assert sanitise_filename("", PDF) == "attachment.pdf"
    assert sanitise_filename("Записник.PDF", PDF) == "Записник.pdf"


def test_upload_view_download(desk, env):
    official, expert, cid = _setup(desk, env)
    files = {"front.jpg": JPEG, "back.png": png_bytes(), "side.webp": WEBP, "report.pdf": PDF_BYTES}
    made = {}
    for name, content in files.items():
        # The client's content type is ignored: the content decides.
        r = _upload(env, official, cid, name, content, "text/html")
        assert r.status_code == 201, r.text
        made[name] = r.json()
        assert r.json()["sha256"] == hashlib.sha256(content).hexdigest()
        assert r.json()["size"] == len(content)
    assert made["front.jpg"]["content_type"] == "image/jpeg"
    assert made["side.webp"]["content_type"] == "image/webp"
    assert made["report.pdf"]["filename"] == "report.pdf"
    stored = _stored_files(env)
    assert len(stored) == 4
    # Generated names: nothing of the original name on disk.
    assert all(len(p.name) == 32 and "." not in p.name for p in stored)
    assert {hashlib.sha256(p.read_bytes()).hexdigest() for p in stored} == {m["sha256"] for m in made.values()}

    listing = desk.get(official, cid, "/attachments").json()
    assert [a["filename"] for a in listing] == list(files)

    a = made["report.pdf"]
    r = env.client.get(f"/api/v1/consultations/{cid}/attachments/{a['id']}", headers=official.headers)
    assert r.status_code == 200 and r.json()["sha256"] == a["sha256"]
    r = env.client.get(
        f"/api/v1/consultations/{cid}/attachments/{a['id']}/download",
        params={"reason": "court file"},
        headers=official.headers,
    )
    assert r.status_code == 200
    assert r.content == PDF_BYTES
    assert r.headers["content-type"].startswith("application/pdf")
    assert r.headers["content-disposition"].startswith("attachment")
    assert 'filename="report.pdf"' in r.headers["content-disposition"]
    assert r.headers["x-content-type-options"] == "nosniff"

    views = desk.audit("attachment.view", official.id)
    downloads = desk.audit("attachment.download", official.id)
    assert len(views) == 1 and len(downloads) == 1
    assert downloads[0].object_id == str(a["id"]) and downloads[0].reason == "court file"
    assert downloads[0].detail["sha256"] == a["sha256"]
    assert desk.audit("attachment.list", official.id)


def test_disguised_files_are_refused_and_nothing_is_stored(desk, env):
    official, expert, cid = _setup(desk, env)
    for name, content in (
        ("photo.jpg", HTML),
        ("scan.pdf", EXE),
        ("photo.png", b"GIF89a" + b"\x00" * 50),
        ("invoice.pdf", JPEG),
        ("page.html", PDF_BYTES),
        ("empty.jpg", b""),
    ):
        r = _upload(env, official, cid, name, content, "image/jpeg")
        assert r.status_code == 400, (name, r.text)
        assert "file" in r.json()["detail"], r.text
    assert _stored_files(env) == []
    assert _rows(env) == 0
    assert [e["kind"] for e in desk.get(official, cid, "/timeline").json()] == ["created"]


def test_oversized_upload_is_refused(desk, env):
    official, expert, cid = _setup(desk, env)
    big = b"%PDF-1.4\n" + b"0" * LIMIT
    r = _upload(env, official, cid, "big.pdf", big)
    assert r.status_code == 413
    assert "limit" in r.json()["detail"]
    assert _stored_files(env) == [] and _rows(env) == 0
    exact = b"%PDF-1.4\n" + b"0" * (LIMIT - 9)
    assert _upload(env, official, cid, "fits.pdf", exact).status_code == 201


def test_only_participants_and_admins_see_files(desk, env):
    official, expert, cid = _setup(desk, env)
    a = _upload(env, official, cid, "front.jpg", JPEG).json()
    desk.submit(official, cid, offer_count=1)
    other_official = desk.official()
    outsider = desk.expert(categories=["manuscripts"], specialties=["Glagolitic manuscripts"], languages=["hr"])
    url = f"/api/v1/consultations/{cid}/attachments/{a['id']}/download"
    for user in (other_official, outsider):
        assert env.client.get(url, headers=user.headers).status_code == 404
        assert env.client.get(f"/api/v1/consultations/{cid}/attachments", headers=user.headers).status_code == 404
        assert _upload(env, user, cid, "x.jpg", JPEG).status_code == 404
    assert len(desk.audit("consultation.denied", other_official.id)) == 3
    # The offered expert may look at the photos before accepting; an admin may too.
    assert env.client.get(url, headers=expert.headers).status_code == 200
    assert env.client.get(url, headers=env.admin.headers).status_code == 200
    # An offered expert cannot add files before accepting; the assigned expert can.
    assert _upload(env, expert, cid, "x.jpg", JPEG).status_code == 404
    offer = desk.offer_of(expert, cid)
    assert env.client.post(f"/api/v1/offers/{offer['id']}/accept", headers=expert.headers).status_code == 200
    assert _upload(env, expert, cid, "detail.png", png_bytes()).status_code == 201
    # An attachment id from another consultation does not leak through this one.
    mine = desk.draft(other_official, category="numismatics")["id"]
    b = _upload(env, other_official, mine, "b.jpg", JPEG).json()
    assert (
        env.client.get(f"/api/v1/consultations/{cid}/attachments/{b['id']}", headers=official.headers).status_code
        == 404
    )


def test_no_files_after_close(desk, env):
    official, expert, cid = _setup(desk, env)
    assert env.client.post(f"/api/v1/consultations/{cid}/withdraw", headers=official.headers).status_code == 200
    r = _upload(env, official, cid, "late.jpg", JPEG)
    assert r.status_code == 409 and "withdrawn" in r.text
    assert _stored_files(env) == []
