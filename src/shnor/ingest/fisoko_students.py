"""ФИС ОКО per-participant ВПР files (SPEC §3.1 item 2): one file per subject and grade.

Header: «логин школы | регион | номер обучающегося | код обучающегося | отметка за предыдущую четверть/триместр |
пол | класс | вариант | всего баллов | балл за 1 | … | балл за K». Subject, grade and year come from the title rows,
the sheet name or the file name («Проведение работы по математике, 4 класс. ВПР 2021.xlsx»). The ВПР mark is not
in the file: it is computed from «всего баллов» with the scale of the procedure. The journal mark is kept for the
comparison «понизили / подтвердили / повысили». Pupil numbers, codes and sex are never read.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shnor.cube import Batches, CubePart, PartKind, empty_schools
from shnor.errors import UserError
from shnor.ingest.base import ReadOptions, Recognition, SheetLog, Source
from shnor.ingest.cells import all_blank, blank, stripped
from shnor.ingest.headers import header_key, map_header
from shnor.ingest.students import aggregate_students
from shnor.ingest.tables import Sheet
from shnor.ingest.titles import sheet_facts
from shnor.vocabulary import Assessment

_VOCABULARY = {
    header_key(alias): column
    for column, aliases in {
        "school_id": ("логин школы", "логин оо", "логин"),
        "score": ("всего баллов", "итого баллов", "первичный балл", "сумма баллов", "итого"),
        "journal_mark": (
            "отметка за предыдущую четверть/триместр", "отметка за предыдущий триместр/ четверть/полугодие",
            "отметка за предыдущую четверть", "отметка по журналу", "отметка за четверть",
        ),
        "subject": ("предмет", "subject"),
        "participants": ("участники", "количество участников", "participants"),
    }.items()
    for alias in aliases
}


class FisOkoStudentsReader:
    name = "fisoko-students"
    label = "протокол ВПР ФИС ОКО (по участникам)"
    looks_for = (
        "протокол ВПР из ФИС ОКО: столбцы «логин школы», «всего баллов» (и «отметка за предыдущую четверть»), "
        "предмет, класс и год — в названии файла или в строке над таблицей"
    )

    def recognise(self, sheet: Sheet) -> Recognition | None:
        for number, row in enumerate(sheet.probe):
            mapping = map_header(row, _VOCABULARY)
            if "score" not in mapping or "subject" in mapping or "participants" in mapping:
                continue
            if "school_id" not in mapping and "journal_mark" not in mapping:
                continue
            missing = () if "school_id" in mapping else ("school_id",)
            return Recognition(number, mapping, missing, detail="ВПР")
        return None

    def read(self, sheet: Sheet, recognition: Recognition, options: ReadOptions, log: SheetLog) -> CubePart:
        header = sheet.probe[recognition.header_row]
        log.header_row = recognition.header_row + 1
        log.columns = {c: " ".join(str(header[p]).split()) for c, p in recognition.mapping.items()}
        source = Source(sheet, log.columns)
        procedure = _procedure(sheet, recognition.header_row)
        log.notes.append(
            f"процедура: ВПР «{procedure['subject']}», {procedure['grade']} класс, {procedure['year']} год "
            "(из заголовка, названия листа или файла)"
        )
        batches = Batches()
        for batch in sheet.batches(recognition.header_row + 1):
            frame = pd.DataFrame({c: batch.columns[p].to_pandas() for c, p in recognition.mapping.items() if p < len(batch.columns)})
            frame["_row"] = np.arange(batch.first_row, batch.first_row + len(frame))
            empty = all_blank(frame.drop(columns="_row"))
            log.skip("пустая строка", frame.loc[empty, "_row"])
            absent = ~empty & blank(frame["score"])
            log.skip("нет балла: участник не писал работу", frame.loc[absent, "_row"])
            frame = frame.loc[~empty & ~absent]
            no_login = blank(frame["school_id"])
            if no_login.any():
                raise UserError("не указан логин школы.", source.place(int(frame.loc[no_login, "_row"].iloc[0]), "school_id"))
            if frame.empty:
                continue
            keys = pd.DataFrame(
                {
                    "year": pd.array([procedure["year"]] * len(frame), dtype="Int64"),
                    "assessment": str(Assessment.VPR),
                    "subject": procedure["subject"],
                    "grade": pd.array([procedure["grade"]] * len(frame), dtype="Int64"),
                    "school_id": stripped(frame["school_id"]),
                },
                index=frame.index,
            )
            aggregate = aggregate_students(frame, keys, source, options)
            batches.add(aggregate.counts, aggregate.pairs, aggregate.histogram)
            log.rows_read += len(frame)
        part = batches.part(empty_schools(), sheet.label, PartKind.STUDENTS)
        ids = part.counts["school_id"].astype("string")
        part.schools = pd.DataFrame({"school_id": ids, "school_name": pd.NA, "municipality": pd.NA}).astype("string")
        return part



def _procedure(sheet: Sheet, header_row: int) -> dict:
    facts = sheet_facts(sheet, header_row)
    missing = [
        what
        for what, value in (("предмет", facts.subject), ("класс", facts.grade), ("год", facts.year))
        if value is None
    ]
    if missing:
        raise UserError(
            f"не удалось определить {', '.join(missing)} работы ВПР ни по строкам над таблицей, ни по названию листа "
            "или файла.",
            sheet.place(),
            "Назовите файл так, как его выгружает ФИС ОКО: «Проведение работы по математике, 4 класс. ВПР 2021.xlsx».",
        )
    return {"subject": facts.subject, "grade": facts.grade, "year": facts.year}
