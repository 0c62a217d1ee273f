import pytest

from expertnet.core.text import fold, tokens


@pytest.mark.parametrize(
    "variants",
    [
        ["Петровић", "Petrović", "Petrovic"],
        ["Ђорђевић", "Đorđević", "Djordjevic"],
        ["Живковић", "Živković", "Zivkovic"],
        ["Џаковић", "Džaković", "Dzakovic"],
        ["Хорват", "Horvat"],
        ["İstanbul", "Istanbul", "istanbul"],
        ["Љубљана", "Ljubljana"],
    ],
)
def test_scripts_and_diacritics_fold_alike(variants):
    assert len({fold(v) for v in variants}) == 1, [fold(v) for v in variants]


def test_soft_and_hard_signs_do_not_split_words():
    assert tokens("фальшивка сребърни") == ["falsivka", "srebrni"]
    assert tokens("Roman-era coins, 14 pcs.") == ["roman", "era", "coins", "14", "pcs"]
