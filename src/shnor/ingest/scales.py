"""Mark scales: the lowest primary score for marks 3, 4 and 5, and the maximum score, per procedure (SPEC §3.2).

Shipped for ОГЭ; the user's ``--scales`` file (the same columns, CSV or XLSX, Russian headers accepted) adds to
them and wins where both give the same procedure. A procedure without a scale is an error that names it.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from shnor.errors import Place, UserError
from shnor.ingest.headers import header_key, header_row_of, map_header
from shnor.ingest.tables import read_small_table
from shnor.vocabulary import EXAM_GRADE, parse_assessment, parse_subject

SCALE_COLUMNS = ("year", "assessment", "subject", "grade", "max_score", "mark3", "mark4", "mark5")
_VOCABULARY = {
    header_key(alias): column
    for column, aliases in {
        "year": ("year", "год"),
        "assessment": ("assessment", "процедура"),
        "subject": ("subject", "предмет"),
        "grade": ("grade", "класс"),
        "max_score": ("max_score", "максимальный балл", "макс балл", "максимум"),
        "mark3": ("mark3", "3", "«3»", "на 3", "отметка 3", "минимальный балл на 3", "от 3"),
        "mark4": ("mark4", "4", "«4»", "на 4", "отметка 4", "минимальный балл на 4", "от 4"),
        "mark5": ("mark5", "5", "«5»", "на 5", "отметка 5", "минимальный балл на 5", "от 5"),
    }.items()
    for alias in aliases
}

Key = tuple[int, str, str, int]


@dataclass(frozen=True)
class Scale:
    max_score: float
    mark3: float
    mark4: float
    mark5: float


@dataclass(frozen=True)
class Scales:
    table: dict[Key, Scale]

    def get(self, year: int, assessment: str, subject: str, grade: int) -> Scale | None:
        return self.table.get((int(year), str(assessment), subject, int(grade)))

    def merged(self, other: Scales) -> Scales:
        return Scales({**self.table, **other.table})


def shipped_scales() -> Scales:
    text = resources.files("shnor").joinpath("data/scales.csv").read_text(encoding="utf-8")
    rows = [row for row in csv.reader(line for line in text.splitlines() if not line.startswith("#"))]
    return _parse(rows[1:], dict(zip(SCALE_COLUMNS, range(len(SCALE_COLUMNS)))), Place("scales.csv"), 2)


def load_scales(path: Path) -> Scales:
    """The user's scales, added to the shipped ones."""
    sheet, rows = read_small_table(path)
    header = header_row_of(rows, _VOCABULARY, set(SCALE_COLUMNS), at_least=6)
    if header is None:
        raise UserError(
            f"в файле шкал «{path.name}» не найден заголовок.",
            Place(path.name, sheet.name),
            "Нужны столбцы: год, процедура, предмет, класс, максимальный балл, минимальный балл на «3», «4», «5» "
            "(year, assessment, subject, grade, max_score, mark3, mark4, mark5).",
        )
    mapping = map_header(rows[header], _VOCABULARY)
    missing = [c for c in SCALE_COLUMNS if c not in mapping and c != "grade"]
    if missing:
        raise UserError(f"в файле шкал нет столбцов: {', '.join(missing)}.", Place(path.name, sheet.name, header + 1))
    return shipped_scales().merged(_parse(rows[header + 1 :], mapping, Place(path.name, sheet.name), header + 2))


def _parse(rows: list[list], mapping: dict[str, int], place: Place, first_row: int) -> Scales:
    table: dict[Key, Scale] = {}
    for number, row in enumerate(rows, start=first_row):
        cells = {c: (row[p] if p < len(row) else None) for c, p in mapping.items()}
        if not any(str(v).strip() for v in cells.values() if v is not None):
            continue
        where = Place(place.file, place.sheet, number)
        assessment = parse_assessment(cells.get("assessment") or "")
        subject = parse_subject(cells.get("subject") or "")
        if assessment is None or subject is None:
            raise UserError(
                f"неизвестная процедура или предмет: «{cells.get('assessment')}», «{cells.get('subject')}».", where
            )
        try:
            numbers = {c: float(str(cells[c]).replace(",", "."))
                       for c in ("year", "max_score", "mark3", "mark4", "mark5")}
            grade = int(float(cells["grade"])) if cells.get("grade") not in (None, "") else EXAM_GRADE[assessment]
            if not all(math.isfinite(value) for value in numbers.values()):
                raise ValueError
        except (TypeError, ValueError, KeyError):
            raise UserError("ожидались числа в столбцах года, класса и баллов шкалы.", where) from None
        if not 0 < numbers["mark3"] <= numbers["mark4"] <= numbers["mark5"] <= numbers["max_score"]:
            raise UserError(
                "баллы шкалы должны расти: 0 < «3» ≤ «4» ≤ «5» ≤ максимальный балл.", where, "Проверьте строку шкалы."
            )
        key = (int(numbers["year"]), str(assessment), subject, grade)
        if key in table:
            raise UserError(
                f"шкала процедуры {assessment} «{subject}», {grade} класс, {key[0]} год задана дважды.",
                where,
                "Оставьте одну строку шкалы на процедуру.",
            )
        table[key] = Scale(numbers["max_score"], numbers["mark3"], numbers["mark4"], numbers["mark5"])
    return Scales(table)


def missing_scale(year: int, assessment: str, subject: str, grade: int, place: Place) -> UserError:
    return UserError(
        f"нет шкалы перевода первичного балла в отметку для процедуры {assessment} «{subject}», {grade} класс, "
        f"{year} год.",
        place,
        "Укажите файл шкал: --scales ФАЙЛ (столбцы year, assessment, subject, grade, max_score, mark3, mark4, mark5).",
    )
