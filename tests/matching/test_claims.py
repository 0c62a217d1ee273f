"""Claims (issue 10): what the text reports as declared and then contradicts leaves the positive
text; the official's category, when the contradicted declaration names it, weighs less than the
text's own evidence."""

import pytest

from expertnet.matching.claims import claims
from expertnet.matching.understanding import CLAIMED_HINT, HINT_WEIGHT, understand


def _claimed(text: str) -> list[str]:
    return [text[c.start : c.end].strip() for c in claims(text)]


@pytest.mark.parametrize(
    ("text", "declared"),
    [
        ("Als Münzen angemeldet, es handelt sich aber um römische Fibeln.", "Als Münzen angemeldet, es handelt sich"),
        ("В декларации указано «предмет культа». На деле это золотой солид.", "В декларации указано «предмет культа»."),
        ("Декларисано као „уметничка слика“, али је у питању лист пергамента.", "Декларисано као „уметничка слика“,"),
        (
            "Δηλώθηκε ως θρησκευτικό αντικείμενο, αλλά πρόκειται για τετράδραχμο.",
            "Δηλώθηκε ως θρησκευτικό αντικείμενο,",
        ),
        ("Arkeolojik eser olarak bildirilen parça aslında bir yatağan.", "Arkeolojik eser olarak bildirilen parça"),
        ("صُرّح عنها كوثائق قانونية، لكنها في الحقيقة ألواح طينية.", "صُرّح عنها كوثائق قانونية،"),
        (
            "Déclaré comme « vase décoratif » : il s'agit en réalité d'un ouchebti.",
            "Déclaré comme « vase décoratif » : il s'agit",
        ),
    ],
)
def test_a_contradicted_declaration_is_a_claim(text, declared):
    assert _claimed(text) == [declared]


def test_without_a_contrast_only_what_the_declaration_governs():
    text = "Cast brass head of an Oba wearing a collar of coral beads, declared as a modern souvenir."
    assert _claimed(text) == ["as a modern souvenir"]
    assert _claimed("Gümrükte 'tablo' olarak beyan edilen çerçeveli bir kâğıt: üzerinde tuğra var.") == [
        "Gümrükte 'tablo' olarak"
    ]


def test_quoted_words_before_actually_are_a_claim_but_plain_words_are_not():
    assert _claimed("Задържани „монети“ – всъщност сребърен съд") == ["„монети“"]
    assert _claimed("The coins are in fact Roman denarii.") == []
    assert _claimed("Roman silver denarii, found in a car.") == []


def test_claimed_words_name_no_concept_and_the_hint_they_name_weighs_less():
    u = understand(
        "Dichiarato come 'dipinto', in realtà è una moneta d'oro veneziana: un ducato.",
        category_hint="fine_art",
        embed=False,
    )
    assert "object_type:painting" not in u.concept_ids
    assert u.hint_weight == HINT_WEIGHT * CLAIMED_HINT
    assert u.category == "numismatics" and u.hint_overruled
    assert u.claims == ("Dichiarato come 'dipinto',",)


def test_a_hint_the_declaration_does_not_name_keeps_its_weight():
    u = understand("Declared as a modern copy, but genuine Roman denarii.", category_hint="numismatics", embed=False)
    assert u.hint_weight == HINT_WEIGHT
    assert u.category == "numismatics" and not u.hint_overruled


@pytest.mark.parametrize(
    "text",
    [
        "small round silver pieces with an emperor's head",
        "Dvadesetak malih okruglih srebrnih komada sa glavom cara",
        "золотой кружок с бюстом императора, на реверсе крест",
        "kleine Silberscheiben mit Kaiserkopf und Umschrift",
        "petits disques d'argent à l'effigie de l'empereur",
    ],
)
def test_coin_described_without_naming_it_points_to_numismatics(text):
    u = understand(text, embed=False)
    assert u.category == "numismatics", u.text_categories
