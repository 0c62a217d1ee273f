"""Routing on the shared understanding (issue 10, item 4): a misleading category is a hint that
strong evidence in the text outranks (and the reasons say so), excluded concepts count against an
expert, and a request in a language the vocabulary does not know is carried by dense similarity of
the request to the profile vectors (filled through the outbox, as after an import)."""

from expertnet.consultations import routing
from expertnet.matching.understanding import understand

from tests.consultations.routing_helpers import ids, import_directory, rank, record


def test_misleading_category_is_overruled_by_the_text_and_the_reasons_say_so(env):
    import_directory(
        env,
        [
            record("PAINT", categories=["fine_art"], specialties=["Venetian painting 18th century", "altarpieces"]),
            record("PAINT2", categories=["fine_art"], specialties=["Old Master paintings", "connoisseurship"]),
            record(
                "SEALS", categories=["numismatics"], specialties=["Byzantine lead seals", "Byzantine sigillography"]
            ),
        ],
    )
    request = dict(
        title="Declared as a painting",
        description="Declared at customs as a small painting, but it is a Byzantine lead seal (molybdobull) with a "
        "Greek inscription, pierced for a cord.",
        category="fine_art",
    )
    found = rank(env, **request)
    assert ids(found)[0] == "SEALS", [(c.external_id, c.score, c.reasons) for c in found]
    reasons = found[0].reasons
    assert any(r.startswith("category: numismatics (") and "fine_art" in r for r in reasons), reasons
    # The given category still counts: among the painting experts, it is what ranks them.
    assert set(ids(found)[1:]) == {"PAINT", "PAINT2"}


def test_given_category_decides_when_the_text_agrees(env):
    import_directory(
        env,
        [
            record("COINS", categories=["numismatics"], specialties=["Roman Imperial coins"]),
            record(
                "ARCH", categories=["archaeology"], specialties=["Roman Imperial sites", "Roman coins from excavations"]
            ),
        ],
    )
    found = rank(
        env, title="Roman coin", description="A Roman Imperial silver coin, a denarius.", category="numismatics"
    )
    assert ids(found)[0] == "COINS"
    assert "category: numismatics" in found[0].reasons


def test_negated_concept_is_excluded_and_counts_against_its_specialist(env):
    import_directory(
        env,
        [
            record("COINS", categories=["numismatics"], specialties=["Byzantine coins", "Byzantine gold solidi"]),
            record("SEALS", categories=["numismatics"], specialties=["Byzantine lead seals"]),
        ],
    )
    text = "It is not a coin but a Byzantine lead seal with a Greek inscription."
    assert "object_type:coin" in understand(text, embed=False).excluded_ids
    found = rank(env, title="Byzantine find", description=text)
    assert ids(found) == ["SEALS", "COINS"]
    assert any(r.startswith("specialises in what the request excludes") for r in found[1].reasons), found[1].reasons


def test_request_in_a_language_unknown_to_the_vocabulary_is_carried_by_dense_similarity(env):
    import_directory(
        env,
        [
            record("VENICE", categories=["fine_art"], specialties=["Venetian painting", "Settecento church paintings"]),
            record("COINS", categories=["numismatics"], specialties=["Roman Imperial coins"], languages=["en", "id"]),
            record("FOSSIL", categories=["palaeontology"], specialties=["dinosaur fossils"]),
            record("TEXTILE", categories=["ethnography"], specialties=["Indonesian batik textiles"]),
            record("ARMS", categories=["arms_armour"], specialties=["medieval swords"]),
        ],
    )
    # Indonesian: "An old oil painting from a Venetian church, eighteenth century, found at the port."
    text = "Lukisan minyak tua dari gereja Venesia, abad kedelapan belas, ditemukan di pelabuhan."
    u = understand(text)
    assert not u.concepts and not u.categories  # the vocabulary understands nothing of it
    assert u.vector is not None
    found = rank(env, title="Lukisan gereja", description=text)
    assert ids(found)[0] == "VENICE"
    assert any(r.startswith("profile similar to the request") for r in found[0].reasons), found[0].reasons


def test_without_vectors_the_same_request_still_routes(env, monkeypatch):
    """Experts without a vector get no dense evidence, never an error."""
    import_directory(
        env,
        [
            record("VENICE", categories=["fine_art"], specialties=["Venetian painting"]),
            record("COINS", categories=["numismatics"], specialties=["Roman Imperial coins"]),
        ],
    )

    async def no_vectors(session, expert_ids):
        return {}

    monkeypatch.setattr("expertnet.matching.vectors.vectors_for", no_vectors)
    found = rank(env, title="Lukisan gereja", description="Lukisan minyak tua dari gereja Venesia.")
    assert sorted(ids(found)) == ["COINS", "VENICE"]
    assert all(0 <= c.score <= 1 for c in found)


def test_infer_category_comes_from_the_understanding():
    assert routing.infer_category("Сребрни римски новчићи, денари") == "numismatics"
    assert routing.infer_category("") is None
