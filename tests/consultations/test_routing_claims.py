"""Routing when the text contradicts the declaration the official's category was copied from
("Als Münzen angemeldet, es handelt sich aber um ...", "В декларации указано «предмет культа».
На деле это ..."): the declared words leave the evidence, the category they name is a weak hint,
and the expert the rest of the text describes comes first, with a reason saying so."""

from tests.consultations.routing_helpers import ids, import_directory, rank, record


def test_german_declaration_contradicted_by_the_text_outranks_the_given_category(env):
    import_directory(
        env,
        [
            record("COINS", categories=["numismatics"], specialties=["Roman bronze coins", "Roman coin finds"]),
            record("COINS2", categories=["numismatics"], specialties=["Roman Imperial coinage"]),
            record(
                "FIBULAE", categories=["archaeology"], specialties=["Roman fibulae and brooches", "Limes small finds"]
            ),
        ],
    )
    found = rank(
        env,
        title="Als Münzen angemeldet",
        description="Als Münzen angemeldet, es handelt sich aber um römische Bügelfibeln aus Bronze aus "
        "Detektorfunden am Limes.",
        category="numismatics",
    )
    assert ids(found)[0] == "FIBULAE", [(c.external_id, c.score, c.reasons) for c in found]
    assert any(r.startswith("category: archaeology (") and "numismatics" in r for r in found[0].reasons), found[
        0
    ].reasons


def test_russian_declaration_contradicted_by_the_next_sentence(env):
    import_directory(
        env,
        [
            record(
                "ICONS", categories=["religious_art"], specialties=["Russian icons", "cast copper icons and crosses"]
            ),
            record("CHURCH", categories=["religious_art"], specialties=["church silver", "liturgical objects"]),
            record("BYZCOINS", categories=["numismatics"], specialties=["Byzantine coinage", "Byzantine gold solidi"]),
        ],
    )
    found = rank(
        env,
        title="Предмет культа?",
        description="В декларации указано «предмет культа». На деле это золотой солид с бюстом императора и "
        "крестом на реверсе, византийский, VI век.",
        category="religious_art",
        languages=["ru", "en"],
    )
    assert ids(found)[0] == "BYZCOINS", [(c.external_id, c.score, c.reasons) for c in found]
    assert any(r.startswith("category: numismatics (") for r in found[0].reasons), found[0].reasons


def test_a_declaration_the_text_confirms_keeps_the_given_category(env):
    import_directory(
        env,
        [
            record("COINS", categories=["numismatics"], specialties=["Roman Imperial coins", "Roman denarii"]),
            record("ARCH", categories=["archaeology"], specialties=["Roman settlements", "Roman small finds"]),
        ],
    )
    found = rank(
        env,
        title="Roman denarii",
        description="Twelve Roman silver denarii of Trajan, declared as coins at the border.",
        category="numismatics",
    )
    assert ids(found)[0] == "COINS"
    assert "category: numismatics" in found[0].reasons
