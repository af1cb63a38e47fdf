"""The domain vocabulary shared by every stage: statuses, assessments, subjects, text normalisation."""

from __future__ import annotations

import functools
import re
from enum import StrEnum


class Status(StrEnum):
    """A school's status in the list. The code goes into machine files, the label into documents."""

    SHNOR = "shnor"
    RISK = "risk"
    OK = "ok"
    INSUFFICIENT = "insufficient"

    @property
    def label(self) -> str:
        return _STATUS_LABELS[self]


_STATUS_LABELS = {
    Status.SHNOR: "ШНОР",
    Status.RISK: "зона риска",
    Status.OK: "без признаков",
    Status.INSUFFICIENT: "недостаточно данных",
}

# The order in which statuses are decided: the guard first, then the strongest list.
STATUS_ORDER = (Status.INSUFFICIENT, Status.SHNOR, Status.RISK)


class Unit(StrEnum):
    """What a criterion's value (and its threshold) is, so that a document shows it without guessing from words."""

    SHARE = "share"  # a fraction 0..1: «31,2 %»
    SHARE_CHANGE = "pp"  # a difference of two fractions: «+5,0 п. п.»
    COUNT = "count"  # a whole number: «3»
    SCORE = "score"  # a mean score: «54,3»
    SCORE_CHANGE = "points"  # a difference of two scores: «−3,2 балла»
    NUMBER = "number"  # any other number (kilometres, …): «50»
    FLAG = "flag"  # 1 where a condition of the school holds (context «equals»), 0 where it does not


class Assessment(StrEnum):
    VPR = "ВПР"
    OGE = "ОГЭ"
    EGE = "ЕГЭ"


_ASSESSMENT_SYNONYMS = {
    "впр": Assessment.VPR,
    "vpr": Assessment.VPR,
    "огэ": Assessment.OGE,
    "oge": Assessment.OGE,
    "гиа-9": Assessment.OGE,
    "гиа 9": Assessment.OGE,
    "егэ": Assessment.EGE,
    "ege": Assessment.EGE,
    "use": Assessment.EGE,
    "гиа-11": Assessment.EGE,
    "гиа 11": Assessment.EGE,
}

# The grade of an exam when a table leaves it out.
EXAM_GRADE = {Assessment.OGE: 9, Assessment.EGE: 11}


def normalize_text(value: object) -> str:
    """Lower case, ё→е, non-breaking and repeated spaces collapsed, line breaks as spaces."""
    text = str(value).replace("\u00a0", " ").replace("ё", "е").replace("Ё", "Е")
    return re.sub(r"\s+", " ", text).strip().lower()


def parse_assessment(value: object) -> Assessment | None:
    return _ASSESSMENT_SYNONYMS.get(normalize_text(value))


# Canonical subject names (SPEC §3.2) and their synonyms, already normalised by ``_subject_key``.
MATH = "Математика"
MATH_PROFILE = "Математика (профильная)"
MATH_BASE = "Математика (базовая)"
RUSSIAN = "Русский язык"

_SUBJECT_SYNONYMS: dict[str, tuple[str, ...]] = {
    RUSSIAN: ("русский язык", "русский", "рус яз", "русский яз", "russian", "russian language"),
    MATH: ("математика", "математика алгебра", "алгебра", "math", "maths", "mathematics"),
    MATH_PROFILE: (
        "математика профильная", "математика профиль", "математика профильный уровень", "математика профильного уровня",
        "математика п", "математика проф", "профильная математика", "math profile", "mathematics profile",
    ),
    MATH_BASE: (
        "математика базовая", "математика базовый уровень", "математика базового уровня",
        "математика б", "математика баз", "базовая математика", "math base", "mathematics base",
    ),
    "Физика": ("физика", "physics"),
    "Химия": ("химия", "chemistry"),
    "Биология": ("биология", "biology"),
    "География": ("география", "geography"),
    "История": ("история", "history"),
    "Обществознание": ("обществознание", "social studies", "social science"),
    "Информатика": (
        "информатика", "информатика и икт", "информатика и информационно коммуникационные технологии икт",
        "информатика кегэ", "информатика и икт кегэ", "икт", "computer science", "informatics",
    ),
    "Литература": ("литература", "literature"),
    "Окружающий мир": ("окружающий мир", "окр мир", "environment", "world around"),
    "Английский язык": ("английский язык", "английский", "иностранный язык английский", "english"),
    "Немецкий язык": ("немецкий язык", "немецкий", "иностранный язык немецкий", "german"),
    "Французский язык": ("французский язык", "французский", "иностранный язык французский", "french"),
    "Испанский язык": ("испанский язык", "испанский", "иностранный язык испанский", "spanish"),
    "Китайский язык": ("китайский язык", "китайский", "иностранный язык китайский", "chinese"),
    # Tables that give all foreign languages together (regional ЕГЭ statistics do).
    "Иностранный язык": ("иностранный язык", "иностранные языки", "foreign language"),
}

# «по русскому языку», «по окружающему миру»: the prepositional forms in ФИС ОКО file and report titles.
_SUBJECT_DATIVE = {
    "русскому языку": RUSSIAN,
    "математике": MATH,
    "окружающему миру": "Окружающий мир",
    "истории": "История",
    "биологии": "Биология",
    "географии": "География",
    "обществознанию": "Обществознание",
    "физике": "Физика",
    "химии": "Химия",
    "литературе": "Литература",
    "информатике": "Информатика",
    "английскому языку": "Английский язык",
    "немецкому языку": "Немецкий язык",
    "французскому языку": "Французский язык",
    "испанскому языку": "Испанский язык",
    "китайскому языку": "Китайский язык",
    "иностранному языку": "Иностранный язык",
}


_DATIVE_OF = {subject: phrase for phrase, subject in _SUBJECT_DATIVE.items()}
_DATIVE_OF |= {MATH_PROFILE: "математике (профильной)", MATH_BASE: "математике (базовой)"}


def subject_dative(subject: str) -> str:
    """«по …» in a document: «Русский язык» → «русскому языку», «Математика (профильная)» → «математике
    (профильной)»; a subject without a known form keeps its name."""
    return _DATIVE_OF.get(subject, subject)


# Subject codes of ФИС ОКО: in group tags («vpr2020.ma4», «vpr2019.math4») and textbook codes («ma4.8»).
FISOKO_SUBJECT_CODES = {
    "ru": RUSSIAN, "rus": RUSSIAN, "ma": MATH, "math": MATH, "okr": "Окружающий мир", "bi": "Биология",
    "bio": "Биология", "is": "История", "hist": "История", "gg": "География", "geo": "География",
    "ob": "Обществознание", "obsh": "Обществознание", "fi": "Физика", "fiz": "Физика", "hi": "Химия", "him": "Химия",
    "en": "Английский язык", "eng": "Английский язык", "de": "Немецкий язык", "fr": "Французский язык",
}


def _subject_key(value: object) -> str:
    text = normalize_text(value)
    text = re.sub(r"[().,:;\"«»\-–—/]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


_SUBJECT_INDEX = {
    synonym: canonical for canonical, synonyms in _SUBJECT_SYNONYMS.items() for synonym in synonyms
}
SUBJECTS = tuple(_SUBJECT_SYNONYMS)
CORE_SUBJECTS = frozenset({RUSSIAN, MATH, MATH_PROFILE, MATH_BASE})


def parse_subject(value: object) -> str | None:
    """The canonical subject name for a spelling found in a file, or None when it is not known.

    Table headers add units and notes: «Русский язык, чел.» and «Физика, %» are Russian and physics.
    """
    key = _subject_key(value)
    found = _SUBJECT_INDEX.get(key)
    if found is None:
        trimmed = re.sub(r"\s+(?:чел|человек|%|в т ч)\b.*$", "", key).strip()
        found = _SUBJECT_INDEX.get(trimmed)
    return found


def find_subject(text: object) -> str | None:
    """A subject named inside a longer text: «Проведение работы по математике, 4 класс» → «Математика»."""
    normalized = normalize_text(text)
    for phrase, subject in sorted(_SUBJECT_DATIVE.items(), key=lambda item: -len(item[0])):
        if re.search(rf"\bпо\s+{phrase}\b", normalized):
            return subject
    key = f" {_subject_key(text)} "
    for synonym in sorted(_SUBJECT_INDEX, key=len, reverse=True):
        if len(synonym) > 4 and f" {synonym} " in key:
            return _SUBJECT_INDEX[synonym]
    return None


_QUOTES = re.compile(r"[\"'«»“”„‟‘’`<>]")
_NUMBER_SIGN = re.compile(r"№\s*|n\s*(?=\d)")
# Legal-form prefixes that come and go between spellings of one school.
_LONG_FORMS = (
    (re.compile(r"\b(?:муниципальн|государственн|частн|негосударственн|федеральн)\w*\s+(?:(?:бюджетн|казенн|автономн)\w*\s+)?"
                r"(?:обще)?образовательн\w*\s+(?:учреждени|организаци)\w*"), ""),
    (re.compile(r"\bсредняя\s+общеобразовательная\s+школа\b"), "сош"),
    (re.compile(r"\bосновная\s+общеобразовательная\s+школа\b"), "оош"),
    (re.compile(r"\bначальная\s+общеобразовательная\s+школа\b"), "нош"),
)
_LEGAL_FORMS = re.compile(
    r"^(?:(?:м|г|ч|ф)?(?:б|к|а)?оу|мбоу|мкоу|маоу|моу|гбоу|гкоу|гаоу|гоу|ноу|чоу|ано|мбоу до)\b\s*"
)


def normalize_municipality(value: object) -> str:
    """«Комитет образования … "Город Чита"» ≡ «… город чита»: case, quotes, spaces."""
    return re.sub(r"\s+", " ", _QUOTES.sub(" ", normalize_text(value))).strip()


_MUNICIPAL_WORDS = re.compile(
    r"^(?:комитет|управление|отдел|департамент|министерство|образование|администрация|муниципальный|район|округ|"
    r"городской|город|г|по|и|дело|молодежь|спорт|культура|политика|социальный|вопрос|мо|мр|ате|наука|край|область|"
    r"республика)$"
)
_SETTLEMENT = (("г:", re.compile(r"\bгород\b|\bг\b")), ("п:", re.compile(r"\bпос[её]лок\b|\bп\b|\bпгт\b")))


def municipality_key(value: object) -> str:
    """What stays of a municipality's name when its bodies are renamed or a district becomes a «округ».

    «Комитет образования администрации муниципального района "Акшинский район"» and «Комитет образования
    администрации Акшинского муниципального округа» → «акшинский» (each word in its dictionary form, by pymorphy3);
    a city or a settlement keeps a mark: «г:чита», «п:агинский».
    """
    text = normalize_municipality(value).replace("-", " ")
    words = [lemma(w) for w in re.split(r"[\s.,]+", text) if w]
    kept = [w for w in words if not _MUNICIPAL_WORDS.match(w)]
    mark = next((m for m, pattern in _SETTLEMENT if pattern.search(text)), "")
    return mark + " ".join(kept)


@functools.cache
def _morphology():
    """pymorphy3 with its Russian dictionaries: loaded once, the first time a name needs it (0.3 s)."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer()


@functools.cache
def lemma(word: str) -> str:
    """The dictionary form of a Russian word, ё as е: «Акшинского» → «акшинский»; other words as they are."""
    if not re.search(r"[а-яё]", word, re.IGNORECASE):
        return word.lower()
    return _morphology().parse(word)[0].normal_form.replace("ё", "е")


def genitive_name(name: str) -> str:
    """An issuing body's name after «к приказу»: the head noun and its adjectives in the genitive, the rest as it is
    («Управление образования администрации …» → «Управления образования администрации …»; «МУ Отдел образования …»
    → «МУ Отдела образования …»; «МКУ «Департамент образования …»» stays: a name in quotes is not declined)."""
    words = name.split(" ")
    for index, word in enumerate(words):
        if not word or word.isupper() or not re.fullmatch(r"[А-ЯЁа-яё-]+", word):
            if word[:1] in "«\"\u201e\u201c":
                break
            continue
        parsed = _morphology().parse(word)
        found = next((p for p in parsed if "nomn" in p.tag and ({"NOUN", "ADJF", "PRTF"} & p.tag.grammemes)), None)
        if found is None:
            break
        declined = found.inflect({"gent"})
        if declined is None:
            break
        text = declined.word.replace("е", "ё") if "ё" in word and "ё" not in declined.word else declined.word
        words[index] = text[:1].upper() + text[1:] if word[:1].isupper() else text
        if "NOUN" in found.tag:
            break
    return " ".join(words)


REGIONAL = "региональное подчинение"
_AUTHORITY = re.compile(
    r"^(?:муниципальн\w+\s+казенн\w+\s+учреждени\w+\s+)?(?:комитет|управлени|отдел|департамент|министерств|администраци)",
    re.IGNORECASE,
)
_REGION = re.compile(r"(?:кра[йяю]|област\w*|республик\w*|автономн\w+ округ\w*)\b", re.IGNORECASE)
_QUOTED = re.compile(r"[\"«“„]\s*([^\"«»“”„]*?(?:район|округ|город|пос[её]лок|ЗАТО)[^\"«»“”„]*?)\s*[\"»”]",
                     re.IGNORECASE)
_GENITIVE = re.compile(r"([А-ЯЁ][\w-]*(?:ого|его)\s+(?:муниципального\s+)?(?:района|округа))")
_NOMINATIVE = re.compile(r"([А-ЯЁ][\w-]*(?:ий|ый|ой)\s+(?:муниципальный\s+)?(?:район|округ))\b")
_TOWN = re.compile(r"\b(?:г\.|город)\s*([А-ЯЁ][\w-]+)")


def territory_name(value: object) -> str | None:
    """The territory a municipality column names, once spelled one way: an education authority's name becomes its
    territory («Комитет образования администрации муниципального района "Тунгокоченский район"» → «Тунгокоченский
    район»; «… администрации Акшинского муниципального округа» → «Акшинский муниципальный округ»), the region's own
    bodies and schools become «региональное подчинение». None for what names no territory (a region code, the
    region alone)."""
    text = re.sub(r"\s+", " ", str(value).replace("\u00a0", " ")).strip()
    if re.fullmatch(r"[\"«“„][^\"«»“”„]*[\"»”]", text):
        text = text[1:-1].strip()
    if not text or text.isdigit():
        return None
    lowered = text.lower()
    if "региональн" in lowered and "подчин" in lowered or lowered.startswith(("министерств", "спо ")):
        return REGIONAL
    if _AUTHORITY.match(text):
        quoted = _QUOTED.search(text)
        if quoted:
            return _tidy(quoted.group(1))
        for pattern in (_GENITIVE, _NOMINATIVE):
            found = pattern.search(text)
            if found:
                return _tidy(_nominative(found.group(1)) if pattern is _GENITIVE else found.group(1))
        town = _TOWN.search(text)
        if town:
            return f"город {town.group(1)}"
        if "ЗАТО" in text:
            return _tidy(text[text.index("ЗАТО"):])
        return REGIONAL if _REGION.search(text) else _tidy(text)
    if _REGION.search(text) and not re.search(r"район|округ|город|г\.", lowered):
        return None  # «Алтайский край»: the region itself, in a column that should name the municipality
    return _tidy(text)


def _tidy(text: str) -> str:
    """«Город чита» → «Город Чита»: the name after the kind of settlement capitalised, the rest as spelled."""
    text = re.sub(r"\s+", " ", text).strip()
    kind = re.match(r"^(город|пос[её]лок|село)\s+(.+)$|^(г\.|п\.)\s*(.+)$", text, re.IGNORECASE)
    if kind:
        word, name = (kind.group(1), kind.group(2)) if kind.group(1) else (kind.group(3), kind.group(4))
        return f"{word} {name[:1].upper()}{name[1:]}"
    return text[:1].upper() + text[1:]


def _nominative(phrase: str) -> str:
    """«Акшинского муниципального округа» → «Акшинский муниципальный округ»: the adjectives agree with the noun."""
    morph = _morphology()
    words = phrase.split()
    noun = morph.parse(words[-1])[0]
    gender = noun.tag.gender or "masc"
    result = []
    for word in words[:-1]:
        parsed = next((p for p in morph.parse(word) if "ADJF" in p.tag and "gent" in p.tag), morph.parse(word)[0])
        inflected = parsed.inflect({"nomn", "sing", gender})
        result.append(_same_case(word, inflected.word if inflected else word))
    head = noun.inflect({"nomn", "sing"})
    result.append(_same_case(words[-1], head.word if head else words[-1]))
    return " ".join(result)


def _same_case(original: str, word: str) -> str:
    """The case of each part of ``original`` («Александрово-Заводского») on ``word``."""
    parts = word.split("-")
    if len(parts) != len(original.split("-")):
        return word[:1].upper() + word[1:] if original[:1].isupper() else word
    return "-".join(p[:1].upper() + p[1:] if o[:1].isupper() else p for o, p in zip(original.split("-"), parts))


def normalize_school_name(value: object) -> str:
    """A key under which spellings of one school's name agree: «МБОУ "СОШ № 2"» ≡ «мбоу сош №2» ≡ «СОШ №2»."""
    text = normalize_text(value)
    text = _QUOTES.sub(" ", text)
    for pattern, short in _LONG_FORMS:
        text = pattern.sub(short, text)
    text = _NUMBER_SIGN.sub("№", text)
    # «… Тунгокоченского района Забайкальского края»: the place a name sometimes ends with, not part of the name.
    text = re.sub(r"\b\w+ского\s+(?:муниципального\s+)?(?:района|округа|края|области)\b", " ", text)
    text = re.sub(r"[.,;:()]", " ", text)
    text = re.sub(r"^[\s\-–—]+", "", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = _LEGAL_FORMS.sub("", text)
    text = re.sub(r"№\s*", "№", text)
    return re.sub(r"\s+", " ", text).strip()
