"""What a file name, sheet name or title row says about the procedure: year, assessment, subject, grade.

«Проведение работы по математике, 4 класс. ВПР 2021.xlsx» → ВПР, Математика, 4, 2021.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shnor.vocabulary import FISOKO_SUBJECT_CODES, Assessment, find_subject, normalize_text

_YEAR = re.compile(r"(?<!\d)(20[0-4]\d)(?!\d)")
_GRADE = re.compile(
    r"(?<!\d)(1[01]|[1-9])\s*(?:-?\s*(?:й|го|ый))?\s*(?:класс|кл\b)|класс\w*\s*[:\-–]?\s*(1[01]|[1-9])(?!\d)"
)
_ASSESSMENTS = (
    (re.compile(r"\bвпр\b|проверочн"), Assessment.VPR),
    (re.compile(r"\bогэ\b|гиа-?\s*9\b"), Assessment.OGE),
    (re.compile(r"\bегэ\b|гиа-?\s*11\b"), Assessment.EGE),
)


@dataclass(frozen=True)
class TitleFacts:
    years: tuple[int, ...] = ()
    assessment: Assessment | None = None
    subject: str | None = None
    grade: int | None = None

    @property
    def year(self) -> int | None:
        return self.years[0] if len(set(self.years)) == 1 else None

    def merged(self, other: TitleFacts) -> TitleFacts:
        """Facts from ``self`` win; ``other`` fills what is missing."""
        return TitleFacts(
            self.years or other.years,
            self.assessment or other.assessment,
            self.subject or other.subject,
            self.grade if self.grade is not None else other.grade,
        )


def read_title(text: object) -> TitleFacts:
    if text is None:
        return TitleFacts()
    normalized = normalize_text(text)
    years = tuple(dict.fromkeys(int(y) for y in _YEAR.findall(normalized)))
    assessment = next((a for pattern, a in _ASSESSMENTS if pattern.search(normalized)), None)
    grade_match = _GRADE.search(normalized)
    grade = int(next(g for g in grade_match.groups() if g)) if grade_match else None
    return TitleFacts(years, assessment, find_subject(text), grade)


def read_titles(*texts: object) -> TitleFacts:
    """The facts of several texts, the first that says a thing winning (title rows, then sheet, then file name)."""
    facts = TitleFacts()
    for text in texts:
        facts = facts.merged(read_title(text))
    return facts


def conflicting_year(*texts: object) -> tuple[int, int] | None:
    """Two texts that each name one year, and not the same one: (the first, the other). A text naming a range of
    years («2022-2024») says nothing about one sheet and is not counted."""
    single = [facts.year for facts in map(read_title, texts) if facts.year is not None and len(facts.years) == 1]
    for year in single[1:]:
        if year != single[0]:
            return single[0], year
    return None


FACTS = {"year": "год", "assessment": "процедура", "subject": "предмет", "grade": "класс"}
_BARE_GRADE = re.compile(r"^(1[01]|[1-9])$")
_BARE_NUMBER = re.compile(r"(?<![\d.])(1[01]|[1-9])(?![\d.])")
FOLDERS_LOOKED_AT = 3  # …/2020/4/Математика.xlsx: the year and the grade in the folders above the file


def folder_facts(path) -> TitleFacts:
    """What the folders above a file say (nearest first): «2020», «4», «ВПР 2021», «4 класс»."""
    facts = TitleFacts()
    for folder in list(path.resolve().parents)[:FOLDERS_LOOKED_AT]:
        name = folder.name
        found = read_title(name)
        if found.grade is None and _BARE_GRADE.match(name.strip()):
            found = TitleFacts(found.years, found.assessment, found.subject, int(name.strip()))
        facts = facts.merged(found)
    return facts


def parse_procedure(text: str) -> TitleFacts:
    """``--procedure "ВПР 2021 математика 4"`` → its facts; a number from 1 to 11 is the grade."""
    from shnor.errors import UserError

    facts = read_title(text)
    if facts.grade is None:
        bare = _BARE_NUMBER.search(_YEAR.sub(" ", normalize_text(text)))
        if bare:
            facts = TitleFacts(facts.years, facts.assessment, facts.subject, int(bare.group(1)))
    if len(set(facts.years)) > 1 or not (facts.years or facts.assessment or facts.subject or facts.grade):
        raise UserError(
            f"в --procedure «{text}» не удалось разобрать процедуру.",
            hint="Укажите процедуру, год, предмет и класс, например --procedure \"ВПР 2021 математика 4\".",
        )
    _check_procedure_words(text, facts)
    return facts


_PROCEDURE_WORDS = {"впр", "огэ", "егэ", "класс", "кл", "год", "г", "гг", "года"}


def _check_procedure_words(text: str, facts: TitleFacts) -> None:
    """A mistyped word is not dropped quietly: «ПВР 2025 алхимия 99» would otherwise be «2025» alone."""
    from shnor.errors import UserError

    hint = "Укажите процедуру, год, предмет и класс, например --procedure \"ВПР 2021 математика 4\"."
    normal = normalize_text(text)
    numbers = [n for n in re.findall(r"\d+", normal) if int(n) not in facts.years]
    odd = [n for n in numbers if not _BARE_GRADE.match(n)]
    if odd:
        raise UserError(f"в --procedure «{text}» число «{odd[0]}» — не год и не класс (1–11).", hint=hint)
    words = [w for w in re.findall(r"[а-яёa-z]+", normal) if w not in _PROCEDURE_WORDS]
    if words and facts.subject is None:
        raise UserError(f"в --procedure «{text}» не распознан предмет или процедура: «{' '.join(words)}».",
                        hint=hint + " Процедуры: ВПР, ОГЭ, ЕГЭ.")


@dataclass(frozen=True)
class ProcedureFacts:
    """Year, assessment, subject and grade of a sheet, and where each was found."""

    year: int | None
    assessment: Assessment | None
    subject: str | None
    grade: int | None
    sources: dict[str, str]
    years: tuple[int, ...] = ()

    def described(self) -> dict[str, str]:
        """For inspect and result.json: fact → «2020 (папки)»."""
        return {name: f"{getattr(self, name)} ({source})" for name, source in self.sources.items()}


def sheet_facts(sheet, header_row: int, codes: TitleFacts | None = None,
                given: TitleFacts | None = None) -> ProcedureFacts:
    """The facts of a sheet, each from the first that says it: the title rows above its header, its name, its file's
    name, the folders above the file, the ФИС ОКО codes in the file (``codes``), the ``--procedure`` option
    (``given``). A year in the titles that contradicts the year in the sheet's or file's name is an error, not a
    guess."""
    from shnor.errors import UserError

    titles = " ".join(str(c) for row in sheet.probe[:header_row] for c in row if c not in (None, ""))
    clash = conflicting_year(titles, sheet.name, sheet.path.stem)
    if clash is not None:
        raise UserError(
            f"год в заголовке или названии ({clash[0]}) не совпадает с годом в названии листа или файла ({clash[1]}).",
            sheet.place(),
            "Исправьте заголовок или переименуйте лист (файл), чтобы год был один.",
        )
    rows = [" ".join(str(c) for c in row if c not in (None, "")) for row in sheet.probe[:header_row]]
    layers = (
        ("строки над таблицей", read_titles(*rows)),
        ("название листа", read_title(sheet.name)),
        ("название файла", read_title(sheet.path.stem)),
        ("папки", folder_facts(sheet.path)),
        ("коды ФИС ОКО в файле", codes or TitleFacts()),
        ("--procedure", given or TitleFacts()),
    )
    found: dict[str, object] = {}
    sources: dict[str, str] = {}
    for source, facts in layers:
        for name in FACTS:
            value = facts.year if name == "year" else getattr(facts, name)
            if name not in found and value is not None:
                found[name], sources[name] = value, source
    years = next((facts.years for _, facts in layers if facts.years), ())
    return ProcedureFacts(found.get("year"), found.get("assessment"), found.get("subject"), found.get("grade"),
                          sources, years)


def require_facts(sheet, facts: ProcedureFacts, needed: tuple[str, ...], what: str, example: str) -> None:
    """Each of ``needed`` known, or one error naming what is missing, where it was looked for and what to do."""
    from shnor.errors import UserError

    missing = [FACTS[name] for name in needed if getattr(facts, name) is None]
    if not missing:
        return
    several = (f" (найдено несколько: {', '.join(map(str, facts.years))})"
               if "год" in missing and len(facts.years) > 1 else "")
    raise UserError(
        f"не удалось определить {', '.join(missing)} {what}{several}: этого нет ни в строках над таблицей, ни в "
        "названии листа или файла, ни в папках над файлом, ни в кодах ФИС ОКО в самом файле.",
        sheet.place(),
        f"Назовите файл или папки так, чтобы в них были год, предмет и класс (например, {example}), или задайте "
        "процедуру для всех файлов: --procedure \"ВПР 2021 математика 4\".",
    )


_GROUP_TAG = re.compile(r"\bvpr(20\d\d)\.([a-z]+?)(\d{1,2})\b")
_TEXTBOOK = re.compile(r"^\s*([a-z]+?)(\d{1,2})\.\d+\s*\|")
_DATE = re.compile(r"(?<!\d)\d{1,2}\.\d{1,2}\.(20\d\d)(?!\d)")


def _one(values: set) -> object | None:
    return next(iter(values)) if len(values) == 1 else None


def group_tag_facts(cells: list[object]) -> TitleFacts:
    """The ``groups`` cells of a raw ФИС ОКО export («…,vpr2020.ma4,vpr2020.ru4,…»): of the tags that every row
    carries, the latest year; the subject and grade only when that year's tags name one work."""
    common: set[tuple[int, str, int]] | None = None
    for cell in cells:
        if cell in (None, ""):
            continue
        tags = {(int(y), code, int(g)) for y, code, g in _GROUP_TAG.findall(str(cell)) if code in FISOKO_SUBJECT_CODES}
        common = tags if common is None else common & tags
    if not common:
        return TitleFacts()
    latest = max(year for year, _, _ in common)
    works = {(FISOKO_SUBJECT_CODES[code], grade) for year, code, grade in common if year == latest}
    work = _one(works)
    return TitleFacts((latest,), Assessment.VPR, work[0] if work else None, work[1] if work else None)


def textbook_facts(cells: list[object]) -> TitleFacts:
    """Textbook codes of the upload form's «Классы» sheet («ma4.8 | 1.1.3.1.8.4 | Моро М.И. …»): the subject and
    grade when every code names the same."""
    works = set()
    for cell in cells:
        match = _TEXTBOOK.match(str(cell)) if cell not in (None, "") else None
        if match and match.group(1) in FISOKO_SUBJECT_CODES:
            works.add((FISOKO_SUBJECT_CODES[match.group(1)], int(match.group(2))))
    work = _one(works)
    return TitleFacts((), Assessment.VPR, work[0], work[1]) if work else TitleFacts()


def date_facts(cells: list[object]) -> TitleFacts:
    """Upload dates («17.03.2022 05:33:20»): the year, when they all name one."""
    years = {int(m.group(1)) for cell in cells if cell not in (None, "") for m in [_DATE.search(str(cell))] if m}
    year = _one(years)
    return TitleFacts((year,)) if year else TitleFacts()
