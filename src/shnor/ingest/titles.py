"""What a file name, sheet name or title row says about the procedure: year, assessment, subject, grade.

«Проведение работы по математике, 4 класс. ВПР 2021.xlsx» → ВПР, Математика, 4, 2021.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shnor.vocabulary import Assessment, find_subject, normalize_text

_YEAR = re.compile(r"(?<!\d)(20[0-4]\d)(?!\d)")
_GRADE = re.compile(r"(?<!\d)(1[01]|[1-9])\s*(?:-?\s*(?:й|го|ый))?\s*(?:класс|кл\b)|класс\w*\s*[:\-–]?\s*(1[01]|[1-9])(?!\d)")
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


def sheet_facts(sheet, header_row: int) -> TitleFacts:
    """The facts of the title rows above a sheet's header, its name and its file's name; a year in the titles that
    contradicts the year in the sheet's or file's name is an error, not a guess."""
    from shnor.errors import UserError

    titles = " ".join(str(c) for row in sheet.probe[:header_row] for c in row if c not in (None, ""))
    clash = conflicting_year(titles, sheet.name, sheet.path.stem)
    if clash is not None:
        raise UserError(
            f"год в заголовке или названии ({clash[0]}) не совпадает с годом в названии листа или файла ({clash[1]}).",
            sheet.place(),
            "Исправьте заголовок или переименуйте лист (файл), чтобы год был один.",
        )
    return read_titles(titles, sheet.name, sheet.path.stem)
