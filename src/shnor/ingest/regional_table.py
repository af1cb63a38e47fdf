"""Regional per-school ОГЭ/ЕГЭ statistics (SPEC §3.1 item 4).

Title rows, then a header of two or three levels: fixed columns (municipality, school, sometimes a login) and,
per subject, a group of columns — participants, below the minimum, score bands (61–80 / 81–100, or 80–99 / 100),
marks «2»…«5», mean score — as counts or as percentages. Sometimes a row of column numbers under the header.
Schools are listed under municipality subtotal rows or with the municipality on every row; a regional total row
closes the table. Schools without a login get a stable id from their municipality and normalised name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from shnor.cube import CubePart, PartKind, band_column, band_columns
from shnor.errors import UserError
from shnor.ingest.apportion import apportion
from shnor.ingest.base import ReadOptions, Recognition, SheetLog, derived_school_id
from shnor.ingest.cells import MAX_WHOLE, all_blank, blank, is_total_label, to_number
from shnor.ingest.headers import header_key
from shnor.ingest.tables import Sheet
from shnor.ingest.titles import require_facts, sheet_facts
from shnor.russian import rows_phrase
from shnor.vocabulary import EXAM_GRADE, MATH_BASE, Assessment, parse_subject

_SCHOOL = re.compile(
    r"^(?:образовательная организация|наименование (?:оо|образовательной организации|школы)|оо|школа|название оо)\b"
)
_MUNICIPALITY = re.compile(
    r"^(?:муниципальное образование|муниципалитет|мо|ате|муниципальный (?:район|округ)|район|наименование ате)\b"
)
_LOGIN = re.compile(r"^(?:логин|код оо|код образовательной организации)\b")
# Column meaning is decided by the whole header, in this order: «Количество участников, не преодолевших минимальный
# порог» is below the minimum (not participants), «от 81 до 100 баллов» a band (not the «100» column).
_BELOW_MIN = re.compile(r"не преодол|не достиг|ниже (?:мин|порог)|не набрал|меньше мин")
_BANDS = (
    re.compile(r"\bот\s*(\d{1,3})\s*до\s*(\d{1,3})\b"),
    re.compile(r"(?<![\d.])(\d{1,3})\s*[-–—]\s*(\d{1,3})(?![\d.])"),
)
_HUNDRED = re.compile(r"(?:^|\s)100(?:\s*балл\w*)?(?:\s*%)?$|получил\w* 100\b|набрал\w* 100\b")
_MEAN = re.compile(r"средн\w* (?:тестов\w* |первичн\w* )?балл")
_MARK = re.compile(r"^(?:доля |процент |отметк\w* |получили |на |количество )?[«]?([2-5])[»]?(?: %)?$")
_PARTICIPANTS = re.compile(r"приня\w* участие|участвовал|участник|сдавал|количество сдававших")
MEASURE_LABELS = {
    "participants": "участники", "below_min": "ниже минимального порога", "mean_score": "средний балл",
    "n2": "«2»", "n3": "«3»", "n4": "«4»", "n5": "«5»",
}
_NUMBERING = re.compile(r"^\d{1,3}$")


@dataclass(frozen=True)
class _Column:
    position: int
    subject: str
    metric: str  # participants | below_min | mean_score | n2..n5 | band
    percent: bool
    header: str
    band: tuple[int, int] | None = None


@dataclass
class _Layout:
    header_rows: int  # rows above the data (title, header, numbering)
    municipality: int | None
    school: int
    login: int | None
    columns: list[_Column]
    unknown_groups: list[str] = field(default_factory=list)


class RegionalTableReader:
    name = "regional"
    label = "региональная таблица ОГЭ/ЕГЭ по ОО"
    looks_for = (
        "региональная таблица ОГЭ/ЕГЭ: столбцы «Муниципальное образование» и «Образовательная организация», над "
        "показателями — названия предметов («приняли участие», «не преодолели мин. порог», «81–100», «средний балл»)"
    )

    def recognise(self, sheet: Sheet) -> Recognition | None:
        rows = sheet.probe
        top = next((i for i, row in enumerate(rows) if any(_SCHOOL.match(header_key(c)) for c in row if c)), None)
        if top is None:
            return None
        subjects = max((_subject_cells(rows[i]) for i in range(top, min(top + 4, len(rows)))), default=0)
        metric_row = _metric_row(rows, top)
        if subjects == 0 or (metric_row is None and subjects < 2):
            return None
        if metric_row is None:
            titles = " ".join(str(c) for row in rows[:top] for c in row if c)
            what = "заявления на участие" if "заявлен" in titles.lower() else "нет столбцов с результатами"
            return Recognition(top, {}, skip=f"{what} («приняли участие» под названиями предметов не найдено)")
        layout = _layout(rows, top, metric_row)
        mapping = {f"{c.subject}: {c.header}": c.position for c in layout.columns}
        subjects = len({c.subject for c in layout.columns})
        return Recognition(top, mapping, detail=f"предметов: {subjects}", layout=layout)

    def read(self, sheet: Sheet, recognition: Recognition, options: ReadOptions, log: SheetLog) -> CubePart:
        layout: _Layout = recognition.layout
        facts = _procedure(sheet, recognition.header_row, options, log)
        log.header_row = recognition.header_row + 1
        log.columns = _column_summary(sheet, layout)
        if layout.unknown_groups:
            log.notes.append("не распознаны группы столбцов (пропущены): " + "; ".join(layout.unknown_groups))
        high_bands = _high_bands(layout.columns, options.ege_high_score, facts["assessment"], log, facts["year"])
        parts, schools = [], []
        state = {"municipality": None}
        for batch in sheet.batches(layout.header_rows):
            frame = _rows(batch, layout, state, log)
            if frame.empty:
                continue
            counted = _subject_counts(frame, batch, layout, high_bands, facts, log)
            _check_twice(counted, frame, sheet)
            parts.append(counted.drop(columns="_row", errors="ignore"))
            schools.append(frame[["school_id", "school_name", "municipality"]])
            log.rows_read += len(frame)
        counts = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["school_id"])
        school_frame = pd.concat(schools, ignore_index=True).drop_duplicates("school_id") if schools else None
        return CubePart(counts, school_frame if school_frame is not None else _no_schools(), sheet.label,
                        PartKind.SCHOOLS)


def _column_summary(sheet: Sheet, layout: _Layout) -> dict[str, str]:
    """For `shnor inspect`: per column, the measure and subject it became ← the header as the file spells it."""
    summary = {}
    for name, position in (("municipality", layout.municipality), ("school_name", layout.school),
                           ("school_id", layout.login)):
        if position is not None:
            summary[name] = next(
                (" ".join(str(row[position]).split()) for row in sheet.probe
                 if position < len(row) and row[position]), ""
            )
    for column in layout.columns:
        summary[f"{column.subject}: {measure_label(column.metric, column.band, column.percent)}"] = column.header
    return summary


def _no_schools() -> pd.DataFrame:
    from shnor.cube import empty_schools

    return empty_schools()



def _subject_cells(row: list) -> int:
    return sum(1 for cell in row if cell and parse_subject(cell) is not None)


def _metric_of(cell: object) -> tuple[str, tuple[int, int] | None] | None:
    """What a header cell measures: (metric, band) — participants, below_min, a score band, mean_score, n2…n5."""
    key = header_key(cell)
    if not key:
        return None
    if _BELOW_MIN.search(key):
        return "below_min", None
    for pattern in _BANDS:
        band = pattern.search(key)
        if band and int(band.group(1)) <= int(band.group(2)) <= 100:
            return "band", (int(band.group(1)), int(band.group(2)))
    if _HUNDRED.search(key):
        return "band", (100, 100)
    if _MEAN.search(key):
        return "mean_score", None
    mark = _MARK.search(key)
    if mark:
        return f"n{mark.group(1)}", None
    if _PARTICIPANTS.search(key):
        return "participants", None
    return None


def measure_label(metric: str, band: tuple[int, int] | None, percent: bool) -> str:
    """«ниже минимального порога (%)», «баллы 61–80», «100 баллов»: what a column became, for `shnor inspect`."""
    if metric == "band":
        label = "100 баллов" if band == (100, 100) else f"баллы {band[0]}–{band[1]}"
    else:
        label = MEASURE_LABELS[metric]
    return label + (" (%)" if percent else " (число)" if metric not in ("mean_score",) else "")


def _metric_row(rows: list[list], top: int) -> int | None:
    for i in range(top, min(top + 5, len(rows))):
        metrics = [_metric_of(c) for c in rows[i]]
        if sum(1 for m in metrics if m and m[0] == "participants") >= 1 and sum(1 for m in metrics if m) >= 2:
            return i
    return None


def _layout(rows: list[list], top: int, metric_row: int) -> _Layout:
    fixed = {}
    for i in range(top, metric_row + 1):
        for position, cell in enumerate(rows[i]):
            key = header_key(cell)
            for name, pattern in (("school", _SCHOOL), ("municipality", _MUNICIPALITY), ("login", _LOGIN)):
                if key and pattern.match(key) and name not in fixed:
                    fixed[name] = position
    subjects: dict[int, str] = {}
    unknown: list[str] = []
    for i in range(top, metric_row):
        current = None
        for position, cell in enumerate(rows[i]):
            if position <= max(fixed.values()):
                continue
            if cell:
                current = parse_subject(cell)
                if current is None and _metric_of(cell) is None and not re.search(
                    r"всего|из них|профиль \(?при наличии|^профиль$", header_key(cell)
                ):
                    unknown.append(" ".join(str(cell).split()))
            if current is not None:
                subjects[position] = current
    columns = []
    for position, cell in enumerate(rows[metric_row]):
        found = _metric_of(cell)
        if found is None or position not in subjects:
            continue
        metric, band = found
        key = header_key(cell)
        percent = "%" in key or "доля" in key or "процент" in key
        columns.append(_Column(position, subjects[position], metric, percent, " ".join(str(cell).split()), band))
    header_rows = metric_row + 1
    if header_rows < len(rows):
        numbering = [c for c in rows[header_rows] if c not in (None, "")]
        if numbering and all(_NUMBERING.match(str(c).strip()) for c in numbering):
            header_rows += 1
    return _Layout(header_rows, fixed.get("municipality"), fixed["school"], fixed.get("login"), columns, unknown)


def _procedure(sheet: Sheet, top: int, options: ReadOptions, log: SheetLog) -> dict:
    facts = sheet_facts(sheet, top, given=options.procedure)
    if facts.assessment not in (Assessment.OGE, Assessment.EGE):
        raise UserError(
            "не удалось понять, ОГЭ это или ЕГЭ: ни в заголовке над таблицей, ни в названии листа или файла, ни в "
            "папках над ним этого нет.",
            sheet.place(),
            "Добавьте «ЕГЭ» или «ОГЭ» в название листа или файла или задайте --procedure \"ЕГЭ 2024\".",
        )
    require_facts(sheet, facts, ("year",), "результатов", "«ЕГЭ 2024» в названии листа")
    log.procedure = facts.described()
    return {"year": facts.year, "assessment": facts.assessment, "grade": EXAM_GRADE[facts.assessment]}


def _high_bands(columns: list[_Column], threshold: float, assessment: Assessment, log: SheetLog, year: int) -> set:
    """The score bands that make «high»: those from the rules' boundary up. Where no band starts at the boundary,
    the band that straddles it is taken from its lower edge — and the log says which boundary was used, so that
    the methodology and the reasons name it; with no such band, «high» is not computed (and that is said)."""
    bands = sorted({c.band for c in columns if c.metric == "band"})
    if not bands or assessment is not Assessment.EGE:
        return set()
    if threshold in [lo for lo, _ in bands]:
        return {b for b in bands if b[0] >= threshold}
    straddling = [b for b in bands if b[0] < threshold <= b[1]]
    start = straddling[0][0] if straddling else None
    subjects = sorted({c.subject for c in columns if c.metric == "band" and c.subject != MATH_BASE})
    listed = ", ".join(f"{lo}–{hi}" if lo != hi else str(lo) for lo, hi in bands)
    log.high_boundary = {"year": year, "bands": listed, "used": dict.fromkeys(subjects, start)}
    if start is None:
        log.notes.append(
            f"высокие результаты ЕГЭ не рассчитаны: в таблице нет полос баллов от {threshold:g} ({listed})"
        )
        return set()
    log.notes.append(f"высокие результаты ЕГЭ взяты от {start} баллов: в таблице нет границы {threshold:g} ({listed})")
    return {b for b in bands if b[0] >= start}


def _cells(batch, position: int) -> pd.Series:
    return (batch.columns[position].to_pandas() if position < len(batch.columns)
            else pd.Series([None] * batch_len(batch)))


def batch_len(batch) -> int:
    return len(batch.columns[0]) if batch.columns else 0


def _rows(batch, layout: _Layout, state: dict, log: SheetLog) -> pd.DataFrame:
    """School rows with their municipality; totals and subtotals skipped and logged."""
    rows = pd.Series(np.arange(batch.first_row, batch.first_row + batch_len(batch)))
    school = _cells(batch, layout.school).str.strip()
    municipality = (
        _cells(batch, layout.municipality).str.strip() if layout.municipality is not None
        else pd.Series(pd.NA, index=rows.index)
    )
    values = pd.DataFrame({c.position: _cells(batch, c.position) for c in layout.columns})
    empty = blank(school) & blank(municipality) & all_blank(values)
    total = (is_total_label(school) | is_total_label(municipality)
             | municipality.fillna("").str.contains(r"(?i)^(?:всего|итого)\b")) & ~empty
    subtotal = blank(school) & ~blank(municipality) & ~total
    log.skip("пустая строка", rows[empty])
    log.skip("строка итогов по региону («Всего», «Итого»)", rows[total])
    log.skip("строка итогов по муниципалитету", rows[subtotal])
    # Municipality blocks: a subtotal row names the municipality of the school rows below it.
    carried = municipality.where(~blank(municipality) & ~total)
    if state["municipality"] is not None and pd.isna(carried.iloc[0]):
        carried.iloc[0] = state["municipality"]
    carried = carried.ffill()
    if carried.notna().any():
        state["municipality"] = carried.dropna().iloc[-1]
    keep = ~empty & ~total & ~subtotal
    frame = pd.DataFrame({"_row": rows, "school_name": school, "municipality": carried})[keep]
    if layout.login is not None:
        login = _cells(batch, layout.login).str.strip()[keep]
        derived = [derived_school_id(m, n) for m, n in zip(frame["municipality"], frame["school_name"])]
        frame["school_id"] = login.where(~blank(login), pd.Series(derived, index=frame.index))
    else:
        frame["school_id"] = [derived_school_id(m, n) for m, n in zip(frame["municipality"], frame["school_name"])]
    return frame


def _subject_counts(frame: pd.DataFrame, batch, layout: _Layout, high_bands: set, facts: dict,
                    log: SheetLog) -> pd.DataFrame:
    """One row per school and subject: counts from counts or from percentages, every score band kept as its own
    count column (``band_61_80``), contradictions skipped and reported. A subject whose participants cell is «-» or
    empty has no result in that row."""
    out = []
    by_subject: dict[str, list[_Column]] = {}
    for column in layout.columns:
        by_subject.setdefault(column.subject, []).append(column)
    for subject, columns in by_subject.items():
        metrics = {c.metric: c for c in columns if c.metric != "band"}
        if "participants" not in metrics:
            continue
        spoiled = _note_not_numbers(batch, columns, frame, subject, log)
        participants = _numbers(batch, metrics["participants"], frame.index)
        present = (participants.fillna(0) > 0) & ~spoiled
        part = pd.DataFrame(
            {
                "year": facts["year"],
                "assessment": str(facts["assessment"]),
                "subject": subject,
                "grade": facts["grade"],
                "school_id": frame["school_id"],
                "participants": participants,
                "_row": frame["_row"],
            }
        )
        counted = [c for c in columns if c.metric == "below_min" or c.metric == "band"]
        part = part.join(_counts(batch, counted, frame.index, participants))
        marks = [m for m in ("n2", "n3", "n4", "n5") if m in metrics]
        if len(marks) == 4 and any(metrics[m].percent for m in marks):
            part[marks] = _marks_from_shares(batch, [metrics[m] for m in marks], frame.index, participants)
        else:
            for metric in marks:
                part[metric] = _numbers(batch, metrics[metric], frame.index).fillna(0)
        # Base maths is marked 2..5: score bands say nothing of it, so its high results stay unknown.
        bands = [c for c in columns if c.metric == "band" and c.band in high_bands and subject != MATH_BASE]
        mean = _numbers(batch, metrics["mean_score"], frame.index, dash=None) if "mean_score" in metrics else None
        if bands:
            part["high"] = sum(part[band_column(*c.band)] for c in bands)
            for column in bands:
                _check_band(part, column, present, participants, mean, subject, log)
        if mean is not None:
            part["score_n"] = participants.where(mean.notna())
            part["score_sum"] = mean * participants
        part = part.loc[present]
        part = _drop_contradictions(part, subject, columns, log)
        out.append(part)
    result = pd.concat(out, ignore_index=True) if out else pd.DataFrame()
    whole = ["participants", "below_min", "high", "n2", "n3", "n4", "n5", *band_columns(result.columns)]
    for column in whole:
        if column in result:
            result[column] = result[column].round().astype("Int64")
    return result


def _check_band(part: pd.DataFrame, column: _Column, present: pd.Series, participants: pd.Series,
                mean: pd.Series | None, subject: str, log: SheetLog) -> None:
    """A band's count that cannot be — more than the participants, or more than the mean score allows (``count`` pupils
    with at least ``lo`` points each, the rest with 0, already give a mean above the table's) — leaves the high results
    of its row unknown. A column wrong in most of the rows where it is filled is another column under this header (a
    publisher's slip): then it is not counted in any row, for its figures in the other rows mean nothing either."""
    name = band_column(*column.band)
    count = part[name]
    over = present & (count > participants).fillna(False).astype(bool)
    beyond = pd.Series(False, index=part.index)
    if mean is not None:  # the mean is rounded in the table: half a point of slack
        beyond = present & ~over & (count * column.band[0] > (mean + 0.5) * participants).fillna(False).astype(bool)
    filled = present & (count.fillna(0) > 0)
    wrong = over | beyond
    if filled.sum() >= 5 and wrong.sum() * 2 > filled.sum():
        rows = rows_phrase([int(r) for r in part.loc[wrong, "_row"][:20]], int(wrong.sum()))
        log.notes.append(
            f"«{subject}»: «{column.header}» не сходится с числом участников или средним баллом в {int(wrong.sum())} "
            f"строках из {int(filled.sum())}, где столбец заполнен ({rows}) — похоже, под этим заголовком другие "
            "числа; столбец не учтён, высокие результаты по этому предмету не рассчитаны"
        )
        part.loc[:, [name, "high"]] = pd.NA
        return
    _report(log, subject, f"«{column.header}» больше числа участников", "высокие результаты", part.loc[over, "_row"])
    _report(log, subject, f"«{column.header}» больше, чем допускает средний балл", "высокие результаты",
            part.loc[beyond, "_row"])
    part.loc[over | beyond, "high"] = pd.NA


def _check_twice(counted: pd.DataFrame, frame: pd.DataFrame, sheet: Sheet) -> None:
    """A school in two rows of one table is named by its rows and name, not by the id shnor derived for it."""
    if counted.empty or "_row" not in counted:
        return
    twice = counted.duplicated(["subject", "school_id"], keep=False)
    if not twice.any():
        return
    first = counted.loc[twice].iloc[0]
    same = counted.loc[twice & (counted["subject"] == first["subject"]) & (counted["school_id"] == first["school_id"])]
    rows = sorted(int(r) for r in same["_row"])
    school = frame.loc[frame["school_id"] == first["school_id"]].iloc[0]
    where = f"«{school['school_name']}»" + (f" ({school['municipality']})" if pd.notna(school["municipality"]) else "")
    raise UserError(
        f"строки {rows[0]} и {rows[1]} — результаты одной школы {where} по предмету «{first['subject']}».",
        sheet.place(rows[1]),
        "Удалите повторяющуюся строку (или, если это разные школы, исправьте наименование) и запустите снова.",
    )


_DASH = re.compile(r"^\s*[-–—]+\s*$")


def _numbers(batch, column: _Column, index: pd.Index, dash: float | None = 0.0) -> pd.Series:
    """The column's numbers as the cells give them (percent columns: their shares). «-» means none (``dash``); any
    other text («х», «н/д») is no number."""
    text = _cells(batch, column.position).loc[index]
    values, invalid = to_number(text)
    dashes = invalid & text.fillna("").astype(str).str.match(_DASH)
    values = values.where(~invalid & ~_odd(text, values, invalid, column))
    if dash is not None:
        values = values.mask(dashes, dash)
    return values


# What a regional table writes for «no result» (README: «-» is none; «х», «н/д» are no number): not worth a note
_NO_VALUE = re.compile(r"^\s*(?:[-–—]+|[хx]|н/?д|нет)?\s*$", re.IGNORECASE)


def _wild(values: pd.Series) -> pd.Series:
    """Negative or absurdly large numbers (1e30 would overflow the cube's sums): not a count, share or mean."""
    return (values.notna() & ((values < 0) | (values.abs() > MAX_WHOLE))).fillna(False).astype(bool)


def _odd(text: pd.Series, values: pd.Series, invalid: pd.Series, column: _Column) -> pd.Series:
    """Cells that are not what the column holds: text other than «-», «х», «н/д»; a negative or absurd number; in a
    column of counts, a fraction or a percent («12,5 %» among counts is not 12 participants)."""
    spelled = text.fillna("").astype(str)
    odd = invalid & ~spelled.str.match(_NO_VALUE)
    odd |= _wild(values)
    if column.metric != "mean_score" and not column.percent:
        odd |= (values.notna() & ((values.round() != values) | spelled.str.contains("%"))).fillna(False)
    return odd.fillna(False).astype(bool)


def _note_not_numbers(batch, columns: list[_Column], frame: pd.DataFrame, subject: str, log: SheetLog) -> pd.Series:
    """Cells of a subject's columns that hold no usable number — an Excel error («#Н/Д», «#ДЕЛ/0!»), a date, a
    word, a negative or absurd number, a fraction or percent in a column of counts — are said with their rows,
    never read quietly as 0 or as another number. Returns the rows whose result in the subject cannot be trusted:
    a count of results (below the minimum, a band, a mark) that is not a number would otherwise count as none and
    could move a school out of a list, so the subject's row is left out, as for a bad participants cell."""
    spoiled = pd.Series(False, index=frame.index)
    for column in columns:
        text = _cells(batch, column.position).loc[frame.index]
        values, invalid = to_number(text)
        odd = _odd(text, values, invalid, column) & (invalid | values.notna())
        odd = odd.astype(bool)
        if not odd.any():
            continue
        rows = frame.loc[odd, "_row"]
        shown = rows_phrase([int(r) for r in rows[:20]], len(rows))
        distinct = list(dict.fromkeys(text.fillna("").astype(str)[odd].str.strip()))
        examples = ", ".join(f"«{value}»" for value in distinct[:3]) + (" …" if len(distinct) > 3 else "")
        if column.metric == "mean_score":
            fate = "значение не учтено"
        else:
            fate = "результаты по этому предмету в этих строках не учтены"
            spoiled |= odd
        log.notes.append(f"«{subject}»: в столбце «{column.header}» не число участников или доля: {examples} "
                         f"({shown}) — {fate}; исправьте ячейки в файле")
    return spoiled


def _fractions(batch, column: _Column, index: pd.Index) -> pd.Series:
    """A percent column as fractions: «40» and «40%» are percents; a cell formatted as a percentage in Excel holds
    the fraction 0.4 (a column whose values are all at most 1)."""
    values = _numbers(batch, column, index)
    typed_percent = _cells(batch, column.position).loc[index].fillna("").astype(str).str.contains("%").any()
    largest = values.max(skipna=True)
    fractions = not typed_percent and (pd.isna(largest) or largest <= 1)
    return values if fractions else values / 100


def _counts(batch, columns: list[_Column], index: pd.Index, participants: pd.Series) -> pd.DataFrame:
    """Below the minimum and every score band as counts: given as counts, or as shares apportioned to whole
    participants (together, so that they add up)."""
    result = pd.DataFrame(index=index)
    shares = [c for c in columns if c.percent]
    for column in columns:
        if not column.percent:
            result[_count_name(column)] = _numbers(batch, column, index).fillna(0)
    if shares:
        given = np.column_stack([_fractions(batch, c, index).to_numpy(dtype=float, na_value=np.nan) for c in shares])
        counts, _ = apportion(given, participants.fillna(0).to_numpy(dtype=float), complete=False)
        for position, column in enumerate(shares):
            result[_count_name(column)] = pd.Series(counts[:, position], index=index, dtype="Float64")
    return result


def _count_name(column: _Column) -> str:
    return band_column(*column.band) if column.metric == "band" else column.metric


def _report(log: SheetLog, subject: str, problem: str, dropped: str, rows: pd.Series) -> None:
    """One note per subject and problem, with the rows, so that a broken column is one line, not hundreds."""
    if len(rows) == 0:
        return
    shown = rows_phrase([int(r) for r in rows[:20]], len(rows))
    log.notes.append(f"«{subject}»: {problem} ({shown}) — {dropped} по этому предмету в них не учтены")


def _marks_from_shares(batch, columns: list[_Column], index: pd.Index, participants: pd.Series) -> pd.DataFrame:
    """«2»…«5» given as shares: a row whose four values add up to 1 holds fractions (cells formatted as percent in
    Excel), one adding up to 100 holds percents; counts are then apportioned to add up to the participants. Rows
    whose shares do not add up are left rounded, for the contradiction check to report."""
    raw = pd.DataFrame({c.metric: _numbers(batch, c, index) for c in columns}).astype("Float64").fillna(0)
    total = raw.sum(axis=1)
    scale = np.where((total - 1).abs() <= 0.015, 1.0, 0.01)
    shares = raw.to_numpy(dtype=float) * scale[:, None]
    counts, _ = apportion(shares, participants.fillna(0).to_numpy(dtype=float), complete=True)
    return pd.DataFrame(counts, index=index, columns=raw.columns)


def _drop_contradictions(part: pd.DataFrame, subject: str, columns: list[_Column], log: SheetLog) -> pd.DataFrame:
    """Counts that contradict each other are not guessed at: the measure they spoil is left unknown, or the whole
    row of the subject is dropped when nothing in it can be trusted."""
    n = part["participants"]
    if "below_min" in part:
        over = (part["below_min"] > n).fillna(False).astype(bool)
        _report(log, subject, "«не преодолели порог» больше числа участников", "неудовлетворительные результаты",
                part.loc[over, "_row"])
        part.loc[over, "below_min"] = pd.NA
    bad = pd.Series(False, index=part.index)
    if "below_min" in part and "high" in part:
        bad |= (part["below_min"] + part["high"] > n).fillna(False).astype(bool)
        _report(log, subject, "«не преодолели порог» и высокие вместе больше числа участников", "все числа",
                part.loc[bad, "_row"])
    marks = [m for m in ("n2", "n3", "n4", "n5") if m in part]
    if len(marks) == 4:
        mismatch = ((part[marks].sum(axis=1) - n).abs() > 0).fillna(False).astype(bool) & ~bad
        _report(log, subject, "сумма отметок «2»…«5» не равна числу участников", "все числа",
                part.loc[mismatch, "_row"])
        bad |= mismatch
    log.skip(f"противоречивые числа ({subject})", part.loc[bad, "_row"])
    return part.loc[~bad]
