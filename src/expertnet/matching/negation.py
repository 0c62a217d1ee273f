"""Which concepts a text explicitly excludes: "not an icon but its silver cover", "без оклада",
"keine Münzen", "Roma sikkesi değil", "kapaksız", "ليست أيقونة", "不是罗马硬币".

Officials write what an object is *not* as often as what it is, and the not-thing must not pull the
request towards its specialist (the routing tuning set's Q-03, an icon "без оклада" = without its
cover, is the known case). Two steps:

1. :func:`scopes` finds negation cues and the words they govern, from word lists per language
   (native script; compared case-folded and without diacritics, so "degil", "vec" and "fara" work
   too). Cue kinds:

   * ``not`` -- a negator before what it negates: not, no, nicht, kein*, pas, non, no, не, нет, ne,
     nije, nu, nem, jo, nuk, δεν, ليس, نه, 不是 ... The scope runs to the next contrast word (but,
     mais, aber, sondern, но, а, ali, već, ama, ma, sino, pero, بل, بلکه, 而是 ...), phrase
     punctuation or another cue, at most ``MAX_SCOPE`` words.
   * ``without`` -- an absence preposition: without, sans, ohne, senza, sin, sem, без, bez, fără,
     pa, χωρίς, بدون, بلا, بی, 没有 ... A shorter scope (``MAX_WITHOUT_SCOPE``): the noun phrase.
   * ``except`` -- except, other than, instead of, rather than, sauf, au lieu de, statt, tranne,
     invece di, excepto, en lugar de, за исключением, вместо, umesto, باستثناء, 而不是 ... Words
     that also mean "besides" (кроме, osim, außer, apart from, oprócz) are left out: "кроме монет
     изъяты иконы" names coins.
   * ``after`` -- a negator *after* what it negates, as Turkic, Persian, Japanese and Korean put it:
     "ikona değil", "kapağı yok", "bu sikke emes", "این سکه نیست", "keret nélkül", "ოკლადის
     გარეშე", "硬貨ではない". The scope is the words before it, back to the previous contrast
     word, punctuation or cue, at most ``MAX_WITHOUT_SCOPE``.
   * ``suffix`` -- the Turkic privative suffix (-sız/-siz/-suz/-süz, -сыз/-сіз, -syz): "kapaksız"
     (without a cover). The scope is the word's stem.

   * ``ties`` -- what a cue negates is the expert's market ties ("without ties to dealers", "без
     связей с рынком", "sin vínculos comerciales", "ohne Verbindungen zum Münzhandel"): a
     requirement on the expert, not a description of the object. It negates no concept; the
     understanding step takes its words out of the object's description (so "Münzhandel" does
     not make the request about coins) and reports that the official asks for an independent
     expert.

   A cue is dropped when the next word is a hedge or a comparison ("not sure", "не ясно", "nicht
   ausgeschlossen", "no later than", "not only"), and when its scope holds a question particle
   ("не из раскопок ли" = whether it is from excavations).

2. :func:`negations` keeps the scopes whose first words (``HEAD_WORDS``, after articles) name a
   vocabulary concept, and gives the concepts named in each scope. Concepts of the skill facet and
   of the skill categories (provenance, authentication, legal, customs, online markets, financial,
   conservation) are never excluded: "not authentic", "without documents", "no export licence",
   "bez dozvole" describe the case, and the case is exactly what such an expert is for.

The query-understanding step removes each kept scope from the text before it reads the positive
concepts, and excludes a negated concept only when the rest of the text does not name it too
("не римская монета, а византийская": coin stays, roman is excluded).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from expertnet.matching.vocabulary import SKILL_CATEGORIES, ConceptHit, Vocabulary

__all__ = ["ABSENCE_FACETS", "Negation", "Scope", "analyse", "is_excludable", "negations", "scopes", "word_spans"]

MAX_SCOPE = 6  # words a "not" cue governs at most
MAX_WITHOUT_SCOPE = 4  # words a "without"/"except"/postposed cue governs at most
HEAD_WORDS = 3  # the negated concept must start within this many words of the cue (articles skipped)


@lru_cache(maxsize=65536)
def _norm(word: str) -> str:
    """Case-folded, diacritics dropped (Latin, Greek, Cyrillic breves), dotless i as i."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    out = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return out.replace("ı", "i").replace("’", "'").replace("ʼ", "'")


# Words are runs of letters, digits and combining marks (Arabic vowel points, Indic matras), with
# inner apostrophes ("isn't", "n'est", "yo'q"); each Chinese, Japanese, Thai or Khmer character is a
# word of its own, as these scripts are written without spaces. The Persian zero-width non-joiner
# separates words ("بی‌قاب" = without + frame).
_UNSPACED_CHARS = ("\u0e00-\u0e7f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
                   "\uf900-\ufaff\uff66-\uff9f")
_MARKS = "\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0900-\u0dff"
_LETTER = f"[^\\W_{_UNSPACED_CHARS}]|[{_MARKS}]"
_WORD = re.compile(f"[{_UNSPACED_CHARS}]|(?:{_LETTER})+(?:['’ʼ](?:{_LETTER})+)*")
# Phrase punctuation ends a scope (a hyphen only when spaced: "red-figure" is one phrase).
_BREAK = re.compile(r"[.;:!?,()\[\]{}\"«»„“”|•·\n\r\t،؛؟。，、；：！？]|\s[-–—]\s|[–—]")


def _lst(*groups: str) -> frozenset[str]:
    return frozenset(_norm(w) for g in groups for w in g.split())


# One- and two-letter cues as written (case-folded, diacritics kept): see _match_phrase.
_SHORT_FORMS: dict[str, set[str]] = {}


_Phrases = dict[str, tuple[tuple[str, ...], ...]]  # first word -> phrases starting with it, longest first


def _phrases(*groups: str) -> _Phrases:
    """Multi-word cues, "|"-separated; unspaced scripts are split into characters."""
    out: dict[str, set[tuple[str, ...]]] = {}
    for group in groups:
        for phrase in group.split("|"):
            words = tuple(_WORD.findall(phrase.strip()))
            if words:
                normed = tuple(_norm(w) for w in words)
                out.setdefault(normed[0], set()).add(normed)
                if len(words) == 1 and len(normed[0]) <= 2:
                    _SHORT_FORMS.setdefault(normed[0], set()).add(words[0].casefold())
    return {first: tuple(sorted(found, key=len, reverse=True)) for first, found in out.items()}


# --- cues -------------------------------------------------------------------------------------

_NOT = _phrases(
    # English, French, German, Italian, Spanish, Portuguese
    "not|no|isn't|aren't|wasn't|weren't|none|neither|nor|never",
    "pas|non|ni|aucun|aucune|ne pas",
    "nicht|kein|keine|keinen|keinem|keiner|keines|weder",
    "non|nessun|nessuno|nessuna|né",
    "no|ningún|ninguna|ninguno|ni",
    "não|nenhum|nenhuma|nem",
    # Russian, Ukrainian, Belarusian, Serbian/Croatian/Bosnian (both scripts), Bulgarian, Macedonian
    "не|нет|ни|ничего",
    "не|немає|ні",
    "не|няма|ні",
    "ne|nije|nisu|nema|niti|није|нису|нема|нити",
    "не|няма|нито",
    "не|нема|ниту",
    # Slovenian, Polish, Czech, Slovak, Romanian, Albanian, Greek, Hungarian
    "ni|niso|ne",
    "nie|żaden|żadna|żadne|ani",
    "ne|není|nejsou|žádný|žádná|žádné",
    "nie|nie je|nie sú|žiadny|žiadna|žiadne",
    "nu|nici|niciun|nicio",
    "nuk|jo|s'është|nuk është|asnjë",
    "δεν|όχι|ούτε|κανένα|καμία",
    "nem|nincs|nincsenek|sem|egyik sem",
    # Baltic, Finnic, Scandinavian, Dutch, Irish, Maltese
    "ne|nėra|nav|ei|mitte|ei ole",
    "inte|ej|ingen|inget|inga|ikke|ikkje|intet|ekki|enginn|engin|ekkert",
    "niet|geen|noch",
    "ní|níl",
    "mhux|ebda",
    # Georgian, Armenian, Tajik, Hebrew, Arabic, Persian, Pashto, Urdu
    "არ|არა|ვერ|არც",
    "ոչ|չի",
    "нест",
    "לא|אין|אינו|אינה|אינם",
    "ليس|ليست|ليسوا|لا|لم|غير|ليسا",
    "نه|نمی",
    "نه|نده",
    "نہیں|نہ",
    # Chinese, Thai, Khmer
    "不是|并非|并不是|非|不含|不带|无",
    "ไม่ใช่|ไม่",
    "មិនមែន|មិន",
)
_WITHOUT = _phrases(
    "without|free of|lacking",
    "sans|dépourvu de|dépourvue de",
    "ohne",
    "senza|privo di|priva di",
    "sin|carente de",
    "sem",
    "без|безо",
    "bez|brez",
    "fără|fara",
    "pa",
    "χωρίς|δίχως",
    "bez|ilma|ilman|utan|uten|uden|án|zonder|gan|mingħajr",
    "առանց",
    "בלי|ללא",
    "بدون|بلا|دون|من غير|من دون",
    "بی|بدون|بې|بغیر|بنا",
    "бе|бидуни",
    "没有|没|沒有|無|不带|不帶",
    "ไม่มี|โดยไม่มี",
    "គ្មាន|ដោយគ្មាន",
)
_EXCEPT = _phrases(
    "except|except for|excluding|other than|instead of|rather than|not including",
    "sauf|excepté|hormis|à l'exception de|au lieu de|à la place de|plutôt que",
    "statt|anstatt|anstelle|anstelle von|ausgenommen|mit ausnahme von",
    "tranne|eccetto|salvo|ad eccezione di|invece di|invece che|anziché|piuttosto che",
    "excepto|salvo|a excepción de|con excepción de|en lugar de|en vez de|más bien que",
    "exceto|excepto|com exceção de|em vez de|ao invés de|em lugar de",
    "за исключением|вместо|исключая",
    "за винятком|замість|крім",
    "izuzev|umesto|umjesto|уместо|изузев|с изузетком",
    "с изключение на|вместо",
    "cu excepția|cu excepţia|în loc de|in loc de",
    "përveç|në vend të",
    "εκτός από|αντί για|αντί",
    "zamiast|z wyjątkiem|poza",
    "kromě|místo|s výjimkou",
    "kivéve",
    "behalve|in plaats van",
    "utom|i stället för|istället för|i stedet for|undtagen",
    "باستثناء|ما عدا|عدا|سوى|بدلا من|بدلاً من",
    "به جز|بجز|جز|به جای|بجای",
    "而不是|除外|以外|不包括",
)
_AFTER = _phrases(
    # Turkish, Azerbaijani, Kazakh, Uzbek, Kyrgyz, Turkmen, Mongolian
    "değil|değildir|değiller|yok|yoktur|hariç|dışında|yerine|olmadan",
    "deyil|deyildir|yox|yoxdur",
    "емес|жоқ|emes|joq",
    "emas|yo'q|эмас|йўқ",
    "эмес|жок",
    "däl|ýok",
    "биш|үгүй|байхгүй",
    # Persian, Urdu, Hungarian, Georgian, Armenian postpositions
    "نیست|نیستند|نبود",
    "نہیں ہے|نہیں",
    "nélkül|helyett|kivételével",
    "გარეშე|ნაცვლად",
    "չէ|չեն",
    # Japanese, Korean
    "ではない|ではなく|じゃない|じゃなく|でない|なし|無し|以外",
    "아닌|아니라|아니다|아님|아니고|없는|없이|없음|말고|제외",
)
_CONTRAST = _lst(
    "but rather instead though however whereas only just merely except",
    "mais plutôt seulement uniquement cependant toutefois",
    "aber sondern nur jedoch doch vielmehr lediglich",
    "ma bensì però invece solo soltanto piuttosto",
    "pero sino solo sólo solamente únicamente",
    "mas porém senão apenas só somente",
    "но а зато только лишь однако",
    "але а проте лише тільки зате",
    "але а толькі",
    "ali već nego samo али већ него само",
    "но а ами само",
    "но а туку само",
    "ampak temveč samo",
    "ale lecz tylko jedynie",
    "ale nýbrž jen pouze len",
    "dar doar numai",
    "por vetëm veç",
    "αλλά μόνο παρά",
    "hanem csak",
    "bet tik bet tikai taču aga vaid ainult vaan mutta vain",
    "men bara kun endast heldur aðeins",
    "maar doch alleen slechts",
    "ach iżda imma biss",
    "ama fakat ancak lakin bilakis sadece yalnızca yalnız",
    "amma lakin ancaq sadəcə",
    "бірақ тек lekin ammo faqat балки бирок гана emma ýöne diňe",
    "гэвч харин зөвхөн",
    "მაგრამ არამედ მხოლოდ",
    "բայց այլ միայն",
    "аммо балки фақат",
    "אבל אלא רק",
    "لكن لكنه لكنها بل إنما وإنما فقط",
    "اما بلکه فقط ولی",
    "لیکن بلکہ صرف مگر",
    "خو بلکې یوازې",
)
_CONTRAST_PHRASES = _phrases("但|但是|而是|只是|只有|仅|而|却", "แต่|แต่เป็น", "ប៉ុន្តែ|តែ", "しかし|でも|だけ")

# A cue followed by one of these is not about the object: "not sure", "не ясно", "no later than",
# "not only", "nicht ausgeschlossen", "non è chiaro".
_HEDGES = _lst(
    "sure certain clear known yet always necessarily only just more less later earlier before "
    "after least exactly quite entirely excluded ruled possible likely idea doubt longer",
    "sûr sûre certain certaine clair connu encore seulement plus moins exclu possible toujours",
    "sicher klar bekannt nur mehr weniger später früher ausgeschlossen möglich immer",
    "sicuro sicura certo chiaro noto ancora solo più meno escluso possibile sempre",
    "seguro segura cierto claro conocido todavía aún solo sólo más menos excluido posible siempre",
    "certo claro conhecido ainda apenas mais menos possível",
    "ясно известно понятно уверен уверены знаем знаю только более менее позднее ранее раньше "
    "исключено исключается удалось можем может смогли",
    "відомо зрозуміло впевнені знаємо лише тільки більше менше пізніше виключено",
    "jasno poznato sigurni sigurno znamo samo više manje kasnije isključeno јасно познато сигурни знамо "
    "само више мање искључено",
    "ясно известно сигурни знаем само повече по-малко",
    "sigur clar cunoscut doar mai știm exclus",
    "sigurt qartë dihet vetëm",
    "σίγουρο σαφές γνωστό μόνο περισσότερο λιγότερο",
    "biztos világos ismert csak több kevesebb",
    "pewne jasne wiadomo tylko więcej mniej",
    "emin belli belirli bilinmiyor sadece daha",
    "فقط معروف واضح",
    "確定 确定 清楚 知道 只",
)
# What a cue negates when it is about the expert, not the object: "without ties to the market".
_TIES = _lst(
    "ties tie links link connections connection relations relationship affiliation affiliations "
    "interest interests conflict commercial dealer dealers",
    "lien liens relation relations attache attaches intérêt intérêts",
    "verbindung verbindungen bindung bindungen beziehung beziehungen verflechtung interessenkonflikt",
    "legami legame rapporti rapporto relazione relazioni interessi conflitto",
    "vínculo vínculos vinculación relación relaciones lazos conflicto",
    "vínculo vínculos ligação ligações relação relações",
    "связей связи связью связь отношения отношений аффилированности конфликта интересов",
    "зв'язків зв'язку зв'язки відносин",
    "veze veza vezu povezanosti veza sukoba веза везе везу повезаности сукоба",
    "връзки връзка",
    "legături legătură relații",
    "lidhje lidhjesh",
    "σχέσεις σχέση δεσμούς",
    "powiązań powiązania związków",
    "vazby vazeb",
    "kapcsolat kapcsolatok",
    "bağlantı bağlantısı bağlantısız bağı ilişkisi ilişki",
    "ارتباط علاقة علاقات صلة",
    "关系 關係 联系",
)
_QUESTION = _lst("ли li")
_CONTRAST_AFTER_NOT = _lst("utan uten uden")
# Negators that also close a phrase after what they negate ("оклада нет", "okvira nema").
_BOTH_WAYS = _lst("нет немає няма нема nema nincs nincsenek nav نہیں")
# A Chinese attribute particle closes what an absence cue governs: "没有包装的青铜器" is a bronze
# vessel without packaging.
_WITHOUT_END = frozenset({"的"})

# Articles, determiners and possessives skipped before the negated noun phrase's head.
_DETERMINERS = _lst(
    "a an the any this that these those its it's his her their our your one single such kind type sort of",
    "un une le la les l' de des du d' ce cet cette ces son sa ses leur leurs notre votre",
    "ein eine einen einem einer eines der die das den dem des dieser diese dieses sein seine ihr ihre",
    "un uno una il lo gli i le l' di del della dei degli delle questo questa suo sua",
    "un una unos unas el los las del de este esta su sus",
    "um uma o os as do da dos das de este esta seu sua",
    "это этот эта эти это его её их такой такая такие из из-за был была было были является",
    "це цей ця ці його її їх",
    "je su bio bila bilo to taj ta od iz је су био била било то тај та од из",
    "е са това този тази от",
    "e се тоа овој оваа од",
    "este sunt un o al a ale lui ei de",
    "është janë një i e të së",
    "είναι ένα μία μια το ο η τα του της",
    "egy az a",
    "jest są to ten ta z",
    "bir bu şu o",
    "هذا هذه ذلك تلك هو هي من",
    "این آن یک از",
    "一 个 個 这 這 那 是 的 种 種 枚 件",
)
_TURKIC_PRIVATIVE = ("siz", "suz", "syz", "сыз", "сіз", "сиз", "суз", "сүз")
_TURKIC_MIN_STEM = 3
_SUFFIX_CONTEXT = 2  # words before a privative word that may belong to its term


@dataclass(frozen=True)
class Scope:
    """A negation cue and the words it governs, as character offsets into the text."""

    cue: str  # the cue as written
    kind: str  # "not" | "without" | "except" | "after" | "suffix" | "ties"
    start: int  # start of the governed words
    end: int  # end of the governed words
    cue_start: int  # start of the cue
    cue_end: int  # end of the cue
    head_end: int  # end of the head (the first HEAD_WORDS governed words, articles skipped); for a
    # postposed cue the head is the last words before it, and this is where it starts

    @property
    def span(self) -> tuple[int, int]:
        """The characters to drop from the text: the cue and what it governs."""
        return min(self.start, self.cue_start), max(self.end, self.cue_end)


@dataclass(frozen=True)
class Negation:
    scope: Scope
    text: str  # the governed words
    concepts: tuple[ConceptHit, ...]  # excludable concepts named in them (direct mentions)
    drop: tuple[int, int]  # the characters that say it: the cue and the fewest governed words naming those concepts


@dataclass(frozen=True)
class _Word:
    text: str
    norm: str
    start: int
    end: int
    segment: int  # index of the phrase (between punctuation) the word is in


def word_spans(text: str) -> list[tuple[str, int, int]]:
    """The words of a text as (word, start, end), split as negation cues are looked for."""
    return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


def _words(text: str) -> list[_Word]:
    out: list[_Word] = []
    breaks = [m.start() for m in _BREAK.finditer(text)]
    b = 0
    segment = 0
    for m in _WORD.finditer(text):
        while b < len(breaks) and breaks[b] < m.start():
            b += 1
            segment += 1
        out.append(_Word(m.group(), _norm(m.group()), m.start(), m.end(), segment))
    return out


def _match_phrase(words: list[_Word], i: int, phrases: _Phrases) -> int:
    """Length in words of the longest phrase starting at word i (0 if none); never across a break.
    A cue of one or two letters must be written as listed, diacritics included: Hungarian "jó"
    (good) is not Albanian "jo" (no), English "an" is not Icelandic "án" (without)."""
    for phrase in phrases.get(words[i].norm, ()):
        n = len(phrase)
        if i + n <= len(words) and all(words[i + k].norm == phrase[k] for k in range(1, n)) \
                and words[i].segment == words[i + n - 1].segment:
            if n == 1 and len(phrase[0]) <= 2 and words[i].text.casefold() not in _SHORT_FORMS.get(phrase[0], ()):
                continue
            return n
    return 0


def _is_contrast(words: list[_Word], i: int) -> bool:
    return words[i].norm in _CONTRAST or _match_phrase(words, i, _CONTRAST_PHRASES) > 0


def _cue_at(words: list[_Word], i: int) -> tuple[str, int]:
    """(kind, length) of a cue starting at word i, or ("", 0). Longer cues win ("not including"
    over "not", "من غير" over "غير")."""
    best = ("", 0)
    for kind, phrases in (("except", _EXCEPT), ("without", _WITHOUT), ("not", _NOT), ("after", _AFTER)):
        n = _match_phrase(words, i, phrases)
        if n > best[1]:
            best = (kind, n)
    return best


def scopes(text: str) -> list[Scope]:
    """Every negation cue in the text with the words it governs (before the vocabulary check)."""
    words = _words(text)
    n = len(words)
    cues: list[tuple[int, int, str]] = []  # (first word, length, kind)
    i = 0
    while i < n:
        kind, length = _cue_at(words, i)
        if length:
            cues.append((i, length, kind))
            i += length
        else:
            i += 1
    # Scandinavian "inte X utan Y" = "not X but Y": after a negator in the same phrase, "utan"
    # (otherwise "without") is the contrast word
    kept = []
    for k, (start, length, kind) in enumerate(cues):
        if (kind == "without" and words[start].norm in _CONTRAST_AFTER_NOT and k > 0
                and cues[k - 1][2] == "not" and words[cues[k - 1][0]].segment == words[start].segment):
            continue
        kept.append((start, length, kind))
    cues = kept
    cue_words = {j for start, length, _ in cues for j in range(start, start + length)}
    cue_words |= {j for j, w in enumerate(words) if w.norm in _CONTRAST_AFTER_NOT and j not in cue_words}
    out: list[Scope] = []
    for start, length, kind in cues:
        first, last = words[start], words[start + length - 1]
        cue = text[first.start:last.end]
        if kind == "after":
            span = _before(words, start, cue_words)
        else:
            span = _after(words, start + length, cue_words, MAX_SCOPE if kind == "not" else MAX_WITHOUT_SCOPE)
            if kind == "without":
                cut = next((k for k, w in enumerate(span) if w.text in _WITHOUT_END), len(span))
                span = span[:cut]
            if not span and first.norm in _BOTH_WAYS:  # "оклада нет." — the cue closes its phrase
                kind, span = "after", _before(words, start, cue_words)
        if not span:
            continue
        if kind != "after" and (span[0].norm in _HEDGES or span[0].norm.isdigit()):
            continue
        if any(w.norm in _QUESTION for w in span):
            continue
        if any(w.norm in _TIES for w in span[:2]):  # "без связей с рынком": about the expert
            ties = _after(words, start + length, cue_words, MAX_WITHOUT_SCOPE) if kind != "after" else span
            if ties:
                out.append(Scope(cue, "ties", ties[0].start, ties[-1].end, first.start, last.end, ties[-1].end))
            continue
        head = _head(span, from_end=kind == "after")
        out.append(Scope(cue, kind, span[0].start, span[-1].end, first.start, last.end,
                         head[0].start if kind == "after" else head[-1].end))
    for k, w in enumerate(words):  # the Turkic privative suffix: "kapaksız", "ikon kaplamasız"
        if k in cue_words:
            continue
        for suffix in _TURKIC_PRIVATIVE:
            if w.norm.endswith(suffix) and len(w.norm) - len(suffix) >= _TURKIC_MIN_STEM:
                stem_end = w.end - len(suffix)
                before = _before(words, k, cue_words)[-(_SUFFIX_CONTEXT):]
                start = before[0].start if before else w.start
                # head_end marks where the stem's word starts: the words before it only complete a
                # term ("ikon kaplama*"), a concept they name on their own is not negated
                out.append(Scope(w.text[-len(suffix):], "suffix", start, stem_end, stem_end, w.end, w.start))
                break
    out.sort(key=lambda s: s.cue_start)
    return out


_CJK = re.compile("[\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
_THAI_KHMER = re.compile("[\u0e00-\u0e7f\u1780-\u17ff]")


def _size(word: _Word) -> float:
    """How much of a word a token is: a Chinese or Japanese character about half a word, a Thai or
    Khmer character (a letter) about a quarter."""
    if len(word.text) == 1:
        if _CJK.match(word.text):
            return 0.5
        if _THAI_KHMER.match(word.text):
            return 0.25
    return 1.0


def _after(words: list[_Word], j: int, cue_words: set[int], limit: int) -> list[_Word]:
    """The governed words after a cue: up to a contrast word, a break, another cue, or the limit."""
    if j >= len(words):
        return []
    segment = words[j - 1].segment if j > 0 else words[j].segment
    span: list[_Word] = []
    size = 0.0
    while j < len(words) and size < limit:
        w = words[j]
        if w.segment != segment or j in cue_words or _is_contrast(words, j):
            break
        span.append(w)
        size += _size(w)
        j += 1
    return span


def _before(words: list[_Word], j: int, cue_words: set[int]) -> list[_Word]:
    """The governed words before a postposed cue, back to a contrast word, a break or another cue."""
    segment = words[j].segment
    span: list[_Word] = []
    size = 0.0
    k = j - 1
    while k >= 0 and size < MAX_WITHOUT_SCOPE:
        w = words[k]
        if w.segment != segment or k in cue_words or _is_contrast(words, k):
            break
        span.insert(0, w)
        size += _size(w)
        k -= 1
    return span


def _head(span: list[_Word], *, from_end: bool) -> list[_Word]:
    """The first HEAD_WORDS words of a scope after articles (the last ones, for a postposed cue)."""
    seq = list(reversed(span)) if from_end else span
    k = 0
    while k < len(seq) - 1 and seq[k].norm in _DETERMINERS:
        k += 1
    head: list[_Word] = []
    size = 0.0
    for w in seq[k:]:
        if size >= HEAD_WORDS:
            break
        head.append(w)
        size += _size(w)
    head = head or seq[:1]
    return list(reversed(head)) if from_end else head


#: What an absence cue ("without", "-sız") can take away: a part or a material ("без оклада XVII
#: века" is a 17th-century icon without its cover, not an icon of another century).
ABSENCE_FACETS = frozenset({"object_type", "material"})


def is_excludable(hit: ConceptHit, kind: str = "not") -> bool:
    """Whether a negated mention of this concept may exclude it (see the module docstring)."""
    c = hit.concept
    if hit.inferred or c.facet == "skill":
        return False
    if kind in ("without", "suffix") and c.facet not in ABSENCE_FACETS:
        return False
    return not (c.facet == "category" and c.categories and c.categories[0] in SKILL_CATEGORIES)


def negations(text: str, vocab: Vocabulary) -> list[Negation]:
    """The scopes of the text that negate vocabulary concepts, each with those concepts.

    A scope counts when its head (the first words after the cue, or the last ones before a
    postposed cue) names an excludable concept; then every excludable concept the scope names is
    negated ("not a Roman silver coin": roman, silver, coin)."""
    return analyse(text, vocab)[0]


def analyse(text: str, vocab: Vocabulary) -> tuple[list[Negation], list[Scope]]:
    """:func:`negations`, and the scopes that ask for an expert without market ties."""
    out: list[Negation] = []
    ties: list[Scope] = []
    for scope in scopes(text):
        if scope.kind == "ties":
            ties.append(scope)
            continue
        if scope.kind == "suffix":
            own = {h.concept.id for h in _extract(vocab, text[scope.start:scope.head_end])}
            body = text[scope.start:scope.end]
            hits = tuple(h for h in _extract(vocab, body) if is_excludable(h, "suffix") and h.concept.id not in own)
            if hits:
                out.append(Negation(scope, body, hits, _drop(text, scope, hits, vocab)))
            continue
        if scope.kind == "after":
            head_text = text[scope.head_end:scope.end]
        else:
            head_text = text[scope.start:scope.head_end]
        if not any(is_excludable(h, scope.kind) for h in _extract(vocab, head_text)):
            continue
        body = text[scope.start:scope.end]
        hits = tuple(h for h in _extract(vocab, body) if is_excludable(h, scope.kind))
        if hits:
            out.append(Negation(scope, body, hits, _drop(text, scope, hits, vocab)))
    return out, ties


def _drop(text: str, scope: Scope, hits: tuple[ConceptHit, ...], vocab: Vocabulary) -> tuple[int, int]:
    """The cue and the fewest governed words (next to it) that still name every negated concept:
    in "без оклада XVII века" that is "без оклада", and the century stays part of the object."""
    want = {h.concept.id for h in hits}
    spans = [(a + scope.start, b + scope.start) for _w, a, b in word_spans(text[scope.start:scope.end])]
    from_end = scope.kind in ("after", "suffix")
    for k in range(1, len(spans) + 1):
        part = spans[-k:] if from_end else spans[:k]
        if want <= {h.concept.id for h in _extract(vocab, text[part[0][0]:part[-1][1]])}:
            if from_end:
                return part[0][0], scope.cue_end
            return scope.cue_start, part[-1][1]
    return scope.span


def _extract(vocab: Vocabulary, text: str) -> list[ConceptHit]:
    return _cached_extract(vocab, text) if len(text) <= 200 else vocab.extract(text)


@lru_cache(maxsize=8192)
def _cached_extract(vocab: Vocabulary, text: str) -> list[ConceptHit]:
    return vocab.extract(text)
