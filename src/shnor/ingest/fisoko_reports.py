"""ФИС ОКО aggregate ВПР reports per school (SPEC §3.1 item 3).

Three reports, one reader each:

* «Статистика по отметкам» — ``Группы участников | [Кол-во ОО] | Кол-во участников | 2 | 3 | 4 | 5``, the marks in
  percent (the mark cells may sit in a second header row under «Распределение отметок в %»);
* «Сравнение отметок с отметками по журналу» — per group a block «Понизили… / Подтвердили… / Повысили… / Всего»
  with «Кол-во участников» and «%»; the group is named in a row above its block or in the first column of it;
* «Распределение первичных баллов» — ``Группы участников | Кол-во участников | 0 | 1 | … | max``, in percent.

Rows are «Вся выборка», the region, municipalities (АТЕ) and schools. A school is named with its login in
parentheses, «(sch224512) МБОУ "СОШ № 2"»; rows without a login sum other rows and are skipped and logged.
Percentages become counts by the largest-remainder method, so that they add up to the participants exactly.
Subject, grade and year come from the title rows above the table, the sheet name or the file name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from shnor.cube import MARK_COUNTS, CubePart, PartKind
from shnor.errors import UserError
from shnor.ingest.apportion import apportion
from shnor.ingest.base import ReadOptions, Recognition, SheetLog
from shnor.ingest.cells import all_blank, blank, first_bad, is_total_label, require_numbers
from shnor.ingest.headers import header_key, map_header
from shnor.ingest.tables import Sheet
from shnor.ingest.titles import require_facts, sheet_facts
from shnor.vocabulary import Assessment

_LOGIN = re.compile(r"\(\s*((?:sch|edu)\d+)\s*\)", re.IGNORECASE)
_WHOLE_SAMPLE = re.compile(r"^\s*вся\s+выборка", re.IGNORECASE)
_NUMBER_HEADER = re.compile(r"^(\d{1,3})(?: %)?$")
_CATEGORY = re.compile(r"^\s*(понизили|подтвердили|повысили|всего)\b", re.IGNORECASE)
_CATEGORIES = {"понизили": "lowered", "подтвердили": "confirmed", "повысили": "raised", "всего": "total"}
_PARTICIPANTS = re.compile(r"^количество участников(?: чел| %)?$")
_GROUP_HEADERS = {"группы участников", "группа участников", "оо", "наименование оо", "образовательная организация"}
# Headers of the canonical tidy table: a sheet that has them is never one of these reports.
_CANONICAL = {"year", "assessment", "subject", "school_id"}
_PERCENT_TOLERANCE = 1.5  # percentage points the shares of a row may miss 100 by (rounding in the report)
_AGGREGATE = "строка итогов («Вся выборка», регион, муниципалитет)"
_NO_RESULTS = "строка без числа участников (подпись, примечание)"


@dataclass(frozen=True)
class _Header:
    row: int  # 0-based row with «Кол-во участников»
    data_row: int  # 0-based first row below the header (one more when the numbers sit in a second header row)
    name: int  # column naming the group
    participants: int
    numbers: dict[int, int]  # header number («2», «0», …) → column


def _numbers_of(row: list) -> dict[int, int]:
    found = {}
    for position, cell in enumerate(row):
        match = _NUMBER_HEADER.match(header_key(cell))
        if match and int(match.group(1)) not in found:
            found[int(match.group(1))] = position
    return found


def _is_number_row(below: list, row: list) -> bool:
    """A second header row: number cells, and otherwise only the cells above repeated (merged cells)."""
    cells = [(p, header_key(c)) for p, c in enumerate(below) if header_key(c)]
    above = [header_key(c) for c in row]
    numbers = [key for _, key in cells if _NUMBER_HEADER.match(key)]
    return bool(numbers) and all(_NUMBER_HEADER.match(k) or (p < len(above) and k == above[p]) for p, k in cells)


def _find_header(probe: list[list]) -> _Header | None:
    """The row with exactly one «Кол-во участников», and the number cells in it or in the row below."""
    for i, row in enumerate(probe):
        places = [p for p, cell in enumerate(row) if _PARTICIPANTS.match(header_key(cell))]
        if len(places) != 1:
            continue
        if _CANONICAL & set(map_header(row)):
            return None
        below = probe[i + 1] if i + 1 < len(probe) else []
        numbers = _numbers_of(row)
        second_row = not numbers and _is_number_row(below, row)
        if second_row:
            numbers = _numbers_of(below)
        cells = [*enumerate(row), *(enumerate(below) if second_row else ())]
        name = next((p for p, cell in cells if header_key(cell) in _GROUP_HEADERS), 0)
        return _Header(i, i + 1 + second_row, name, places[0], numbers)
    return None


def _names_report(sheet: Sheet, header: _Header, phrase: str) -> bool:
    """A report, not some other table with the same columns: its title, its group column or a login in a row."""
    titles = " ".join(str(c) for row in sheet.probe[: header.row] for c in row if c)
    if phrase in header_key(f"{titles} {sheet.name or ''} {sheet.path.name}"):
        return True
    header_rows = sheet.probe[header.row : header.data_row]
    if any(header_key(c) in {"группы участников", "группа участников"} for row in header_rows for c in row):
        return True
    return any(_LOGIN.search(str(c)) for row in sheet.probe[header.data_row :] for c in row if c)


def _procedure(sheet: Sheet, header_row: int, options: ReadOptions, log: SheetLog) -> dict:
    """Year, assessment, subject and grade from the title rows (the first that says it wins), sheet and file name,
    the folders above the file, or --procedure."""
    facts = sheet_facts(sheet, header_row, given=options.procedure)
    require_facts(
        sheet, facts, ("subject", "grade", "year"), "отчёта",
        "«Статистика по отметкам ВПР 2024 математика 5 класс.xlsx»",
    )
    log.procedure = facts.described()
    return {
        "year": facts.year,
        "assessment": str(facts.assessment or Assessment.VPR),
        "subject": facts.subject,
        "grade": facts.grade,
    }


def _table(sheet: Sheet, data_row: int) -> pd.DataFrame:
    """Every row below the header as text, columns by position. Reports are small: a region has a few thousand rows."""
    frames = []
    for batch in sheet.batches(data_row):
        frame = pd.DataFrame({p: column.to_pandas() for p, column in enumerate(batch.columns)})
        frame["_row"] = np.arange(batch.first_row, batch.first_row + len(frame))
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({"_row": pd.Series(dtype="int64")})


def _cells(table: pd.DataFrame, position: int) -> pd.Series:
    return table[position] if position in table else pd.Series(None, index=table.index, dtype="object")


def _empty_rows(table: pd.DataFrame, log: SheetLog) -> pd.Series:
    empty = all_blank(table.drop(columns="_row"))
    log.skip("пустая строка", table.loc[empty, "_row"])
    return empty


def _identify(labels: pd.Series) -> pd.DataFrame:
    """Per group label, in order: the login, the school name and the municipality (the АТЕ row above the school).

    Above the municipalities come «Вся выборка» and the region (the first aggregate row that is not the sample).
    """
    text = labels.astype("string").str.strip()
    login = text.str.extract(_LOGIN, expand=False).astype("string")
    name = text.str.replace(_LOGIN, " ", regex=True).str.replace(r"\s+", " ", regex=True).str.strip()
    sample = text.str.contains(_WHOLE_SAMPLE).to_numpy(dtype=bool, na_value=False)
    named = ~blank(text).to_numpy(dtype=bool, na_value=True)
    aggregate = pd.Series(named & login.isna().to_numpy() & ~sample & ~is_total_label(text).to_numpy(bool), text.index)
    region = aggregate & (aggregate.cumsum() == 1)
    municipality = name.where(aggregate & ~region).ffill().where(login.notna())
    return pd.DataFrame({"school_id": login, "school_name": name, "municipality": municipality}).astype("string")


def _keys(procedure: dict, school_ids: pd.Series) -> pd.DataFrame:
    keys = pd.DataFrame({"school_id": school_ids.astype("string").to_numpy()})
    keys.insert(0, "year", pd.array([procedure["year"]] * len(keys), dtype="Int64"))
    keys.insert(1, "assessment", procedure["assessment"])
    keys.insert(2, "subject", procedure["subject"])
    keys.insert(3, "grade", pd.array([procedure["grade"]] * len(keys), dtype="Int64"))
    return keys


def _participants(schools: pd.DataFrame, header: _Header, sheet: Sheet, label: str) -> pd.Series:
    values = require_numbers(
        _cells(schools, header.participants), schools["_row"], sheet.place(), label, integer=True, low=0,
        what="целое число участников",
    )
    row = first_bad(values.isna(), schools["_row"])
    if row is not None:
        raise UserError("у школы не указано число участников.", sheet.place(row, label), "Заполните ячейку.")
    return values


def _apportion(shares: pd.DataFrame, participants: pd.Series, rows: pd.Series, names: pd.Series,
               sheet: Sheet) -> np.ndarray:
    """Counts from percentages (or fractions) that must add up to 100 (± rounding): apportioned to whole
    participants; a school whose shares do not add up is an error."""
    total = shares.sum(axis=1)
    fractions = (total > 0) & (total <= 1 + _PERCENT_TOLERANCE / 100)
    percent = shares.mul(np.where(fractions, 100.0, 1.0), axis=0)
    total = percent.sum(axis=1).astype(float)
    off = (participants > 0) & ((total - 100).abs() > _PERCENT_TOLERANCE)
    row = first_bad(off.fillna(False).astype(bool), rows)
    if row is not None:
        at = off.fillna(False).astype(bool)
        found = f"{total[at].iloc[0]:.1f}".replace(".", ",")
        raise UserError(
            f"доли у «{names[at].iloc[0]}» дают в сумме {found} %, а не 100 %.",
            sheet.place(row),
            "Проверьте строку: проценты должны складываться в 100 (допустимо расхождение от округления).",
        )
    counts, _ = apportion(percent.to_numpy(float) / 100, participants.to_numpy(float), complete=True, tolerance=1.0)
    return counts


def _percent_rows(sheet: Sheet, header: _Header, log: SheetLog, columns: dict[str, int]) -> tuple:
    """The school rows of a percent report: participants and counts per column; the other rows skipped and logged."""
    table = _table(sheet, header.data_row)
    label = " ".join(str(sheet.probe[header.row][header.participants]).split())
    log.header_row = header.row + 1
    log.columns = {"группа": f"столбец {header.name + 1}", "participants": label}
    empty = _empty_rows(table, log)
    table = table.loc[~empty]
    identity = _identify(_cells(table, header.name))
    school = identity["school_id"].notna().to_numpy()
    without = table.loc[~school]
    has_count = ~blank(_cells(without, header.participants))
    log.skip(_AGGREGATE, without.loc[has_count, "_row"])
    log.skip(_NO_RESULTS, without.loc[~has_count, "_row"])
    schools, identity = table.loc[school], identity.loc[school]
    participants = _participants(schools, header, sheet, label)
    shares = pd.DataFrame(
        {
            name: require_numbers(
                _cells(schools, position), schools["_row"], sheet.place(), name, low=0, what="доля в процентах"
            ).fillna(0)
            for name, position in columns.items()
        }
    )
    counts = _apportion(shares, participants, schools["_row"], identity["school_name"], sheet)
    log.rows_read += len(schools)
    return identity.reset_index(drop=True), participants.reset_index(drop=True), counts


class MarksReportReader:
    name = "fisoko_marks"
    label = "отчёт ФИС ОКО «Статистика по отметкам»"
    looks_for = ("отчёт ФИС ОКО «Статистика по отметкам»: «Группы участников», «Кол-во участников», "
                 "«2», «3», «4», «5» (в %)")

    def recognise(self, sheet: Sheet) -> Recognition | None:
        header = _find_header(sheet.probe)
        if header is None or set(header.numbers) != {2, 3, 4, 5}:
            return None
        if not _names_report(sheet, header, "статистика по отметкам"):
            return None
        mapping = {"school_name": header.name, "participants": header.participants}
        mapping.update({f"n{mark}": position for mark, position in header.numbers.items()})
        return Recognition(header.row, mapping, detail="доли отметок в %")

    def read(self, sheet: Sheet, recognition: Recognition, options: ReadOptions, log: SheetLog) -> CubePart:
        header = _find_header(sheet.probe)
        procedure = _procedure(sheet, header.row, options, log)
        columns = {f"n{mark}": header.numbers[mark] for mark in range(2, 6)}
        identity, participants, counts = _percent_rows(sheet, header, log, columns)
        log.columns.update({column: f"«{mark}» (%)" for mark, column in zip(range(2, 6), MARK_COUNTS)})
        result = _keys(procedure, identity["school_id"])
        result["participants"] = pd.array(participants.to_numpy(dtype=float).astype("int64"), dtype="Int64")
        for position, column in enumerate(MARK_COUNTS):
            result[column] = pd.array(counts[:, position], dtype="Int64")
        return CubePart(result, identity, sheet.label, PartKind.SCHOOLS)


class ScoresReportReader:
    name = "fisoko_scores"
    label = "отчёт ФИС ОКО «Распределение первичных баллов»"
    looks_for = "отчёт ФИС ОКО «Распределение первичных баллов»: «Кол-во участников» и столбцы баллов 0, 1, 2, … (в %)"

    def recognise(self, sheet: Sheet) -> Recognition | None:
        header = _find_header(sheet.probe)
        if header is None or len(header.numbers) < 3 or set(header.numbers) != set(range(len(header.numbers))):
            return None
        if not _names_report(sheet, header, "распределение первичных баллов"):
            return None
        mapping = {"school_name": header.name, "participants": header.participants}
        return Recognition(header.row, mapping, detail=f"баллы 0–{max(header.numbers)} в %")

    def read(self, sheet: Sheet, recognition: Recognition, options: ReadOptions, log: SheetLog) -> CubePart:
        header = _find_header(sheet.probe)
        procedure = _procedure(sheet, header.row, options, log)
        columns = {f"балл {score}": position for score, position in sorted(header.numbers.items())}
        identity, participants, counts = _percent_rows(sheet, header, log, columns)
        log.columns["баллы"] = f"«0» … «{max(header.numbers)}» (%)"
        scores = np.arange(counts.shape[1], dtype=float)
        present = (participants > 0).to_numpy()
        result = _keys(procedure, identity["school_id"])
        moments = {"score_n": counts.sum(axis=1), "score_sum": counts @ scores,
                   "score_sumsq": counts @ (scores * scores)}
        for column, values in moments.items():  # a school without participants has no scores
            result[column] = pd.Series(values.astype(float), dtype="Float64").where(present)
        # The scale: its maximum is the last score column; its mark boundaries come from the scales, when known.
        scale = options.scales.get(procedure["year"], "ВПР", procedure["subject"], procedure["grade"])
        result["max_score"] = float(max(header.numbers))
        for column in ("mark3", "mark4", "mark5"):
            result[column] = getattr(scale, column) if scale is not None else np.nan
        school_index, score_index = np.nonzero(counts)
        histogram = pd.DataFrame({"key": school_index, "score": scores[score_index],
                                  "count": counts[school_index, score_index]})
        return CubePart(result, identity, sheet.label, PartKind.SUPPLEMENT, histogram=histogram)


class JournalReportReader:
    name = "fisoko_journal"
    label = "отчёт ФИС ОКО «Сравнение отметок с отметками по журналу»"
    looks_for = (
        "отчёт ФИС ОКО «Сравнение отметок с отметками по журналу»: строки «Понизили», «Подтвердили», «Повысили», "
        "«Всего» и столбец «Кол-во участников»"
    )

    def recognise(self, sheet: Sheet) -> Recognition | None:
        header = _find_header(sheet.probe)
        if header is None or header.numbers:
            return None
        found: dict[str, int] = {}
        for row in sheet.probe[header.data_row :]:
            for position, cell in enumerate(row):
                match = _CATEGORY.match(str(cell or ""))
                if match:
                    found.setdefault(_CATEGORIES[match.group(1).lower()], position)
        if "lowered" not in found or not {"confirmed", "raised"} & set(found):
            return None
        mapping = {"category": found["lowered"], "participants": header.participants}
        return Recognition(header.row, mapping, detail="понизили / подтвердили / повысили")

    def read(self, sheet: Sheet, recognition: Recognition, options: ReadOptions, log: SheetLog) -> CubePart:
        header = _find_header(sheet.probe)
        procedure = _procedure(sheet, header.row, options, log)
        category_column = recognition.mapping["category"]
        label = " ".join(str(sheet.probe[header.row][header.participants]).split())
        log.header_row = header.row + 1
        log.columns = {"группа и строка сравнения": f"столбец {category_column + 1}",
                       "lowered, confirmed, raised": label}
        table = _table(sheet, header.data_row)
        table = table.loc[~_empty_rows(table, log)]
        category = _cells(table, category_column).fillna("").str.extract(_CATEGORY, expand=False).str.lower()
        category = category.map(_CATEGORIES)
        # The group is named in a row of its own above the block, or in a column left of the categories.
        candidates = [_cells(table, p) for p in range(category_column)]
        candidates.append(_cells(table, category_column).where(category.isna()))
        named = pd.concat(candidates, axis=1).apply(lambda c: c.where(~blank(c)))
        label_of_row = named.bfill(axis=1).iloc[:, 0]
        carried = label_of_row.ffill()
        starts = label_of_row.notna() & (carried != carried.shift())
        block = starts.cumsum()
        identity = _identify(label_of_row[starts]).set_index(block[starts])
        school_id = block.map(identity["school_id"])
        school = school_id.notna() & category.notna()
        log.skip(_AGGREGATE, table.loc[school_id.isna(), "_row"])
        rows = table.loc[school, "_row"]
        counts = require_numbers(
            _cells(table, header.participants)[school], rows, sheet.place(), label, integer=True, low=0,
            what="целое число участников",
        )
        missing = first_bad(counts.isna(), rows)
        if missing is not None:
            raise UserError("не указано число участников.", sheet.place(missing, label), "Заполните ячейку.")
        long = pd.DataFrame({"school_id": school_id[school], "category": category[school], "count": counts,
                             "_row": rows})
        repeated = first_bad(long.duplicated(["school_id", "category"]), long["_row"])
        if repeated is not None:
            raise UserError(
                "строка сравнения повторяется в блоке одной школы.", sheet.place(repeated),
                "Удалите повторяющуюся строку."
            )
        wide = long.pivot(index="school_id", columns="category", values="count")
        wide = wide.reindex(columns=["lowered", "confirmed", "raised", "total"])
        _check_totals(wide, long, sheet)
        log.rows_read += len(long)
        order = identity.loc[identity["school_id"].isin(long["school_id"])].drop_duplicates("school_id")
        wide = wide.reindex(order["school_id"].to_numpy())
        result = _keys(procedure, order["school_id"])
        for column in ("lowered", "confirmed", "raised"):
            result[column] = pd.array(wide[column].fillna(0).round().to_numpy(), dtype="Int64")
        return CubePart(result, order.reset_index(drop=True), sheet.label, PartKind.SUPPLEMENT)


def _check_totals(wide: pd.DataFrame, long: pd.DataFrame, sheet: Sheet) -> None:
    """«Всего» of a school, when given, is the sum of the three rows above it."""
    given = wide[["lowered", "confirmed", "raised"]].fillna(0).sum(axis=1)
    wrong = wide["total"].notna() & (wide["total"] != given)
    if wrong.any():
        school = wrong[wrong].index[0]
        row = int(long.loc[(long["school_id"] == school) & (long["category"] == "total"), "_row"].iloc[0])
        raise UserError(
            f"у школы {school} «Всего» = {int(wide.loc[school, 'total'])}, а понизили + подтвердили + повысили = "
            f"{int(given[school])}.",
            sheet.place(row),
            "Проверьте числа в блоке школы.",
        )
