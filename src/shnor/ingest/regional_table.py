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

from shnor.cube import CubePart, PartKind
from shnor.errors import UserError
from shnor.ingest.base import ReadOptions, Recognition, SheetLog, derived_school_id
from shnor.ingest.cells import all_blank, blank, is_total_label, to_number
from shnor.ingest.headers import header_key
from shnor.ingest.tables import Sheet
from shnor.ingest.titles import sheet_facts
from shnor.vocabulary import EXAM_GRADE, MATH_BASE, Assessment, parse_subject

_SCHOOL = re.compile(r"^(?:образовательная организация|наименование (?:оо|образовательной организации|школы)|оо|школа|название оо)\b")
_MUNICIPALITY = re.compile(r"^(?:муниципальное образование|муниципалитет|мо|ате|муниципальный (?:район|округ)|район|наименование ате)\b")
_LOGIN = re.compile(r"^(?:логин|код оо|код образовательной организации)\b")
_BAND = re.compile(r"(\d{1,3})\s*[-–—]\s*(\d{1,3})")
_METRICS = (
    ("participants", re.compile(r"приня\w* участие|участвовал|участник|сдавал|количество сдававших")),
    ("below_min", re.compile(r"не преодол|ниже (?:мин|порог)|не набрал")),
    ("mean_score", re.compile(r"средн\w* (?:тестов\w* |первичн\w* )?балл")),
    ("mark", re.compile(r"^(?:доля |процент |отметк\w* |получили |на |количество )?[«]?([2-5])[»]?(?: %)?$")),
    ("band", re.compile(r"(\d{1,3})\s*[-–—]\s*(\d{1,3})|(?:^|\s)100(?:\s|$)")),
)
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
        facts = _procedure(sheet, recognition.header_row)
        log.header_row = recognition.header_row + 1
        log.columns = _column_summary(layout)
        if layout.unknown_groups:
            log.notes.append("не распознаны группы столбцов (пропущены): " + "; ".join(layout.unknown_groups))
        high_bands, note = _high_bands(layout.columns, options.ege_high_score, facts["assessment"])
        if note:
            log.notes.append(note)
        parts, schools = [], []
        state = {"municipality": None}
        for batch in sheet.batches(layout.header_rows):
            frame = _rows(batch, layout, state, log)
            if frame.empty:
                continue
            parts.append(_subject_counts(frame, batch, layout, high_bands, facts, log))
            schools.append(frame[["school_id", "school_name", "municipality"]])
            log.rows_read += len(frame)
        counts = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["school_id"])
        school_frame = pd.concat(schools, ignore_index=True).drop_duplicates("school_id") if schools else None
        return CubePart(counts, school_frame if school_frame is not None else _no_schools(), sheet.label, PartKind.SCHOOLS)


def _column_summary(layout: _Layout) -> dict[str, str]:
    """For `shnor inspect`: the fixed columns and, per subject, the metrics found (as the file spells them)."""
    summary: dict[str, list[str]] = {}
    for column in layout.columns:
        summary.setdefault(column.subject, []).append(column.header + (" (%)" if column.percent else ""))
    return {subject: " | ".join(headers) for subject, headers in summary.items()}


def _no_schools() -> pd.DataFrame:
    from shnor.cube import empty_schools

    return empty_schools()



def _subject_cells(row: list) -> int:
    return sum(1 for cell in row if cell and parse_subject(cell) is not None)


def _metric_of(cell: object) -> tuple[str, tuple[int, int] | None] | None:
    key = header_key(cell)
    if not key:
        return None
    for metric, pattern in _METRICS:
        match = pattern.search(key)
        if match is None:
            continue
        if metric == "mark":
            return f"n{match.group(1)}", None
        if metric == "band":
            band = _BAND.search(key)
            return "band", (int(band.group(1)), int(band.group(2))) if band else (100, 100)
        return metric, None
    return None


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
                if current is None and _metric_of(cell) is None and not re.search(r"всего|из них|профиль \(?при наличии|^профиль$", header_key(cell)):
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


def _procedure(sheet: Sheet, top: int) -> dict:
    facts = sheet_facts(sheet, top)
    if facts.assessment not in (Assessment.OGE, Assessment.EGE):
        raise UserError(
            "не удалось понять, ОГЭ это или ЕГЭ: ни в заголовке над таблицей, ни в названии листа или файла этого нет.",
            sheet.place(),
            "Добавьте «ЕГЭ» или «ОГЭ» в название листа или файла.",
        )
    if facts.year is None:
        found = ", ".join(map(str, facts.years)) or "ни одного"
        raise UserError(
            f"не удалось определить год результатов (найдено годов: {found}).",
            sheet.place(),
            "Укажите год в названии листа или файла, например «ЕГЭ 2024».",
        )
    return {"year": facts.year, "assessment": facts.assessment, "grade": EXAM_GRADE[facts.assessment]}


def _high_bands(columns: list[_Column], threshold: float, assessment: Assessment) -> tuple[set[tuple[int, int]], str | None]:
    """The score bands that make «high»: those from the rules' threshold up, or the band that straddles it."""
    bands = sorted({c.band for c in columns if c.metric == "band"})
    if not bands or assessment is not Assessment.EGE:
        return set(), None
    lows = [lo for lo, _ in bands]
    if threshold in lows:
        return {b for b in bands if b[0] >= threshold}, None
    straddling = [b for b in bands if b[0] < threshold <= b[1]]
    if straddling:
        start = straddling[0][0]
        chosen = {b for b in bands if b[0] >= start}
        listed = ", ".join(f"{lo}–{hi}" if lo != hi else str(lo) for lo, hi in sorted(chosen))
        return chosen, f"высокие результаты ЕГЭ взяты от {start} баллов (столбцы {listed}): в таблице нет границы {threshold:g}"
    return set(), f"высокие результаты ЕГЭ не рассчитаны: в таблице нет полос баллов от {threshold:g}"


def _cells(batch, position: int) -> pd.Series:
    return batch.columns[position].to_pandas() if position < len(batch.columns) else pd.Series([None] * batch_len(batch))


def batch_len(batch) -> int:
    return len(batch.columns[0]) if batch.columns else 0


def _rows(batch, layout: _Layout, state: dict, log: SheetLog) -> pd.DataFrame:
    """School rows with their municipality; totals and subtotals skipped and logged."""
    rows = pd.Series(np.arange(batch.first_row, batch.first_row + batch_len(batch)))
    school = _cells(batch, layout.school).str.strip()
    municipality = (
        _cells(batch, layout.municipality).str.strip() if layout.municipality is not None else pd.Series(pd.NA, index=rows.index)
    )
    values = pd.DataFrame({c.position: _cells(batch, c.position) for c in layout.columns})
    empty = blank(school) & blank(municipality) & all_blank(values)
    total = (is_total_label(school) | is_total_label(municipality) | municipality.fillna("").str.contains(r"(?i)^(?:всего|итого)\b")) & ~empty
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


def _subject_counts(frame: pd.DataFrame, batch, layout: _Layout, high_bands: set, facts: dict, log: SheetLog) -> pd.DataFrame:
    """One row per school and subject: counts from counts or from percentages, contradictions skipped and reported."""
    out = []
    by_subject: dict[str, list[_Column]] = {}
    for column in layout.columns:
        by_subject.setdefault(column.subject, []).append(column)
    for subject, columns in by_subject.items():
        metrics = {c.metric: c for c in columns if c.metric != "band"}
        if "participants" not in metrics:
            continue
        participants = _numbers(batch, metrics["participants"], frame.index, None)
        present = participants.fillna(0) > 0
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
        if "below_min" in metrics:
            part["below_min"] = _numbers(batch, metrics["below_min"], frame.index, participants).fillna(0)
        marks = [m for m in ("n2", "n3", "n4", "n5") if m in metrics]
        if len(marks) == 4 and any(metrics[m].percent for m in marks):
            part[marks] = _marks_from_shares(batch, [metrics[m] for m in marks], frame.index, participants)
        else:
            for metric in marks:
                part[metric] = _numbers(batch, metrics[metric], frame.index, participants).fillna(0)
        # Base maths is marked 2..5: score bands say nothing of it, so its high results stay unknown.
        bands = [c for c in columns if c.metric == "band" and c.band in high_bands and subject != MATH_BASE]
        if bands:
            band_counts = {c.header: _numbers(batch, c, frame.index, participants).fillna(0) for c in bands}
            part["high"] = sum(band_counts.values())
            for header, counts in band_counts.items():
                over = present & (counts > participants).fillna(False).astype(bool)
                _report(log, subject, f"«{header}» больше числа участников", "высокие результаты", part.loc[over, "_row"])
                part.loc[over, "high"] = pd.NA
        if "mean_score" in metrics:
            mean = _numbers(batch, metrics["mean_score"], frame.index, None)
            part["score_n"] = participants.where(mean.notna())
            part["score_sum"] = mean * participants
        part = part.loc[present]
        part = _drop_contradictions(part, subject, columns, log)
        out.append(part)
    result = pd.concat(out, ignore_index=True) if out else pd.DataFrame()
    for column in ("participants", "below_min", "high", "n2", "n3", "n4", "n5"):
        if column in result:
            result[column] = result[column].round().astype("Int64")
    return result.drop(columns="_row", errors="ignore")


def _numbers(batch, column: _Column, index: pd.Index, participants: pd.Series | None) -> pd.Series:
    text = _cells(batch, column.position).loc[index]
    values, invalid = to_number(text)
    values = values.where(~invalid)  # «х», «-», «н/д»: no number, read as blank
    typed_percent = text.fillna("").str.contains("%").any()
    if participants is None or not (column.percent or typed_percent):
        return values
    # «40» or «40%» are percents; a cell formatted as a percentage in Excel holds the fraction 0.4
    fractions = not typed_percent and (values.max(skipna=True) or 0) <= 1
    shares = values if fractions else values / 100
    return shares * participants


def _report(log: SheetLog, subject: str, problem: str, dropped: str, rows: pd.Series) -> None:
    """One note per subject and problem, with the rows, so that a broken column is one line, not hundreds."""
    if len(rows) == 0:
        return
    shown = ", ".join(str(int(r)) for r in rows[:12]) + (" …" if len(rows) > 12 else "")
    log.notes.append(
        f"«{subject}»: {problem} в {len(rows)} стр. (строки {shown}) — {dropped} по этому предмету в них не учтены"
    )


def _marks_from_shares(batch, columns: list[_Column], index: pd.Index, participants: pd.Series) -> pd.DataFrame:
    """«2»…«5» given as shares: a row whose four values add up to 1 holds fractions (cells formatted as percent in
    Excel), one adding up to 100 holds percents; counts are then apportioned to add up to the participants."""
    raw = pd.DataFrame({c.metric: _numbers(batch, c, index, None) for c in columns}).astype("Float64").fillna(0)
    total = raw.sum(axis=1)
    scale = pd.Series(np.where((total - 1).abs() <= 0.015, 1.0, 0.01), index=raw.index)
    return _apportion(raw.mul(scale, axis=0).mul(participants.astype(float), axis=0), participants)


def _apportion(counts: pd.DataFrame, participants: pd.Series) -> pd.DataFrame:
    """Counts from percentages that add up to the participants exactly (largest remainder), where the percentages
    themselves add up to 100 ± 1.5; other rows are left as they are, for the contradiction check to report."""
    raw = counts.astype(float).to_numpy()
    total = participants.astype(float).to_numpy()
    floors = np.floor(raw + 1e-9)
    shortfall = np.round(total - floors.sum(axis=1))
    sane = np.abs(raw.sum(axis=1) - total) <= 0.015 * np.maximum(total, 1) + 1e-9
    order = np.argsort(-(raw - floors), axis=1, kind="stable")
    result = floors.copy()
    for k in range(raw.shape[1]):
        take = sane & (shortfall > k)
        result[np.arange(len(raw))[take], order[take, k]] += 1
    result = np.where(sane[:, None], result, np.round(raw))
    return pd.DataFrame(result, index=counts.index, columns=counts.columns)


def _drop_contradictions(part: pd.DataFrame, subject: str, columns: list[_Column], log: SheetLog) -> pd.DataFrame:
    """Counts that contradict each other are not guessed at: the measure they spoil is left unknown, or the whole
    row of the subject is dropped when nothing in it can be trusted."""
    n = part["participants"]
    if "below_min" in part:
        over = (part["below_min"] > n).fillna(False).astype(bool)
        _report(log, subject, "«не преодолели порог» больше числа участников", "неудовлетворительные результаты", part.loc[over, "_row"])
        part.loc[over, "below_min"] = pd.NA
    bad = pd.Series(False, index=part.index)
    if "below_min" in part and "high" in part:
        bad |= (part["below_min"] + part["high"] > n).fillna(False).astype(bool)
        _report(log, subject, "«не преодолели порог» и высокие вместе больше числа участников", "все числа", part.loc[bad, "_row"])
    marks = [m for m in ("n2", "n3", "n4", "n5") if m in part]
    if len(marks) == 4:
        mismatch = ((part[marks].sum(axis=1) - n).abs() > 0).fillna(False).astype(bool) & ~bad
        _report(log, subject, "сумма отметок «2»…«5» не равна числу участников", "все числа", part.loc[mismatch, "_row"])
        bad |= mismatch
    log.skip(f"противоречивые числа ({subject})", part.loc[bad, "_row"])
    return part.loc[~bad]
