"""A seeded generator of a realistic, entirely fictional expert network.

``generate_experts(n, seed)`` yields records in the expert interchange format (DESIGN.md) for demos,
tests and benchmarks. Expert ``i`` is drawn from its own ``random.Random(seed * 1_000_003 + i)``, so
the output is fully deterministic, the first N records of a larger run equal a smaller run, and
100,000 records stream in a few seconds with constant memory.

Names follow the country and the script reality of the region (Serbian in Cyrillic or Latin,
Russian/Ukrainian/Bulgarian/Macedonian in Cyrillic, Georgian and Armenian in their own scripts or
transliterated, Turkish with İ/ş/ğ, female surname forms where the language has them).
Organisations are plausible but invented; e-mail domains end in ``.example``.

``DEMO_ACCOUNTS`` are the fixed logins of a demo installation, one per role.
"""
from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Callable, Iterator
from functools import lru_cache
from itertools import accumulate

from anyascii import anyascii

from expertnet.core import reference
from expertnet.core.text import tokens

__all__ = ["DEMO_ACCOUNTS", "generate_experts"]


def _words(text: str) -> tuple[str, ...]:
    """Space-separated words; "_" stands for a space inside one entry ("De_Luca")."""
    return tuple(word.replace("_", " ") for word in text.split())


# =========================================================================== surname grammar

def _fem_slavic_ru(s: str) -> str:  # Russian, Bulgarian, Macedonian, Kazakh, Kyrgyz, Tajik
    if s.endswith(("ский", "цкий")):
        return s[:-2] + "ая"
    if s.endswith(("ски", "цки")):
        return s[:-1] + "а"
    if s.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return s + "а"
    return s


def _fem_uk(s: str) -> str:
    if s.endswith(("ський", "цький")):
        return s[:-2] + "а"
    if s.endswith("ний"):
        return s[:-2] + "а"
    if s.endswith(("ов", "ев", "ін", "ин")):
        return s + "а"
    return s


def _fem_be(s: str) -> str:
    if s.endswith(("оў", "еў", "ёў", "аў")):
        return s[:-1] + "ва"
    if s.endswith(("скі", "цкі")):
        return s[:-1] + "ая"
    if s.endswith("ін"):
        return s + "а"
    return s


def _fem_latin_ov(s: str) -> str:  # Uzbek, Azerbaijani, Turkmen in Latin script
    return s + "a" if s.endswith(("ov", "ev", "ow", "ew")) else s


def _fem_cs(s: str) -> str:  # Czech and Slovak
    if s.endswith("ý"):
        return s[:-1] + "á"
    if s.endswith(("a", "o")):
        return s[:-1] + "ová"
    if s.endswith("ek"):
        return s[:-2] + "ková"
    if s.endswith("ec") and len(s) > 4:
        return s[:-2] + "cová"
    return s + "ová"


def _fem_pl(s: str) -> str:
    if s.endswith(("ski", "cki", "dzki")):
        return s[:-1] + "a"
    return s


def _fem_el(s: str) -> str:
    if s.endswith("os"):
        return s[:-2] + "ou"
    if s.endswith(("is", "as", "es")):
        return s[:-1]
    return s


def _fem_lv(s: str) -> str:
    if s.endswith("is"):
        return s[:-2] + "e"
    if s.endswith("ons"):
        return s[:-1] + "e"
    if s.endswith(("š", "s")):
        return s[:-1] + "a"
    return s


def _fem_lt(s: str) -> str:
    if s.endswith("ius"):
        return s[:-3] + "ienė"
    if s.endswith(("as", "is", "ys")):
        return s[:-2] + "ienė"
    if s.endswith("us"):
        return s[:-2] + "uvienė"
    return s


def _fem_is(s: str) -> str:
    return s[:-3] + "dóttir" if s.endswith("son") else s


def _same(s: str) -> str:
    return s


# =========================================================================== scripts

_SR_CYR = {
    "lj": "љ", "Lj": "Љ", "LJ": "Љ", "nj": "њ", "Nj": "Њ", "NJ": "Њ", "dž": "џ", "Dž": "Џ", "DŽ": "Џ",
}
_SR_CYR1 = dict(zip(
    "abcčćdđefghijklmnoprsštuvzžABCČĆDĐEFGHIJKLMNOPRSŠTUVZŽ",
    "абцчћдђефгхијклмнопрсштувзжАБЦЧЋДЂЕФГХИЈКЛМНОПРСШТУВЗЖ",
))


@lru_cache(maxsize=4096)
def _serbian_cyrillic(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        pair = text[i:i + 2]
        if pair in _SR_CYR:
            out.append(_SR_CYR[pair])
            i += 2
        else:
            out.append(_SR_CYR1.get(text[i], text[i]))
            i += 1
    return "".join(out)


_KA_LAT = dict(zip(
    "აბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰ",
    ["a", "b", "g", "d", "e", "v", "z", "t", "i", "k", "l", "m", "n", "o", "p", "zh", "r", "s",
     "t", "u", "p", "k", "gh", "q", "sh", "ch", "ts", "dz", "ts", "ch", "kh", "j", "h"],
))


@lru_cache(maxsize=4096)
def _georgian_latin(text: str) -> str:
    return " ".join(
        "".join(_KA_LAT.get(ch, ch) for ch in word).capitalize() for word in text.split(" ")
    )


@lru_cache(maxsize=4096)
def _armenian_latin(text: str) -> str:
    for armenian, latin in (("ու", "u"), ("Ու", "U"), ("և", "ev"), ("Ե", "Ye"), ("Ռ", "R"), ("ռ", "r")):
        text = text.replace(armenian, latin)
    return anyascii(text).replace("'", "")  # no aspiration marks: "Tamara", not "T'amara"


@lru_cache(maxsize=4096)
def _latin(text: str) -> str:
    """Latin transliteration of a name in a non-Latin script."""
    first = text[:1]
    if "\u10d0" <= first <= "\u10ff":
        return _georgian_latin(text)
    if "\u0530" <= first <= "\u058f":
        return _armenian_latin(text)
    return anyascii(text)


@lru_cache(maxsize=8192)
def _email_part(text: str) -> str:
    return "".join(tokens(_latin(text))) if text and not _is_latin(text) else "".join(tokens(text))


# =========================================================================== name cultures
# Each culture: native language, male and female given names, surnames, female surname rule,
# and whether the family name comes first.

class _Culture:
    __slots__ = ("lang", "male", "female", "surnames", "fem", "family_first", "double_surname")

    def __init__(self, lang: str, male: str, female: str, surnames: str,
                 fem: Callable[[str], str] = _same, family_first: bool = False,
                 double_surname: float = 0.0) -> None:
        self.lang = lang
        self.male = _words(male)
        self.female = _words(female)
        self.surnames = _words(surnames)
        self.fem = fem
        self.family_first = family_first
        self.double_surname = double_surname


_C = _Culture
CULTURES: dict[str, _Culture] = {
    "sr": _C("sr",
             "Marko Nikola Stefan Miloš Nenad Dragan Zoran Aleksandar Vladimir Dušan Đorđe Bojan "
             "Milan Ivan Vuk Lazar Petar Branislav Goran Slobodan Žarko Dejan Nemanja Ljubomir",
             "Jelena Milica Ana Marija Jovana Ivana Snežana Dragana Tijana Ljiljana Vesna Nataša "
             "Gordana Katarina Tamara Mirjana Biljana Sanja Svetlana Danijela Ksenija Olivera Njegoslava",
             "Petrović Jovanović Nikolić Marković Đorđević Stojanović Ilić Stanković Pavlović "
             "Milošević Popović Živković Todorović Lazić Kovačević Simić Radovanović Savić Mitrović "
             "Vuković Obradović Janković Lukić Ristić Tomić Kostić Đukić Milovanović Knežević "
             "Stevanović Ljubisavljević Vujović Radulović Perović Vukčević Raičević Bošković Džamić"),
    "hr": _C("hr",
             "Ivan Luka Marko Josip Tomislav Ante Mario Krešimir Davor Hrvoje Zvonimir Damir Nikola "
             "Stjepan Igor Mislav Domagoj Vedran",
             "Ana Marija Ivana Petra Maja Katarina Lucija Martina Sanja Vesna Mirela Dora Iva "
             "Nikolina Željka Tea Ankica Jasna",
             "Horvat Kovačević Babić Marić Jurić Novak Kovačić Knežević Vuković Marković Petrović "
             "Matić Tomić Pavlović Perić Šarić Grgić Radić Božić Blažević Vidović Lovrić Šimić "
             "Barišić Galić Jukić"),
    "bs": _C("bs",
             "Amir Emir Haris Adnan Kemal Edin Senad Mirza Tarik Nermin Jasmin Alen Muhamed Dino "
             "Elvir Damir Almir Faruk",
             "Amra Lejla Selma Amina Ajla Emina Azra Merima Naida Sabina Jasmina Alma Aida Edina "
             "Lamija Mirela Belma Dženana",
             "Hodžić Hadžić Begić Mehmedović Delić Kovačević Hasanović Ćosić Alić Imamović Smajić "
             "Salihović Bešić Mujić Husić Karić Omerović Halilović Softić Dedić Mušić Bajramović"),
    "mk": _C("mk",
             "Александар Горан Зоран Никола Борис Дарко Игор Владимир Дејан Марјан Бојан Трајче "
             "Кире Методија Филип Стефан Ѓорѓи Љупчо",
             "Елена Марија Ивана Билјана Снежана Ана Катерина Весна Маја Благица Александра "
             "Даниела Јасмина Светлана Марина Соња Љубица",
             "Стојановски Петровски Николовски Трајковски Јовановски Димитровски Ристовски "
             "Атанасовски Георгиевски Илиевски Костовски Ангеловски Велјановски Митревски "
             "Наумовски Спасовски Тасевски Андоновски Поповски Кузмановски Ѓорѓиевски Стојанов "
             "Ќосев Јанев",
             fem=_fem_slavic_ru),
    "sq": _C("sq",
             "Arben Besnik Dritan Ermal Gentian Ilir Kastriot Luan Mentor Ardit Agron Fatos Genci "
             "Artan Bujar Edmond Erion",
             "Ajola Anila Blerina Drita Elira Ermira Fjolla Greta Jonida Klea Lindita Mirela "
             "Rezarta Vjollca Albana Teuta Eriona",
             "Hoxha Shehu Kola Gjoka Leka Dervishi Krasniqi Çela Bajrami Kelmendi Dushku Prifti "
             "Marku Gashi Zeneli Toska Hysa Xhafa Brahimi Llesh Çuni Gjini"),
    "bg": _C("bg",
             "Георги Иван Димитър Николай Петър Христо Стоян Тодор Васил Красимир Пламен Калоян "
             "Любомир Светослав Атанас Стефан Цветан Йордан",
             "Мария Елена Десислава Йорданка Радка Милена Цветелина Гергана Надежда Валентина "
             "Ралица Силвия Теодора Пенка Мариана Ваня Станислава",
             "Иванов Георгиев Димитров Петров Николов Христов Стоянов Тодоров Илиев Василев "
             "Атанасов Ангелов Колев Йорданов Маринов Стефанов Попов Михайлов Костадинов Павлов "
             "Димов Божинов Цветков Шишманов",
             fem=_fem_slavic_ru),
    "ro": _C("ro",
             "Andrei Mihai Alexandru Ion Gheorghe Cristian Radu Florin Bogdan Dan Vlad Adrian "
             "Ionuț Sorin Dragoș Cătălin Vasile Ștefan",
             "Maria Elena Ioana Andreea Cristina Mihaela Alina Raluca Simona Diana Oana Roxana "
             "Irina Laura Corina Ștefania Doina Lăcrămioara",
             "Popescu Ionescu Popa Radu Dumitrescu Stan Stoica Gheorghiu Constantinescu Munteanu "
             "Dobre Matei Barbu Nistor Florea Lungu Ene Toma Rusu Moldovan Marin Ciobanu Mocanu "
             "Sârbu Ursu Dinu Cojocaru Țurcanu Rotaru Cebotari Bîrcă"),
    "el": _C("el",
             "Georgios Dimitrios Konstantinos Ioannis Nikolaos Panagiotis Vasileios Christos "
             "Athanasios Michail Evangelos Spyridon Theodoros Stavros Alexandros Andreas",
             "Maria Eleni Aikaterini Vasiliki Sofia Angeliki Georgia Dimitra Konstantina "
             "Paraskevi Ioanna Evangelia Christina Despoina Athina Eirini",
             "Papadopoulos Papadakis Georgiou Nikolaidis Oikonomou Vlachos Karagiannis Dimitriou "
             "Konstantinou Papanikolaou Christodoulou Makris Antoniou Ioannidis Athanasiou Pappas "
             "Triantafyllou Angelopoulos Kyriakidis Stavropoulos Alexiou Michailidis Kontos Zervas",
             fem=_fem_el),
    "tr": _C("tr",
             "Mehmet Mustafa Ahmet Ali Hüseyin Hasan İbrahim İsmail Osman Yusuf Murat Emre Serkan "
             "Burak Cem Kemal Tolga Oğuz Çağrı İlker",
             "Ayşe Fatma Emine Hatice Zeynep Elif Şule Gülşen Özlem Derya Ebru Seda Nilüfer İpek "
             "Büşra Gökçe Sevgi Aylin Çiğdem",
             "Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan Doğan "
             "Kılıç Aslan Çetin Kara Koç Kurt Özkan Şimşek Polat Güneş Akgül Tekin Aksoy Işık "
             "Karaca Bulut İnce Ağaoğlu"),
    "sl": _C("sl",
             "Janez Marko Andrej Luka Matej Peter Primož Tomaž Gregor Boštjan Jure Rok Aleš Uroš",
             "Maja Mojca Nina Petra Katja Špela Tjaša Urška Nataša Mateja Barbara Alenka Tina Eva",
             "Novak Horvat Kovačič Krajnc Zupančič Potočnik Kovač Mlakar Kos Vidmar Golob Turk "
             "Božič Kralj Zupan Bizjak Hribar Kranjc Jerman Oblak"),
    "cs": _C("cs",
             "Jan Petr Jiří Josef Pavel Martin Tomáš Jaroslav Miroslav Zdeněk Václav Michal Karel "
             "Ondřej Lukáš Vojtěch",
             "Jana Marie Eva Hana Anna Lenka Kateřina Lucie Věra Alena Petra Veronika Markéta "
             "Zuzana Tereza Klára",
             "Novák Svoboda Novotný Dvořák Černý Procházka Kučera Veselý Horák Němec Pokorný Marek "
             "Pospíšil Hájek Jelínek Král Růžička Beneš Fiala Sedláček Doležal Kolář Navrátil "
             "Čermák",
             fem=_fem_cs),
    "sk": _C("sk",
             "Peter Martin Ján Jozef Michal Tomáš Marek Juraj Lukáš Miroslav Igor Branislav Ľubomír",
             "Mária Jana Zuzana Katarína Lucia Martina Monika Eva Veronika Ivana Silvia Andrea Ľubica",
             "Horváth Kováč Varga Tóth Baláž Molnár Lukáč Kováčik Oravec Hudák Polák Kráľ Gajdoš "
             "Blaho Šimko Sloboda Krajčír Mráz",
             fem=_fem_cs),
    "hu": _C("hu",
             "László István József János Zoltán Sándor Gábor Ferenc Attila Péter Tamás Zsolt "
             "Balázs Csaba Levente Gergely",
             "Mária Erzsébet Katalin Éva Ilona Anna Zsuzsanna Judit Ágnes Krisztina Eszter Andrea "
             "Réka Orsolya Dóra Zsófia",
             "Nagy Kovács Tóth Szabó Horváth Varga Kiss Molnár Németh Farkas Balogh Papp Takács "
             "Juhász Lakatos Mészáros Oláh Simon Rácz Fekete Szilágyi Török Fehér Balázs Gál",
             family_first=True),
    "pl": _C("pl",
             "Piotr Krzysztof Andrzej Tomasz Paweł Marcin Michał Grzegorz Jakub Łukasz Wojciech "
             "Mateusz Adam Stanisław Bartosz Maciej",
             "Anna Maria Katarzyna Małgorzata Agnieszka Barbara Ewa Magdalena Joanna Aleksandra "
             "Monika Zofia Dorota Beata Jadwiga Urszula",
             "Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański "
             "Woźniak Dąbrowski Kozłowski Jankowski Mazur Kwiatkowski Krawczyk Piotrowski "
             "Grabowski Pawłowski Michalski Zając Król Wieczorek Jabłoński Sikorski Żak",
             fem=_fem_pl),
    "de": _C("de",
             "Thomas Michael Andreas Stefan Christian Markus Matthias Wolfgang Jürgen Klaus "
             "Johannes Florian Sebastian Tobias Lukas Felix Georg Martin",
             "Sabine Claudia Susanne Andrea Petra Katharina Julia Anna Monika Birgit Ursula "
             "Stefanie Lena Johanna Sophie Miriam Franziska Heike",
             "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch "
             "Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun Krüger Hofmann "
             "Hartmann Lange Schmitt Werner Krause Huber Gruber Steiner Moser Egger Brunner Keller"),
    "fr": _C("fr",
             "Jean Pierre Michel Philippe Alain Nicolas Laurent François Christophe Julien "
             "Sébastien Olivier Thomas Antoine Mathieu Étienne Benoît Guillaume",
             "Marie Nathalie Isabelle Sylvie Catherine Sophie Christine Valérie Julie Céline Anne "
             "Hélène Claire Camille Élodie Aurélie Mathilde Léa",
             "Martin Bernard Dubois Thomas Robert Richard Petit Durand Leroy Moreau Simon Laurent "
             "Lefebvre Michel David Bertrand Roux Vincent Fournier Morel Girard André Lefèvre "
             "Mercier Dupont Lambert Bonnet Rousseau Faure Gauthier Chevalier"),
    "it": _C("it",
             "Marco Giuseppe Giovanni Antonio Francesco Luca Alessandro Andrea Roberto Stefano "
             "Paolo Matteo Lorenzo Davide Simone Riccardo Fabrizio Massimo",
             "Maria Anna Giulia Francesca Chiara Sara Laura Valentina Alessandra Elena Federica "
             "Silvia Paola Roberta Martina Elisa Cristina Beatrice",
             "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo "
             "Conti De_Luca Mancini Costa Giordano Rizzo Lombardi Moretti Barbieri Fontana Santoro "
             "Mariani Rinaldi Caruso Ferrara Galli Martini Leone Longo Gentile D'Angelo"),
    "es": _C("es",
             "José Antonio Manuel Francisco Juan David Javier Carlos Jesús Miguel Alejandro "
             "Rafael Pablo Fernando Luis Sergio Jorge Andrés Diego",
             "María Carmen Ana Isabel Laura Cristina Marta Lucía Elena Pilar Raquel Sara Paula "
             "Rosa Beatriz Silvia Alejandra Gabriela Valeria Sofía",
             "García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín "
             "Jiménez Ruiz Hernández Díaz Moreno Muñoz Álvarez Romero Alonso Gutiérrez Navarro "
             "Torres Domínguez Vázquez Ramos Castillo Flores Mendoza Rojas Vargas Castro Ortega",
             double_surname=0.6),
    "es_andes": _C("es",
                   "José Juan Carlos Luis Jorge Víctor Miguel Raúl César Julio Wilfredo Edwin",
                   "María Rosa Carmen Juana Luz Gladys Ruth Silvia Patricia Norma Flor Yolanda",
                   "Quispe Mamani Huamán Condori Flores Rojas Chávez Ramírez Sánchez Torres "
                   "Vargas Mendoza Gutiérrez Ccori Apaza Choque Tupa",
                   double_surname=0.6),
    "es_mx": _C("es",
                "José Juan Luis Carlos Jorge Miguel Alejandro Fernando Arturo Roberto Eduardo Héctor",
                "María Guadalupe Verónica Patricia Leticia Rosa Adriana Mónica Claudia Ximena "
                "Itzel Citlali",
                "Hernández García Martínez López González Pérez Rodríguez Sánchez Ramírez Cruz "
                "Flores Gómez Morales Vázquez Reyes Jiménez Torres Díaz Gutiérrez Xicoténcatl",
                double_surname=0.6),
    "pt": _C("pt",
             "João José António Francisco Pedro Miguel Rui Paulo Luís Manuel Tiago Nuno Ricardo "
             "Carlos Gonçalo",
             "Maria Ana Joana Sofia Inês Catarina Teresa Isabel Marta Beatriz Rita Helena Carla "
             "Sara Conceição",
             "Silva Santos Ferreira Pereira Oliveira Costa Rodrigues Martins Sousa Fernandes "
             "Gonçalves Gomes Lopes Marques Alves Almeida Ribeiro Pinto Carvalho Teixeira Moreira "
             "Correia Mendes Nascimento Araújo"),
    "nl": _C("nl",
             "Jan Pieter Willem Hendrik Johannes Kees Bas Thijs Ruben Sander Jeroen Maarten Bram "
             "Daan Joost Koen Wouter Stijn",
             "Anna Maria Johanna Sanne Lotte Femke Anouk Eva Marloes Ingrid Els Lieke Annemieke "
             "Saskia Inge Mieke",
             "de_Jong Jansen de_Vries van_den_Berg van_Dijk Bakker Janssen Visser Smit Meijer "
             "de_Boer Mulder de_Groot Bos Vos Peters Hendriks van_Leeuwen Dekker Brouwer Peeters "
             "Maes Claes Wouters Willems Goossens Mertens"),
    "en": _C("en",
             "James John Robert Michael William David Richard Thomas Christopher Daniel Matthew "
             "Andrew Mark Paul Steven Jonathan Patrick Simon Peter Benjamin Samuel Alexander",
             "Mary Sarah Emma Elizabeth Jennifer Susan Karen Laura Rachel Hannah Catherine Emily "
             "Charlotte Rebecca Helen Claire Fiona Siobhan Lucy Margaret Amanda Jessica",
             "Smith Jones Williams Brown Taylor Davies Evans Wilson Thomas Johnson Roberts Walker "
             "Wright Robinson Thompson White Hughes Edwards Green Hall Wood Harris Clarke Jackson "
             "Turner Hill Moore Cooper Ward Morgan O'Brien Murphy Kelly Walsh Miller Anderson "
             "Campbell Stewart MacDonald Reid Baker Carter Mitchell Bennett Collins Foster Graham "
             "Hayes Nguyen Patel Cohen Garcia Kim Chen"),
    "sv": _C("sv",
             "Erik Lars Anders Johan Per Karl Nils Magnus Fredrik Henrik Mikael Olof Gustav Björn",
             "Anna Eva Maria Karin Kristina Lena Sara Emma Ingrid Malin Sofia Elin Annika Åsa",
             "Andersson Johansson Karlsson Nilsson Eriksson Larsson Olsson Persson Svensson "
             "Gustafsson Lindberg Lindqvist Bergström Lundgren Sjöberg Holm Engström Ekström"),
    "no": _C("no",
             "Ole Lars Knut Arne Per Bjørn Eirik Håkon Sindre Magnus Tor Jon",
             "Ingrid Kari Anne Solveig Marit Liv Hanne Silje Ragnhild Ingeborg Tone Astrid",
             "Hansen Johansen Olsen Larsen Andersen Pedersen Nilsen Kristiansen Jensen Berg "
             "Haugen Hagen Bakken Solberg Dahl Lie Moen Strand"),
    "da": _C("da",
             "Jens Søren Niels Lars Rasmus Mads Anders Henrik Morten Kasper Frederik Mikkel",
             "Mette Hanne Anne Lene Pernille Camilla Signe Louise Maja Karen Sofie Line",
             "Jensen Nielsen Hansen Pedersen Andersen Christensen Larsen Sørensen Rasmussen "
             "Jørgensen Petersen Madsen Kristensen Mortensen Møller Poulsen"),
    "fi": _C("fi",
             "Juha Mikko Jari Timo Matti Antti Pekka Jukka Heikki Ville Teemu Kari",
             "Anne Tuula Päivi Sari Minna Riitta Johanna Leena Hanna Satu Kaisa Aino",
             "Korhonen Virtanen Mäkinen Nieminen Mäkelä Hämäläinen Laine Heikkinen Koskinen "
             "Järvinen Lehtonen Lehtinen Saarinen Salminen Heinonen Niemi"),
    "is": _C("is",
             "Jón Sigurður Guðmundur Gunnar Ólafur Einar Kristján Magnús Stefán Björn",
             "Guðrún Anna Kristín Sigríður Margrét Helga Sigrún Ingibjörg Jóhanna Katrín",
             "Jónsson Sigurðarson Guðmundsson Gunnarsson Ólafsson Einarsson Kristjánsson "
             "Magnússon Stefánsson Björnsson Helgason Þórsson Pálsson Árnason",
             fem=_fem_is),
    "et": _C("et",
             "Andres Jaan Toomas Mart Rein Tiit Priit Margus Urmas Indrek Kristjan Siim",
             "Anne Tiina Kadri Katrin Maarja Kristiina Liis Triin Piret Merike Helen Kersti",
             "Tamm Saar Sepp Mägi Kask Kukk Rebane Ilves Pärn Koppel Lepik Oja Raudsepp Kõiv Luik "
             "Lõhmus"),
    "lv": _C("lv",
             "Jānis Andris Edgars Māris Kārlis Roberts Artūrs Mārtiņš Raimonds Guntis",
             "Anna Kristīne Ilze Inese Līga Dace Laura Marta Zane Santa",
             "Bērziņš Kalniņš Ozols Jansons Liepiņš Krūmiņš Balodis Zariņš Pētersons Vītols "
             "Kļaviņš Lācis",
             fem=_fem_lv),
    "lt": _C("lt",
             "Jonas Tomas Mantas Darius Paulius Andrius Vytautas Mindaugas Rimantas Algirdas "
             "Linas Giedrius",
             "Rūta Asta Jurgita Inga Lina Aušra Vilma Rasa Ieva Eglė Gintarė Daiva",
             "Kazlauskas Jankauskas Petrauskas Stankevičius Vasiliauskas Žukauskas Butkus "
             "Paulauskas Urbonas Kavaliauskas Navickas Rimkus Balčiūnas Jonaitis Šimkus",
             fem=_fem_lt),
    "ru": _C("ru",
             "Александр Сергей Дмитрий Андрей Алексей Михаил Игорь Николай Владимир Евгений "
             "Павел Иван Олег Юрий Максим Артём Константин Виктор",
             "Елена Ольга Наталья Татьяна Ирина Светлана Марина Анна Екатерина Мария Юлия "
             "Людмила Галина Ксения Дарья Вера Надежда Анастасия",
             "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров "
             "Морозов Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев "
             "Орлов Андреев Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев "
             "Романов Воробьёв Белов Комаров Жуков Тихомиров Покровский Успенский Вознесенский",
             fem=_fem_slavic_ru),
    "uk": _C("uk",
             "Олександр Андрій Сергій Володимир Дмитро Олег Юрій Іван Михайло Богдан Тарас "
             "Віталій Петро Василь Ярослав Остап",
             "Олена Наталія Тетяна Ірина Оксана Юлія Світлана Галина Марія Людмила Катерина "
             "Ольга Христина Соломія Дарина Леся",
             "Мельник Шевченко Бойко Коваленко Бондаренко Ткаченко Кравченко Коваль Олійник "
             "Шевчук Поліщук Лисенко Руденко Савченко Марченко Мороз Петренко Клименко Павленко "
             "Гончаренко Левченко Кравчук Ковальчук Романюк Ткачук Федоренко Яковенко Гнатюк "
             "Вербицький Заболотний Білоус Стефанишин Гуменюк",
             fem=_fem_uk),
    "be": _C("be",
             "Аляксандр Сяргей Андрэй Дзмітрый Уладзімір Мікалай Павел Алег Ігар Віктар Яўген Юрый",
             "Вольга Наталля Ірына Таццяна Алена Святлана Марыя Ганна Юлія Кацярына Людміла Вераніка",
             "Іваноў Кавалёў Шымановіч Навіцкі Жук Лукашэвіч Мельнікаў Карповіч Казлоў Гаўрылюк "
             "Багдановіч Макарэвіч Бондар Ярмоленка Тарашкевіч",
             fem=_fem_be),
    "ka": _C("ka",
             "გიორგი დავით ლევან ნიკოლოზ ირაკლი ზურაბ დიმიტრი ალექსანდრე თამაზ გოჩა ლაშა ბექა "
             "ვახტანგ მამუკა",
             "ნინო თამარ მარიამ ნათია ეკატერინე ქეთევან მაკა სალომე ანა ლია ხათუნა ნანა თეონა მზია",
             "ბერიძე კაპანაძე გელაშვილი მაისურაძე გიორგაძე ლომიძე წიკლაური ბოლქვაძე ნოზაძე "
             "ხუციშვილი ჯაფარიძე ქავთარაძე მელაძე აბაშიძე ჩიქოვანი დავითაშვილი ლორთქიფანიძე "
             "გოგუაძე კვარაცხელია მამულაშვილი"),
    "hy": _C("hy",
             "Արամ Արմեն Տիգրան Դավիթ Գևորգ Հայկ Վահան Սարգիս Կարեն Արտակ Նարեկ Հովհաննես Գագիկ Ռուբեն",
             "Անահիտ Մարինե Լուսինե Նարինե Գոհար Աննա Մարիամ Սիրանուշ Արմինե Լիլիթ Թամարա Հասմիկ "
             "Աստղիկ Նունե",
             "Պետրոսյան Գրիգորյան Հակոբյան Սարգսյան Հարությունյան Ավետիսյան Մկրտչյան Խաչատրյան "
             "Վարդանյան Կարապետյան Գևորգյան Մարտիրոսյան Հովհաննիսյան Ղազարյան Աբրահամյան "
             "Ստեփանյան Բաղդասարյան Մանուկյան Պողոսյան Ալեքսանյան"),
    "az": _C("az",
             "Elnur Rəşad Orxan Tural Elçin Vüsal Kamran Fərid Anar Ramil Səbuhi Nicat Elvin Emin",
             "Aynur Günel Leyla Nərmin Səbinə Aysel Könül Ülviyyə Fidan Nigar Lalə Şəbnəm Aytən Zəhra",
             "Məmmədov Həsənov Hüseynov Quliyev İsmayılov Abdullayev Rəhimov Cəfərov Süleymanov "
             "Nəsirov Bağırov Kərimov Əhmədov Novruzov Qasımov Rzayev Hacıyev Əlizadə Quluzadə",
             fem=_fem_latin_ov),
    "kk": _C("kk",
             "Ерлан Нұрлан Асхат Дәурен Бауыржан Қанат Ержан Серік Арман Ғалым Талғат Мұрат "
             "Айдос Дархан",
             "Айгерім Гүлнар Әсел Динара Жанар Сәуле Ақмарал Гүлмира Назгүл Айжан Мөлдір Жұлдыз "
             "Салтанат Ботагөз",
             "Жақсылықов Сейітов Әбдірахманов Омаров Нұрмағамбетов Исаев Тоқтаров Қасымов "
             "Бекмұхамедов Ахметов Сұлтанов Серікбаев Байжанов Мұхамеджанов Оспанов Жұмабаев "
             "Құдайбергенов",
             fem=_fem_slavic_ru),
    "ky": _C("ky",
             "Азамат Бакыт Нурлан Эрлан Улан Темирлан Марат Айбек Чынгыз Жыргалбек Канат Бектур",
             "Айгүл Гүлнара Жылдыз Назира Чолпон Айпери Бермет Динара Нургүл Айзада Асель Мээрим",
             "Асанов Токтогулов Жумабеков Осмонов Абдыкадыров Исаков Сыдыков Мамытов "
             "Бейшеналиев Турдубаев Кадыров Алыбаев Эсенбаев Сатыбалдиев",
             fem=_fem_slavic_ru),
    "tg": _C("tg",
             "Фирдавс Рустам Фаррух Шерзод Бахтиёр Умед Далер Ҷамшед Илҳом Суҳроб Манучеҳр Зафар",
             "Гулнора Мадина Нилуфар Зарина Шаҳло Малика Фарангис Меҳрона Дилноза Нигора Парвина "
             "Сабоҳат",
             "Раҳимов Каримов Назаров Шарипов Сафаров Юсупов Ҳасанов Мирзоев Саидов Қурбонов "
             "Давлатов Аминов Иброҳимов Исмоилов Бобоев Раҳимзода Шарифзода Бобозода",
             fem=_fem_slavic_ru),
    "uz": _C("uz",
             "Aziz Jasur Sardor Bekzod Rustam Otabek Dilshod Sherzod Ulugʻbek Bobur Farrux "
             "Shoxrux Jamshid Sanjar",
             "Dilnoza Gulnora Nodira Malika Zarina Shahnoza Madina Nilufar Feruza Sevara Kamola "
             "Dildora Mohira Barno",
             "Karimov Rahimov Yusupov Tursunov Ismoilov Abdullayev Rashidov Nazarov Xolmatov "
             "Saidov Qodirov Ergashev Sobirov Toshmatov Mirzayev Usmonov Gʻofurov",
             fem=_fem_latin_ov),
    "tk": _C("tk",
             "Berdi Döwlet Merdan Aşyr Serdar Myrat Batyr Maksat Arslan Rahym Nury Ýusup Kerim",
             "Ogulgerek Maýsa Jeren Aýna Gülşat Bahar Mähri Leýli Näzik Enejan Selbi Aýgül",
             "Annaýew Orazow Atayew Berdiýew Hojamuradow Gurbanow Nurmuhammedow Meredow "
             "Hallyýew Jumaýew Saparow Täçmyradow",
             fem=_fem_latin_ov),
    "mn": _C("mn",
             "Батбаяр Ганболд Төмөр Ганбаатар Бат-Эрдэнэ Болд Тэмүүлэн Сүхбат Очир Мөнх-Очир",
             "Оюунчимэг Сарангэрэл Наранцэцэг Болормаа Энхтуяа Цэцэгмаа Мөнхзул Ариунаа "
             "Дэлгэрмаа Сарнай Номин",
             "Батболд Ганзориг Дорж Цэрэн Лхагва Энхтайван Баяр Пүрэв Сүх Нямдорж Гантулга Жаргал"),
    "ar_eg": _C("ar",
                "Ahmed Mohamed Mahmoud Omar Khaled Youssef Mostafa Tarek Hossam Karim Amr Hassan "
                "Ibrahim Walid Sherif Hany",
                "Fatma Mariam Nour Salma Heba Rania Dina Yasmine Amira Hala Mona Reem Sara Nermeen "
                "Shaimaa Ghada",
                "Hassan Ibrahim Mahmoud Abdel-Rahman El-Sayed Mostafa Farouk Soliman Fathy Gaber "
                "Hamdy Hegazy Shaker Radwan Nassar Abdel-Aziz El-Masry Zaki"),
    "ar_lev": _C("ar",
                 "Ahmad Mohammad Omar Khalil Sami Nabil Ziad Fadi Rami Bassam Tariq Yousef Hani "
                 "Majed Issa Elias",
                 "Layla Rana Lina Reem Dima Hala Nour Maya Rasha Joumana Sawsan Ruba Hiba Nadine "
                 "Maha Lubna",
                 "Haddad Khoury Nasser Saleh Awad Mansour Khalil Haddadin Masri Qasem Hamdan Shami "
                 "Saab Karam Najjar Atallah Sweidan Hijazi"),
    "ar_iq": _C("ar",
                "Ali Hussein Ahmed Mohammed Haider Mustafa Abbas Karrar Ammar Saad Yaseen Qassim "
                "Muthanna Zaid",
                "Zainab Fatima Maryam Noor Huda Sura Shahad Rusul Ban Hadeel Iman Suha Raghad Dhuha",
                "Al-Jubouri Al-Tamimi Al-Obaidi Al-Rubaie Al-Saadi Al-Hashimi Al-Janabi Kadhim "
                "Hussein Jassim Al-Khafaji Al-Musawi Al-Bayati Abdulla"),
    "ar_mag": _C("ar",
                 "Mohamed Karim Youssef Rachid Mehdi Nabil Samir Hicham Abdelkader Mourad Anis "
                 "Omar Khalid Sofiane Hamza",
                 "Fatima Khadija Nadia Samira Leila Amina Meriem Sonia Imane Houda Rim Salma Nawal "
                 "Yasmina Soumaya",
                 "Benali Bennani El_Amrani Alaoui Tazi Bouzid Haddad Mansouri Ben_Salah Trabelsi "
                 "Gharbi Ben_Ammar Belkacem Saadi Meziane Cherif Chaoui Berrada Jaziri Hamdi"),
    "he": _C("he",
             "David Yosef Moshe Avraham Daniel Eitan Yonatan Amir Ariel Noam Itai Oren Gil Uri",
             "Noa Tamar Yael Michal Shira Maya Adi Ronit Orly Dafna Naama Hila Rivka Efrat",
             "Cohen Levi Mizrahi Peretz Biton Dahan Avraham Friedman Azoulay Katz Shapira "
             "Ben-David Goldstein Ashkenazi Segal Rosen Ben-Ami Carmi Barak"),
    "ps": _C("ps",
             "Ahmad Mohammad Abdul Farid Habib Jawad Karim Mirwais Nasir Rahim Sayed Shafiq Wahid "
             "Zabihullah",
             "Farida Fatima Habiba Latifa Mariam Nargis Parwana Roya Shabnam Soraya Zarghona Malalai",
             "Ahmadzai Popal Rahimi Karimi Haidari Hashimi Noori Sultani Wardak Safi Stanikzai "
             "Amiri Barakzai Durrani Mohseni Jalali Samadi"),
    "fa": _C("fa",
             "Ali Reza Mohammad Hossein Mehdi Amir Hamid Saeed Babak Kaveh Dariush Farhad Parviz",
             "Maryam Fatemeh Zahra Narges Leila Shirin Parisa Roya Mina Azadeh Nasrin Golnaz Laleh",
             "Mohammadi Hosseini Ahmadi Rezaei Karimi Moradi Jafari Rahimi Hashemi Sadeghi Kazemi "
             "Tehrani Shirazi Esfahani Najafi Ebrahimi"),
    "ur": _C("ur",
             "Muhammad Ahmed Ali Hassan Usman Bilal Imran Faisal Kamran Asif Tariq Zubair Shahid "
             "Naveed Fahad",
             "Ayesha Fatima Sana Amna Hira Sadia Nadia Saima Rabia Mahnoor Zainab Maryam Asma Bushra",
             "Khan Ahmed Malik Qureshi Sheikh Butt Chaudhry Raza Hussain Siddiqui Mirza Abbasi "
             "Javed Iqbal Baig Durrani Shah Dani"),
    "hi": _C("hi",
             "Rajesh Amit Suresh Vikram Arjun Rahul Sanjay Anil Ravi Deepak Prakash Arvind Kiran "
             "Manoj Nikhil",
             "Priya Anjali Sunita Kavita Neha Pooja Lakshmi Meera Divya Anita Shreya Radhika Sneha "
             "Nandini Aparna",
             "Sharma Verma Gupta Singh Kumar Patel Reddy Rao Iyer Nair Menon Mukherjee Banerjee "
             "Chatterjee Das Joshi Mehta Desai Kulkarni Pillai Chaudhary Bose"),
    "km": _C("km",
             "Dara Sophal Vuthy Rithy Sokha Virak Visal Bunthoeun Piseth Sovann Kosal Samnang "
             "Pheakdey Sothea Vannak",
             "Sreymom Sophea Chanthy Bopha Sokunthea Dany Kolab Mealea Sreyneang Sophany Channary "
             "Rachana Sreyleak Malis Phalla",
             "Sok Chan Chea Kim Heng Meas Ly Nuon Pen Phan Prak Seng Sun Tep Ouk Kong Keo Mao Sam "
             "Ros Chhun Lim Yim",
             family_first=True),
    "th": _C("th",
             "Somchai Somsak Anan Prasert Sompong Wichai Thanawat Kittisak Nattapong Chaiwat "
             "Supachai Pongsakorn Apichart",
             "Siriporn Suda Pornthip Wanida Kanokwan Nattaya Ratana Somying Jintana Pimchanok "
             "Araya Duangjai Malee",
             "Saetang Srisuk Wongsawat Chaiyaporn Rattanakorn Suwannarat Thongchai Sukprasert "
             "Boonmee Phromma Kaewkanya Srisawat Jaidee Chansiri"),
    "vi": _C("vi",
             "Văn_An Văn_Bảo Mạnh_Cường Tiến_Dũng Quang_Hải Văn_Hùng Đăng_Khoa Hoàng_Long "
             "Minh_Nam Thanh_Phong Minh_Quang Hữu_Sơn Đức_Thắng Anh_Tuấn",
             "Thị_Anh Thị_Hà Thu_Hằng Thị_Hoa Thị_Hương Ngọc_Lan Thùy_Linh Thị_Mai Bích_Ngọc "
             "Hồng_Nhung Thanh_Phương Phương_Thảo Thu_Trang Tường_Vy",
             "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương",
             family_first=True),
    "ja": _C("ja",
             "Hiroshi Takashi Kenji Satoshi Yuki Kazuo Daisuke Shinji Takumi Haruto Kenta Makoto "
             "Ryo Akira",
             "Yuko Keiko Tomoko Yumi Akiko Naoko Emi Sakura Haruka Aya Megumi Mariko Noriko Kaori",
             "Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato Yoshida "
             "Yamada Sasaki Matsumoto Inoue Kimura Hayashi Shimizu Mori Ikeda"),
    "ko": _C("ko",
             "Min-jun Seo-jun Ji-hoon Hyun-woo Dong-hyun Sung-min Jae-won Young-ho Jin-woo Sang-hoon",
             "Seo-yeon Ji-woo Min-seo Ha-eun Soo-jin Eun-ji Hye-jin Yoon-ah Ji-young Mi-kyung",
             "Kim Lee Park Choi Jung Kang Cho Yoon Jang Lim Han Oh Seo Shin Kwon Hwang",
             family_first=True),
    "yo": _C("en",
             "Chinedu Oluwaseun Emeka Babatunde Ibrahim Musa Chukwuemeka Adebayo Ifeanyi Yusuf "
             "Olumide Tunde",
             "Ngozi Funmilayo Chioma Aisha Adaeze Folake Amina Nneka Yetunde Zainab Ifeoma Bisi",
             "Okafor Adeyemi Okonkwo Bello Eze Nwosu Abubakar Olawale Adebayo Obi Ibrahim Chukwu "
             "Balogun Onyeka Danjuma"),
    "bm": _C("fr",
             "Moussa Mamadou Boubacar Amadou Oumar Seydou Ibrahim Adama Modibo Cheick Souleymane",
             "Aminata Fatoumata Mariam Awa Kadiatou Oumou Aïssata Djeneba Rokia Hawa",
             "Traoré Keïta Coulibaly Diarra Touré Diallo Konaté Sissoko Cissé Sangaré Dembélé Maïga"),
    "am": _C("am",
             "Abebe Dawit Tesfaye Yohannes Getachew Solomon Bekele Mulugeta Tadesse Alemayehu",
             "Tigist Selamawit Hirut Meron Bethlehem Mekdes Almaz Genet Rahel Liya",
             "Tesfaye Bekele Haile Girma Alemu Kebede Tadesse Mengistu Wolde Abebe Desta "
             "Gebremedhin"),
}
del _C


# =========================================================================== countries
# code, weight, cultures ("key" or "key:weight"), script rule, other national languages
# ("lang:probability"), foreign-language profile, cities.
# Script rules: "sr_cyr:P" writes Serbian names in Cyrillic with probability P; "lat:P" gives a
# Latin transliteration of a non-Latin-script name with probability P.

_COUNTRY_ROWS = """
RS 9  sr                     sr_cyr:0.45  -                 balkan   Belgrade Novi_Sad Niš Kragujevac Sremska_Mitrovica
BA 6  bs:5,sr:3,hr:2         sr_cyr:0.35  -                 balkan   Sarajevo Banja_Luka Mostar Tuzla Bihać
ME 3  sr                     sr_cyr:0.2   -                 balkan   Podgorica Cetinje Kotor Nikšić
MK 5  mk:9,sq:2              -            -                 balkan   Skopje Ohrid Bitola Štip Strumica
AL 5  sq                     -            it:0.25           balkan   Tirana Durrës Shkodër Berat Gjirokastër
HR 4  hr                     -            -                 balkan   Zagreb Split Zadar Osijek Rijeka
SI 2  sl                     -            -                 central  Ljubljana Maribor Koper Celje
BG 6  bg                     -            -                 balkan   Sofia Plovdiv Varna Veliko_Tarnovo Burgas
RO 5  ro                     -            -                 balkan   Bucharest Cluj-Napoca Iași Constanța Timișoara
MD 3  ro                     -            ru:0.75           post_soviet  Chișinău Bălți Cahul Orhei
GR 5  el                     -            -                 west     Athens Thessaloniki Heraklion Ioannina Patras
CY 1  el                     -            en:0.9,tr:0.1     west     Nicosia Limassol Paphos Larnaca
TR 6  tr                     -            -                 west     Istanbul Ankara İzmir Antalya Gaziantep Trabzon
HU 4  hu                     -            -                 central  Budapest Szeged Pécs Debrecen Eger
CZ 4  cs                     -            -                 central  Prague Brno Olomouc Plzeň Kutná_Hora
SK 3  sk                     -            hu:0.1            central  Bratislava Košice Nitra Banská_Bystrica
PL 5  pl                     -            -                 central  Warsaw Kraków Gdańsk Wrocław Poznań Lublin
AT 4  de                     -            -                 central  Vienna Graz Salzburg Innsbruck Linz
DE 6  de                     -            -                 central  Berlin Munich Cologne Hamburg Leipzig Dresden Mainz
CH 3  de:6,fr:3,it:1         -            fr:0.4,de:0.4     central  Zurich Geneva Basel Bern Lausanne Lugano
LI 1  de                     -            -                 central  Vaduz Schaan
FR 6  fr                     -            -                 west     Paris Lyon Marseille Bordeaux Strasbourg Lille
BE 3  nl:5,fr:5              -            fr:0.6,nl:0.6     west     Brussels Antwerp Ghent Liège Namur Bruges
NL 3  nl                     -            -                 north    Amsterdam Leiden Rotterdam The_Hague Utrecht
LU 1  fr:1,de:1              -            lb:0.7,de:0.8,fr:0.8  west Luxembourg Esch-sur-Alzette
IT 7  it                     -            -                 west     Rome Florence Naples Milan Venice Palermo Bologna
ES 4  es                     -            -                 west     Madrid Barcelona Seville Valencia Toledo Salamanca
PT 2  pt                     -            -                 west     Lisbon Porto Coimbra Évora
MT 1  en                     -            mt:0.9,it:0.4     west     Valletta Mdina
GB 5  en                     -            -                 anglo    London Oxford Cambridge Edinburgh Manchester Cardiff
IE 1  en                     -            ga:0.2            anglo    Dublin Cork Galway
SE 2  sv                     -            -                 north    Stockholm Uppsala Gothenburg Lund
NO 2  no                     -            -                 north    Oslo Bergen Trondheim Tromsø
DK 2  da                     -            -                 north    Copenhagen Aarhus Odense Roskilde
FI 2  fi                     -            sv:0.3            north    Helsinki Turku Tampere Oulu
IS 1  is                     -            da:0.3            north    Reykjavík Akureyri
EE 1  et                     -            ru:0.3            north    Tallinn Tartu Pärnu
LV 1  lv                     -            ru:0.45           north    Riga Daugavpils Liepāja
LT 2  lt                     -            ru:0.3,pl:0.1     north    Vilnius Kaunas Klaipėda
UA 6  uk                     -            ru:0.6            east     Kyiv Lviv Odesa Kharkiv Chernihiv Kherson
RU 3  ru                     -            -                 post_soviet  Moscow Saint_Petersburg Kazan Novgorod Yekaterinburg
BY 2  be:4,ru:6              -            ru:0.95           post_soviet  Minsk Grodno Brest Vitebsk Polotsk
GE 3  ka                     lat:0.5      -                 post_soviet  Tbilisi Kutaisi Batumi Mtskheta Telavi
AM 3  hy                     lat:0.5      -                 post_soviet  Yerevan Gyumri Vanadzor Echmiadzin
AZ 3  az                     -            -                 post_soviet  Baku Ganja Shaki Lankaran
KZ 4  kk:7,ru:3              lat:0.3      ru:0.95           post_soviet  Astana Almaty Shymkent Turkistan Karaganda
KG 3  ky                     lat:0.25     ru:0.95           post_soviet  Bishkek Osh Karakol Talas
UZ 4  uz                     -            ru:0.8            post_soviet  Tashkent Samarkand Bukhara Khiva Termez
TJ 3  tg                     lat:0.2      ru:0.85           post_soviet  Dushanbe Khujand Panjakent Kulob
TM 2  tk                     -            ru:0.8            post_soviet  Ashgabat Mary Türkmenabat Dashoguz
MN 2  mn                     lat:0.3      ru:0.4            asia     Ulaanbaatar Kharkhorin Erdenet
US 4  en                     -            -                 anglo    New_York Washington Chicago Los_Angeles Boston Philadelphia
CA 2  en:7,fr:3              -            fr:0.5,en:0.9     anglo    Ottawa Toronto Montreal Quebec_City Vancouver
AU 2  en                     -            -                 anglo    Canberra Sydney Melbourne Perth
EG 3  ar_eg                  -            -                 mideast  Cairo Alexandria Luxor Aswan Minya
JO 2  ar_lev                 -            -                 mideast  Amman Irbid Petra Jerash
IL 2  he                     -            ar:0.25           mideast  Jerusalem Tel_Aviv Haifa Beersheba
MA 2  ar_mag                 -            fr:0.9            maghreb  Rabat Fez Marrakesh Casablanca Tangier
TN 2  ar_mag                 -            fr:0.9            maghreb  Tunis Sfax Kairouan Sousse Carthage
DZ 1  ar_mag                 -            fr:0.85           maghreb  Algiers Oran Constantine Tlemcen
LB 1  ar_lev                 -            fr:0.6            mideast  Beirut Byblos Tripoli Sidon Baalbek
SY 1  ar_lev                 -            -                 mideast  Damascus Aleppo Homs Palmyra
IQ 2  ar_iq                  -            ku:0.15           mideast  Baghdad Mosul Basra Erbil Najaf Samarra
IR 1  fa                     -            -                 mideast  Tehran Isfahan Shiraz Tabriz Mashhad
AF 2  ps:5,fa:5              -            fa:0.7            asia     Kabul Herat Mazar-i-Sharif Bamiyan Kandahar
PK 2  ur                     -            en:0.95,pa:0.2    asia     Islamabad Lahore Peshawar Taxila Karachi
IN 2  hi                     -            en:0.95           asia     New_Delhi Mumbai Kolkata Chennai Varanasi
KH 2  km                     -            fr:0.35           asia     Phnom_Penh Siem_Reap Battambang Kampong_Thom
TH 2  th                     -            -                 asia     Bangkok Chiang_Mai Ayutthaya Sukhothai Khon_Kaen
VN 1  vi                     -            -                 asia     Hanoi Ho_Chi_Minh_City Hue Da_Nang
JP 2  ja                     -            -                 asia     Tokyo Kyoto Nara Osaka Fukuoka
KR 2  ko                     -            -                 asia     Seoul Gyeongju Busan Daejeon
NG 1  yo                     -            yo:0.3,ig:0.25,ha:0.2            africa   Lagos Abuja Benin_City Ibadan
ML 1  bm                     -            bm:0.6,ar:0.1            africa   Bamako Mopti Timbuktu Djenné Ségou
ET 1  am                     -            -                 africa   Addis_Ababa Aksum Lalibela Gondar
MX 2  es_mx                  -            -                 latam    Mexico_City Oaxaca Mérida Puebla Guadalajara
PE 2  es_andes               -            qu:0.15           latam    Lima Cusco Arequipa Trujillo Ayacucho
GT 1  es_mx                  -            -                 latam    Guatemala_City Antigua_Guatemala Flores
CO 1  es                     -            -                 latam    Bogotá Medellín Cartagena Cali
AR 1  es                     -            -                 latam    Buenos_Aires Córdoba Mendoza Salta
BR 1  pt                     -            -                 latam    Brasília São_Paulo Rio_de_Janeiro Salvador
"""

# Foreign languages an expert may also work in (probability each), by profile.
_FOREIGN: dict[str, tuple[tuple[str, float], ...]] = {
    "balkan": (("en", 0.85), ("de", 0.25), ("ru", 0.12), ("fr", 0.12), ("it", 0.08)),
    "central": (("en", 0.9), ("de", 0.4), ("fr", 0.2), ("ru", 0.1), ("it", 0.05)),
    "west": (("en", 0.9), ("fr", 0.35), ("de", 0.25), ("it", 0.15), ("es", 0.15)),
    "north": (("en", 0.97), ("de", 0.3), ("fr", 0.15)),
    "east": (("en", 0.7), ("de", 0.15), ("pl", 0.1), ("fr", 0.05)),
    "post_soviet": (("ru", 0.85), ("en", 0.65), ("de", 0.12), ("fr", 0.05), ("tr", 0.05)),
    "anglo": (("fr", 0.3), ("es", 0.15), ("de", 0.15), ("it", 0.1), ("ar", 0.04)),
    "mideast": (("en", 0.85), ("fr", 0.2), ("de", 0.05)),
    "maghreb": (("en", 0.5), ("es", 0.1)),
    "asia": (("en", 0.85), ("fr", 0.08), ("de", 0.04)),
    "africa": (("en", 0.6), ("fr", 0.4)),
    "latam": (("en", 0.7), ("fr", 0.12), ("pt", 0.1), ("it", 0.08)),
}


class _Country:
    __slots__ = ("code", "weight", "cultures", "culture_cum", "sr_cyr", "latin", "also",
                 "foreign", "cities", "name")

    def __init__(self, row: str) -> None:
        code, weight, cultures, script, also, foreign, *cities = row.split()
        self.code = code
        self.weight = int(weight)
        keys, weights = [], []
        for part in cultures.split(","):
            key, _, w = part.partition(":")
            keys.append(CULTURES[key])
            weights.append(float(w or 1))
        self.cultures = tuple(keys)
        self.culture_cum = tuple(accumulate(weights))
        self.sr_cyr = float(script.split(":")[1]) if script.startswith("sr_cyr") else 0.0
        self.latin = float(script.split(":")[1]) if script.startswith("lat") else 0.0
        self.also = () if also == "-" else tuple(
            (lang, float(p)) for lang, p in (part.split(":") for part in also.split(","))
        )
        self.foreign = _FOREIGN[foreign]
        self.cities = _words(" ".join(cities))
        name = reference.country_name(code).replace(" & ", " and ")
        self.name = _COUNTRY_DISPLAY.get(code, name)


_COUNTRY_DISPLAY = {
    "US": "the United States", "GB": "the United Kingdom", "NL": "the Netherlands",
    "CZ": "the Czech Republic", "KR": "the Republic of Korea", "MK": "North Macedonia",
}

COUNTRIES: tuple[_Country, ...] = tuple(
    _Country(line) for line in _COUNTRY_ROWS.strip().splitlines() if line.strip()
)
_COUNTRY_BY_CODE = {c.code: c for c in COUNTRIES}
_COUNTRY_CUM = tuple(accumulate(c.weight for c in COUNTRIES))


# =========================================================================== specialties
# "text | affinity" — affinity is a list of country codes whose experts are far more likely to
# hold that specialty (and whose territory it covers). Text is written as it reads mid-sentence.

_SPECIALTIES_RAW: dict[str, str] = {
    "archaeology": """
Khmer bronze statuary | KH TH FR US GB
Angkorian stone sculpture | KH TH FR
Gandharan Buddhist sculpture | PK AF IN GB
Bactrian gold and metalwork | AF UZ TJ TM
Roman provincial archaeology of the Danube limes | RS BG RO HU AT HR
Greek painted pottery | GR IT CY
Etruscan antiquities | IT
Apulian red-figure vases | IT
Ancient Egyptian funerary objects | EG GB US FR DE
Egyptian shabtis and amulets | EG
Coptic textiles | EG
Mesopotamian cuneiform tablets | IQ SY US GB
Neo-Assyrian reliefs | IQ SY
Scythian gold | UA RU KZ
Thracian metalwork | BG GR TR RO
Illyrian bronzes | AL MK ME BA RS HR
Neolithic Vinča figurines | RS BA RO MK
Cucuteni-Trypillia ceramics | UA MD RO
Pre-Columbian ceramics | MX PE GT CO
Moche and Nazca antiquities | PE
Maya jade and stone carving | MX GT
Byzantine small finds | TR GR BG RS MK
early medieval Slavic jewellery | RS PL CZ UA SK
Viking Age metalwork | NO SE DK IS
Silk Road archaeology | UZ KZ KG TJ TM
Urartian bronzes | AM TR
Colchian gold | GE
Nabataean antiquities | JO
Phoenician and Punic antiquities | LB TN
Islamic glass and ceramics | IR IQ SY EG TR
Sasanian silver | IR
Dvaravati sculpture | TH
Ban Chiang pottery | TH
Jomon and Yayoi artefacts | JP
Silla and Goguryeo artefacts | KR
Indus Valley seals and ceramics | PK IN
Hellenistic terracotta figurines | GR TR CY
Anatolian Bronze Age idols | TR
Nok terracottas | NG
Djenné terracottas | ML
Roman glass |
Roman funerary inscriptions | IT HR RS
ancient Greek bronzes | GR IT
Bronze Age hoards |
prehistoric flint tools |
metal-detector finds and traces of illicit excavation |
field survey and looting-pit assessment |
satellite monitoring of looted sites |
Mongolian Bronze Age deer stones | MN
Aksumite antiquities | ET
""",
    "numismatics": """
Roman Imperial coinage |
Roman Republican denarii | IT
Greek archaic and classical coinage | GR IT TR
Byzantine coinage | TR GR BG RS
Byzantine lead seals | TR GR BG
Golden Horde coins | RU KZ UA
Celtic coinage | FR CZ AT HU DE
medieval Serbian coinage | RS ME
Ottoman coinage | TR BA RS BG
Sasanian drachms | IR
Kushan gold coinage | AF PK IN UZ
Indo-Greek coinage | AF PK IN
Islamic dirhams and dinars | IQ SY EG IR
Venetian and Ragusan coinage | IT HR
Thracian and Paeonian coinage | BG MK GR
Dacian imitations of Roman denarii | RO
Parthian coinage | IR IQ
hoards and die studies |
medals and decorations |
tokens and jetons | GB NL FR
Russian Imperial coinage | RU
Habsburg coinage | AT HU CZ
Crusader coinage | IL LB
Aksumite coinage | ET
Spanish colonial cob coinage | ES MX PE
Bactrian Greek tetradrachms | AF UZ TJ
coin forgeries and cast copies |
Roman provincial mints of the Balkans | RS BG MK
sigillography and seal matrices |
paper money and banknotes |
Khwarazmian and Samanid coinage | UZ TM TJ
Georgian and Armenian medieval coinage | GE AM
""",
    "manuscripts": """
Ottoman firmans | TR BA BG RS
Ottoman defters and court records | TR
Church Slavonic manuscripts | RS BG MK RU UA
Glagolitic manuscripts | HR
Armenian illuminated manuscripts | AM
Georgian medieval manuscripts | GE
Greek liturgical manuscripts | GR CY
Hebrew manuscripts and Torah scrolls | IL
Qur'an manuscripts | EG IQ IR TR MA
Persian miniature painting | IR AF TJ UZ
Islamic calligraphy | TR EG IR
medieval Latin charters | IT FR DE AT HU
incunabula | DE IT
early printed Cyrillic books | RU UA RS MK BG
early modern maps and atlases | NL GB FR
portolan charts | IT ES PT
papyri | EG
Syriac manuscripts | SY IQ TR
Ethiopic manuscripts | ET
palm-leaf manuscripts | KH TH IN
Sanskrit manuscripts | IN
Mongolian Buddhist sutras | MN
archival documents of the Second World War |
bookbinding history |
autograph letters and signed documents |
library ownership stamps and theft marks |
Bosnian aljamiado texts | BA
Timbuktu manuscripts | ML
Chagatai and Persian manuscripts of Central Asia | UZ TJ KZ
Renaissance illuminated manuscripts | IT FR
""",
    "religious_art": """
Old Believer icons | RU
Russian icons of the 16th–19th centuries | RU
Byzantine icons | GR CY TR
post-Byzantine icons | GR MK BG RS
Serbian medieval icons and frescoes | RS ME BA
Cretan school icons | GR
Macedonian icon painting | MK
Ukrainian Baroque icons | UA
Romanian icons on glass | RO
Georgian cloisonné enamels | GE
Armenian khachkars | AM
liturgical silver |
iconostasis fragments | BG RS MK
Gothic altarpieces | DE AT CZ PL
polychrome wooden saints | PL SK ES IT
Catholic reliquaries | IT ES FR
Judaica | IL PL HU
Ottoman mosque furnishings and prayer rugs | TR
Tibetan thangkas | MN IN
Buddhist bronzes of South-East Asia | TH KH
Hindu temple sculpture | IN
Coptic icons | EG ET
Ethiopian processional crosses | ET
Orthodox pectoral crosses | RU UA BY
Baroque altars | AT SI HR
Mongolian Buddhist sculpture | MN
processional crosses and censers |
Orthodox church textiles and epitaphioi | GR RS BG
""",
    "fine_art": """
Old Master paintings | IT NL BE ES
Dutch Golden Age painting | NL
Italian Renaissance drawings | IT
Flemish Baroque painting | BE
French Impressionism | FR
Russian avant-garde | RU UA
Socialist Realism | RU UA BY
Yugoslav modernism | RS HR SI BA MK
Austrian Secession | AT
Polish Romantic painting | PL
Hungarian 19th-century painting | HU
Ottoman court painting | TR
Orientalist painting | FR GB
Renaissance bronze sculpture | IT
Old Master prints | DE NL
19th-century photographs |
contemporary art forgeries |
Latin American modernism | MX AR
Japanese woodblock prints | JP
Korean ink painting | KR
Mughal miniatures | IN PK
Soviet-era painting of Central Asia | UZ KZ KG
Georgian modernism | GE
Armenian painting | AM
Nazi-era looted paintings | DE AT FR NL US
portrait miniatures | GB
Scandinavian landscape painting | NO SE DK
Spanish Golden Age painting | ES
Greek 19th-century painting | GR
Czech Cubism | CZ
""",
    "ethnography": """
Balkan folk costume | RS BG MK AL BA
Caucasian carpets | AZ AM GE
Turkmen carpets and jewellery | TM
Central Asian suzani embroidery | UZ TJ
Kazakh and Kyrgyz nomadic material culture | KZ KG
Mongolian nomadic artefacts | MN
Ottoman textiles | TR
Berber jewellery | MA DZ TN
West African masks | ML NG
Benin bronzes | NG
Dogon sculpture | ML
Ethiopian folk art | ET
Pacific and Oceanic artefacts | AU
Aboriginal Australian art | AU
Native American regalia | US CA
Andean textiles | PE
Amazonian featherwork | PE CO
Sámi artefacts | NO SE FI
Ainu material culture | JP
hill-tribe textiles | TH
Khmer traditional textiles | KH
Afghan tribal jewellery | AF
Bedouin jewellery | JO
Hutsul folk art | UA
musical instruments of the Balkans | RS BG MK
ritual masks |
colonial-era collections and restitution claims |
Easter eggs and folk painting of Eastern Europe | UA PL BY
""",
    "palaeontology": """
dinosaur fossils | MN US CA AR
Gobi Desert fossils | MN
Moroccan trilobites | MA
Lebanese fossil fish | LB
amber inclusions | LT PL
cave bear remains | RS RO AT SI
mammoth ivory | RU
Pleistocene megafauna |
ammonites |
meteorites |
mineral specimens |
gemstones and gem identification |
hominin fossils |
fossil forgeries and composites |
Jurassic marine reptiles | GB DE
Burgess Shale fossils | CA
Solnhofen fossils | DE
Messel pit fossils | DE
cave speleothems | SI HR
Baltic amber | LT LV EE
fossil export permits |
moldavite and tektites | CZ
Patagonian dinosaur fossils | AR
Egyptian fossil whales | EG
Central Asian dinosaur fossils | KZ UZ
woolly rhinoceros remains | RU
petrified wood |
""",
    "arms_armour": """
Ottoman arms | TR BA
Caucasian kindjal daggers | GE AZ AM RU
Japanese swords | JP
medieval European swords |
Roman military equipment | IT RS HR DE
Bronze Age weapons |
Scythian and Sarmatian weapons | UA KZ
hussar armour | PL HU
Habsburg military arms | AT
Napoleonic-era firearms | FR
flintlock and percussion firearms |
antique firearms legislation |
Second World War militaria |
Balkan yataghans | BA RS BG MK AL
Persian and Indian arms | IR IN
kris and South-East Asian blades | TH KH
Viking swords | NO DK SE
polearms |
ancient helmets | GR IT
Renaissance armour | IT DE
Montenegrin and Albanian long guns | ME AL
Cossack sabres | UA RU
Central Asian composite bows | KZ KG MN
Tuareg swords | ML DZ
Toledo blades | ES
orders, medals and military insignia |
historic artillery |
""",
    "decorative_arts": """
Fabergé and Russian silver | RU
Iznik ceramics | TR
Venetian glass | IT
Meissen porcelain | DE
Sèvres porcelain | FR
Bohemian glass | CZ
Herend porcelain | HU
Byzantine jewellery | TR GR
Ottoman silver | TR BA
Balkan filigree silverwork | AL MK RS
Persian carpets | IR
Anatolian kilims | TR
Chinese export porcelain |
Japanese lacquer | JP
Korean celadon | KR
Biedermeier furniture | AT DE
Art Nouveau glass | FR BE CZ
Georgian silver | GB
Islamic metalwork | IR EG SY
Damascene inlaid metalwork | SY
Armenian silver | AM
Dagestani silver | RU AZ
enamel and cloisonné |
historic jewellery |
antique clocks and watches | CH
tapestries | BE FR
Spanish colonial silver | MX PE
Hispano-Moresque lustreware | ES
Delftware | NL
""",
    "provenance": """
provenance research for antiquities |
art market archives and auction catalogues |
Nazi-era provenance research | DE AT NL FR US
Soviet-era confiscations | RU UA BY
colonial-era acquisitions | GB FR BE NL
museum inventory and deaccession records |
export licence verification |
due diligence for collectors and dealers |
stolen-art database searches |
dealer and auction-house records |
post-1970 collection histories |
forged provenance documents |
restitution claims research |
ICOM Red List object identification |
wartime losses of the former Yugoslavia | RS BA HR
""",
    "authentication": """
thermoluminescence dating |
radiocarbon dating |
XRF analysis of metals |
coin die analysis |
pigment analysis |
forgery detection in icons | RU GR BG RS
dendrochronology |
lead isotope analysis |
patina and corrosion analysis |
UV and infrared examination |
3D microscopy of tool marks |
forged antiquities workshops of the Balkans | BG RS MK
fake Khmer sculpture detection | KH TH
ceramic fabric analysis |
gemmology |
""",
    "legal": """
1970 UNESCO Convention |
1995 UNIDROIT Convention |
EU Regulation 2019/880 import licensing | DE FR IT NL BE AT
EU Regulation 116/2009 export licensing | DE FR IT ES GR
Directive 2014/60/EU return proceedings | DE FR IT ES
mutual legal assistance in heritage cases |
criminal law on cultural property |
UN Security Council resolution 2347 |
restitution and repatriation negotiations |
1954 Hague Convention and armed conflict |
national cultural heritage legislation |
seizure and confiscation procedure |
Nicosia Convention on offences relating to cultural property | CY
US Cultural Property Implementation Act | US
UK Dealing in Cultural Objects (Offences) Act | GB
""",
    "customs": """
HS 9705 classification |
HS 9706 antiques over 100 years |
HS 9701 paintings and drawings |
export licence checks at the border |
risk profiling of consignments |
postal and express consignments |
ATA carnets and temporary admission |
WCO ARCHEO platform |
airport passenger controls |
container inspection |
customs valuation of art |
false declarations as reproductions |
Red Lists at the border |
CITES and cultural-goods overlap |
transit through free zones |
""",
    "online_markets": """
OSINT on social-media sales |
monitoring of online auction platforms |
dark-web antiquities trade |
Facebook group trafficking networks |
reverse image search |
Telegram marketplace monitoring |
web archiving for evidence |
photo metadata and geolocation |
marketplace takedown procedures |
Arabic-language online sales | EG IQ JO SY LB
Russian-language online marketplaces | RU UA KZ BY
online coin forums |
scraping and monitoring tools |
e-commerce platform co-operation |
""",
    "financial": """
money laundering through art |
terrorist financing through antiquities |
blockchain tracing of art payments |
freeports and storage structures | CH LU
shell companies in the art market |
financial intelligence analysis |
asset recovery |
trade-based money laundering |
art market AML regulation |
valuation for confiscation proceedings |
sanctions screening |
suspicious transaction reports from dealers |
""",
    "conservation": """
safe packing of seized antiquities |
conservation of archaeological metals |
storage of waterlogged finds |
paper and parchment conservation |
icon and panel painting conservation |
textile conservation |
ceramic and glass conservation |
fossil preparation |
emergency stabilisation of seized objects |
climate-controlled evidence storage |
photographic documentation of seized objects |
handling of organic materials |
stone conservation |
conservation of archaeological coins |
""",
}


def _parse_specialties(raw: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    out = []
    for line in raw.strip().splitlines():
        text, _, affinity = line.partition("|")
        out.append((text.strip(), tuple(affinity.split())))
    return tuple(out)


SPECIALTIES: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    slug: _parse_specialties(raw) for slug, raw in _SPECIALTIES_RAW.items()
}


@lru_cache(maxsize=4096)
def _specialty_cum(category: str, country: str) -> tuple[float, ...]:
    """Cumulative weights: the country's own heritage first, general skills next, the rest last."""
    weights = []
    for _, affinity in SPECIALTIES[category]:
        if not affinity:
            weights.append(3.0)
        elif country in affinity:
            weights.append(12.0)
        else:
            weights.append(0.06)
    return tuple(accumulate(weights))


def _capitalise(text: str) -> str:
    return text[0].upper() + text[1:]


def _is_latin(text: str) -> bool:
    return all(ord(ch) < 0x250 or 0x1E00 <= ord(ch) <= 0x1EFF or ch == "ʻ" for ch in text)


@lru_cache(maxsize=4096)
def _firm_name(family: str) -> str:
    """A family name as it would appear in an English firm name ("De Jong", "Petrov", "Beridze")."""
    first = family if family[:1].islower() else family.split(" ")[0]
    return _capitalise(first if _is_latin(first) else _latin(first))


# =========================================================================== categories and organisations

_CATEGORY_WEIGHTS = {
    "archaeology": 14, "numismatics": 10, "manuscripts": 7, "religious_art": 7, "fine_art": 7,
    "ethnography": 4, "palaeontology": 3, "arms_armour": 3, "decorative_arts": 5, "provenance": 6,
    "authentication": 5, "legal": 6, "customs": 5, "online_markets": 4, "financial": 3,
    "conservation": 4,
}
_CATEGORY_LIST = tuple(reference.CATEGORIES)
_CATEGORY_CUM = tuple(accumulate(_CATEGORY_WEIGHTS[c] for c in _CATEGORY_LIST))

# Secondary categories that go with a primary one.
_RELATED = {
    "archaeology": "numismatics provenance authentication conservation ethnography decorative_arts arms_armour",
    "numismatics": "archaeology authentication provenance online_markets",
    "manuscripts": "provenance conservation religious_art fine_art",
    "religious_art": "fine_art authentication provenance conservation decorative_arts manuscripts",
    "fine_art": "provenance authentication religious_art decorative_arts financial",
    "ethnography": "decorative_arts provenance archaeology legal",
    "palaeontology": "authentication customs conservation",
    "arms_armour": "archaeology decorative_arts customs authentication",
    "decorative_arts": "fine_art ethnography authentication provenance",
    "provenance": "legal online_markets fine_art archaeology financial",
    "authentication": "archaeology numismatics fine_art conservation",
    "legal": "provenance customs financial",
    "customs": "legal online_markets financial provenance",
    "online_markets": "financial provenance numismatics archaeology",
    "financial": "legal online_markets provenance",
    "conservation": "archaeology authentication fine_art manuscripts",
}
_RELATED_T = {k: tuple(v.split()) for k, v in _RELATED.items()}

# Organisation types likely for an expert whose main category is the key.
_ORG_FOR_CATEGORY = {
    "archaeology": (("museum", 5), ("academia", 5), ("ministry", 1.5), ("independent", 1)),
    "numismatics": (("museum", 6), ("academia", 3), ("independent", 1.5)),
    "manuscripts": (("library_archive", 6), ("academia", 3), ("museum", 1.5)),
    "religious_art": (("museum", 5), ("academia", 2.5), ("ministry", 1), ("independent", 1)),
    "fine_art": (("museum", 5), ("academia", 2.5), ("independent", 1.5)),
    "ethnography": (("museum", 6), ("academia", 3)),
    "palaeontology": (("museum", 5), ("academia", 4), ("independent", 0.5)),
    "arms_armour": (("museum", 6), ("academia", 1), ("independent", 1), ("law_enforcement", 0.5)),
    "decorative_arts": (("museum", 6), ("academia", 2), ("independent", 1.5)),
    "provenance": (("academia", 3), ("museum", 3), ("independent", 3), ("library_archive", 1),
                   ("international_org", 0.5)),
    "authentication": (("academia", 4), ("museum", 3), ("independent", 2), ("law_enforcement", 1)),
    "legal": (("prosecution", 4), ("academia", 3), ("ministry", 3), ("international_org", 1.5),
              ("independent", 1)),
    "customs": (("customs", 8), ("ministry", 1), ("international_org", 0.5)),
    "online_markets": (("law_enforcement", 5), ("academia", 2), ("independent", 2),
                       ("international_org", 0.5)),
    "financial": (("law_enforcement", 4), ("prosecution", 2), ("ministry", 1), ("independent", 1.5),
                  ("international_org", 1)),
    "conservation": (("museum", 6), ("independent", 2), ("academia", 1.5)),
}
_ORG_FOR_CATEGORY_T = {
    k: (tuple(t for t, _ in v), tuple(accumulate(w for _, w in v))) for k, v in _ORG_FOR_CATEGORY.items()
}

_MUSEUM_BY_CATEGORY = {
    "archaeology": ("Museum of Archaeology, {city}", "National Museum of {country}",
                    "Regional Historical Museum, {city}", "{city} City Museum"),
    "numismatics": ("Coin Cabinet, National Museum of {country}", "Numismatic Department, {city} City Museum",
                    "Numismatic Collection of the National Bank of {country}"),
    "religious_art": ("Museum of Icons, {city}", "Diocesan Museum of {city}",
                      "Museum of Religious Art, {city}"),
    "fine_art": ("Gallery of Fine Arts, {city}", "National Gallery of {country}",
                 "{city} Museum of Modern Art"),
    "ethnography": ("Ethnographic Museum, {city}", "Museum of Folk Life, {city}"),
    "palaeontology": ("Natural History Museum, {city}", "Museum of Geology, {city}"),
    "arms_armour": ("Military History Museum, {city}", "Museum of Arms, {city}"),
    "decorative_arts": ("Museum of Applied Arts, {city}", "Museum of Decorative Arts, {city}"),
    "manuscripts": ("National Museum of {country}",),
}
_ORG_TEMPLATES = {
    "museum": ("National Museum of {country}", "{city} City Museum", "Regional Historical Museum, {city}"),
    "library_archive": ("National Library of {country}", "State Archives of {country}",
                        "Historical Archives of {city}",
                        "Manuscripts Department, {city} University Library",
                        "Archive of the Academy of Sciences, {city}"),
    "academia": ("Institute of Archaeology, University of {city}",
                 "Department of Art History, University of {city}",
                 "Faculty of Philosophy, University of {city}",
                 "Department of History, {city} State University",
                 "Centre for Heritage Studies, University of {city}",
                 "Institute of History, Academy of Sciences of {country}"),
    "law_enforcement": ("Border Police Directorate of {country}",
                        "Cultural Heritage Protection Unit, National Police of {country}",
                        "Criminal Police Directorate, {city}",
                        "Economic Crime Department, National Police of {country}",
                        "Cybercrime Department, National Police of {country}"),
    "customs": ("Customs Administration of {country}", "{city} Airport Customs Office",
                "Customs Laboratory of {country}", "{city} Border Crossing Customs Office"),
    "prosecution": ("Public Prosecutor's Office, {city}",
                    "Prosecutor's Office for Organised Crime of {country}",
                    "Office of the Prosecutor General of {country}"),
    "ministry": ("Ministry of Culture of {country}",
                 "Institute for the Protection of Cultural Monuments of {country}",
                 "National Heritage Board of {country}", "Ministry of Interior of {country}"),
    "international_org": ("Regional Heritage Crime Secretariat, {city} Office",
                          "Cultural Property Protection Programme, {city} Field Office",
                          "International Council for Heritage Security",
                          "Heritage Crime Task Force Secretariat"),
    "independent": ("Independent researcher", "{surname} Heritage Consulting",
                    "{city} Conservation Studio", "{surname} & Partners, Provenance Research"),
}
_ACADEMIA_BY_CATEGORY = {
    "legal": ("Faculty of Law, University of {city}",),
    "palaeontology": ("Institute of Geology and Palaeontology, University of {city}",),
    "authentication": ("Department of Archaeometry, University of {city}",
                       "Institute of Physics, University of {city}"),
    "manuscripts": ("Department of Medieval Studies, University of {city}",),
    "numismatics": ("Institute of Archaeology, University of {city}",),
}
_ROLES = {
    "museum": ("Curator", "Senior curator", "Keeper", "Head of collections", "Research associate"),
    "library_archive": ("Archivist", "Senior archivist", "Head of manuscripts", "Librarian"),
    "academia": ("Professor", "Associate professor", "Senior researcher", "Lecturer", "Research fellow"),
    "law_enforcement": ("Police inspector", "Senior investigator", "Criminal analyst", "Police officer"),
    "customs": ("Customs officer", "Senior customs specialist", "Head of the cultural goods desk"),
    "prosecution": ("Public prosecutor", "Deputy prosecutor", "Senior legal adviser"),
    "ministry": ("Senior adviser", "Head of the movable heritage department", "Heritage inspector"),
    "international_org": ("Programme officer", "Senior expert", "Project co-ordinator"),
    "independent": ("Independent consultant", "Conservator in private practice", "Independent researcher"),
}
_STOP = frozenset({"of", "the", "and", "for", "s"})

_VETTING = ("approved", "pending", "suspended", "rejected")
_VETTING_CUM = tuple(accumulate((85, 9, 3, 3)))
_CAPACITY = (1, 2, 3, 4, 5)
_CAPACITY_CUM = tuple(accumulate((1, 3, 4, 2, 1)))


def _domain(organisation: str, country: str) -> str:
    words = [w for w in tokens(organisation) if w not in _STOP]
    if len(words) >= 2:
        label = "".join(w[0] for w in words)[:8]
    else:
        label = (words[0] if words else "mail")[:16]
    return f"{label}.{country.lower()}.example"


# =========================================================================== one expert
# Hand-rolled draws: random.choices/choice cost several times more per call, and 100,000 experts
# make about a million draws. Both depend only on rng.random(), so they are just as reproducible.

def _pick(rng: random.Random, seq, cum):
    """Weighted draw: ``cum`` are the cumulative weights of ``seq``."""
    return seq[min(bisect_right(cum, rng.random() * cum[-1]), len(seq) - 1)]


def _one(rng: random.Random, seq):
    return seq[int(rng.random() * len(seq))]


def _person(rng: random.Random, country: _Country) -> tuple[str, str, str, _Culture]:
    """(full name as written, given name, family name, culture), given and family in the source script."""
    culture = _pick(rng, country.cultures, country.culture_cum) \
        if len(country.cultures) > 1 else country.cultures[0]
    female = rng.random() < 0.5
    given = _one(rng, culture.female if female else culture.male)
    family = _one(rng, culture.surnames)
    if culture.double_surname and rng.random() < culture.double_surname:
        second = _one(rng, culture.surnames)
        if second != family:
            family = f"{family} {second}"
    if female:
        family = " ".join(culture.fem(part) for part in family.split(" "))
    full = f"{family} {given}" if culture.family_first else f"{given} {family}"
    if country.sr_cyr and culture.lang == "sr" and rng.random() < country.sr_cyr:
        full = _serbian_cyrillic(full)
    elif country.latin and rng.random() < country.latin:
        full = _latin(full)
    return full, given, family, culture


def _pick_categories(rng: random.Random) -> list[str]:
    primary = _pick(rng, _CATEGORY_LIST, _CATEGORY_CUM)
    cats = [primary]
    extra = 0
    roll = rng.random()
    if roll < 0.2:
        extra = 2
    elif roll < 0.6:
        extra = 1
    related = _RELATED_T[primary]
    while len(cats) < 1 + extra:
        candidate = _one(rng, related)
        if candidate not in cats:
            cats.append(candidate)
    return cats


def _pick_specialties(rng: random.Random, cats: list[str], country: str) -> tuple[list[str], set[str]]:
    count = _one(rng, (2, 2, 3, 3, 3, 4, 4, 5))
    chosen: list[str] = []
    affinity: set[str] = set()
    attempts = 0
    while len(chosen) < count and attempts < 30:
        attempts += 1
        # the main category provides most of the specialties
        cat = cats[0] if (len(chosen) == 0 or len(cats) == 1 or rng.random() < 0.55) \
            else _one(rng, cats[1:])
        pool = SPECIALTIES[cat]
        text, aff = _pick(rng, pool, _specialty_cum(cat, country))
        if text in chosen:
            continue
        chosen.append(text)
        affinity.update(aff)
    return chosen, affinity


def _pick_languages(rng: random.Random, country: _Country, native: str) -> list[str]:
    langs = [native]
    for lang, p in country.also:
        if lang not in langs and rng.random() < p:
            langs.append(lang)
    for lang, p in country.foreign:
        if lang not in langs and rng.random() < p:
            langs.append(lang)
    return langs


def _organisation(rng: random.Random, org_type: str, primary: str, country: _Country,
                  family: str) -> tuple[str, bool]:
    """(organisation name, whether English puts "the" before it)."""
    city = _one(rng, country.cities)
    if org_type == "museum" and primary in _MUSEUM_BY_CATEGORY and rng.random() < 0.7:
        template = _one(rng, _MUSEUM_BY_CATEGORY[primary])
    elif org_type == "academia" and primary in _ACADEMIA_BY_CATEGORY and rng.random() < 0.6:
        template = _one(rng, _ACADEMIA_BY_CATEGORY[primary])
    elif org_type == "ministry" and primary not in ("legal", "financial", "customs"):
        template = _one(rng, _ORG_TEMPLATES[org_type][:3])  # culture, not interior
    else:
        template = _one(rng, _ORG_TEMPLATES[org_type])
    name = template.format(city=city, country=country.name, surname=_firm_name(family))
    return name, not template.startswith("{")


def _coverage(rng: random.Random, country: str, affinity: set[str], org_type: str) -> list[str]:
    covered = [country]
    neighbours = _neighbours(country)
    wide = org_type in ("international_org", "customs", "law_enforcement")
    k = _one(rng, (0, 0, 1, 1, 2, 3)) + (2 if wide else 0)
    if neighbours:
        covered.extend(rng.sample(neighbours, min(k, len(neighbours))))
    for code in sorted(affinity - {country}):  # sorted: set order is not reproducible
        if code not in covered and rng.random() < 0.35:
            covered.append(code)
    return covered


@lru_cache(maxsize=512)
def _neighbours(country: str) -> tuple[str, ...]:
    """Countries sharing a geographic regional group (the OSCE partner groups are not geographic)."""
    slugs = [s for s in reference.regions_for_countries([country]) if not s.startswith("osce_")]
    return tuple(sorted({c for slug in slugs for c in reference.REGIONS[slug].countries} - {country}))


def _bio(rng: random.Random, org_type: str, organisation: str, article: bool,
         specialties: list[str], langs: list[str]) -> str:
    role = _one(rng, _ROLES[org_type])
    if len(specialties) == 1:
        focus = specialties[0]
    else:
        a, b = specialties[0], specialties[1]
        focus = f"{a} as well as {b}" if " and " in a or " and " in b else f"{a} and {b}"
    if organisation == "Independent researcher":
        first = f"Independent researcher specialising in {focus}."
    else:
        first = f"{role} at {'the ' if article else ''}{organisation}, specialising in {focus}."
    roll = rng.random()
    if roll < 0.25:
        second = f" Has advised police and customs on seized objects since {1998 + int(rng.random() * 27)}."
    elif roll < 0.45 and len(specialties) > 2:
        second = f" Has published widely on {specialties[2]}."
    elif roll < 0.6:
        second = f" Regularly trains border and customs officers on {specialties[0]}."
    elif roll < 0.75:
        names = [reference.language_name(code) for code in langs]
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        second = f" Works in {joined}."
    else:
        second = ""
    return first + second


def _expert(i: int, seed: int) -> dict:
    rng = random.Random(seed * 1_000_003 + i)
    country = _pick(rng, COUNTRIES, _COUNTRY_CUM)
    full_name, given, family, culture = _person(rng, country)
    cats = _pick_categories(rng)
    specialties, affinity = _pick_specialties(rng, cats, country.code)
    org_types, org_cum = _ORG_FOR_CATEGORY_T[cats[0]]
    org_type = _pick(rng, org_types, org_cum)
    organisation, article = _organisation(rng, org_type, cats[0], country, family)
    langs = _pick_languages(rng, country, culture.lang)
    local_given = _email_part(given) or "expert"
    local_family = _email_part(family) or "member"
    email = f"{local_given}.{local_family}.{i + 1}@{_domain(organisation, country.code)}"
    market_p = 0.3 if org_type == "independent" else 0.08
    return {
        "external_id": f"E-{i + 1:06d}",
        "full_name": full_name,
        "email": email,
        "organisation": organisation,
        "org_type": org_type,
        "country": country.code,
        "coverage_countries": _coverage(rng, country.code, affinity, org_type),
        "languages": langs,
        "categories": cats,
        "specialties": [_capitalise(s) for s in specialties],
        "bio": _bio(rng, org_type, organisation, article, specialties, langs),
        "available": rng.random() < 0.85,
        "max_open_consultations": _pick(rng, _CAPACITY, _CAPACITY_CUM),
        "market_ties": rng.random() < market_p,
        "vetting_status": _pick(rng, _VETTING, _VETTING_CUM),
    }


def generate_experts(n: int, seed: int = 7) -> Iterator[dict]:
    """Yield ``n`` fictional experts in the interchange format, deterministically for (n, seed).

    Expert ``i`` depends only on ``(seed, i)``: ``generate_experts(10)`` is the prefix of
    ``generate_experts(1000)``.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    return (_expert(i, seed) for i in range(n))


# =========================================================================== demo logins

DEMO_ACCOUNTS: list[dict] = [
    {
        "email": "admin@demo.expertnet.example",
        "password": "Sextant-Ledger-Harbour-2931",
        "role": "admin",
        "full_name": "Ingrid Halvorsen",
        "vetting_status": "approved",
        "country": "AT",
        "languages": ["en", "de", "fr", "no"],
        "organisation": "Heritage Crime Task Force Secretariat",
        "org_type": "international_org",
    },
    {
        "email": "officer@demo.expertnet.example",
        "password": "Granite-Compass-Danube-5174",
        "role": "le_official",
        "full_name": "Miloš Stojanović",
        "vetting_status": "approved",
        "country": "RS",
        "languages": ["sr", "en"],
        "organisation": "Border Police Directorate of Serbia, Belgrade Airport Unit",
        "org_type": "law_enforcement",
    },
    {
        "email": "expert@demo.expertnet.example",
        "password": "Tetradrachm-Orchard-Lantern-8306",
        "role": "expert",
        "external_id": "E-DEMO-1",
        "full_name": "Десислава Колева",
        "vetting_status": "approved",
        "country": "BG",
        "coverage_countries": ["BG", "RS", "MK", "GR", "TR", "RO"],
        "languages": ["bg", "en", "ru"],
        "organisation": "Numismatic Department, Regional Historical Museum, Plovdiv",
        "org_type": "museum",
        "categories": ["numismatics", "authentication"],
        "specialties": ["Roman Imperial coinage", "Byzantine lead seals",
                        "Thracian and Paeonian coinage", "Coin forgeries and cast copies"],
        "bio": "Curator of the coin cabinet at the Regional Historical Museum, Plovdiv, specialising "
               "in Roman Imperial coinage and Byzantine lead seals. Has advised Bulgarian and "
               "Serbian customs on seized coin hoards since 2011.",
        "available": True,
        "max_open_consultations": 3,
        "market_ties": False,
    },
    {
        "email": "applicant@demo.expertnet.example",
        "password": "Monsoon-Lintel-Apsara-4472",
        "role": "expert",
        "external_id": "E-DEMO-2",
        "full_name": "Chea Sophany",
        "vetting_status": "pending",
        "country": "KH",
        "coverage_countries": ["KH", "TH", "LA", "VN"],
        "languages": ["km", "en", "fr"],
        "organisation": "Institute of Archaeology, University of Siem Reap",
        "org_type": "academia",
        "categories": ["archaeology", "religious_art"],
        "specialties": ["Khmer bronze statuary", "Angkorian stone sculpture",
                        "Fake Khmer sculpture detection"],
        "bio": "Senior researcher specialising in Khmer bronze statuary and Angkorian stone "
               "sculpture; has catalogued repatriated objects for the Cambodian authorities.",
        "available": True,
        "max_open_consultations": 2,
        "market_ties": False,
    },
]
