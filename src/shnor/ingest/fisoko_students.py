"""ФИС ОКО per-participant ВПР protocols (SPEC §3.1 item 2): one file per subject and grade.

Header: «логин школы | регион | номер обучающегося | код обучающегося | отметка за предыдущую четверть/триместр |
пол | класс | вариант | всего баллов | балл за 1 | … | балл за K». The «регион» column holds the school's
municipality in real exports («город Бийск», «Чарышский муниципальный район»). Subject, grade and year come from
the title rows, the sheet name, the file name or the folders above it (see ``titles.sheet_facts``). The ВПР mark is
not in the file: it is computed from «всего баллов» with the scale of the procedure. Pupil numbers, codes and sex
are never read. Absent pupils, totals and task scores: see ``pupils``.
"""

from __future__ import annotations

import re

from shnor.cube import CubePart
from shnor.ingest.base import ReadOptions, Recognition, SheetLog
from shnor.ingest.headers import header_key, map_header
from shnor.ingest.pupils import PupilColumns, read_pupils
from shnor.ingest.tables import Sheet

_VOCABULARY = {
    header_key(alias): column
    for column, aliases in {
        "school_id": ("логин школы", "логин оо", "логин"),
        "score": ("всего баллов", "итого баллов", "первичный балл", "сумма баллов", "итого"),
        "journal_mark": (
            "отметка за предыдущую четверть/триместр", "отметка за предыдущий триместр/ четверть/полугодие",
            "отметка за предыдущую четверть", "отметка по журналу", "отметка за четверть",
        ),
        "variant": ("вариант",),
        "municipality": ("регион", "муниципалитет", "муниципальное образование", "муниципальный район", "ате"),
        "subject": ("предмет", "subject"),
        "participants": ("участники", "количество участников", "participants"),
    }.items()
    for alias in aliases
}
_TASK = re.compile(r"^балл за \d+")


class FisOkoStudentsReader:
    name = "fisoko-students"
    label = "протокол ВПР ФИС ОКО (по участникам)"
    looks_for = (
        "протокол ВПР из ФИС ОКО: столбцы «логин школы», «всего баллов» (и «отметка за предыдущую четверть»), "
        "предмет, класс и год — в названии файла, в папках над ним или в строке над таблицей"
    )

    def recognise(self, sheet: Sheet) -> Recognition | None:
        for number, row in enumerate(sheet.probe):
            mapping = map_header(row, _VOCABULARY)
            if "score" not in mapping or "subject" in mapping or "participants" in mapping:
                continue
            if "school_id" not in mapping and "journal_mark" not in mapping:
                continue
            missing = () if "school_id" in mapping else ("school_id",)
            tasks = tuple(p for p, cell in enumerate(row) if _TASK.match(header_key(cell)))
            return Recognition(number, mapping, missing, detail="ВПР", layout=PupilColumns(tasks))
        return None

    def read(self, sheet: Sheet, recognition: Recognition, options: ReadOptions, log: SheetLog) -> CubePart:
        return read_pupils(sheet, recognition, options, log)
