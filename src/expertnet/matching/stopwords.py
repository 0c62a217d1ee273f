"""What must never yield a concept: the function words of the supported languages (no term may
match one; checked when the vocabulary is loaded) and the blocking phrases (matched like terms,
consumed without a concept)."""

from __future__ import annotations

from expertnet.matching.folding import _tokens

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
    "ky": "жана менен же бирок да дагы бул ошол ал бир үчүн сыяктуу деп эле эмес жок биз силер алар мен сен",
    "tg": "ва ё аммо ки агар ин он дар аз ба бо барои то бе баъд пеш аст буд нест не ҳам низ "
    "ҳамчун мо шумо онҳо ман ту",
    "tk": "we ýa-da ýa emma ýöne bu şu ol bir hem üçin ýaly bilen däl ýok biz siz olar men sen",
    "uz": "va yoki ammo lekin bilan bu shu u bir ham uchun kabi emas bor yo'q biz siz ular "
    "men sen esa ва ёки аммо лекин билан бу шу у бир ҳам учун каби эмас бор йўқ биз сиз "
    "улар мен сен эса",
    "mn": "ба болон эсвэл гэвч нь тэр биш байна байсан гэж юм ч мөн бас та тэд би чи дээр",
    "he": "של את על עם אל מן זה זו זאת הוא היא הם הן לא כי אם או גם יש אין כל אבל רק עוד כבר מאוד אשר",
    "ar": "في من على إلى الى عن مع هذا هذه ذلك تلك التي الذي الذين أن إن ان لا ما أو او ثم "
    "قد كان كانت هو هي هم كل بين بعد قبل عند حتى لم لن غير",
    "fa": "و در به از که این آن را با برای است بود هست نیست یک تا هم یا نه اما اگر چون ما شما آنها من تو او",
    "ps": "او د په له چې دا هغه ته سره کې یا نه هم خو که ولې موږ تاسو دوی زه ته",
    "ur": "اور کے کی کا میں سے کو نے پر یہ وہ ہے ہیں تھا تھی یا نہیں بھی لیکن اگر کہ ہم آپ",
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
    # a place, not the culture (Bosnia and Herzegovina), in both scripts
    "republika srpska",
    "republike srpske",
    "republici srpskoj",
    "република српска",
    "републике српске",
    # French
    "en provenance",
    "de provenance",
    "provenant",
    "chemin de fer",
    "chemins de fer",
    "pièce d'identité",
    "pièces d'identité",
    "pièce jointe",
    "pièces jointes",
    "pièces justificatives",
    "pièces détachées",
    "somme d'argent",
    "sommes d'argent",
    "transfert d'argent",
    "transferts d'argent",
    "argent liquide",
    "argent sale",
    "faux passeport",
    "faux passeports",
    "faux papiers",
    "faux documents",
    "faux document",
    "tableau de bord",
    "tableau ci-dessous",
    "tableau ci-joint",
    "en tableau",
    "restauration rapide",
    # Italian
    "di provenienza",
    "in provenienza",
    "provenienza da",
    "carta d'identità",
    "disegno di legge",
    "disegni di legge",
    "documenti falsi",
    "documento falso",
    "passaporto falso",
    "falso ideologico",
    "rilievi fotografici",
    "rilievo fotografico",
    # Spanish
    "de procedencia",
    "procedente de",
    "procedentes de",
    "moneda extranjera",
    "moneda nacional",
    "documentos falsos",
    "documento falso",
    "pasaporte falso",
    # German
    "gefälschter pass",
    "gefälschte pässe",
    "gefälschte dokumente",
    "gefälschte papiere",
    "gefälschter ausweis",
    # English
    "fake passport",
    "fake passports",
    "forged passport",
    "forged passports",
    "forged document",
    "forged documents",
    "fake documents",
    "fake id",
    "fake ids",
    "fake news",
    "counterfeit cigarettes",
    "counterfeit goods",
    "counterfeit banknotes",
    "counterfeit currency",
    "counterfeit money",
    "counterfeit medicines",
    "o'clock",
    "relief fund",
    "relief aid",
    "fossil fuel",
    "fossil fuels",
    "charter flight",
    "charter flights",
    "drawing room",
    "drawing conclusions",
    "armoured vehicle",
    "armored vehicle",
    "armoured vehicles",
    "armored vehicles",
    "iron ore",
    "steel pipes",
    # Russian / Ukrainian / Serbian / Bulgarian / Macedonian
    "железн* дорог*",
    "поддельн* паспорт*",
    "поддельн* документ*",
    "фальшив* документ*",
    "фальшив* паспорт*",
    "фальшив* купюр*",
    "фальшив* деньг*",
    "підроблен* паспорт*",
    "підроблен* документ*",
    "залізн* дорог*",
    "фалсификован* пасош*",
    "фалсификован* исправ*",
    "фалсификован* документ*",
    "лажн* пасош*",
    "krivotvoren* putovnic*",
    "krivotvoren* isprav*",
    "фалшив* паспорт*",
    "фалшив* документ*",
    "фалшив* банкнот*",
    "фалшив* пари",
    "000 денари",
    "илјади денари",
    "милиони денари",
    "оклопн* возил*",
    "oklopn* vozil*",
    "железничк*",
    # Turkish / Albanian / Romanian
    "sahte pasaport*",
    "sahte belge*",
    "sahte kimlik*",
    "sahte para",
    "nakit para*",
    "nakit olarak",
    "nakit döviz",
    "nakit euro",
    "nakit dolar",
    "nakit taşı*",
    "nakit ödeme*",
    "nakit bulundu",
    "pasaport* i falsifikuar",
    "dokument* të falsifikuar*",
    "pașaport* fals*",
    "documente false",
    "act* fals*",
    # countries and currencies that contain a term
    "côte d'ivoire",
    "cote d'ivoire",
    "costa d'avorio",
    "costa de marfil",
    "fildişi sahili",
    "bregu i fildishtë",
    "coasta de fildeș",
    "ακτή ελεφαντοστού",
    "берег слоновой кости",
    "берег слонової кістки",
    "бряг на слоновата кост",
    "брегот на слоновата коска",
    "обала слоноваче",
    "obala bjelokosti",
    "kot d'ivoar",
    "кот д'ивоар",
    "drawing rights",
    "uae dirham*",
    "moroccan dirham*",
    "дирхам* оаэ",
    "македонск* денар*",
    "macedonian denar*",
    "silk road",
    "silk roads",
    "great silk road",
    "route de la soie",
    "seidenstraße",
    "seidenstrasse",
    "via della seta",
    "ruta de la seda",
    "шёлков* пут*",
    "шелков* пут*",
    "шовков* шлях*",
    "пут свиле",
    "путу свиле",
    "ipek yolu",
    "drumul mătăsii",
    "rruga e mëndafshit",
    # Romanian nationality ("român" folds to "roman")
    "poliția de frontieră română",
    "poliţia de frontieră română",
    "cetățean român",
    "cetățeni români",
    "cetăţean român",
    "cetăţeni români",
    "cetățenie română",
    "limba română",
    "statul român",
    "autoritățile române",
    "autorităţile române",
    "vama română",
    "frontiera română",
    "teritoriul român",
    "teritoriul româniei",
    "partea română",
    "statului român",
    "de naționalitate română",
    "lei româneşti",
    "lei românești",
)


def _stopwords() -> set[str]:
    found: set[str] = set()
    for words in _STOPWORDS_NATIVE.values():
        for word in words.split():
            found.update(_tokens(word))
    return found


_STOPWORDS: frozenset[str] = frozenset(_stopwords())
_STOP_SEQUENCES: frozenset[tuple[str, ...]] = frozenset(
    tuple(_tokens(word)) for words in _STOPWORDS_UNSPACED.values() for word in words.split()
)
