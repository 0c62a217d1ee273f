"""Routing rules, each on a directory built for the purpose (DESIGN.md "Routing: what the right
expert means"): every hard constraint holds even for the best text match, every ranking rule
decides a case, and requests with typos or in other languages and scripts still find the expert."""

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.consultations.routing_helpers import change_expert, ids, import_directory, member_id_of, rank, record

KHMER = dict(
    title="Bronze Buddha statue detained at the airport",
    description="Customs detained a bronze Buddha statue in Khmer style, Angkor period, declared as a decorative copy.",
    object_origin_country="KH",
)


def _khmer_directory(env, **best):
    """BEST is the perfect match for KHMER; OTHER a fine second, so exclusion is visible."""
    import_directory(
        env,
        [
            record(
                "BEST",
                categories=["archaeology", "religious_art"],
                specialties=["Khmer sculpture", "Angkorian bronzes"],
                coverage_countries=["KH", "TH"],
                **best,
            ),
            record(
                "OTHER",
                categories=["archaeology"],
                specialties=["Southeast Asian archaeology"],
                coverage_countries=["TH"],
            ),
        ],
    )


# --- hard constraints: the best text match is excluded when it breaks one ---------------------


def test_best_match_wins_when_eligible(env):
    _khmer_directory(env)
    found = rank(env, **KHMER)
    assert ids(found) == ["BEST", "OTHER"]


@pytest.mark.parametrize(
    "best, reason",
    [
        (dict(vetting_status="pending"), "vetting pending"),
        (dict(vetting_status="suspended"), "vetting suspended"),
        (dict(available=False), "not available"),
        (dict(languages=["km", "fr"]), "no shared language"),
        (dict(max_open_consultations=0), "no capacity"),
    ],
)
def test_hard_constraint_from_the_profile(env, best, reason):
    _khmer_directory(env, **best)
    assert ids(rank(env, **KHMER)) == ["OTHER"], reason


def test_expired_vetting_excludes(env):
    _khmer_directory(env)
    change_expert(env, "BEST", member={"vetted_until": datetime.now(UTC) - timedelta(days=1)})
    assert ids(rank(env, **KHMER)) == ["OTHER"]


def test_away_excludes_until_the_date_passes(env):
    _khmer_directory(env)
    change_expert(env, "BEST", away_until=date.today() + timedelta(days=3))
    assert ids(rank(env, **KHMER)) == ["OTHER"]
    change_expert(env, "BEST", away_until=date.today() - timedelta(days=1))
    assert ids(rank(env, **KHMER))[0] == "BEST"


def test_capacity_counts_open_consultations(env):
    _khmer_directory(env, max_open_consultations=2)
    change_expert(env, "BEST", open_consultations=2)
    assert ids(rank(env, **KHMER)) == ["OTHER"]
    change_expert(env, "BEST", open_consultations=1)
    assert ids(rank(env, **KHMER)) == ["BEST", "OTHER"]


def test_capacity_is_checked_on_fresh_rows_even_if_the_index_is_stale(env):
    """The index said "has capacity"; the database says full: the database wins."""
    from sqlalchemy import update

    from expertnet.experts.models import Expert

    _khmer_directory(env)

    async def fill(session):
        await session.execute(update(Expert).where(Expert.external_id == "BEST").values(open_consultations=3))

    env.db_run(fill)  # no outbox event: the index still has the old count
    assert ids(rank(env, **KHMER)) == ["OTHER"]


def test_market_ties_excluded_on_request_and_ranked_lower_otherwise(env):
    import_directory(
        env,
        [
            record(
                "TIED",
                categories=["archaeology"],
                specialties=["Khmer sculpture"],
                market_ties=True,
                coverage_countries=["KH"],
            ),
            record("FREE", categories=["archaeology"], specialties=["Khmer sculpture"], coverage_countries=["KH"]),
        ],
    )
    assert ids(rank(env, exclude_market_ties=True, **KHMER)) == ["FREE"]
    found = rank(env, **KHMER)
    assert ids(found) == ["FREE", "TIED"]
    assert "declared market ties" in found[1].reasons


@pytest.mark.parametrize(
    "conflict",
    [
        "Border Police Directorate",
        "BORDER police directorate",
        "Uprava granične policije",
        "uprava granicne policije",
        "RS",
        "Serbia",
        "Србија",
        "Srbija",
        "Сербия",
    ],
)
def test_declared_conflict_with_requester_org_or_country(env, conflict):
    _khmer_directory(env)
    change_expert(env, "BEST", conflicts=[conflict])
    org = "Uprava granične policije" if "uprav" in conflict.lower() else "Border Police Directorate"
    assert ids(rank(env, requester_org=org, requester_country="RS", **KHMER)) == ["OTHER"], conflict
    # A conflict with someone else does not exclude.
    assert ids(rank(env, requester_org="Customs Administration", requester_country="HR", **KHMER))[0] == "BEST"


def test_never_the_requester_nor_an_expert_already_asked(env):
    expert_ids = import_directory(
        env,
        [
            record("BEST", categories=["archaeology"], specialties=["Khmer sculpture"]),
            record("OTHER", categories=["archaeology"], specialties=["Southeast Asian archaeology"]),
        ],
    )
    assert ids(rank(env, requester_id=member_id_of(env, "BEST"), **KHMER)) == ["OTHER"]
    assert ids(rank(env, exclude_expert_ids=[expert_ids["BEST"]], **KHMER)) == ["OTHER"]


# --- ranking rules ----------------------------------------------------------------------------


def test_category_comes_first(env):
    import_directory(
        env,
        [
            # Speaks the first language, covers both countries, names Roman coins - but is no numismatist.
            record(
                "ARCH",
                categories=["archaeology"],
                specialties=["Roman Imperial coinage finds"],
                languages=["sr", "en"],
                coverage_countries=["IT", "RS"],
            ),
            record("NUM", categories=["numismatics"], specialties=["Medieval coins"], languages=["en"]),
        ],
    )
    found = rank(
        env,
        category="numismatics",
        title="Coin",
        description="A silver Roman Imperial denarius of Trajan.",
        languages=["sr", "en"],
        object_origin_country="IT",
    )
    assert ids(found) == ["NUM", "ARCH"]
    assert "category: numismatics" in found[0].reasons


def test_specific_specialist_beats_generic_and_broader(env):
    import_directory(
        env,
        [
            record(
                "GENERIC",
                categories=["archaeology"],
                specialties=["Prehistoric and classical archaeology"],
                bio="Field archaeologist, thirty years of excavations.",
            ),
            record("REGION", categories=["archaeology"], specialties=["Southeast Asian art"]),
            record("KHMER", categories=["archaeology"], specialties=["Khmer sculpture"]),
        ],
    )
    found = rank(env, **KHMER)
    assert ids(found) == ["KHMER", "REGION", "GENERIC"]
    assert "specialty: Khmer sculpture" in found[0].reasons
    assert found[0].score > found[1].score > found[2].score


def test_specificity_beats_language(env):
    import_directory(
        env,
        [
            record("GENERIC_SR", categories=["archaeology"], specialties=["Archaeology"], languages=["sr", "en"]),
            record("KHMER_EN", categories=["archaeology"], specialties=["Khmer sculpture"], languages=["en"]),
        ],
    )
    assert ids(rank(env, languages=["sr", "en"], **KHMER)) == ["KHMER_EN", "GENERIC_SR"]


def test_first_language_beats_coverage(env):
    import_directory(
        env,
        [
            record(
                "COVERS",
                categories=["numismatics"],
                specialties=["Roman coins"],
                languages=["en"],
                coverage_countries=["IT", "RS"],
            ),
            record("SPEAKS", categories=["numismatics"], specialties=["Roman coins"], languages=["sr", "en"]),
        ],
    )
    found = rank(
        env,
        category="numismatics",
        title="Roman coin",
        description="A Roman coin.",
        languages=["sr", "en"],
        object_origin_country="IT",
    )
    assert ids(found) == ["SPEAKS", "COVERS"]
    assert "speaks sr" in found[0].reasons and "speaks en" in found[1].reasons


def test_coverage_decides_between_equals(env):
    import_directory(
        env,
        [
            record(
                "ELSEWHERE",
                categories=["numismatics"],
                specialties=["Roman coins"],
                country="DE",
                coverage_countries=["DE"],
            ),
            record(
                "ORIGIN",
                categories=["numismatics"],
                specialties=["Roman coins"],
                country="DE",
                coverage_countries=["IT"],
            ),
            record(
                "BOTH",
                categories=["numismatics"],
                specialties=["Roman coins"],
                country="DE",
                coverage_countries=["IT", "RS"],
            ),
        ],
    )
    found = rank(
        env,
        category="numismatics",
        title="Roman coin",
        description="A Roman coin.",
        object_origin_country="IT",
        location_country="RS",
    )
    assert ids(found) == ["BOTH", "ORIGIN", "ELSEWHERE"]
    assert "covers IT" in found[0].reasons and "covers RS" in found[0].reasons


def test_load_then_responsiveness_break_ties(env):
    import_directory(
        env,
        [
            record(name, categories=["numismatics"], specialties=["Roman coins"])
            for name in ("BUSY", "FREE", "SLOW", "QUICK")
        ],
    )
    change_expert(env, "BUSY", open_consultations=2)
    change_expert(env, "SLOW", offers_received=10, offers_answered=2)
    change_expert(env, "QUICK", offers_received=10, offers_answered=10)
    change_expert(env, "FREE", offers_received=10, offers_answered=6)
    found = rank(env, category="numismatics", title="Roman coin", description="A Roman coin.")
    assert ids(found) == ["QUICK", "FREE", "SLOW", "BUSY"]
    assert "load 2/3" in found[-1].reasons


def test_reasons_are_human_readable(env):
    import_directory(
        env,
        [
            record(
                "E-12",
                categories=["numismatics"],
                specialties=["Roman Imperial coinage"],
                languages=["sr", "en"],
                coverage_countries=["RS"],
            )
        ],
    )
    found = rank(
        env,
        category="numismatics",
        title="Denarius",
        description="Roman Imperial denarius",
        languages=["sr", "en"],
        location_country="RS",
    )
    assert found[0].reasons[:4] == [
        "category: numismatics",
        "specialty: Roman Imperial coinage",
        "speaks sr",
        "covers RS",
    ]
    assert 0 < found[0].score <= 1


# --- typos, languages, scripts --------------------------------------------------------------


def _multilingual_directory(env):
    import_directory(
        env,
        [
            record(
                "COINS_ROMAN",
                categories=["numismatics"],
                specialties=["Roman Imperial coinage", "Roman Republican denarii"],
                languages=["en", "sr", "ru", "fr", "de", "it", "es"],
            ),
            record(
                "COINS_OTTOMAN",
                categories=["numismatics"],
                specialties=["Ottoman and Islamic coins"],
                languages=["en", "sr", "ru", "fr", "de", "it", "es"],
            ),
            record(
                "ICONS",
                categories=["religious_art"],
                specialties=["Orthodox icons", "Post-Byzantine icon painting"],
                languages=["en", "sr", "ru", "fr", "de", "it", "es"],
            ),
            record(
                "BOOKS",
                categories=["manuscripts"],
                specialties=["Medieval manuscripts", "Early printed books"],
                languages=["en", "sr", "ru", "fr", "de", "it", "es"],
            ),
            record(
                "KHMER",
                categories=["archaeology", "religious_art"],
                specialties=["Khmer sculpture", "Buddhist bronzes"],
                languages=["en", "sr", "ru", "fr", "de", "it", "es"],
            ),
            record(
                "FOSSILS",
                categories=["palaeontology"],
                specialties=["Dinosaur fossils", "Meteorites"],
                languages=["en", "sr", "ru", "fr", "de", "it", "es"],
            ),
        ],
    )


@pytest.mark.parametrize(
    "lang, title, description, expected",
    [
        (
            "ru",
            "Изъятие монет",
            "На границе изъяты римские серебряные монеты (денарии) императора Траяна.",
            "COINS_ROMAN",
        ),
        (
            "sr",
            "Запленa новчића",
            "Гранична полиција је запленила римске сребрне новчиће из доба царства.",
            "COINS_ROMAN",
        ),
        (
            "sr",
            "Zaplena novčića",
            "Granična policija je zaplenila rimske srebrne novčiće iz doba carstva.",
            "COINS_ROMAN",
        ),
        (
            "fr",
            "Icône saisie",
            "La douane a saisi une icône orthodoxe peinte sur bois, probablement du XVIIe siècle.",
            "ICONS",
        ),
        (
            "de",
            "Ikone beschlagnahmt",
            "Der Zoll hat eine orthodoxe Ikone aus dem 17. Jahrhundert beschlagnahmt.",
            "ICONS",
        ),
        ("it", "Manoscritto sequestrato", "Sequestrato un manoscritto medievale su pergamena.", "BOOKS"),
        ("es", "Fósiles incautados", "La aduana incautó fósiles de dinosaurio en un contenedor.", "FOSSILS"),
        ("ru", "Статуя Будды", "Таможня задержала бронзовую статую Будды кхмерского стиля.", "KHMER"),
        ("tr", "Osmanlı sikkeleri", "Gümrükte Osmanlı gümüş sikkeleri ele geçirildi.", "COINS_OTTOMAN"),
    ],
)
def test_category_and_specialty_understood_in_other_languages(env, lang, title, description, expected):
    _multilingual_directory(env)
    found = rank(env, title=title, description=description, languages=[lang, "en"])
    assert found and found[0].external_id == expected, [(c.external_id, c.score, c.reasons) for c in found]


def test_requests_with_typos(env):
    _multilingual_directory(env)
    found = rank(env, title="Silver denarius of emperor Trajna", description="Romna Imperail coin found at the bordr.")
    assert found[0].external_id == "COINS_ROMAN", [(c.external_id, c.reasons) for c in found]
    found = rank(env, title="Orthodx icon", description="A paintd icon of Saint Nicholas, Post-Byzantin.")
    assert found[0].external_id == "ICONS", [(c.external_id, c.reasons) for c in found]


def test_typo_in_a_specialty_word_still_counts(env):
    import_directory(
        env,
        [
            record("A", categories=["numismatics"], specialties=["Celtic staters"]),
            record("B", categories=["numismatics"], specialties=["Venetian ducats"]),
        ],
    )
    found = rank(env, category="numismatics", title="Gold coin", description="A gold Celtc stater from a hoard.")
    assert ids(found)[0] == "A"
