"""The shared query-understanding step: categories, concepts, exclusions, typos, scripts, hints."""

import json
import statistics
import time
from pathlib import Path

import pytest

from expertnet.matching import embedder as embedder_module
from expertnet.matching.understanding import (
    FUZZY_WEIGHT,
    HINT_WEIGHT,
    Understanding,
    get_understander,
    understand,
)

EVAL = Path(__file__).resolve().parents[1] / "data" / "routing_eval"


def direct(text: str, **kw) -> set[str]:
    return {c.id for c in understand(text, embed=False, **kw).direct_concepts}


def top(text: str) -> str | None:
    u = understand(text, embed=False)
    return u.text_categories[0][0] if u.text_categories else None


# ============================================================ the issue's failing directory queries


@pytest.mark.parametrize(
    "query, category, concepts",
    [
        ("икона", "religious_art", {"object_type:icon"}),
        ("нумизматика", "numismatics", {"category:numismatics"}),
        ("римские монеты", "numismatics", {"culture:roman", "object_type:coin"}),
        ("paleontology", "palaeontology", {"category:palaeontology"}),
        ("numismatics", "numismatics", {"category:numismatics"}),
    ],
)
def test_issue_examples(query, category, concepts):
    u = understand(query, embed=False)
    assert u.category == category and u.text_categories[0] == (category, 1.0)
    assert concepts <= u.concept_ids
    assert u.excluded == () and u.words == ()


# ============================================================ one subject, many languages and scripts

SUBJECTS = {
    "roman silver coins": (
        {"culture:roman", "material:silver", "object_type:coin", "category:numismatics"},
        [
            "Roman silver coins",
            "римские серебряные монеты",
            "римски сребрни новчићи",
            "rimski srebrni novčići",
            "römische Silbermünzen",
            "gümüş Roma sikkeleri",
            "monnaies romaines en argent",
            "rimskie serebryanye monety",
        ],
    ),
    "byzantine lead seals": (
        {"culture:byzantine", "object_type:lead_seal"},
        [
            "Byzantine lead seals",
            "византийские свинцовые печати",
            "византијски оловни печати",
            "vizantijski olovni pečati",
            "byzantinische Bleisiegel",
            "Bizans kurşun mühürleri",
        ],
    ),
    "ottoman manuscript": (
        {"culture:ottoman", "object_type:manuscript", "category:manuscripts"},
        [
            "Ottoman manuscript",
            "османская рукопись",
            "османски рукопис",
            "osmanski rukopis",
            "osmanische Handschrift",
            "Osmanlı el yazması",
        ],
    ),
    "orthodox icon, 17th century": (
        {"culture:orthodox", "object_type:icon", "period:c17", "category:religious_art"},
        [
            "Orthodox icon, 17th century",
            "православная икона XVII века",
            "православна икона из XVII века",
            "pravoslavna ikona iz XVII veka",
            "orthodoxe Ikone, 17. Jahrhundert",
            "Ortodoks ikona, 17. yüzyıl",
        ],
    ),
}


@pytest.mark.parametrize("subject", sorted(SUBJECTS))
def test_same_subject_same_concepts_in_every_language_and_script(subject):
    expected, texts = SUBJECTS[subject]
    english = direct(texts[0])
    assert english == expected
    for text in texts[1:]:
        assert direct(text) == english, text


@pytest.mark.parametrize(
    "text, concept",
    [
        ("ikona", "object_type:icon"),
        ("ikony", "object_type:icon"),
        ("monety", "object_type:coin"),
        ("rimskie monety", "culture:roman"),
        ("ikonu", "object_type:icon"),
        ("nomismata", "object_type:coin"),
    ],
)
def test_transliterated_russian_and_greek(text, concept):
    assert concept in direct(text)


# ============================================================ typos


@pytest.mark.parametrize(
    "typo, concept",
    [
        ("paleontolgy", "category:palaeontology"),  # missing letter inside the stem, inflected ending kept
        ("Byzntine coins", "culture:byzantine"),
        ("manuscirpt", "object_type:manuscript"),  # swapped letters
        ("archeaology", "category:archaeology"),
        ("römsche Münzen", "culture:roman"),
        ("Ikkone", "object_type:icon"),  # doubled letter
        ("палеонтлогия", "category:palaeontology"),  # Cyrillic
        ("numizmatcs", "category:numismatics"),
    ],
)
def test_typos_still_find_the_concept(typo, concept):
    u = understand(typo, embed=False)
    match = next(c for c in u.concepts if c.id == concept)
    if u.corrections:  # a correction was needed: the concept is marked and weighs less
        assert match.fuzzy and match.weight == FUZZY_WEIGHT
    assert typo.split()[0] not in u.words


def test_a_typo_is_corrected_only_when_it_yields_a_concept():
    u = understand("paleontolgy", embed=False)
    assert u.corrections == (("paleontolgy", "paleontology"),)
    assert understand("paleontology", embed=False).corrections == ()


@pytest.mark.parametrize(
    "text, wrong",
    [
        ("found near the sites", {"object_type:coin"}),  # "found"/"mound", "sites"/"cites"
        ("Latin inscriptions", {"material:gold"}),  # Turkish "altın" (gold) is two edits away
        ("an agent of the border police", {"material:silver"}),  # French "argent"
        ("a Montenegrin curator", {"object_type:coin"}),  # "monet*"
        ("Dacia", {"culture:dacian"}),  # short words: no wrong-letter typos
        ("soldini veneziani", {"culture:sogdian"}),  # "l"/"g" are not neighbouring keys
        ("cat", {"category:fine_art"}),  # three letters: never corrected
    ],
)
def test_real_words_are_not_typos(text, wrong):
    u = understand(text, embed=False)
    assert not (u.concept_ids & wrong), u.corrections


# ============================================================ negation inside understanding


def test_excluded_concepts_leave_the_positive_ones_and_the_categories():
    u = understand("not an icon but its silver cover", embed=False)
    assert {"object_type:icon", "category:religious_art"} == u.excluded_ids
    assert "object_type:icon" not in u.concept_ids and "material:silver" in u.concept_ids
    assert "religious_art" not in dict(u.text_categories)
    assert "icon" not in u.positive_text and "silver cover" in u.positive_text


def test_an_implied_concept_does_not_save_an_excluded_one():
    # the cover implies an icon (broader), but the text says it is not an icon
    u = understand("не икона, а оклад", embed=False)
    assert "object_type:icon" in u.excluded_ids and "object_type:icon" not in u.concept_ids


# ============================================================ categories: names and hints


@pytest.mark.parametrize(
    "text, category",
    [
        ("Таможенные и пограничные процедуры", "customs"),
        ("customs", "customs"),
        ("douane", "customs"),
        ("Kulturgüterrecht", "legal"),
        ("право культурных ценностей", "legal"),
        ("pravo kulturnih dobara", "legal"),
        ("yazmalar", "manuscripts"),
        ("dini sanat", "religious_art"),
        ("güzel sanatlar", "fine_art"),
        ("online markets", "online_markets"),
        ("онлайн-торговля", "online_markets"),
        ("dating", "authentication"),
        ("минералы", "palaeontology"),
        ("financieel onderzoek", "financial"),
    ],
)
def test_discipline_names_in_many_languages(text, category):
    assert top(text) == category


def test_ambiguous_discipline_words_count_only_in_a_short_query():
    # in a request "customs" is who seized the object, not what it is about
    u = understand("Customs seized a Roman coin at the border crossing yesterday", embed=False)
    assert "customs" not in dict(u.text_categories)
    assert understand("customs", embed=False).category == "customs"


def test_a_hint_is_kept_but_strong_text_evidence_outranks_it():
    u = understand("Икона XVII века в серебряном окладе", category_hint="numismatics", embed=False)
    assert u.category_hint == "numismatics" and u.hint_weight == HINT_WEIGHT
    assert u.category == "religious_art" and u.hint_overruled
    assert "numismatics" in dict(u.categories)  # still there, with its weight
    assert u.text_categories[0][0] == "religious_art" and u.text_strength > HINT_WEIGHT


def test_a_hint_wins_over_weak_or_equal_text_evidence():
    u = understand("Roman coin", category_hint="archaeology", embed=False)
    assert u.category == "archaeology" and not u.hint_overruled
    assert u.text_categories[0][0] == "numismatics"
    u = understand("Икона", category_hint="numismatics", embed=False)  # one mention = the hint's weight
    assert u.category == "numismatics"
    u = understand("нечто непонятное", category_hint="legal", embed=False)
    assert u.categories == (("legal", 1.0),) and u.text_categories == ()


def test_an_unknown_hint_is_refused_by_name():
    with pytest.raises(ValueError, match="category_hint"):
        understand("Roman coin", category_hint="coins", embed=False)
    assert understand("Roman coin", category_hint="", embed=False).category_hint is None


def test_given_categories_of_the_tuning_set_are_never_overruled():
    # in the tuning set every given category is right (but for the requests marked as misleading):
    # ordinary wording must not outweigh it
    for line in (EVAL / "requests.jsonl").read_text("utf-8").splitlines():
        row = json.loads(line)
        if row["category"] and "misleading_category" not in row.get("traps", ()):
            u = understand(f"{row['title']}\n{row['description']}", category_hint=row["category"], embed=False)
            assert u.category == row["category"], (row["external_id"], u.categories)


# ============================================================ words for the lexical leg


def test_unknown_content_words_are_kept_for_the_lexical_leg():
    u = understand("bronze denarii from the Petrović collection at Kostolac", embed=False)
    assert {"object_type:denarius", "material:bronze"} <= u.concept_ids
    assert {"petrovic", "kostolac", "collection"} <= set(u.words)
    assert not {w for w in u.words if w.startswith(("denar", "bronz"))}  # understood by the vocabulary
    assert not {"from", "the", "at"} & set(u.words)  # function words


def test_empty_and_odd_input():
    for text in ("", "   ", "!!!", "12345"):
        u = understand(text, embed=False)
        assert isinstance(u, Understanding) and u.concepts == () and u.categories == () and u.vector is None


# ============================================================ the vector


def test_no_vector_when_not_asked_or_embeddings_are_off(monkeypatch):
    assert understand("Roman coins", embed=False).vector is None
    monkeypatch.setattr(embedder_module, "get_embedder", lambda settings=None: None)
    assert understand("Roman coins, no vector please", embed=True).vector is None


# ============================================================ speed


def test_understanding_a_request_is_fast():
    """Well under 5 ms per request of the tuning set without the vector, once the vocabulary is
    loaded (the median of three passes; the machine may be busy)."""
    u = get_understander()
    texts = [
        f"{json.loads(line)['title']}\n{json.loads(line)['description']}"
        for line in (EVAL / "requests.jsonl").read_text("utf-8").splitlines()
    ]
    for text in texts:  # first sight of every word: memo tables filled
        u.understand(text + " ", embed=False)
    times = []
    for text in texts:
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            u._understand(text, None, False)  # bypass the result cache on purpose
            best = min(best, time.perf_counter() - start)
        times.append(best)
    assert statistics.median(times) < 0.005, statistics.median(times)


@pytest.mark.parametrize(
    ("typo", "concept"),
    [
        ("Հայկական ձեռագգիր Ավետարան", "object_type:manuscript"),  # Armenian, a doubled letter
        ("مخطتوات إسلامية", "object_type:manuscript"),  # Arabic, two letters swapped
    ],
)
def test_typos_are_corrected_in_armenian_and_arabic_script_too(typo, concept):
    u = understand(typo, embed=False)
    assert u.corrections, u
    assert concept in u.concept_ids


def test_a_correction_must_name_the_new_concept_itself():
    # "Republika" is one letter from a vocabulary word; "correcting" it would only break the
    # blocking phrase of the place name and let "Srpska" read as the culture
    u = understand("Republika Srpska granica", embed=False)
    assert u.corrections == ()
    assert "culture:serbian" not in u.concept_ids


@pytest.mark.parametrize("text", ["ikone srpske", "српске иконе", "Serbian icons", "serbische Ikonen"])
def test_serbian_icons_meet_in_both_scripts_and_in_english(text):
    assert {"culture:serbian", "object_type:icon"} <= understand(text, embed=False).concept_ids


@pytest.mark.parametrize("text", ["Nazi-era looted art", "NS-Raubkunst", "biens spoliés pendant la guerre"])
def test_wartime_looting_is_provenance_not_site_looting(text):
    u = understand(text, embed=False)
    assert u.text_categories[0][0] == "provenance", u.text_categories
