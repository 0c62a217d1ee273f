"""The negation cues of :mod:`expertnet.matching.negation`, per language, in native script, and how
a text is split into the words they are compared with (case-folded, without diacritics)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


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
_UNSPACED_CHARS = (
    "\u0e00-\u0e7f\u1780-\u17ff\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
)
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
