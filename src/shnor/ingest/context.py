"""Context data of schools (``--context``): a table by school login with the conditions a school works in —
settlement type, number of pupils, distance to the district centre, teacher shortage, share of pupils with special
needs (the fields of the ФИС ОКО form «Сбор контекстных данных об ОО» that the ШНСУ flag and group comparisons use).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from shnor.errors import Place, UserError
from shnor.ingest.headers import header_key, header_row_of, map_header
from shnor.ingest.tables import read_small_table
from shnor.vocabulary import normalize_text

FIELDS = {
    "settlement": ("settlement", "тип населенного пункта", "тип поселения", "местность", "город/село",
                   "населенный пункт"),
    "students": ("students", "численность обучающихся", "количество обучающихся", "число обучающихся", "контингент"),
    "remoteness_km": (
        "remoteness_km", "удаленность от районного центра км", "удаленность км", "расстояние до районного центра км",
        "удаленность",
    ),
    "teacher_shortage": ("teacher_shortage", "дефицит педагогов", "доля вакансий", "дефицит кадров", "вакансии доля"),
    "special_needs": ("special_needs", "доля обучающихся с овз", "доля овз", "обучающиеся с овз доля"),
}
NUMERIC = ("students", "remoteness_km", "teacher_shortage", "special_needs")
SHARES = ("teacher_shortage", "special_needs")
_VOCABULARY = {header_key(a): f for f, aliases in FIELDS.items() for a in aliases} | {
    header_key(a): "school_id" for a in ("school_id", "логин", "логин оо", "логин школы", "код оо")
}


def read_context(path: Path) -> pd.DataFrame:
    """school_id → the known fields (settlement as «город»/«село», numbers as numbers, shares as fractions)."""
    sheet, rows = read_small_table(path)
    header = header_row_of(rows, _VOCABULARY, {"school_id"})
    if header is None:
        raise UserError(
            f"в файле контекстных данных «{path.name}» не найден столбец логина ОО.",
            Place(path.name, sheet.name),
            "Нужны столбцы: логин ОО и хотя бы один из: тип населённого пункта, численность обучающихся, "
            "удалённость от районного центра (км), дефицит педагогов, доля обучающихся с ОВЗ.",
        )
    mapping = map_header(rows[header], _VOCABULARY)
    if len(mapping) < 2:
        raise UserError("в файле контекстных данных нет ни одного известного показателя.",
                        Place(path.name, sheet.name, header + 1))
    records = []
    for number, row in enumerate(rows[header + 1 :], start=header + 2):
        cells = {field: (row[p] if p < len(row) else None) for field, p in mapping.items()}
        if not (cells.get("school_id") or "").strip():
            continue
        record = {"school_id": cells["school_id"].strip()}
        for field, value in cells.items():
            if field == "school_id" or value in (None, ""):
                continue
            if field == "settlement":
                text = normalize_text(value)
                record[field] = ("село" if text.startswith(("сел", "дер", "пос", "с.", "д.", "п.")) or "сельск" in text
                                 else "город")
                continue
            try:
                number_value = float(
                    str(value).replace(",", ".").replace("%", "").replace("\u00a0", "").replace(" ", "")
                )
            except ValueError:
                raise UserError(
                    f"в ячейке «{value}», а ожидается число.",
                    Place(path.name, sheet.name, number, str(rows[header][mapping[field]]))
                ) from None
            if field in SHARES and (number_value > 1 or "%" in str(value)):
                number_value /= 100
            record[field] = number_value
        records.append(record)
    frame = pd.DataFrame(records)
    if frame.empty:
        raise UserError("в файле контекстных данных нет ни одной школы.", Place(path.name, sheet.name))
    duplicated = frame["school_id"].duplicated()
    if duplicated.any():
        raise UserError(f"логин «{frame.loc[duplicated, 'school_id'].iloc[0]}» повторяется.",
                        Place(path.name, sheet.name))
    return frame.set_index("school_id")
