"""Term syntax (see :mod:`expertnet.matching.vocabulary`): parsing one term into folded words,
the variants with Hebrew and Arabic particles fused to them, and the function-word check."""

from __future__ import annotations

from dataclasses import dataclass, replace

from expertnet.matching.folding import _fold_tokens, _prep, _tokens
from expertnet.matching.stopwords import _STOP_SEQUENCES, _STOPWORDS

MIN_PREFIX = 4  # a word shorter than this (folded) matches whole tokens only


@dataclass(frozen=True)
class _Term:
    words: tuple[tuple[str, bool], ...]  # (folded word, prefix?) per token
    text: str  # the folded term, words joined by spaces
    concept_id: str  # "" for a blocking phrase
    is_word: bool  # a single whole word (not a stem): usable as a search-engine synonym
    consume: int  # tokens consumed by a match (trailing look-ahead words are checked, not consumed)


# Hebrew fuses the article and one-letter particles to the next word (ה "the", ו "and", ב "in",
# ל "to", מ "from", ש "that", כ "as"); Arabic does the same with و ب ل ف when there is no article
# (the article itself is dropped at folding). A term of these languages is also indexed with them,
# so "במטבעות" (in coins) meets "מטבעות" and "وعملات" meets "عملات".
_PROCLITICS = {
    "he": ("ה", "ו", "ב", "ל", "מ", "ש", "כ", "וה", "וב", "ול", "ומ", "וש", "שה", "מה", "שב", "של", "כש"),
    "ar": ("و", "ب", "ل", "ف"),
}


def _clitic_variants(lang: str, term: str) -> list[str]:
    prefixes = _PROCLITICS.get(lang)
    if not prefixes or term.startswith("ال"):
        return [term]
    first = _tokens(term.split()[0].rstrip("*="))
    if lang == "ar" and (not first or len(first[0]) < 4):  # "بحلي" is Urdu "بحالی", not "and jewellery"
        return [term]
    # ل before a word that begins with ل is written without the article's lam ("للوحات"), a form the
    # article rule already folds
    return [term, *(p + term for p in prefixes if not (p == "ل" and term.startswith("ل")))]


_CLITIC_FOLDED: dict[str, str] = {}


def _clitic_terms(lang: str, value: str, base: _Term) -> list[_Term]:
    """The terms of :func:`_clitic_variants` beyond the first, built from the parsed base term: a
    fused particle only lengthens the first word (both scripts fold letter by letter), which
    saves parsing each variant again at load time. The few Arabic terms for which the article rule
    could read the particle differently ("و" + "بال...") are parsed in full. Variants are matched
    but are not synonyms ("and coins" is not a word of its own)."""
    variants = _clitic_variants(lang, value)[1:]
    if not variants:
        return []
    head = value.split()[0]
    if lang == "ar" and value.startswith(("بال", "كال", "لل")) or not head[:1].isalpha():
        return [replace(_parse_term(v, base.concept_id, where=f"terms[{lang}]"), is_word=False) for v in variants]
    exact, stemmed, multi = head.endswith("="), head.endswith("*"), len(base.words) > 1
    first, rest = base.words[0][0], base.words[1:]
    out = []
    for variant in variants:
        particle = variant[: len(variant) - len(value)]
        folded = _CLITIC_FOLDED.get(particle)
        if folded is None:
            folded = _CLITIC_FOLDED[particle] = "".join(_tokens(particle))
        word = folded + first
        prefix = (len(word) >= MIN_PREFIX or (multi and stemmed and len(word) >= 2)) and not exact
        words = ((word, prefix), *rest)
        out.append(
            _Term(
                words=words,
                text=" ".join(w for w, _ in words),
                concept_id=base.concept_id,
                is_word=False,
                consume=base.consume,
            )
        )
    return out


def _parse_term(raw: str, concept_id: str, *, where: str) -> _Term:
    words: list[tuple[str, bool]] = []
    stem = False
    parts = raw.split()
    if not parts:
        raise ValueError(f"{concept_id}: empty term in {where}")
    consume = None
    multi = len(parts) > 1
    first = True
    for part in parts:
        if part.startswith(">"):
            if consume is None:
                if not words:
                    raise ValueError(f"{concept_id}: term {raw!r} in {where} starts with a look-ahead word")
                consume = len(words)
            part = part[1:]
        elif consume is not None:
            raise ValueError(f"{concept_id}: term {raw!r} in {where}: look-ahead words must come last")
        exact = part.endswith("=")
        stemmed = part.endswith("*")
        if stemmed or exact:
            stem = stem or part.endswith("*")
            part = part[:-1]
        prepped = _prep(part)
        toks = _fold_tokens(prepped) if part else []
        if not toks:
            raise ValueError(f"{concept_id}: term {raw!r} in {where} has no letters or digits")
        if first:
            multi = multi or len(toks) > 1
            # a synonym must be a word as the search engines fold it (core folding, without the
            # extra steps of _prep for Arabic, Hebrew, Georgian, Armenian and the unspaced scripts)
            engine_word = prepped == part or _fold_tokens(part) == toks
            first = False
        for tok in toks:
            # inside a multi-word term a word explicitly marked as a stem ("орд*" in "золот* орд*")
            # matches by prefix even when short: the other words of the term keep it specific
            long_enough = len(tok) >= MIN_PREFIX or (multi and stemmed and len(tok) >= 2)
            words.append((tok, long_enough and not exact))
    text = " ".join(w for w, _ in words)
    is_word = len(words) == 1 and not stem and engine_word
    return _Term(
        words=tuple(words),
        text=text,
        concept_id=concept_id,
        is_word=is_word,
        consume=consume if consume is not None else len(words),
    )


_STOPWORDS_BY_KEY: dict[str, tuple[str, ...]] = {}
for _stop in sorted(_STOPWORDS):
    _STOPWORDS_BY_KEY.setdefault(_stop[:MIN_PREFIX], ())
    _STOPWORDS_BY_KEY[_stop[:MIN_PREFIX]] += (_stop,)


def _check_stopwords(term: _Term, cid: str, original: str) -> None:
    if len(term.words) == 1:
        word, prefix = term.words[0]
        if prefix:
            hit = any(stop.startswith(word) for stop in _STOPWORDS_BY_KEY.get(word[:MIN_PREFIX], ()))
        else:
            hit = word in _STOPWORDS
        if hit or len(word) < 2:
            raise ValueError(f"{cid}: term {original!r} matches a function word")
    elif all(w in _STOPWORDS or len(w) < 2 for w, _ in term.words):
        raise ValueError(f"{cid}: term {original!r} is made of function words only")
    if tuple(w for w, _ in term.words) in _STOP_SEQUENCES:
        raise ValueError(f"{cid}: term {original!r} matches a function word")
