"""The form a school fills in and uploads to ФИС ОКО for a ВПР (SPEC §3.1 item 5).

Sheet «Протокол»: «Пользователь» (the school's login), «Код региона», «Регион», «Муниципалитет» and «Школа» given as
«код | название» («reg22_m019 | Красногорский муниципальный район», «edu223379 | МКОУ …»), «Дата загрузки», «Код»
(the pupil's code — never read), «Вариант» («отсутствовал» for an absent pupil, whose «Итого баллов» is 0), task
columns «1 (1б)», «5(1) (1б)» …, «Наименование класса», «Пол», «Отметка за предыдущий триместр/ четверть/полугодие»,
«Итого баллов». Sheet «Классы»: class letters and textbooks with codes such as «ma4.8» — no results; its codes name
the subject and grade, the upload date the year. The blank form (no «Пользователь», no «Школа») is recognised and
said to hold no school's results.
"""

from __future__ import annotations

import re

from shnor.cube import CubePart
from shnor.ingest.base import ReadOptions, Recognition, SheetLog
from shnor.ingest.headers import header_key
from shnor.ingest.pupils import PupilColumns, read_pupils
from shnor.ingest.tables import Sheet
from shnor.ingest.titles import date_facts, textbook_facts

_COLUMNS = {
    "пользователь": "school_id",
    "школа": "school_name",
    "муниципалитет": "municipality",
    "итого баллов": "score",
    "отметка за предыдущий триместр четверть полугодие": "journal_mark",
    "отметка за предыдущую четверть триместр": "journal_mark",
    "вариант": "variant",
    "вариант часть 1": "variant",
    "дата загрузки": "uploaded",
}
_TASK = re.compile(r"^\s*\d+(?:\s*[.(]\s*\d+\s*\)?)*(?:\s*k\d+)?\s*\(\s*\d+\s*б\s*\)\s*$", re.IGNORECASE)
_TEXTBOOK = "основной учебник по предмету"
BLANK_FORM = (
    "форма ввода результатов ВПР (задания «1 (1б)» …, «Итого баллов»), в которой не указана школа: нет ни "
    "«Пользователь» (логин), ни «Школа» — чьи это результаты, из неё не понять, как и предмет, класс и год; это бланк "
    "или образец формы, результатов для перечня в нём нет"
)
CLASSES = "лист «Классы» формы ВПР: буквы классов и учебники — не результаты (коды учебников называют предмет и класс)"


class UploadFormReader:
    name = "upload-form"
    label = "форма загрузки результатов ВПР в ФИС ОКО («Протокол»)"
    looks_for = "форма загрузки ВПР: лист «Протокол» со столбцами «Пользователь», «Школа», «1 (1б)» …, «Итого баллов»"

    def recognise(self, sheet: Sheet) -> Recognition | None:
        for number, row in enumerate(sheet.probe[:10]):
            keys = [header_key(cell) for cell in row]
            mapping = {_COLUMNS[k]: p for p, k in reversed(list(enumerate(keys))) if k in _COLUMNS}
            if _TEXTBOOK in keys and "school_id" in mapping:
                return Recognition(number, {}, skip=CLASSES)
            tasks = tuple(p for p, cell in enumerate(row) if cell and _TASK.match(str(cell)))
            if "score" not in mapping or not tasks:
                continue
            if "school_id" not in mapping and "school_name" not in mapping:
                return Recognition(number, {}, skip=BLANK_FORM)
            codes = _codes(sheet, number, mapping.pop("uploaded", None))
            layout = PupilColumns(tasks, frozenset({"school_name"}), codes)  # «код | район»: see ``territories``
            return Recognition(number, mapping, detail="ВПР", layout=layout)
        return None

    def read(self, sheet: Sheet, recognition: Recognition, options: ReadOptions, log: SheetLog) -> CubePart:
        return read_pupils(sheet, recognition, options, log)


def _codes(sheet: Sheet, header_row: int, uploaded: int | None):
    """The textbook codes of the file's «Классы» sheet (subject and grade) and the upload dates (the year)."""
    dates = [row[uploaded] for row in sheet.probe[header_row + 1 :] if uploaded is not None and uploaded < len(row)]
    textbooks = []
    for other in getattr(sheet, "siblings", ()):
        for number, row in enumerate(other.probe[:10]):
            keys = [header_key(cell) for cell in row]
            if _TEXTBOOK in keys:
                position = keys.index(_TEXTBOOK)
                textbooks = [r[position] for r in other.probe[number + 1 :] if position < len(r)]
                if "дата загрузки" in keys and not dates:
                    dates = [r[keys.index("дата загрузки")] for r in other.probe[number + 1 :]]
                break
    return textbook_facts(textbooks).merged(date_facts(dates))
