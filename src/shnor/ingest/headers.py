"""Header cells: normalisation of spelling variants and the aliases of the canonical tidy columns."""

from __future__ import annotations

import re

from shnor.vocabulary import normalize_text


def header_key(cell: object) -> str:
    """«Кол-во  участников,\\n%» → «количество участников %»: case, ё/е, spaces, line breaks, punctuation."""
    if cell is None:
        return ""
    text = normalize_text(cell)
    text = re.sub(r"\bкол-?\s*во\b", "количество", text)
    text = re.sub(r"[\"'«»“”.,:;()\[\]_/\\]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _aliases(*spellings: str) -> tuple[str, ...]:
    return tuple(header_key(s) for s in spellings)


# Canonical column → the header spellings that mean it (SPEC §3.1 item 1).
TIDY_COLUMNS: dict[str, tuple[str, ...]] = {
    "year": _aliases("year", "год", "год проведения", "учебный год"),
    "assessment": _aliases("assessment", "процедура", "оценочная процедура", "вид процедуры", "экзамен", "форма"),
    "subject": _aliases("subject", "предмет", "учебный предмет", "наименование предмета"),
    "grade": _aliases("grade", "класс", "параллель"),
    "school_id": _aliases(
        "school_id", "school id", "school", "логин", "логин оо", "логин школы", "код оо", "код школы", "id оо",
        "идентификатор оо",
    ),
    "school_name": _aliases(
        "school_name", "school name", "наименование оо", "название оо", "наименование школы", "название школы",
        "образовательная организация", "наименование образовательной организации", "оо", "школа",
    ),
    "municipality": _aliases(
        "municipality", "муниципалитет", "муниципальное образование", "ате", "мо", "муниципальный район",
        "район", "муниципальный округ",
    ),
    "score": _aliases("score", "балл", "первичный балл", "тестовый балл", "всего баллов", "итого баллов"),
    "mark": _aliases("mark", "отметка", "оценка", "отметка за работу"),
    "journal_mark": _aliases(
        "journal_mark", "journal mark", "отметка по журналу", "отметка за предыдущую четверть/триместр",
        "отметка за предыдущую четверть триместр", "отметка за предыдущий триместр/ четверть/полугодие",
    ),
    "participants": _aliases(
        "participants", "участники", "участников", "количество участников", "число участников", "приняли участие",
        "приняло участие",
    ),
    "n2": _aliases("n2", "2", "отметка 2", "количество 2", "«2»", "количество «2»"),
    "n3": _aliases("n3", "3", "отметка 3", "количество 3", "«3»", "количество «3»"),
    "n4": _aliases("n4", "4", "отметка 4", "количество 4", "«4»", "количество «4»"),
    "n5": _aliases("n5", "5", "отметка 5", "количество 5", "«5»", "количество «5»"),
    "below_min": _aliases(
        "below_min", "below min", "ниже порога", "ниже минимального порога", "не преодолели минимальный порог",
        "не преодолели порог", "не набрали минимальный балл",
    ),
    "high": _aliases("high", "высокие результаты", "высокий балл", "высокобалльники", "81-100", "81–100"),
    "mean_score": _aliases("mean_score", "mean score", "средний балл"),
    "sd_score": _aliases("sd_score", "sd score", "стандартное отклонение", "ско"),
    "lowered": _aliases("lowered", "понизили"),
    "confirmed": _aliases("confirmed", "подтвердили"),
    "raised": _aliases("raised", "повысили"),
}

# Columns of personal data: recognised so that they are never taken for anything else, and never read.
PERSONAL_COLUMNS = _aliases(
    "student_id", "код обучающегося", "номер обучающегося", "пол", "sex", "фио", "фамилия", "имя", "отчество", "name",
)

# Russian names of the canonical columns, for messages.
COLUMN_LABELS = {
    "year": "год",
    "assessment": "процедура",
    "subject": "предмет",
    "grade": "класс",
    "school_id": "логин ОО",
    "school_name": "наименование ОО",
    "municipality": "муниципалитет",
    "score": "балл",
    "mark": "отметка",
    "journal_mark": "отметка по журналу",
    "participants": "участники",
    "n2": "«2»",
    "n3": "«3»",
    "n4": "«4»",
    "n5": "«5»",
    "below_min": "ниже порога",
    "high": "высокие результаты",
    "mean_score": "средний балл",
    "sd_score": "стандартное отклонение",
    "lowered": "понизили",
    "confirmed": "подтвердили",
    "raised": "повысили",
}

_ALIAS_INDEX = {alias: column for column, aliases in TIDY_COLUMNS.items() for alias in aliases}


def map_header(row: list[str | None], vocabulary: dict[str, str] | None = None) -> dict[str, int]:
    """Canonical column → position, for the cells of one header row that are known. First match wins."""
    index = _ALIAS_INDEX if vocabulary is None else vocabulary
    mapping: dict[str, int] = {}
    for position, cell in enumerate(row):
        column = index.get(header_key(cell))
        if column is not None and column not in mapping:
            mapping[column] = position
    return mapping


def find_header_row(rows: list[list[str | None]], required: set[str], at_least: int = 3) -> int | None:
    """The first row whose known cells include at least ``at_least`` of ``required`` (title rows above skipped)."""
    best: tuple[int, int] | None = None
    for number, row in enumerate(rows):
        found = len(required & set(map_header(row)))
        if found >= at_least and (best is None or found > best[1]):
            best = (number, found)
            if found == len(required):
                break
    return None if best is None else best[0]


def header_row_of(rows: list[list[str | None]], vocabulary: dict[str, str], wanted: set[str],
                  at_least: int = 1) -> int | None:
    """The first of the first 40 rows whose cells name at least ``at_least`` of the ``wanted`` columns."""
    return next(
        (i for i, row in enumerate(rows[:40]) if len(wanted & set(map_header(row, vocabulary))) >= at_least), None
    )
