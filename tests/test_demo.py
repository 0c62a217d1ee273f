import collections
import itertools
import os
import re
import subprocess
import sys
import unicodedata
from importlib import resources

import pytest
from email_validator import validate_email

from expertnet.core import reference
from expertnet.demo import DEMO_ACCOUNTS, generate_experts

FIELDS = {
    "external_id",
    "full_name",
    "email",
    "organisation",
    "org_type",
    "country",
    "coverage_countries",
    "languages",
    "categories",
    "specialties",
    "bio",
    "available",
    "max_open_consultations",
    "market_ties",
    "vetting_status",
}
VETTING = {"pending", "approved", "rejected", "suspended"}


@pytest.fixture(scope="module")
def sample() -> list[dict]:
    return list(generate_experts(2000))


def _scripts(text: str) -> set[str]:
    out = set()
    for ch in text:
        if ch.isalpha():
            out.add(unicodedata.name(ch, "?").split(" ")[0])
    return out


# --------------------------------------------------------------------------- determinism


def test_two_runs_are_equal():
    assert list(generate_experts(300, seed=11)) == list(generate_experts(300, seed=11))


def test_prefix_property():
    small = list(generate_experts(50, seed=3))
    large = list(itertools.islice(generate_experts(500, seed=3), 50))
    assert small == large


def test_seed_changes_output():
    assert list(generate_experts(20, seed=1)) != list(generate_experts(20, seed=2))


def test_is_a_lazy_generator():
    gen = generate_experts(10**9)
    assert next(gen)["external_id"] == "E-000001"
    assert list(generate_experts(0)) == []
    with pytest.raises(ValueError):
        generate_experts(-1)


def test_same_output_in_another_process():
    """No dependence on str hashing (set order) or other per-process state."""
    code = (
        "import hashlib, json; from expertnet.demo import generate_experts; "
        "print(hashlib.sha256(json.dumps(list(generate_experts(400, seed=9))).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout.strip()
        for seed in ("1", "4242")
    }
    assert len(digests) == 1 and "" not in digests


# --------------------------------------------------------------------------- validity


def test_every_record_valid(sample):
    for rec in sample:
        assert set(rec) == FIELDS, rec
        assert re.fullmatch(r"E-\d{6}", rec["external_id"])
        assert rec["full_name"].strip() == rec["full_name"] and " " in rec["full_name"]
        validate_email(rec["email"], check_deliverability=False)
        assert rec["email"].endswith(".example")
        assert rec["organisation"]
        assert reference.validate_org_type(rec["org_type"], "org_type") == rec["org_type"]
        assert reference.validate_country(rec["country"], "country") == rec["country"]
        assert (
            reference.validate_countries(rec["coverage_countries"], "coverage_countries") == rec["coverage_countries"]
        )
        assert rec["country"] in rec["coverage_countries"]
        assert rec["languages"]
        assert reference.validate_languages(rec["languages"], "languages") == rec["languages"]
        assert 1 <= len(rec["categories"]) <= 3
        assert reference.validate_categories(rec["categories"], "categories") == rec["categories"]
        assert 2 <= len(rec["specialties"]) <= 5
        assert len(set(rec["specialties"])) == len(rec["specialties"])
        assert all(s and s[0].isupper() or s[0].isdigit() for s in rec["specialties"])
        assert rec["bio"].endswith(".") and len(rec["bio"]) > 40
        assert isinstance(rec["available"], bool) and isinstance(rec["market_ties"], bool)
        assert 1 <= rec["max_open_consultations"] <= 5
        assert rec["vetting_status"] in VETTING


def test_ids_and_emails_unique(sample):
    assert [r["external_id"] for r in sample] == [f"E-{i:06d}" for i in range(1, 2001)]
    emails = [r["email"].lower() for r in sample]
    assert len(set(emails)) == len(emails)


def test_email_local_part_is_ascii(sample):
    for rec in sample:
        local = rec["email"].split("@")[0]
        assert re.fullmatch(r"[a-z0-9]+\.[a-z0-9]+\.\d+", local), rec["email"]


# --------------------------------------------------------------------------- distribution


def test_all_categories_present(sample):
    counts = collections.Counter(c for r in sample for c in r["categories"])
    assert set(counts) == set(reference.CATEGORIES)


def test_all_org_types_present(sample):
    assert {r["org_type"] for r in sample} == set(reference.ORG_TYPES)


def test_many_countries(sample):
    countries = collections.Counter(r["country"] for r in sample)
    assert len(countries) >= 30
    for code in ("KH", "PK", "EG", "IQ", "TR", "GR", "IT", "US", "RS", "KZ"):
        assert countries[code] > 0, code
    # weighted toward the OSCE area: the Western Balkans alone outnumber all of South-East Asia
    wb = sum(countries[c] for c in reference.REGIONS["western_balkans"].countries)
    sea = sum(countries[c] for c in reference.REGIONS["south_east_asia"].countries)
    assert wb > 3 * sea


def test_several_scripts_among_names(sample):
    scripts = collections.Counter(s for r in sample for s in _scripts(r["full_name"]))
    for script in ("LATIN", "CYRILLIC", "GEORGIAN", "ARMENIAN"):
        assert scripts[script] > 0, script


def test_serbian_names_in_both_scripts(sample):
    serbian = [r["full_name"] for r in sample if r["country"] == "RS"]
    cyrillic = [n for n in serbian if "CYRILLIC" in _scripts(n)]
    assert cyrillic and len(cyrillic) < len(serbian)


def test_turkish_names_use_turkish_letters(sample):
    turkish = " ".join(r["full_name"] for r in sample if r["country"] == "TR")
    assert set("İşğıçöü") & set(turkish)


def test_rates(sample):
    n = len(sample)
    approved = sum(r["vetting_status"] == "approved" for r in sample) / n
    available = sum(r["available"] for r in sample) / n
    ties = sum(r["market_ties"] for r in sample) / n
    assert 0.8 < approved < 0.9
    assert 0.8 < available < 0.9
    assert 0.06 < ties < 0.14
    assert {r["vetting_status"] for r in sample} == VETTING


def test_specialties_fit_the_country(sample):
    khmer = [r for r in sample if r["country"] == "KH" and "archaeology" in r["categories"]]
    text = " ".join(s for r in khmer for s in r["specialties"])
    assert "Khmer" in text or "Angkorian" in text


def test_languages_fit_the_country(sample):
    for rec in sample:
        if rec["country"] == "RS":
            assert rec["languages"][0] == "sr"
        if rec["country"] in ("RU", "UA", "BG") or rec["languages"][0] == "mk":
            assert "CYRILLIC" in _scripts(rec["full_name"]), rec["full_name"]
        if rec["country"] == "MK" and rec["languages"][0] == "sq":  # Albanians of North Macedonia
            assert "LATIN" in _scripts(rec["full_name"]), rec["full_name"]


# --------------------------------------------------------------------------- demo accounts


def _common_passwords() -> set[str]:
    text = resources.files("expertnet").joinpath("data", "common_passwords.txt").read_text("utf-8")
    return {line.strip() for line in text.splitlines() if line.strip()}


def test_demo_accounts_cover_roles():
    roles = collections.Counter(a["role"] for a in DEMO_ACCOUNTS)
    assert set(roles) == {"admin", "le_official", "expert"}
    emails = {a["email"] for a in DEMO_ACCOUNTS}
    assert {"admin@demo.expertnet.example", "officer@demo.expertnet.example", "expert@demo.expertnet.example"} <= emails
    assert len(emails) == len(DEMO_ACCOUNTS)
    pending = [a for a in DEMO_ACCOUNTS if a["vetting_status"] == "pending"]
    assert pending and all(a["role"] == "expert" for a in pending)
    officer = next(a for a in DEMO_ACCOUNTS if a["role"] == "le_official")
    assert officer["country"] == "RS" and officer["languages"] == ["sr", "en"]
    expert = next(a for a in DEMO_ACCOUNTS if a["email"] == "expert@demo.expertnet.example")
    assert "numismatics" in expert["categories"]


def test_demo_accounts_valid():
    common = _common_passwords()
    for acc in DEMO_ACCOUNTS:
        for key in ("email", "password", "role", "full_name", "vetting_status", "country", "languages", "organisation"):
            assert acc[key], (acc["email"], key)
        validate_email(acc["email"], check_deliverability=False)
        assert len(acc["password"]) >= 16
        assert acc["password"].lower() not in common
        assert acc["vetting_status"] in VETTING
        reference.validate_country(acc["country"], "country")
        reference.validate_languages(acc["languages"], "languages")
        reference.validate_org_type(acc["org_type"], "org_type")
        if "categories" in acc:
            reference.validate_categories(acc["categories"], "categories")
            reference.validate_countries(acc["coverage_countries"], "coverage_countries")


def test_common_password_list():
    common = _common_passwords()
    assert 300 <= len(common) <= 600
    assert all(p == p.lower() for p in common)
    assert {"password1234", "qwertyuiop123", "123456789012", "iloveyou1234", "administrator", "welcome12345"} <= common
    assert sum(len(p) >= 12 for p in common) >= 200
