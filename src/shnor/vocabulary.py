"""The domain vocabulary shared by every stage: statuses, assessments, subjects, text normalisation."""

from __future__ import annotations

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
        "математика профильная", "математика профильный уровень", "математика профильного уровня",
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
        "информатика кегэ", "computer science", "informatics",
    ),
    "Литература": ("литература", "literature"),
    "Окружающий мир": ("окружающий мир", "окр мир", "environment", "world around"),
    "Английский язык": ("английский язык", "английский", "иностранный язык английский", "english"),
    "Немецкий язык": ("немецкий язык", "немецкий", "иностранный язык немецкий", "german"),
    "Французский язык": ("французский язык", "французский", "иностранный язык французский", "french"),
    "Испанский язык": ("испанский язык", "испанский", "иностранный язык испанский", "spanish"),
    "Китайский язык": ("китайский язык", "китайский", "иностранный язык китайский", "chinese"),
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
    """The canonical subject name for a spelling found in a file, or None when it is not known."""
    return _SUBJECT_INDEX.get(_subject_key(value))


_QUOTES = re.compile(r"[\"'«»“”„‟‘’`]")
_NUMBER_SIGN = re.compile(r"№\s*|n\s*(?=\d)")
# Legal-form prefixes that come and go between spellings of one school.
_LEGAL_FORMS = re.compile(
    r"^(?:(?:м|г|ч|ф)?(?:б|к|а)?оу|мбоу|мкоу|маоу|моу|гбоу|гкоу|гаоу|гоу|ноу|чоу|ано|мбоу до)\b\s*"
)


def normalize_school_name(value: object) -> str:
    """A key under which spellings of one school's name agree: «МБОУ "СОШ № 2"» ≡ «мбоу сош №2» ≡ «СОШ №2»."""
    text = normalize_text(value)
    text = _QUOTES.sub(" ", text)
    text = _NUMBER_SIGN.sub("№", text)
    text = re.sub(r"[.,;:()]", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = _LEGAL_FORMS.sub("", text)
    text = re.sub(r"№\s*", "№", text)
    return re.sub(r"\s+", " ", text).strip()
