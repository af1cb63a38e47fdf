"""The raw ФИС ОКО export of a ВПР (SPEC §3.1 item 5): one row per pupil with Latin headers.

``groups`` (the school's ФИС ОКО group tags: «…,vpr2020.ma4,vpr2020.ru4,…»), ``user`` (the school's login), ``id``,
``code`` (the pupil's number and code — never read), ``otc`` (the journal mark), ``gender``, ``klass`` (never read),
``var-1`` (the variant, or «отсутствовал»), ``var-2``, ``sum`` (the total), ``a-N-grade`` (the task scores). Analysts
keep such files as ``…/2020/4/Математика.xlsx``: the folders name the year and grade, the file the subject; the group
tags name the year (their latest) and, where every row carries one work's tag only, the subject and grade.
"""

from __future__ import annotations

import re

from shnor.cube import CubePart
from shnor.ingest.base import ReadOptions, Recognition, SheetLog
from shnor.ingest.headers import header_key
from shnor.ingest.pupils import PupilColumns, read_pupils
from shnor.ingest.tables import Sheet
from shnor.ingest.titles import group_tag_facts

_COLUMNS = {"user": "school_id", "sum": "score", "otc": "journal_mark", "var-1": "variant"}
_TASK = re.compile(r"^a-\d+-grade$")


class FisOkoExportReader:
    name = "fisoko-export"
    label = "выгрузка ВПР из ФИС ОКО (латинские заголовки)"
    looks_for = "выгрузка ВПР из ФИС ОКО: столбцы user, sum, otc, var-1, a-1-grade …"

    def recognise(self, sheet: Sheet) -> Recognition | None:
        for number, row in enumerate(sheet.probe[:10]):
            keys = [header_key(cell) for cell in row]
            mapping = {_COLUMNS[k]: p for p, k in enumerate(keys) if k in _COLUMNS}
            tasks = tuple(p for p, k in enumerate(keys) if _TASK.match(k))
            if "school_id" not in mapping or "score" not in mapping or not tasks:
                continue
            groups = keys.index("groups") if "groups" in keys else None
            cells = [r[groups] for r in sheet.probe[number + 1 :] if groups is not None and groups < len(r)]
            if groups is not None:
                mapping["municipality"] = groups  # its tag «reg22_vpr_m019» is the municipality's code
            layout = PupilColumns(tasks, codes=group_tag_facts(cells), municipality_tag=groups is not None)
            return Recognition(number, mapping, detail="ВПР", layout=layout)
        return None

    def read(self, sheet: Sheet, recognition: Recognition, options: ReadOptions, log: SheetLog) -> CubePart:
        return read_pupils(sheet, recognition, options, log)
