"""What the text reports as someone else's claim about the object, which it then contradicts:
"declared as 'decorative stones'", "Als Münzen angemeldet, es handelt sich aber um römische
Fibeln", "В декларации указано «предмет культа». На деле это золотой солид", "Δηλώθηκε ως
θρησκευτικό αντικείμενο, αλλά πρόκειται για τετράδραχμο", "'tablo' olarak beyan edilen".

Officials copy the declaration (and often the category of the form) and then write what the object
really is. The declared words are evidence of what the object is *not* known to be, so the
query-understanding step leaves them out of the positive text: they name no concept and weigh
nothing for the category, and the official's category, when only the declaration supports it, is
contested by what the rest of the text names. Unlike a negation, a claim excludes nothing (a
"declared as coins" request about denarii is still about coins).

Rules (cues per language below, compared case-folded and without diacritics, as the negation cues):

1. A *declaration cue* (declared, deklariert, angemeldet, déclaré, dichiarato, declarado,
   задекларирован, заявлен, декларисано, пријављено, декларирано, beyan, bildirilen, δηλώθηκε,
   صرح ...) makes its sentence a claim sentence. When a *contrast cue* follows in the same
   sentence (but, aber, mais, ma, pero, но, али, ama, αλλά, لكن ...) or a *reality cue* (actually,
   in fact, in Wirklichkeit, en réalité, in realtà, en realidad, на самом деле, на деле,
   насправді, всъщност, zapravo, aslında, στην πραγματικότητα, في الحقيقة ...), the claim runs from
   the start of the cue's clause to that cue. When the next sentence opens with a reality cue, the
   claim is the rest of the sentence. Otherwise the claim is what the cue's "as" governs ("declared
   as a modern souvenir", "als Münzen angemeldet", "'tablo' olarak beyan edilen") and any quoted words in the cue's clause.
2. Without a declaration cue, quoted words before a reality cue of the same sentence are a claim
   ("Задържани „монети“ – всъщност сребърен съд").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from expertnet.matching.negation_cues import _WORD, _norm

__all__ = ["Claim", "claims"]

MAX_AS_WORDS = 5  # words an "as" after a declaration cue governs at most
MAX_BEFORE_WORDS = 4  # words a postposed "as" (Turkish "olarak") governs at most
REALITY_OPENS_WITHIN = 2  # a reality cue among the first words of the next sentence


@dataclass(frozen=True)
class Claim:
    cue: str  # the declaration or reality cue as written
    start: int
    end: int  # character offsets of the words to leave out

    @property
    def span(self) -> tuple[int, int]:
        return self.start, self.end


def _stems(*groups: str) -> tuple[str, ...]:
    return tuple(sorted({_norm(w) for g in groups for w in g.split()}, key=len, reverse=True))


def _words(*groups: str) -> frozenset[str]:
    return frozenset(_norm(w) for g in groups for w in g.split())


def _multi(*groups: str) -> tuple[tuple[str, ...], ...]:
    out = {tuple(_norm(w) for w in _WORD.findall(p)) for g in groups for p in g.split("|") if p.strip()}
    return tuple(sorted(out, key=len, reverse=True))


# A word starting with one of these reports a declaration (customs form, manifest, invoice label).
_DECLARATION = _stems(
    "declar labelled labeled",  # en, fr (déclaré), es, pt, ro (declarat)
    "deklar angemeld zollanmeld",  # de (deklariert, angemeldet), pl, sq, tr (deklare), hr, bs
    "dichiar etichettat",  # it
    "деклар заявлен заявлено оформлен задеклар",  # ru, uk, bg, mk, sr (Cyrillic)
    "пријављ пријавен prijavlj prijavljen",  # sr, hr, mk
    "beyan bildiril",  # tr
    "δηλωθ δηλωμ δηλων δηλω",  # el
    "zgłoszon",  # pl
)
_COMBINING = re.compile("[\u0300-\u036f\u0483-\u0489\u064b-\u065f\u0670]")  # as _norm drops them
# Arabic: the root of "declared" inside a fused word ("صُرّح", "المصرح", "بالتصريح").
_DECLARATION_INSIDE = ("صرح",)

# "as" after a declaration cue ("declared as", "als Münzen angemeldet", "déclaré comme") ...
_AS = _words("as als comme come como как као kao като як ως jako ca drept")
# ... or before it, in Turkish and Azerbaijani ("tablo olarak beyan edilen").
_AS_POSTPOSED = _words("olarak diye kimi")

_CONTRAST = _words(
    "but however whereas mais cependant toutefois aber sondern jedoch doch ma però invece pero sino mas porém",
    "но однако але проте ali već nego али већ него ами туку ampak ale lecz dar por αλλά ama fakat lakin ancak",
    "amma لكن لكنه لكنها بل اما ولی",
)
_REALITY = _multi(
    "actually|in reality|in fact|in truth|really is",
    "en réalité|en fait|réellement",
    "in wirklichkeit|tatsächlich|eigentlich|in der tat",
    "in realtà|in effetti|effettivamente",
    "en realidad|de hecho|realmente|na verdade|na realidade",
    "на деле|на самом деле|в действительности|фактически|в реальности|по факту",
    "насправді|фактично|в дійсності|у дійсності",
    "всъщност|в действителност|всушност|у ствари|заправо|u stvari|zapravo|ustvari|u stvarnosti",
    "aslında|gerçekte|esasen|aslinda",
    "στην πραγματικότητα|στην ουσία|πράγματι",
    "في الحقيقة|في الواقع|حقيقة الأمر",
    "de fapt|în realitate|në fakt|në të vërtetë|w rzeczywistości|faktycznie|tak naprawdę",
)

_SENTENCE = re.compile(r"[.!?\n]+(?:\s|$)|[\n。！？؟]")
_CLAUSE = re.compile(r"[,;:()\[\]،؛，；：]|\s[-–—]\s|[–—]")
_QUOTED = re.compile(
    r"«[^«»\n]{1,60}»|„[^„“”\n]{1,60}[“”]|“[^“”\n]{1,60}”|\"[^\"\n]{1,60}\"|‹[^‹›\n]{1,60}›"
    r"|(?<![\w])['‘][^'‘’\n]{1,60}['’](?![\w])"
)


@dataclass(frozen=True)
class _W:
    text: str
    norm: str
    start: int
    end: int


_QUOTE_CHARS = frozenset("«„“\"‹'‘")


def _may_claim(text: str) -> bool:
    """A cheap test first: most texts hold no declaration cue and no quoted word at all."""
    folded = _COMBINING.sub("", unicodedata.normalize("NFKD", text.casefold())).replace("ı", "i")
    if any(stem in folded for stem in _DECLARATION) or any(root in folded for root in _DECLARATION_INSIDE):
        return True
    return not _QUOTE_CHARS.isdisjoint(text)


def _is_declaration(norm: str) -> bool:
    return norm.startswith(_DECLARATION) or any(root in norm for root in _DECLARATION_INSIDE)


def _reality_at(words: list[_W], i: int) -> int:
    """Length in words of a reality cue starting at word i (0 if none)."""
    for phrase in _REALITY:
        n = len(phrase)
        if i + n <= len(words) and all(words[i + k].norm == phrase[k] for k in range(n)):
            return n
    return 0


def _spans(pattern: re.Pattern, text: str, start: int, end: int) -> list[int]:
    return [start + m.start() for m in pattern.finditer(text[start:end])]


def claims(text: str) -> list[Claim]:
    """The claims of the text (see the module docstring), in text order."""
    if not text or not _may_claim(text):
        return []
    bounds = [0] + [m.end() for m in _SENTENCE.finditer(text)] + [len(text)]
    sentences = [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]
    words_of = [
        [_W(m.group(), _norm(m.group()), a + m.start(), a + m.end()) for m in _WORD.finditer(text[a:b])]
        for a, b in sentences
    ]
    out: list[Claim] = []
    for s, ((a, b), words) in enumerate(zip(sentences, words_of)):
        decl = next((i for i, w in enumerate(words) if _is_declaration(w.norm)), None)
        if decl is None:
            out.extend(_quoted_before_reality(text, a, b, words))
            continue
        cue = words[decl]
        clause_start = max([a] + [c + 1 for c in _spans(_CLAUSE, text, a, cue.start)])
        turn = None
        for i in range(decl + 1, len(words)):
            if words[i].norm in _CONTRAST or _reality_at(words, i):
                turn = words[i]
                break
        if turn is not None:
            out.append(Claim(cue.text, clause_start, turn.start))
            continue
        following = words_of[s + 1] if s + 1 < len(words_of) else []
        if any(_reality_at(following, i) for i in range(min(REALITY_OPENS_WITHIN, len(following)))):
            out.append(Claim(cue.text, clause_start, b))
            continue
        out.extend(_governed(text, words, decl, clause_start, b))
    return _merged(out)


def _governed(text: str, words: list[_W], decl: int, clause_start: int, end: int) -> list[Claim]:
    """What a declaration cue without a contrast governs: its "as" phrase and quoted words."""
    cue = words[decl]
    clause_end = min([end] + _spans(_CLAUSE, text, cue.end, end))
    found: list[Claim] = []
    after = [w for w in words[decl + 1 :] if w.start < clause_end]
    if after and after[0].norm in _AS:
        span = after[1 : 1 + MAX_AS_WORDS]
        if span:
            found.append(Claim(cue.text, after[0].start, span[-1].end))
    before = [w for w in words[:decl] if w.start >= clause_start]
    for k in range(len(before) - 1, max(-1, len(before) - 3), -1):  # "tablo olarak beyan edilen"
        if before[k].norm in _AS_POSTPOSED:
            span = before[max(0, k - MAX_BEFORE_WORDS) : k]
            if span:
                found.append(Claim(cue.text, span[0].start, before[k].end))
            break
    for k in range(len(before) - 2, max(-1, len(before) - 2 - MAX_BEFORE_WORDS), -1):  # "als Münzen angemeldet"
        if before[k].norm in _AS:
            found.append(Claim(cue.text, before[k].start, cue.end))
            break
    for m in _QUOTED.finditer(text, clause_start, clause_end):
        found.append(Claim(cue.text, m.start(), m.end()))
    return found


def _quoted_before_reality(text: str, a: int, b: int, words: list[_W]) -> list[Claim]:
    for i in range(len(words)):
        if _reality_at(words, i):
            cue = words[i]
            return [Claim(cue.text, m.start(), m.end()) for m in _QUOTED.finditer(text, a, cue.start)]
    return []


def _merged(found: list[Claim]) -> list[Claim]:
    found = sorted(found, key=lambda c: (c.start, -c.end))
    out: list[Claim] = []
    for c in found:
        if out and c.start < out[-1].end:
            if c.end > out[-1].end:
                out[-1] = Claim(out[-1].cue, out[-1].start, c.end)
            continue
        out.append(c)
    return out
