"""Controlled multilingual vocabulary of cultural-goods concepts.

A request written in Russian, Serbian (Cyrillic or Latin), French, Turkish ... and an expert profile
written in English meet on the same *concepts* ("material:silver", "culture:roman_imperial",
"object_type:icon" ...). The vocabulary is data (``expertnet/matching/data/vocabulary.json``), in the spirit
of the Getty Art & Architecture Thesaurus: every concept has a facet, an English label, the
categories it points to, optional broader concepts and terms per language, written in their native
script. Everything is matched on folded text (:func:`expertnet.core.text.fold`), so Cyrillic, Greek
and accented Latin terms all become lower-case ASCII at load time.

Term syntax (one string per term; words separated by spaces):

* ``coin`` -- a word matches a text token when the folded token *starts with* the folded word and
  the folded word has at least 4 characters; shorter words match whole tokens only.
* ``монет*`` -- the same, and marks the term as a *stem* (not a word on its own): it is used for
  matching but never handed to the search engines as a synonym. Inside a multi-word term a short
  stem also matches by prefix ("золот* орд*" matches "Золотой Орды").
* ``mask=`` -- whole tokens only, whatever the length ("mask" must not match "маскировка").
* ``lead seal*`` -- several words match consecutive tokens, each by the rules above, never across
  phrase punctuation (; , : ! ? brackets, line breaks).
* ``roma >sikke*`` -- words after ``>`` are looked ahead but not consumed ("Roma sikkesi" gives
  Roman and also leaves "sikkesi" to match coin).

A concept may list ``exclude`` words (same syntax): a match whose tokens start with one of them is
dropped (``монет*`` matches "монеты" but not "монетарный"). A few *blocking phrases* (in this module)
are matched like terms and yield nothing, so that "en provenance de" (= coming from), "chemin de fer"
(railway), "faux passeport" or "Côte d'Ivoire" shadow the term inside them.

Serbian, Croatian, Bosnian, Montenegrin and Macedonian terms are written once, in either script;
the other script is derived at load time (Serbian Cyrillic "новчић" folds to "novchic", Latin
"novčić" to "novcic", so both are indexed).

Other scripts are folded the same way, with a few fixes described at ``_prep``: Chinese, Japanese,
Thai and Khmer, written without spaces, are matched character by character (a term of several
characters is a sequence of one-character tokens); the Arabic article is dropped at the start of a
word, and Hebrew and Arabic terms are also indexed with the one-letter particles fused to them
("במטבעות", "وعملات"); Arabic-script and Hebrew terms are whole words (``=``) unless marked as stems,
since their consonantal folding makes a short word the prefix of unrelated ones. Kazakh and Uzbek
terms are written in both their Latin and Cyrillic alphabets.

Period concepts with a ``century`` field are also recognised from numerals next to a century word
in any supported language ("XVII век", "17. Jahrhundert", "XVIIe siècle", "siglo XVII",
"17th-century", "secolul al XVII-lea", ranges such as "XVI–XVII вв." or "XIX i XX veka");
followed by a BC marker ("до н.э.", "av. J.-C.") they give period:antiquity instead.

Matching is a greedy longest match, left to right, over the tokens of the text. Candidate terms are
found through dicts keyed by the first word of each term (whole words, and prefixes looked up as
``tok[:2] .. tok``), memoised per distinct token, so the cost per token is about one dict look-up
and a few ``startswith`` checks, whatever the size of the vocabulary.

The load validates the file: unknown facet, category slug or broader id, broader cycles, empty
terms, a missing English term, or a term that would match a function word of one of the supported
languages raise ``ValueError`` naming the concept.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

from anyascii import anyascii

from expertnet.core.text import tokens

__all__ = ["Concept", "ConceptHit", "FACETS", "FACET_WEIGHTS", "Vocabulary", "get_vocabulary"]

FACETS: tuple[str, ...] = ("category", "culture", "period", "material", "object_type", "skill")

#: Evidence weight of one mentioned concept, by facet, when inferring a request's category.
#: A concept pointing to n categories gives each of them weight / n, times its own ``weight``
#: (default 1). One stretch of text is one piece of evidence: when several concepts match the same
#: words ("coin" is both category:numismatics and object_type:coin), a category gets the largest of
#: their contributions, not the sum.
FACET_WEIGHTS: dict[str, float] = {
    "category": 4.0,
    "object_type": 3.0,
    "skill": 2.0,
    "material": 1.2,
    "culture": 1.0,
    "period": 0.5,
}

#: Category concepts of the seven skill categories name the service asked for ("scientific analysis",
#: "money laundering", "how to pack"): when a request names one, that is what it is about, whatever
#: object it mentions, so they weigh more than an object class.
SKILL_CATEGORIES = frozenset({"provenance", "authentication", "legal", "customs", "online_markets",
                              "financial", "conservation"})
SKILL_CATEGORY_BOOST = 1.5

MIN_PREFIX = 4  # a word shorter than this (folded) matches whole tokens only
_MAX_SYNONYMS = 24  # per synonym key

# Soft and hard signs are dropped before folding (anyascii turns them into apostrophes, which split
# "фальшивка" into "fal" + "shivka" and Bulgarian "сребърни" into "sreb" + "rni"); apostrophes
# inside Cyrillic words (Ukrainian "п'ять", "обʼєкт") are dropped for the same reason.
_SIGNS = "ьъЬЪ"
_CYR_APOSTROPHE = re.compile(r"(?<=[\u0400-\u04ff])['’ʼ`](?=[\u0400-\u04ff])")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")

# Scripts beyond Latin, Cyrillic and Greek (folded by anyascii like the rest, with four fixes):
# * vowel points carry no letters of their own: Arabic harakat, tatweel and Hebrew niqqud are
#   dropped, so pointed and unpointed spellings fold alike; the Persian zero-width non-joiner
#   separates a suffix ("سکه‌ها" = coin + plural), so it becomes a space;
# * letters whose transliteration carries an apostrophe (Arabic and Hebrew ayin and hamza,
#   Georgian ejectives "t'", Armenian aspirates "k'") would split the word at it: ayin becomes "3"
#   (as in Arabic chat alphabets, so "عملات" and "ملت" stay apart), alef and the hamza seats become
#   vowels (anyascii drops alef), the others lose the apostrophe;
# * the Arabic article and the particles fused with it ("ال", "وال", "بال", "لل" ...) are dropped
#   from the start of a word, as a folded term and a folded text must agree on where a word begins;
# * Chinese, Japanese, Thai and Khmer are written without spaces: every character of these scripts
#   becomes a token of its own ("q" + 5 hex digits, so it can never meet a Latin word, a numeral or
#   a homophone), and a term of several characters is then matched as a sequence of tokens.
# Uzbek Latin writes o' and g' (oʻ, gʻ) as letters: an apostrophe after o or g and before a letter
# is dropped ("qo'lyozma" is one word); the modifier letters ʻ and ʼ are read as apostrophes.
_ARABIC_RANGES = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x08A0, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
_APOSTROPHE_SCRIPTS = _ARABIC_RANGES + ((0x0590, 0x05FF), (0x10A0, 0x10FF), (0x1C90, 0x1CBF), (0x0530, 0x058F))
_VOWEL_POINTS = [*range(0x064B, 0x0660), 0x0670, *range(0x06D6, 0x06DD), *range(0x06DF, 0x06E9),
                 *range(0x06EA, 0x06EE), *range(0x0591, 0x05BE), 0x05BF, 0x05C1, 0x05C2, 0x05C4,
                 0x05C5, 0x05C7, 0x0640, 0x200D, 0x200E, 0x200F]
_DROP = str.maketrans({**{ch: None for ch in _SIGNS}, **{cp: None for cp in _VOWEL_POINTS},
                       "\u200c": " ", "ʻ": "'", "ʼ": "'", "‘": "'"})


def _letter_fixes() -> dict[int, str]:
    table: dict[int, str] = {0x0639: "3", 0x05E2: "3"}  # ayin (Arabic script, Hebrew)
    # alef and the hamza seats are letters of their own in folded text: without them ختم (seal)
    # and خاتم (ring), or أصالة (authenticity) and سلاح (weapon), would fold alike
    table.update({0x0627: "a", 0x0623: "a", 0x0625: "i", 0x0671: "a", 0x0624: "w", 0x0626: "y", 0x0621: ""})
    for lo, hi in _APOSTROPHE_SCRIPTS:
        for cp in range(lo, hi + 1):
            if cp in table or cp in _VOWEL_POINTS:
                continue
            out = anyascii(chr(cp))
            if "'" in out or "`" in out:
                table[cp] = out.replace("'", "").replace("`", "")
    return table


_LETTER_FIX = str.maketrans(_letter_fixes())
_ARABIC_LETTER = re.compile("[\u0620-\u064a\u0671-\u06d3\u06fa-\u06ff]")
_ARABIC_ARTICLE = re.compile(
    "(?<![\\w\u0600-\u06ff])(?:[\u0648\u0641]?(?:[\u0628\u0643]?\u0627\u0644|\u0644\u0644))"
    "(?=[\u0620-\u064a\u0671-\u06d3\u06fa-\u06ff]{2})")
_OG_APOSTROPHE = re.compile(r"(?<=[oOgG])['’`](?=[^\W\d_])")
_UNSPACED = re.compile(
    "[\u0e00-\u0e7f\u1780-\u17ff\u19e0-\u19ff\u3041-\u30fa\u30fc-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f]")


# anything _prep does more than dropping signs for: the scripts above, ZWNJ/ZWJ/marks, apostrophes
_SPECIAL = re.compile(
    "[\u0530-\u058f\u0590-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
    "\u10a0-\u10ff\u1c90-\u1cbf\u200c-\u200f'’‘`ʻʼ]|" + _UNSPACED.pattern)


def _code_token(match: re.Match) -> str:
    return f" q{ord(match.group()):05x} "

# Languages written in both Cyrillic and Latin script with a one-to-one letter mapping.
_BISCRIPT = frozenset({"sr", "hr", "bs", "me", "cnr", "mk"})
_CYR_TO_LAT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "đ", "е": "e", "ж": "ž", "з": "z",
    "и": "i", "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m", "н": "n", "њ": "nj", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "ћ": "ć", "у": "u", "ф": "f", "х": "h", "ц": "c",
    "ч": "č", "џ": "dž", "ш": "š", "ѓ": "gj", "ќ": "kj", "ѕ": "dz", "ѐ": "e", "ѝ": "i",
}
_LAT_TO_CYR_DIGRAPHS = (("dž", "џ"), ("lj", "љ"), ("nj", "њ"), ("dj", "ђ"))
_LAT_TO_CYR = {
    "a": "а", "b": "б", "v": "в", "g": "г", "d": "д", "đ": "ђ", "e": "е", "ž": "ж", "z": "з",
    "i": "и", "j": "ј", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "r": "р",
    "s": "с", "t": "т", "ć": "ћ", "u": "у", "f": "ф", "h": "х", "c": "ц", "č": "ч", "š": "ш",
}

# Function words of the supported languages, native script (folded at import). No term may match
# one of them; this is checked when the vocabulary is loaded.
_STOPWORDS_NATIVE = {
    "en": "a an the and or nor but if then than so as of in on at to for from by with into onto "
          "over under after before between about against during without within is are was were "
          "be been being it its this that these those not no yes he she they we you i me my our "
          "your his her their them there here which who whom whose what when where why how all "
          "any some one two also very can will would could should may might must shall do does "
          "did done have has had up down out off again once only own same such both each few "
          "more most other another per via until while because although though whether",
    "fr": "le la les un une des du de d l et ou où mais donc or ni car que qui quoi dont ce cet "
          "cette ces son sa ses leur leurs nous vous ils elles il elle on je tu en dans par pour "
          "sur sous avec sans chez vers entre est sont été être avoir a ont au aux pas ne plus "
          "très tout tous toute toutes même aussi comme si y selon depuis pendant lors",
    "de": "der die das den dem des ein eine einer eines einem einen und oder aber doch nicht kein "
          "keine ist sind war waren sein haben hat hatte wird werden wurde wurden mit von zu zum "
          "zur im in an am auf aus bei nach vor über unter durch für gegen ohne um als wie wenn "
          "dass daß so auch noch nur schon sehr es er sie wir ihr ich du man sich dieser diese "
          "dieses jeder alle seit wegen während zwischen",
    "it": "il lo la i gli le un uno una di del della dei degli delle da dal dalla in nel nella "
          "con su sul sulla per tra fra e ed o ma non che chi cui come se anche più molto è sono "
          "era stato essere ha hanno questo questa quello quella al alla ai agli alle dopo prima "
          "durante senza verso presso",
    "es": "el la los las un una unos unas de del al y e o u ni pero que quien como cuando donde "
          "en con por para sin sobre entre desde hasta es son fue ser está están ha han no sí se "
          "su sus este esta estos estas ese esa muy más también durante según hacia",
    "ru": "и в во не что он на я с со как а то все она так его но да ты к у же вы за бы по "
          "только ее её мне было вот от меня еще ещё нет о об из ему когда даже ли если уже или "
          "ни быть был него до вас там потом себя ничего ей может они тут где есть надо ней для "
          "мы тебя их чем была сам без чего раз тоже себе под будет тогда кто этот того потому "
          "этого какой ним здесь этом один почти мой тем чтобы нее сейчас были куда можно при "
          "два другой после над больше тот через эти нас про всего них какая много три эту моя "
          "свою этой перед том такой им более всегда между также около",
    "uk": "і й та в у на з із зі до від по за що як це не але або чи ти він вона воно вони ми "
          "ви я його її їх був була було були є бути для при про під над між без через також "
          "вже ще так то цей ця ці той яка який які після перед",
    "sr": "и у на са с за од до је су да не се то као што али или а из по о при без кроз између "
          "после пре код ка ни ће би био била било ми ви они оне он она оно ја ти тај та те тог "
          "које који која шта где када јер већ још само сам сва све сви своје свој преко против",
    "hr": "i u na sa s za od do je su da ne se to kao što ali ili a iz po o pri bez kroz između "
          "nakon prije kod k ni će bi bio bila bilo mi vi oni on ona ono ja ti taj ta te koji "
          "koja koje što gdje kada jer već još samo sve svi svoj preko protiv",
    "bg": "и в във на с със за от до е са да не се то като че но или а из по при без през между "
          "след преди към ни ще би бил била било ние вие те той тя аз ти този тази тези който "
          "която което какво къде кога защото вече още само всички свой срещу",
    "mk": "и во на со за од до е се да не то како што но или а из по при без преку меѓу пред "
          "кон ни ќе би бил била било ние вие тие тој таа тоа јас ти овој оваа овие кој која "
          "кое каде кога зашто веќе уште само сите свој против",
    "tr": "ve ile bir bu şu o da de ki mi mu ama veya ya için gibi kadar daha en çok her hiç "
          "ne neden nasıl olarak olan oldu olduğu var yok değil ben sen biz siz onlar bunu şunu "
          "onu bunun onun ise ancak sonra önce göre",
    "sq": "dhe e të në me për nga që i u një është janë ishte nuk po se si ose por ky kjo këto "
          "ato ai ajo unë ti ne ju ata mbi nën pa deri tek te pas para",
    "ro": "și în la cu de pe din pentru că ce care un o unei unui este sunt a fost nu se sau "
          "dar ca mai foarte acest această aceste acel după până fără între",
    "el": "και το τα η ο οι του της των τον την σε στο στη στην με για από ως που ότι δεν να "
          "θα είναι ήταν ένα μια ή αλλά αυτό αυτή αυτά",
    "be": "і й у ў на з са да не што як гэта ад для па пры але ці або ён яна яно яны мы вы я "
          "яго яе іх быў была было былі ёсць пра пад над паміж без праз таксама ўжо яшчэ той "
          "тая гэты якая які якія пасля перад",
    "pl": "i w we z ze na do od po przez dla przy bez pod nad przed między o u a ale lub albo "
          "czy że się jest są był była było były być nie tak to ten ta te tego tej jak który "
          "która które jego jej ich oraz także też już jeszcze tylko bardzo",
    "cs": "a i v ve na do od po pro při bez pod nad před mezi o u s se z ze k ke ale nebo či "
          "že je jsou byl byla bylo byly být není ne to ten ta ty toho jak který která které "
          "jeho její jejich také už ještě jen velmi",
    "sk": "a i v vo na do od po pre pri bez pod nad pred medzi o u s so z zo k ku ale alebo či "
          "že je sú bola bolo boli byť nie ne to ten tá tie toho ako ktorý ktorá ktoré "
          "jeho jej ich tiež už ešte len veľmi",
    "sl": "in je v na z s iz za od do pri po pod nad pred med o k h ali tudi da ne se so bil "
          "bila bilo biti to ta te tega kot ki ker že še samo zelo",
    "hu": "a az és vagy de hogy nem egy egyik van volt lesz is ez azt ezt ami aki amely "
          "csak már még nagyon meg el fel ki be le után előtt alatt felett között nélkül",
    "lt": "ir ar bet kad kaip su iš į ant po prie per be apie už nuo iki tai ta šis ši "
          "yra buvo būti ne taip pat jau dar tik labai kuris kuri jo jos jų",
    "lv": "un vai bet ka kā ar no uz pie par pēc pirms bez starp zem virs ir bija būt nav ne "
          " tā šis šī arī jau vēl tikai ļoti kas kurš kura viņš viņa viņi",
    "et": "ja ning või aga et kui see need on oli ei ka ja veel juba ainult väga "
          "kes mis mille tema nad meie teie ma sa koos ilma pärast enne üle alla",
    "fi": "ja tai mutta että kun jos se ne tämä nämä tuo on oli ovat ei myös jo vielä "
          "vain hyvin kuin joka mikä hän he me te minä sinä kanssa ilman jälkeen ennen",
    "sv": "och eller men att som en ett den det de där här är var vara har hade inte också "
          "med av på till från för om under över efter före mellan utan vid hos sig sin",
    "da": "og eller men at som en et den det de der her er var være har havde ikke også med "
          "af på til fra for om under over efter før mellem uden hos sig sin",
    "no": "og eller men at som en ei et den det de der her er var være har hadde ikke også "
          "med av på til fra for om under over etter før mellom uten hos seg sin",
    "is": "og eða en að sem er var vera hefur hafði ekki líka með af á til frá fyrir um undir "
          "yfir eftir fyrir milli án við hjá sig sinn þessi þetta það hann þeir",
    "nl": "de het een en of maar dat die dit deze van in op aan met voor uit bij naar over "
          "onder tussen zonder is zijn was waren wordt werd niet ook al nog wel er hij "
          "zij wij",
    "pt": "o a os as um uma uns umas de do da dos das em no na nos nas por pelo pela para com "
          "sem sobre entre e ou mas que não é são foi ser está estão tem têm se seu sua "
          "este esta isso muito mais também",
    "ga": "an na agus nó ach go nach ar le leis i in sa sna do de ó faoi thar roimh tar "
          "trí idir is ba bhí tá níl atá sé sí siad muid sibh mé tú seo sin freisin",
    "mt": "il l u jew iżda li ta tal tan fl minn għal għall ma mal bħala dan din "
          "dawn dak dik huwa hija huma kien kienet kienu mhux ukoll biss",
    "ka": "და ან მაგრამ რომ თუ ეს ის ეგ არის იყო არ ვერ ასევე უკვე კიდევ მხოლოდ ძალიან "
          "რომელიც რაც ვინც მისი მათი ჩვენ თქვენ მე შენ",
    "hy": "և ու կամ բայց որ եթե այս այդ այն է են էր էին չէ ոչ նաև արդեն դեռ միայն շատ "
          "որը ով նրա նրանց մենք դուք ես դու համար մեջ հետ վրա տակ առանց",
    "az": "və ilə ya yaxud amma lakin ki bu o bir da də üçün kimi qədər daha ən çox hər heç "
          "nə niyə necə olaraq olan oldu var yox deyil mən sən biz siz onlar",
    "kk": "және мен бен немесе бірақ да де та те бұл осы ол бір үшін сияқты деп еді "
          "емес жоқ біз сіз олар мен сен jäne men ben nemese biraq bul osy ol "
          "bir üşin siaqty dep edi emes joq biz siz olar",
    "ky": "жана менен же бирок да дагы бул ошол ал бир үчүн сыяктуу деп эле эмес жок биз "
          "силер алар мен сен",
    "tg": "ва ё аммо ки агар ин он дар аз ба бо барои то бе баъд пеш аст буд нест не ҳам низ "
          "ҳамчун мо шумо онҳо ман ту",
    "tk": "we ýa-da ýa emma ýöne bu şu ol bir hem üçin ýaly bilen däl ýok biz siz olar "
          "men sen",
    "uz": "va yoki ammo lekin bilan bu shu u bir ham uchun kabi emas bor yo'q biz siz ular "
          "men sen esa ва ёки аммо лекин билан бу шу у бир ҳам учун каби эмас бор йўқ биз сиз "
          "улар мен сен эса",
    "mn": "ба болон эсвэл гэвч нь тэр биш байна байсан гэж юм ч мөн бас та тэд "
          "би чи дээр",
    "he": "של את על עם אל מן זה זו זאת הוא היא הם הן לא כי אם או גם יש אין כל אבל רק עוד "
          "כבר מאוד אשר",
    "ar": "في من على إلى الى عن مع هذا هذه ذلك تلك التي الذي الذين أن إن ان لا ما أو او ثم "
          "قد كان كانت هو هي هم كل بين بعد قبل عند حتى لم لن غير",
    "fa": "و در به از که این آن را با برای است بود هست نیست یک تا هم یا نه اما اگر چون "
          "ما شما آنها من تو او",
    "ps": "او د په له چې دا هغه ته سره کې یا نه هم خو که ولې موږ تاسو دوی زه ته",
    "ur": "اور کے کی کا میں سے کو نے پر یہ وہ ہے ہیں تھا تھی یا نہیں بھی لیکن اگر کہ ہم "
          "آپ",
    "ko": "및 그리고 또는 그러나 이 그 저 것 수 등 의 은 는 이다 있다 없다",
}

# The same for languages written without spaces (see _UNSPACED): their function words are
# character sequences, and a term equal to one of them is refused.
_STOPWORDS_UNSPACED = {
    "zh": "的 和 是 在 了 与 及 或 这 那 一个 我们 他们 不 也 都 就",
    "ja": "の に は を が と で も や へ から まで です ます した する この その",
    "th": "และ ที่ ของ ใน เป็น มี ไม่ จาก กับ หรือ ได้ ให้ นี้ นั้น",
    "km": "និង នៃ ជា ក្នុង មាន ពី ដែល នេះ នោះ ទេ ឬ",
}

# Phrases that look like a term but are not one ("en provenance de" = "coming from", "chemin de
# fer" = railway, "faux passeport" = forged passport). They are matched like terms and consumed
# without yielding a concept, so the longer phrase shadows the shorter term inside it.
_BLOCKING_PHRASES = (
    # French
    "en provenance", "de provenance", "provenant", "chemin de fer", "chemins de fer",
    "pièce d'identité", "pièces d'identité", "pièce jointe", "pièces jointes", "pièces justificatives",
    "pièces détachées", "somme d'argent", "sommes d'argent", "transfert d'argent", "transferts d'argent",
    "argent liquide", "argent sale", "faux passeport", "faux passeports", "faux papiers",
    "faux documents", "faux document", "tableau de bord", "tableau ci-dessous", "tableau ci-joint",
    "en tableau", "restauration rapide",
    # Italian
    "di provenienza", "in provenienza", "provenienza da", "carta d'identità", "disegno di legge",
    "disegni di legge", "documenti falsi", "documento falso", "passaporto falso", "falso ideologico",
    "rilievi fotografici", "rilievo fotografico",
    # Spanish
    "de procedencia", "procedente de", "procedentes de", "moneda extranjera", "moneda nacional",
    "documentos falsos", "documento falso", "pasaporte falso",
    # German
    "gefälschter pass", "gefälschte pässe", "gefälschte dokumente", "gefälschte papiere",
    "gefälschter ausweis",
    # English
    "fake passport", "fake passports", "forged passport", "forged passports", "forged document",
    "forged documents", "fake documents", "fake id", "fake ids", "fake news", "counterfeit cigarettes",
    "counterfeit goods", "counterfeit banknotes", "counterfeit currency", "counterfeit money",
    "counterfeit medicines", "o'clock", "relief fund", "relief aid", "fossil fuel", "fossil fuels",
    "charter flight", "charter flights", "drawing room", "drawing conclusions", "armoured vehicle",
    "armored vehicle", "armoured vehicles", "armored vehicles", "iron ore", "steel pipes",
    # Russian / Ukrainian / Serbian / Bulgarian / Macedonian
    "железн* дорог*", "поддельн* паспорт*", "поддельн* документ*", "фальшив* документ*",
    "фальшив* паспорт*", "фальшив* купюр*", "фальшив* деньг*", "підроблен* паспорт*",
    "підроблен* документ*", "залізн* дорог*", "фалсификован* пасош*", "фалсификован* исправ*",
    "фалсификован* документ*", "лажн* пасош*", "krivotvoren* putovnic*", "krivotvoren* isprav*",
    "фалшив* паспорт*", "фалшив* документ*", "фалшив* банкнот*", "фалшив* пари", "000 денари",
    "илјади денари", "милиони денари", "оклопн* возил*", "oklopn* vozil*", "железничк*",
    # Turkish / Albanian / Romanian
    "sahte pasaport*", "sahte belge*", "sahte kimlik*", "sahte para", "nakit para*", "nakit olarak",
    "nakit döviz", "nakit euro", "nakit dolar", "nakit taşı*", "nakit ödeme*", "nakit bulundu", "pasaport* i falsifikuar",
    "dokument* të falsifikuar*", "pașaport* fals*", "documente false", "act* fals*",
    # countries and currencies that contain a term
    "côte d'ivoire", "cote d'ivoire", "costa d'avorio", "costa de marfil", "fildişi sahili",
    "bregu i fildishtë", "coasta de fildeș", "ακτή ελεφαντοστού", "берег слоновой кости",
    "берег слонової кістки", "бряг на слоновата кост", "брегот на слоновата коска",
    "обала слоноваче", "obala bjelokosti", "kot d'ivoar", "кот д'ивоар", "drawing rights",
    "uae dirham*", "moroccan dirham*", "дирхам* оаэ", "македонск* денар*", "macedonian denar*",
    "silk road", "silk roads", "great silk road", "route de la soie", "seidenstraße", "seidenstrasse",
    "via della seta", "ruta de la seda", "шёлков* пут*", "шелков* пут*", "шовков* шлях*", "пут свиле",
    "путу свиле", "ipek yolu", "drumul mătăsii", "rruga e mëndafshit",
    # Romanian nationality ("român" folds to "roman")
    "poliția de frontieră română", "poliţia de frontieră română", "cetățean român", "cetățeni români",
    "cetăţean român", "cetăţeni români", "cetățenie română", "limba română", "statul român",
    "autoritățile române", "autorităţile române", "vama română", "frontiera română",
    "teritoriul român", "teritoriul româniei", "partea română", "statului român", "de naționalitate română",
    "lei româneşti", "lei românești",
)

# Century recognition ----------------------------------------------------------------------------
_ROMAN = {
    r: n for n, r in enumerate(
        "i ii iii iv v vi vii viii ix x xi xii xiii xiv xv xvi xvii xviii xix xx xxi".split(), 1)
}
_ORDINAL_SUFFIXES = ("st", "nd", "rd", "th", "e", "eme", "ieme", "er", "os", "ou", "o", "oy", "a",
                     "i", "ti", "ta", "go", "yy", "iy", "y", "lea", "te", "ci")
# century words, folded; True = prefix match, False = whole token
_CENTURY_WORDS: tuple[tuple[str, bool], ...] = (
    ("centur", True), ("cent", False), ("siecl", True), ("jahrhundert", True), ("jahrhunderts", True),
    ("secol", True), ("siglo", True), ("vek", True), ("stolje", True), ("stolj", False),
    ("stoleti", True), ("stolit", True), ("yuzyil", True), ("asir", True), ("shekull", True),
    ("aion", True), ("wiek", True), ("eeuw", True), ("szazad", True), ("stoletj", True),
    ("vik", False), ("viku", False), ("viky", False), ("vikiv", False),
)
# abbreviations accepted only next to a Roman numeral or an ordinal ("XVII в.", "17th c.", "XVIIe s.")
_CENTURY_ABBREVIATIONS = frozenset({"c", "v", "vv", "st", "jh", "jhd", "jhs", "s", "ss", "sec",
                                    "yy", "shek", "sh", "ai", "w", "e", "stol"})
_PARTICLES = frozenset({"al", "i", "e", "te", "del", "du", "go", "ogo", "y", "iy", "ti", "ta",
                        "to", "lea", "mu", "oho", "ho", "ij", "ye", "oe", "ve", "de", "th", "ci",
                        "os", "ou", "oy"})
# words joining the two numerals of a century range ("XIX i XX", "16th to 18th", "XVI до XVIII")
_CONNECTORS = frozenset({"i", "and", "und", "et", "e", "y", "ve", "si", "dhe", "or", "ou", "oder", "o",
                         "ili", "to", "do", "bis", "a", "al", "till", "until", "od", "ta", "ja"})
_BC_MARKERS: tuple[tuple[str, ...], ...] = (
    ("bc",), ("bce",), ("b", "c"), ("b", "c", "e"), ("av", "j", "c"), ("avant", "j", "c"),
    ("av", "jc"), ("v", "chr"), ("vor", "christus"), ("v", "u", "z"), ("a", "c"), ("a", "de", "c"),
    ("ac",), ("do", "n", "e"), ("do", "ne"), ("p", "n", "e"), ("pne",), ("pr", "n", "e"),
    ("pr", "khr"), ("pr", "hr"), ("pre", "nove", "ere"), ("pre", "hrista"), ("mo",), ("m", "o"),
    ("i", "hr"), ("ih",), ("p", "ch"), ("p", "kh"), ("pk",), ("p", "e", "s"), ("pes",),
    ("pr", "kr"), ("do", "r", "kh"), ("do", "nashoi", "eri"), ("do", "nashei", "ery"),
)


@dataclass(frozen=True)
class Concept:
    id: str
    facet: str
    label: str
    categories: tuple[str, ...]
    broader: tuple[str, ...]


@dataclass(frozen=True)
class ConceptHit:
    concept: Concept
    term: str  # the folded term that matched ("" for a concept inferred through ``broader``)
    inferred: bool = False


@dataclass(frozen=True)
class _Term:
    words: tuple[tuple[str, bool], ...]  # (folded word, prefix?) per token
    text: str  # the folded term, words joined by spaces
    concept_id: str  # "" for a blocking phrase
    is_word: bool  # a single whole word (not a stem): usable as a search-engine synonym
    consume: int  # tokens consumed by a match (trailing look-ahead words are checked, not consumed)


@dataclass
class _Raw:
    concept: Concept
    terms: list[_Term] = field(default_factory=list)
    exclude: list[tuple[str, bool]] = field(default_factory=list)
    century: int | None = None
    weight: float = 1.0


def _prep(text: str) -> str:
    if text.isascii():  # the common case: one scan, no table
        if "'" in text or "`" in text:
            text = _OG_APOSTROPHE.sub("", text)
        return text
    if not _SPECIAL.search(text):  # Latin with diacritics, Cyrillic, Greek: only the signs go
        return text.translate(_DROP)
    text = text.translate(_DROP)
    if _ARABIC_LETTER.search(text):
        text = _ARABIC_ARTICLE.sub("", text)
    text = text.translate(_LETTER_FIX)
    if "'" in text or "’" in text or "`" in text or "‘" in text:
        text = _OG_APOSTROPHE.sub("", _CYR_APOSTROPHE.sub("", text))
    if _UNSPACED.search(text):
        text = _UNSPACED.sub(_code_token, text)
    return text


_ASCII_TOKEN = re.compile(r"[a-z0-9]+")


def _fold_tokens(text: str) -> list[str]:
    """expertnet.core.text.tokens, with a shortcut for ASCII text (folding leaves it as it is, but
    lower case): most texts and terms are ASCII, and the vocabulary tokenises tens of thousands of
    terms at load time."""
    if text.isascii():
        return _ASCII_TOKEN.findall(text.lower())
    return tokens(text)


def _tokens(text: str) -> list[str]:
    return _fold_tokens(_prep(text)) if text else []


# Punctuation that ends a phrase: a multi-word term never matches across it ("... in the Balkans;
# Islamic coins" is not "Balkan Islamic"). Full stops are kept inside phrases because of
# abbreviations and numerals ("IV ст. до н.е.", "17. Jahrhundert", "s. XVII").
_BOUNDARY = re.compile(r"[;:,!?()\[\]{}\n\r\t|•·]+")
_SEP = "|"  # sentinel token between phrases; it can match no term, numeral or century word


def _text_tokens(text: str) -> list[str]:
    if not text:
        return []
    out: list[str] = []
    for part in _BOUNDARY.split(_prep(text)):
        toks = _fold_tokens(part)
        if toks:
            if out:
                out.append(_SEP)
            out.extend(toks)
    return out


def _script_variants(term: str) -> list[str]:
    """The term and its transliteration into the other script (Serbian-style languages)."""
    low = term.lower()
    if _CYRILLIC.search(low):
        other = "".join(_CYR_TO_LAT.get(ch, ch) for ch in low)
        return [term, other]
    other = low
    for lat, cyr in _LAT_TO_CYR_DIGRAPHS:
        other = other.replace(lat, cyr)
    other = "".join(_LAT_TO_CYR.get(ch, ch) for ch in other)
    variants = [term, other]
    if "đ" in low:
        variants.append(low.replace("đ", "dj"))
    return variants


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
        out.append(_Term(words=words, text=" ".join(w for w, _ in words), concept_id=base.concept_id,
                         is_word=False, consume=base.consume))
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
    return _Term(words=tuple(words), text=text, concept_id=concept_id, is_word=is_word,
                 consume=consume if consume is not None else len(words))


def _stopwords() -> set[str]:
    found: set[str] = set()
    for words in _STOPWORDS_NATIVE.values():
        for word in words.split():
            found.update(_tokens(word))
    return found


_STOPWORDS: frozenset[str] = frozenset(_stopwords())
_STOP_SEQUENCES: frozenset[tuple[str, ...]] = frozenset(
    tuple(_tokens(word)) for words in _STOPWORDS_UNSPACED.values() for word in words.split())



def _century_number(tok: str) -> tuple[int, bool] | None:
    """(century, is_roman_or_ordinal) for a numeral token, else None."""
    n = _ROMAN.get(tok)
    if n is not None:
        return n, True
    if tok[:1].isdigit():
        digits = tok.rstrip("abcdefghijklmnopqrstuvwxyz")
        suffix = tok[len(digits):]
        if digits.isdigit() and 1 <= int(digits) <= 21 and (not suffix or suffix in _ORDINAL_SUFFIXES):
            return int(digits), bool(suffix)
        return None
    # Roman numeral with an ordinal suffix: "xviie", "xviieme", "xviith"
    for suffix in ("ieme", "eme", "th", "e"):
        if tok.endswith(suffix) and tok[: -len(suffix)] in _ROMAN:
            return _ROMAN[tok[: -len(suffix)]], True
    return None


_CENTURY_STARTS = frozenset(w[:2] for w, _ in _CENTURY_WORDS) | _CENTURY_ABBREVIATIONS


def _may_be_century(tok: str) -> bool:
    """Cheap filter: could a century expression start at this token?"""
    c = tok[0]
    return c.isdigit() or c in "ivx" or tok[:2] in _CENTURY_STARTS or tok in _CENTURY_STARTS


def _is_century_word(tok: str, strong: bool) -> bool:
    for word, prefix in _CENTURY_WORDS:
        if (tok.startswith(word) if prefix else tok == word):
            return True
    return strong and tok in _CENTURY_ABBREVIATIONS


class Vocabulary:
    """Concepts and their terms, with a fast matcher. Build with :meth:`load`."""

    def __init__(self, raws: list[_Raw]):
        self._concepts: dict[str, Concept] = {r.concept.id: r.concept for r in raws}
        # concept -> (whole words, prefixes) that veto a match of one of its terms
        self._excludes: dict[str, tuple[frozenset[str], tuple[str, ...]]] = {
            r.concept.id: (frozenset(w for w, p in r.exclude if not p), tuple(w for w, p in r.exclude if p))
            for r in raws if r.exclude
        }
        self._weights = {r.concept.id: r.weight for r in raws}
        # candidate index: first word of a term -> terms. A token looks up its own prefixes
        # (tok[:2] ... tok) in the prefix index and itself in the exact index, so the cost per token
        # is a handful of dict look-ups whatever the size of the vocabulary.
        self._prefix_index: dict[str, list[_Term]] = {}
        self._exact_index: dict[str, list[_Term]] = {}
        self._terms: dict[str, list[_Term]] = {}
        for raw in raws:
            seen: set[str] = set()
            for term in raw.terms:
                if term.text in seen:
                    continue
                seen.add(term.text)
                self._terms.setdefault(raw.concept.id, []).append(term)
                first, prefix = term.words[0]
                index = self._prefix_index if prefix else self._exact_index
                index.setdefault(first, []).append(term)
        for phrase in _BLOCKING_PHRASES:
            for variant in _script_variants(phrase):
                term = _parse_term(variant, "", where="blocking phrases")
                first, prefix = term.words[0]
                index = self._prefix_index if prefix else self._exact_index
                index.setdefault(first, []).append(term)
        lengths = {len(word) for word in self._prefix_index}
        self._min_prefix = min(lengths, default=MIN_PREFIX)
        self._max_prefix = max(lengths, default=MIN_PREFIX)
        # token -> candidate terms whose first word matches it (tokens repeat a lot across texts)
        self._candidates: dict[str, tuple[_Term, ...]] = {}
        self._centuries: dict[int, Concept] = {
            r.century: r.concept for r in raws if r.century is not None
        }
        self._antiquity = self._concepts.get("period:antiquity")
        self._closure: dict[str, tuple[str, ...]] = {
            cid: self._broader_closure(cid) for cid in self._concepts
        }
        self._synonyms: dict[str, list[str]] | None = None

    # ------------------------------------------------------------------ loading and validation

    @classmethod
    def load(cls, path: Path | None = None) -> "Vocabulary":
        if path is None:
            text = resources.files("expertnet.matching").joinpath("data", "vocabulary.json").read_text("utf-8")
        else:
            text = Path(path).read_text("utf-8")
        rows = json.loads(text)
        if not isinstance(rows, list):
            raise ValueError("vocabulary: the file must hold a JSON list of concepts")
        return cls(_validate(rows))

    def _broader_closure(self, cid: str) -> tuple[str, ...]:
        out: list[str] = []
        stack = list(self._concepts[cid].broader)
        while stack:
            b = stack.pop(0)
            if b in out or b == cid:
                continue
            out.append(b)
            stack.extend(self._concepts[b].broader)
        return tuple(out)

    # ------------------------------------------------------------------ queries

    def concepts(self) -> dict[str, Concept]:
        return dict(self._concepts)

    def __len__(self) -> int:
        return len(self._concepts)

    def terms(self, concept_id: str) -> list[str]:
        """The folded terms of one concept (for reasons and debugging)."""
        return [t.text for t in self._terms.get(concept_id, ())]

    def _direct(self, toks: list[str]) -> list[tuple[str, str, int]]:
        """(concept id, folded term, start token) of every direct mention, in text order, each
        concept once."""
        found: list[tuple[str, str, int]] = []
        seen: set[str] = set()
        n = len(toks)
        cache = self._candidates
        centuries = bool(self._centuries)
        i = 0
        while i < n:
            tok = toks[i]
            best_len = 0
            best: list[_Term] = []
            cands = cache.get(tok)
            if cands is None:
                cands = self._lookup(tok)
            if cands:
                best_len, best = self._best(toks, i, cands)
            century = self._century_at(toks, i) if centuries and _may_be_century(tok) else None
            if century is not None and century[1] >= best_len:
                concepts, length, text = century
                for concept in concepts:
                    if concept.id not in seen:
                        seen.add(concept.id)
                        found.append((concept.id, text, i))
                i += length
                continue
            if best_len:
                if any(not term.concept_id for term in best):  # a blocking phrase wins
                    i += best_len
                    continue
                for term in best:
                    if term.concept_id not in seen:
                        seen.add(term.concept_id)
                        found.append((term.concept_id, term.text, i))
                i += min(term.consume for term in best)
            else:
                i += 1
        return found

    def _lookup(self, tok: str) -> tuple[_Term, ...]:
        found = list(self._exact_index.get(tok, ()))
        prefix_index = self._prefix_index
        for length in range(self._min_prefix, min(len(tok), self._max_prefix) + 1):
            found.extend(prefix_index.get(tok[:length], ()))
        cands = tuple(found)
        if len(self._candidates) > 200_000:  # bounded: a stream of odd tokens cannot grow it forever
            self._candidates.clear()
        self._candidates[tok] = cands
        return cands

    def _best(self, toks, i, cands):
        n = len(toks)
        excludes = self._excludes
        best_len = 0
        best: list[_Term] = []
        for term in cands:
            words = term.words
            length = len(words)
            if length < best_len or i + length > n:
                continue
            ok = True
            for k in range(1, length):  # the first word matched through the index
                word, prefix = words[k]
                tok = toks[i + k]
                if not (tok.startswith(word) if prefix else tok == word):
                    ok = False
                    break
            if not ok:
                continue
            ex = excludes.get(term.concept_id)
            if ex is not None:
                whole, prefixes = ex
                if any(t in whole or t.startswith(prefixes) for t in toks[i: i + length]):
                    continue
            if length > best_len:
                best_len, best = length, [term]
            else:
                best = best + [term]
        return best_len, best

    def _numerals(self, toks: list[str], j: int) -> tuple[list[tuple[int, bool]], int]:
        """One century numeral at j, or a range ("XVI-XVII", "XIX i XX", "16th to 18th"):
        the numerals found and the index after them."""
        n = len(toks)
        first = _century_number(toks[j])
        if first is None:
            return [], j
        numbers = [first]
        k = j + 1
        if k + 1 < n and toks[k] in _CONNECTORS and toks[k + 1] not in _CENTURY_ABBREVIATIONS:
            second = _century_number(toks[k + 1])
            if second is not None:
                return numbers + [second], k + 2
        if k < n and toks[k] not in _CENTURY_ABBREVIATIONS:
            second = _century_number(toks[k])
            if second is not None:
                return numbers + [second], k + 1
        return numbers, k

    def _century_at(self, toks: list[str], i: int) -> tuple[list[Concept], int, str] | None:
        """A century expression starting at token i: numeral(s) then a century word ("XVII век",
        "16th-17th centuries", "XIX i XX veka", "17-го века"), or a century word then numeral(s)
        ("siglo XVII", "secolul al XVII-lea", "s. XVII", "siglos XVI-XVII")."""
        tok = toks[i]
        n = len(toks)
        numbers, j = self._numerals(toks, i)
        if numbers:
            strong = any(flag for _, flag in numbers)
            if j + 1 < n and toks[j] in _PARTICLES and _is_century_word(toks[j + 1], strong):
                j += 1
            if j < n and _is_century_word(toks[j], strong):
                end = j + 1
                if end < n and toks[end] in _PARTICLES and _century_number(toks[end]) is None:
                    end += 1  # "XVII-lea", "17-ти"
                return self._century_hit(toks, i, end, [c for c, _ in numbers])
            return None
        word = _is_century_word(tok, False)
        if word or tok in _CENTURY_ABBREVIATIONS:
            j = i + 1
            if j + 1 < n and toks[j] in _PARTICLES and _century_number(toks[j + 1]):
                j += 1
            if j < n:
                # after an abbreviation ("s. XVII", "sec. XVII") only a Roman numeral will do
                if toks[j] in _ROMAN or (word and _century_number(toks[j]) is not None
                                          and (toks[j].isdigit() or _century_number(toks[j])[1])):
                    numbers, end = self._numerals(toks, j)
                    if end < n and toks[end] in _PARTICLES:
                        end += 1
                    return self._century_hit(toks, i, end, [c for c, _ in numbers])
        return None

    def _century_hit(self, toks, start, end, centuries):
        for marker in _BC_MARKERS:  # before the common era: antiquity, not the n-th century AD
            if toks[end: end + len(marker)] == list(marker):
                if self._antiquity is None:
                    return None
                stop = end + len(marker)
                return [self._antiquity], stop - start, " ".join(toks[start:stop])
        if len(centuries) == 2 and 0 < centuries[1] - centuries[0] <= 5:  # "16th-18th": 16, 17, 18
            centuries = list(range(centuries[0], centuries[1] + 1))
        found = [self._centuries[c] for c in centuries if c in self._centuries]
        if not found:
            return None
        return found, end - start, " ".join(toks[start:end])

    def extract(self, text: str) -> list[ConceptHit]:
        """Every concept mentioned in the text, each once, in text order, followed (right after the
        hit that implies it) by its broader concepts, which are marked ``inferred``."""
        direct = self._direct(_text_tokens(text))
        direct_ids = {cid for cid, _, _ in direct}
        out: list[ConceptHit] = []
        seen: set[str] = set()
        concepts = self._concepts
        for cid, term, _ in direct:
            seen.add(cid)
            out.append(ConceptHit(concepts[cid], term, False))
            for b in self._closure[cid]:
                if b not in seen and b not in direct_ids:
                    seen.add(b)
                    out.append(ConceptHit(concepts[b], "", True))
        return out

    def concept_ids(self, text: str) -> list[str]:
        return [hit.concept.id for hit in self.extract(text)]

    def infer_categories(self, text: str) -> list[tuple[str, float]]:
        """Category slugs ranked by the weighted evidence of the concepts mentioned (direct
        mentions only: broader concepts would count the same evidence twice)."""
        spans: dict[int, dict[str, float]] = {}
        first: dict[str, int] = {}
        for cid, _term, start in self._direct(_text_tokens(text)):
            concept = self._concepts[cid]
            if not concept.categories:
                continue
            w = FACET_WEIGHTS[concept.facet] * self._weights[cid] / len(concept.categories)
            if concept.facet == "category" and concept.categories[0] in SKILL_CATEGORIES:
                w *= SKILL_CATEGORY_BOOST
            span = spans.setdefault(start, {})
            for slug in concept.categories:
                span[slug] = max(span.get(slug, 0.0), w)
                first.setdefault(slug, start)
        scores: dict[str, float] = {}
        for span in spans.values():
            for slug, w in span.items():
                scores[slug] = scores.get(slug, 0.0) + w
        if not scores:
            return []
        top = max(scores.values())
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], first[kv[0]]))
        return [(slug, round(score / top, 4)) for slug, score in ranked if score > 0]

    def synonyms(self) -> dict[str, list[str]]:
        """Folded whole word -> folded whole words of the same concept(s), many languages, at most
        24 per word. Stems and multi-word terms are left out: search engines match words."""
        if self._synonyms is None:
            groups: dict[str, list[str]] = {}
            for cid, terms in self._terms.items():
                words = [t.text for t in terms if t.is_word and len(t.text) >= 3]
                for w in words:
                    bucket = groups.setdefault(w, [])
                    for other in words:
                        if other != w and other not in bucket:
                            bucket.append(other)
            self._synonyms = {w: others[:_MAX_SYNONYMS] for w, others in groups.items() if others}
        return {w: list(v) for w, v in self._synonyms.items()}


def _category_slugs() -> frozenset[str]:
    rows = json.loads(resources.files("expertnet").joinpath("data", "categories.json").read_text("utf-8"))
    return frozenset(row["slug"] for row in rows)


def _validate(rows: list) -> list[_Raw]:
    slugs = _category_slugs()
    raws: list[_Raw] = []
    ids: set[str] = set()
    for index, row in enumerate(rows):
        if not isinstance(row, dict) or not isinstance(row.get("id"), str) or not row["id"]:
            raise ValueError(f"vocabulary: entry {index} has no id")
        cid = row["id"]
        if cid in ids:
            raise ValueError(f"{cid}: duplicate concept id")
        ids.add(cid)
        facet = row.get("facet")
        if facet not in FACETS:
            raise ValueError(f"{cid}: unknown facet {facet!r}")
        if not cid.startswith(facet + ":"):
            raise ValueError(f"{cid}: id must start with its facet {facet!r}")
        label = row.get("label")
        if not isinstance(label, str) or not label.strip():
            raise ValueError(f"{cid}: missing label")
        categories = row.get("categories", [])
        if not isinstance(categories, list) or any(c not in slugs for c in categories):
            bad = [c for c in categories if c not in slugs] if isinstance(categories, list) else categories
            raise ValueError(f"{cid}: unknown category slug(s) {bad!r}")
        if facet == "category" and len(categories) != 1:
            raise ValueError(f"{cid}: a category concept points to exactly one category")
        broader = row.get("broader", [])
        if not isinstance(broader, list) or not all(isinstance(b, str) for b in broader):
            raise ValueError(f"{cid}: broader must be a list of concept ids")
        terms = row.get("terms")
        if not isinstance(terms, dict) or not any(isinstance(v, list) and v for v in terms.values()):
            raise ValueError(f"{cid}: empty terms")
        if not terms.get("en"):
            raise ValueError(f"{cid}: no English term")
        weight = row.get("weight", 1.0)
        if not isinstance(weight, (int, float)) or not 0 < weight <= 2:
            raise ValueError(f"{cid}: weight must be in (0, 2]")
        century = row.get("century")
        if century is not None and (not isinstance(century, int) or not 1 <= century <= 21 or facet != "period"):
            raise ValueError(f"{cid}: century must be an int 1..21 on a period concept")
        concept = Concept(cid, facet, label.strip(), tuple(categories), tuple(broader))
        raw = _Raw(concept, century=century, weight=float(weight))
        for lang, values in terms.items():
            if not isinstance(lang, str) or not re.fullmatch(r"[a-z]{2,3}", lang):
                raise ValueError(f"{cid}: bad language code {lang!r}")
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise ValueError(f"{cid}: terms[{lang}] must be a list of strings")
            for value in values:
                if lang in _PROCLITICS:
                    base = _parse_term(value, cid, where=f"terms[{lang}]")
                    found = [base, *_clitic_terms(lang, value, base)]
                else:
                    variants = _script_variants(value) if lang in _BISCRIPT else [value]
                    found = [_parse_term(variant, cid, where=f"terms[{lang}]") for variant in variants]
                for term in found:
                    _check_stopwords(term, cid, value)
                    raw.terms.append(term)
        excludes = row.get("exclude", [])
        if not isinstance(excludes, list) or not all(isinstance(v, str) for v in excludes):
            raise ValueError(f"{cid}: exclude must be a list of strings")
        for value in excludes:
            for variant in _script_variants(value):
                parsed = _parse_term(variant, cid, where="exclude")
                if len(parsed.words) != 1:
                    raise ValueError(f"{cid}: exclude {value!r} must be a single word")
                raw.exclude.append(parsed.words[0])
        if not raw.terms:
            raise ValueError(f"{cid}: empty terms")
        raws.append(raw)
    for raw in raws:
        for b in raw.concept.broader:
            if b not in ids:
                raise ValueError(f"{raw.concept.id}: unknown broader concept {b!r}")
            if b == raw.concept.id:
                raise ValueError(f"{raw.concept.id}: a concept cannot be broader than itself")
    _check_cycles(raws)
    return raws


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


def _check_cycles(raws: list[_Raw]) -> None:
    graph = {r.concept.id: r.concept.broader for r in raws}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        if state.get(node) == 2:
            return
        if state.get(node) == 1:
            raise ValueError(f"{node}: broader cycle {' -> '.join(path + [node])}")
        state[node] = 1
        for b in graph[node]:
            visit(b, path + [node])
        state[node] = 2

    for node in graph:
        visit(node, [])


@lru_cache(maxsize=1)
def get_vocabulary() -> Vocabulary:
    """The packaged vocabulary, loaded once per process."""
    return Vocabulary.load()
