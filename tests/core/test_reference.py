import time
import unicodedata

import pycountry
import pytest

from expertnet.core import reference

DOMAIN_CATEGORIES = [
    "archaeology",
    "numismatics",
    "manuscripts",
    "religious_art",
    "fine_art",
    "ethnography",
    "palaeontology",
    "arms_armour",
    "decorative_arts",
    "provenance",
    "authentication",
    "legal",
    "customs",
    "online_markets",
    "financial",
    "conservation",
]

DOMAIN_REGIONS = [
    "western_balkans",
    "south_east_europe",
    "central_europe",
    "western_europe",
    "northern_europe",
    "eastern_europe",
    "south_caucasus",
    "central_asia",
    "north_america",
    "osce_mediterranean_partners",
    "osce_asian_partners",
    "middle_east",
    "south_asia",
    "south_east_asia",
    "africa",
    "latin_america",
]


# --------------------------------------------------------------------------- countries


@pytest.mark.parametrize("code", ["GB", "RS", "KH", "PK", "EG", "IQ", "US", "MK"])
def test_valid_countries(code):
    assert reference.is_country(code)


@pytest.mark.parametrize("code", ["UK", "gb", "rs", "xx", "XX", "usa", "USA", "", " GB", "G", None, 12])
def test_invalid_countries(code):
    assert not reference.is_country(code)


def test_all_pycountry_countries_known():
    assert len(reference.COUNTRY_CODES) == len(pycountry.countries)
    assert all(reference.is_country(c.alpha_2) for c in pycountry.countries)


def test_country_names_en_and_ru():
    assert reference.country_name("RS") == "Serbia"
    assert reference.country_name("RS", "ru") == "Сербия"
    assert reference.country_name("DE", "de") == "Deutschland"
    assert reference.country_name("KH", "fr") == "Cambodge"
    # locale spelled with a hyphen, and an unknown locale falling back to English
    assert reference.country_name("RS", "sr-Latn") == "Srbija"
    assert reference.country_name("RS", "zz") == "Serbia"


def test_country_name_unknown_code():
    with pytest.raises(ValueError, match="UK"):
        reference.country_name("UK")


def test_countries_sorted_by_name():
    en = reference.countries()
    assert len(en) == len(pycountry.countries)
    names = [name for _, name in en]
    assert names[0].startswith("Afghanistan")
    assert ("AX", reference.country_name("AX")) in en  # Åland sorts with A, not after Z
    assert names.index(reference.country_name("AX")) < 10
    ru = reference.countries("ru")
    assert dict(ru)["RU"] == "Россия"
    assert [name for _, name in ru][0][0] == "А"


# --------------------------------------------------------------------------- languages


@pytest.mark.parametrize("code", ["sr", "en", "ru", "hy", "ka", "kk", "km", "ar", "sq", "mk"])
def test_valid_languages(code):
    assert reference.is_language(code)


@pytest.mark.parametrize("code", ["srp", "SR", "En", "sr-Latn", "sr_Cyrl", "", "xx", "cnr", None])
def test_invalid_languages(code):
    assert not reference.is_language(code)


def test_language_names():
    assert reference.language_name("sr") == "Serbian"
    assert reference.language_name("sr", "ru") == "сербский"
    assert reference.language_name("de", "de") == "Deutsch"
    with pytest.raises(ValueError):
        reference.language_name("srp")


def test_languages_list():
    langs = reference.languages()
    assert len(langs) == len(reference.LANGUAGE_CODES) >= 180
    assert ("sr", "Serbian") in langs
    names = [name for _, name in langs]
    assert names[0] == "Abkhazian"
    # accent-insensitive order: "Māori" sorts as "Maori", before "Marathi"
    assert names.index("Māori") < names.index("Marathi")
    folded = [
        "".join(ch for ch in unicodedata.normalize("NFKD", n) if not unicodedata.combining(ch)).casefold()
        for n in names
    ]
    assert folded == sorted(folded)


# --------------------------------------------------------------------------- categories


def test_exactly_the_sixteen_categories_in_order():
    assert list(reference.CATEGORIES) == DOMAIN_CATEGORIES
    assert reference.CATEGORY_SLUGS == tuple(DOMAIN_CATEGORIES)
    for slug, cat in reference.CATEGORIES.items():
        assert cat.slug == slug and cat.name and cat.covers
    assert "HS headings" in reference.CATEGORIES["customs"].covers


def test_is_category():
    assert reference.is_category("numismatics")
    assert not reference.is_category("Numismatics")
    assert not reference.is_category("coins")
    assert not reference.is_category("")


def test_category_is_frozen():
    with pytest.raises(AttributeError):
        reference.CATEGORIES["legal"].name = "x"


# --------------------------------------------------------------------------- regions


def test_regions_of_domain():
    assert list(reference.REGIONS) == DOMAIN_REGIONS


def test_every_region_code_is_valid():
    for region in reference.REGIONS.values():
        assert region.countries, region.slug
        for code in region.countries:
            assert pycountry.countries.get(alpha_2=code) is not None, (region.slug, code)
            assert reference.is_country(code)


def test_region_membership():
    assert "RS" in reference.REGIONS["western_balkans"].countries
    assert reference.REGIONS["osce_mediterranean_partners"].countries == {"DZ", "EG", "IL", "JO", "MA", "TN"}
    assert reference.REGIONS["osce_asian_partners"].countries == {"AF", "AU", "JP", "KR", "TH"}
    assert reference.regions_for_countries(["EG"]) == sorted(["africa", "middle_east", "osce_mediterranean_partners"])
    assert "western_balkans" in reference.regions_for_countries(["RS"])
    assert "south_east_europe" in reference.regions_for_countries(["RS"])
    assert "KH" in reference.REGIONS["south_east_asia"].countries
    assert "PK" in reference.REGIONS["south_asia"].countries


def test_regions_for_countries_sorted_unique():
    out = reference.regions_for_countries(["RS", "BA", "rs", "KZ", "XX", ""])
    assert out == sorted(set(out))
    assert out == ["central_asia", "south_east_europe", "western_balkans"]
    assert reference.regions_for_countries([]) == []
    assert reference.is_region("africa") and not reference.is_region("europe")


# --------------------------------------------------------------------------- validators


def test_validate_countries_cleans():
    assert reference.validate_countries([" rs", "BA", "RS", "gb"], "coverage_countries") == ["RS", "BA", "GB"]
    assert reference.validate_countries([], "coverage_countries") == []


@pytest.mark.parametrize("bad", ["UK", "xx", "usa", ""])
def test_validate_countries_refuses(bad):
    with pytest.raises(ValueError) as err:
        reference.validate_countries(["RS", bad], "coverage_countries")
    message = str(err.value)
    assert message.startswith("coverage_countries: unknown country code")
    assert repr(bad) in message  # the value as the user wrote it


def test_validate_countries_message_format():
    with pytest.raises(ValueError, match=r"^coverage_countries: unknown country code 'XX'$"):
        reference.validate_countries(["XX"], "coverage_countries")


def test_validate_countries_refuses_a_bare_string():
    with pytest.raises(ValueError, match="coverage_countries"):
        reference.validate_countries("RS", "coverage_countries")


def test_validate_country_single():
    assert reference.validate_country(" rs ", "country") == "RS"
    with pytest.raises(ValueError, match="^country: "):
        reference.validate_country("", "country")
    with pytest.raises(ValueError, match="^country: unknown country code 'UK'$"):
        reference.validate_country("UK", "country")


def test_validate_languages():
    assert reference.validate_languages(["SR", "en", " sr "], "languages") == ["sr", "en"]
    with pytest.raises(ValueError, match=r"^languages: unknown language code 'srp'$"):
        reference.validate_languages(["sr", "srp"], "languages")


def test_validate_categories():
    assert reference.validate_categories(["Numismatics", "legal", "numismatics"], "categories") == [
        "numismatics",
        "legal",
    ]
    with pytest.raises(ValueError) as err:
        reference.validate_categories(["coins"], "categories")
    assert str(err.value) == "categories: unknown category 'coins'"


def test_validate_non_string_item():
    with pytest.raises(ValueError, match="^languages: "):
        reference.validate_languages(["en", 3], "languages")


def test_org_types():
    assert reference.ORG_TYPES == (
        "museum",
        "library_archive",
        "academia",
        "law_enforcement",
        "customs",
        "prosecution",
        "ministry",
        "international_org",
        "independent",
    )
    assert reference.is_org_type("museum") and not reference.is_org_type("police")
    assert reference.validate_org_type(" Museum ", "org_type") == "museum"
    with pytest.raises(ValueError, match="^org_type: unknown organisation type 'police'"):
        reference.validate_org_type("police", "org_type")


def test_validators_are_fast():
    rows = [(["RS", "BA", "ME", "MK"], ["sr", "en", "de"], ["numismatics", "archaeology"])] * 20_000
    start = time.perf_counter()
    for countries, langs, cats in rows:
        reference.validate_countries(countries, "coverage_countries")
        reference.validate_languages(langs, "languages")
        reference.validate_categories(cats, "categories")
        reference.regions_for_countries(countries)
    # 20,000 import lines; the import target is 3,000 lines/s for everything, this is a sliver
    assert time.perf_counter() - start < 2.0
