"""Tables that look like results and hold none the cube can take: recognised, so that the user is told precisely
what the file is and why it gives no results, and a folder holding one beside real results is still read.

* Moscow open data «Результаты ЕГЭ» (dataset 9722 of the city's open data portal): per school, the number of
  graduates who sat the ЕГЭ and how many of them scored more than 220 and not more than 160 points in three subjects
  together. There is no number of participants and no result per subject, so neither the share below the minimum
  nor the share of high results of any subject can be computed from it.
"""

from __future__ import annotations

import re

from shnor.cube import CubePart
from shnor.ingest.base import ReadOptions, Recognition, SheetLog
from shnor.ingest.headers import header_key
from shnor.ingest.tables import Sheet

_OVER = re.compile(r"(?:over|более|больше|свыше)\s*220\b")
_UNDER = re.compile(r"(?:under|менее|меньше|не более|ниже)\s*160\b")
SUBJECT_SUMS = (
    "сведения о числе выпускников, набравших по трём предметам ЕГЭ в сумме больше 220 и не больше 160 баллов "
    "(открытые данные «Результаты ЕГЭ»): ни числа участников, ни результатов по отдельным предметам в таблице нет, "
    "поэтому ни доля ниже минимального порога, ни доля высоких результатов по предмету из неё не считаются"
)


class SubjectSumsReader:
    name = "ege-sums"
    label = "ЕГЭ: суммы баллов трёх предметов по школам (не результаты по предметам)"
    looks_for = ""  # never what a user is asked to give

    def recognise(self, sheet: Sheet) -> Recognition | None:
        for number, row in enumerate(sheet.probe[:10]):
            keys = [header_key(cell) for cell in row]
            if any(_OVER.search(k) for k in keys) and any(_UNDER.search(k) for k in keys):
                return Recognition(number, {}, skip=SUBJECT_SUMS)
        return None

    def read(self, sheet: Sheet, recognition: Recognition, options: ReadOptions, log: SheetLog) -> CubePart:
        raise AssertionError("a table of subject sums is skipped, never read")  # pragma: no cover
