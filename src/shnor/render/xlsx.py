"""indicators.xlsx — the analysts' workbook of SPEC §8: every indicator per school, per procedure, per criterion
and per objectivity sign, and a summary by municipality. It lays out the report model and computes nothing.

Every text goes in as a string (a name like ``=cmd|…`` stays text), and the workbook's created date comes from the
report, so that the same report gives the same bytes.

A region's workbook has half a million cells. xlsxwriter's public calls check every cell on the way in and write each
one's XML through a general routine on the way out; here the tables' cells go straight into the worksheet's own table
(what ``write_string``/``write_number``/``write_blank`` would store there) and ``_Sheet`` writes plain string, number
and blank cells in one tight loop — the same bytes (a test holds them to the public calls), in a third of the time.
Anything unusual (another xlsxwriter, a long string, a cell type of its own) takes xlsxwriter's own path.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

# The fast path stores cells in xlsxwriter's private records: only for the releases a test has held to the public
# calls byte for byte (tests/render/test_xlsx.py). Another release takes the public calls, slower and the same.
FAST_RELEASES = ("3.3",)
try:
    from xlsxwriter.worksheet import CellBlankTuple, CellNumberTuple, CellStringTuple

    FAST = xlsxwriter.__version__.startswith(tuple(f"{release}." for release in FAST_RELEASES))
except ImportError:  # pragma: no cover - another xlsxwriter
    FAST = False

from shnor.report.model import CriterionResult, Report, SchoolResult, SignResult
from shnor.russian import OPERATOR_SIGNS
from shnor.vocabulary import Status

FILE_NAME = "indicators.xlsx"
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}

_BASE = {"valign": "top"}
STYLES: dict[str, dict[str, Any]] = {
    "header": {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7", "bottom": 1},
    "title": {"bold": True},
    "text": _BASE,
    "wrap": {**_BASE, "text_wrap": True},
    "general": _BASE,
    "integer": {**_BASE, "num_format": "0"},
    "number": {**_BASE, "num_format": "0.00"},
    "fine": {**_BASE, "num_format": "0.000"},
    "index": {**_BASE, "num_format": "0.0"},
    "percent": {**_BASE, "num_format": "0.0%"},
    # statuses: the fills analysts know from Excel's «Плохой» / «Нейтральный» cell styles
    Status.SHNOR.value: {**_BASE, "bg_color": "#FFC7CE", "font_color": "#9C0006"},
    Status.OK.value: _BASE,
    Status.RISK.value: {**_BASE, "bg_color": "#FFEB9C", "font_color": "#9C5700"},
    Status.INSUFFICIENT.value: {**_BASE, "bg_color": "#D9D9D9"},
}


@dataclass(frozen=True)
class Column:
    header: str
    width: float
    style: str = "text"  # a key of STYLES


@dataclass(frozen=True)
class Styled:
    """A cell whose style is not its column's (a status fill, a share shown as a percent)."""

    value: Any
    style: str


SCHOOL_COLUMNS = (
    Column("№ п/п", 6, "integer"),
    Column("Муниципалитет", 26, "wrap"),
    Column("Логин ОО", 12),
    Column("Наименование ОО", 40, "wrap"),
    Column("Тип", 16, "wrap"),
    Column("Статус", 20),
    Column("Доля «2» (рус., мат.)", 12, "percent"),
    Column("Доля «4»/«5» (рус., мат.)", 12, "percent"),
    Column("Доля «2» (др. предметы)", 12, "percent"),
    Column("Участников (рус., мат.)", 12, "integer"),
    Column("Участников (др.)", 12, "integer"),
    Column("Включений в перечни", 11, "integer"),
    Column("Признаков необъективности", 14, "integer"),
    Column("Основания", 60, "wrap"),
    Column("Пиков на границах отметок", 12, "integer"),
    Column("Доля расхождений с журналом на 2+", 14, "percent"),
    Column("Процедур с ростом доли «2»", 12, "integer"),
    Column("Дополнительные признаки (маркеры)", 50, "wrap"),
)

PROCEDURE_COLUMNS = (
    Column("Муниципалитет", 26, "wrap"),
    Column("Логин ОО", 12),
    Column("Наименование ОО", 40, "wrap"),
    Column("Год", 7, "integer"),
    Column("Процедура", 10),
    Column("Предмет", 24, "wrap"),
    Column("Класс", 7, "integer"),
    Column("Участников", 11, "integer"),
    Column("«2» / ниже порога", 11, "integer"),
    Column("Высокие", 10, "integer"),
    Column("Доля «2»", 10, "percent"),
    Column("Доля высоких", 10, "percent"),
    Column("Средний балл", 10, "number"),
)

CRITERION_COLUMNS = (
    Column("Логин ОО", 12),
    Column("Наименование ОО", 40, "wrap"),
    Column("Статус критерия", 18),
    Column("Условие", 44, "wrap"),
    Column("Сравнение", 10),
    Column("Значение", 11, "general"),
    Column("Порог", 11, "general"),
    Column("Выполнено", 10),
    Column("Подробности", 50, "wrap"),
)

SIGN_COLUMNS = (
    Column("Логин ОО", 12),
    Column("Наименование ОО", 40, "wrap"),
    Column("Признак", 50, "wrap"),
    Column("Результат", 13),
    Column("Причина", 40, "wrap"),
)
# The figures of a sign, each in its own column, in this order; a sign fills those it has.
SIGN_FIGURES = {
    "K": Column("Отношение результатов 4 кл. к 5 кл.", 13, "fine"),
    "cutoff": Column("Граница резкого изменения", 13, "fine"),
    "r_s": Column("Корреляция с отметками по журналу", 13, "fine"),
    "pairs": Column("Работ с отметкой по журналу", 12, "integer"),
    "school_mean": Column("Средний балл ОО", 10, "number"),
    "school_low": Column("ОО: нижняя граница", 11, "number"),
    "school_high": Column("ОО: верхняя граница", 11, "number"),
    "region_mean": Column("Средний балл региона", 10, "number"),
    "region_low": Column("Регион: нижняя граница", 11, "number"),
    "region_high": Column("Регион: верхняя граница", 11, "number"),
}

STATUS_COUNT_COLUMNS = (
    Column("Муниципалитет", 36, "wrap"),
    *(Column(status.label, 13, "integer") for status in Status),
    Column("Всего", 10, "integer"),
)
INDEX_COLUMNS = (
    Column("Муниципалитет", 36, "wrap"),
    Column("Школ (признаки рассчитаны)", 13, "integer"),
    Column("Школ с признаками", 13, "integer"),
    Column("Индекс объективности", 13, "index"),
)


def write_indicators_xlsx(report: Report, folder: Path) -> list[Path]:
    path = folder / FILE_NAME
    report_date = date.fromisoformat(report.generated)
    with xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS) as workbook:
        workbook.set_properties({"title": "Показатели ОО",
                                 "created": datetime.combine(report_date, datetime.min.time())})
        styles = {name: workbook.add_format(properties) for name, properties in STYLES.items()}
        kind = _Sheet if FAST else None
        _schools_sheet(workbook.add_worksheet("Школы", kind), styles, report.schools)
        _procedures_sheet(workbook.add_worksheet("Процедуры", kind), styles, report)
        _criteria_sheet(workbook.add_worksheet("Критерии", kind), styles, report.schools)
        _objectivity_sheet(workbook.add_worksheet("Объективность", kind), styles, report.schools)
        _summary_sheet(workbook.add_worksheet("Сводка", kind), styles, report, report_date)
    return [path]


def _schools_sheet(sheet: Worksheet, styles: dict[str, Format], schools: list[SchoolResult]) -> None:
    rows = []
    for number, school in enumerate(schools, start=1):
        shown = school.indicators.get
        rows.append([
            number, school.municipality, school.school_id, school.school_name, school.school_type,
            Styled(school.status_label, school.status),
            shown("fail_core"), shown("high_core"), shown("fail_other"),
            shown("participants_core"), shown("participants_other"), shown("times_listed"), shown("objectivity_signs"),
            school.reasons,
            shown("boundary_peaks"), shown("journal_gap2_share"), shown("fail_rise"),
            "; ".join(school.objectivity_markers),
        ])
    _write_table(sheet, styles, SCHOOL_COLUMNS, rows)


def _procedures_sheet(sheet: Worksheet, styles: dict[str, Format], report: Report) -> None:
    rows = [
        [
            school.municipality, school.school_id, school.school_name,
            p.year, p.assessment, p.subject, p.grade, p.participants, p.fail, p.high,
            p.fail_share, p.high_share, p.mean_score,
        ]
        for school in report.schools
        for p in report.procedures_of(school.school_id)
    ]
    _write_table(sheet, styles, PROCEDURE_COLUMNS, rows)


def _criteria_sheet(sheet: Worksheet, styles: dict[str, Format], schools: list[SchoolResult]) -> None:
    rows = []
    for school in schools:
        for c in school.criteria:
            style = "percent" if _is_share(c) else "general"
            rows.append([
                school.school_id, school.school_name, _status_label(c.status), c.label,
                OPERATOR_SIGNS.get(c.op, c.op), Styled(c.value, style), Styled(c.threshold, style),
                "да" if c.met else "нет", "; ".join(c.details),
            ])
    _write_table(sheet, styles, CRITERION_COLUMNS, rows)


def _objectivity_sheet(sheet: Worksheet, styles: dict[str, Format], schools: list[SchoolResult]) -> None:
    rows = [
        [school.school_id, school.school_name, sign.label, _sign_result(sign), sign.reason,
         *(sign.figures.get(name) for name in SIGN_FIGURES)]
        for school in schools
        for sign in school.objectivity_signs
    ]
    _write_table(sheet, styles, (*SIGN_COLUMNS, *SIGN_FIGURES.values()), rows)


def _summary_sheet(sheet: Worksheet, styles: dict[str, Format], report: Report, report_date: date) -> None:
    summary = report.summary
    _set_widths(sheet, STATUS_COUNT_COLUMNS)
    _print_setup(sheet)
    sheet.write_string(0, 0, "Статусы ОО по муниципалитетам", styles["title"])
    counts = [
        [row["municipality"], *(row.get(status.value) for status in Status), row.get("total")]
        for row in summary["by_municipality"]
    ]
    totals = ["Итого", *(summary["by_status"].get(status.value) for status in Status), summary.get("total")]
    row = _write_block(sheet, styles, 1, STATUS_COUNT_COLUMNS, [*counts, totals])

    index = summary.get("objectivity_index") or {}
    sheet.write_string(row + 1, 0, f"Индекс объективности, {index.get('year', '')} год", styles["title"])
    index_rows = [[name, *_index_figures(figures)] for name, figures in (index.get("by_municipality") or {}).items()]
    index_rows.append(["Регион", *_index_figures(index.get("region"))])
    row = _write_block(sheet, styles, row + 2, INDEX_COLUMNS, index_rows)

    window = ", ".join(str(year) for year in report.methodology.get("window", []))
    about = [
        ("Правила", report.rules.get("name", "")),
        ("Наименование правил", report.rules.get("title", "")),
        ("Годы окна", window),
        ("Дата отчёта", report_date.strftime("%d.%m.%Y")),
        *(("Замечание", warning) for warning in report.warnings),
    ]
    for offset, (name, value) in enumerate(about, start=row + 1):
        sheet.write_string(offset, 0, name, styles["title"])
        sheet.write_string(offset, 1, str(value), styles["text"])


# ── helpers ──────────────────────────────────────────────────────────────────────────────────────────────────────


def _write_table(sheet: Worksheet, styles: dict[str, Format], columns: Sequence[Column], rows: list[list]) -> None:
    """A table from the first row: header frozen, an autofilter over the whole table, widths per column; printed
    landscape on A4, as wide as one page, the header row on every page."""
    _set_widths(sheet, columns)
    last_row = _write_block(sheet, styles, 0, columns, rows) - 1
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, last_row, len(columns) - 1)
    _print_setup(sheet)
    sheet.repeat_rows(0)


def _print_setup(sheet: Worksheet) -> None:
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)  # one page wide, as many pages tall as it takes
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.set_footer("&CСтраница &P из &N")


def _write_block(
    sheet: Worksheet, styles: dict[str, Format], first: int, columns: Sequence[Column], rows: list[list]
) -> int:
    """Header at row ``first``, then the rows; returns the index of the row after the block."""
    for col, column in enumerate(columns):
        sheet.write_string(first, col, column.header, styles["header"])
    if FAST and isinstance(sheet, _Sheet):
        _fill(sheet, styles, first + 1, columns, rows)
        return first + 1 + len(rows)
    for offset, values in enumerate(rows, start=first + 1):
        for col, (column, value) in enumerate(zip(columns, values, strict=True)):
            if isinstance(value, Styled):
                _write_cell(sheet, offset, col, value.value, styles[value.style])
            else:
                _write_cell(sheet, offset, col, value, styles[column.style])
    return first + 1 + len(rows)


def _fill(sheet: Worksheet, styles: dict[str, Format], first: int, columns: Sequence[Column], rows: list[list]) -> None:
    """The rows from row ``first`` on, stored as ``_write_cell`` would store them, without a call per cell: a string
    as its shared string, a number as a number, nothing (or NaN) as a formatted blank. What ``_write_cell`` does
    differently (a long string cut, inf refused, a value of another type) is left to it. Rows past the sheet's last
    are left out, as xlsxwriter leaves them."""
    rows = rows[: max(0, sheet.xls_rowmax - first)]
    if not rows:
        return
    sheet._check_dimensions(first + len(rows) - 1, len(columns) - 1)
    table = sheet.table
    shared = sheet.str_table._get_shared_string_index
    longest = sheet.xls_strmax // 2  # a string under half the limit cannot exceed it (xlsxwriter's own shortcut)
    formats = [styles[column.style] for column in columns]
    for row, values in enumerate(rows, start=first):
        if len(values) != len(formats):
            raise ValueError(f"row {row}: {len(values)} values for {len(formats)} columns")
        cells = table[row]
        for col, value, style in zip(range(len(formats)), values, formats):
            kind = value.__class__
            if kind is Styled:
                value, style = value.value, styles[value.style]
                kind = value.__class__
            if value is None:
                cells[col] = CellBlankTuple(style)
            elif kind is str and len(value) <= longest:
                cells[col] = CellStringTuple(shared(value), style)
            elif kind is int or (kind is float and math.isfinite(value)):
                cells[col] = CellNumberTuple(value, style)
            else:
                _write_cell(sheet, row, col, value, style)


def _write_cell(sheet: Worksheet, row: int, col: int, value: Any, style: Format) -> None:
    """Text always as a string (never a formula or a link), numbers as numbers, nothing as an empty cell."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        sheet.write_blank(row, col, None, style)
    elif isinstance(value, str):
        sheet.write_string(row, col, value, style)
    else:
        sheet.write_number(row, col, value, style)


class _Sheet(Worksheet):
    """xlsxwriter's worksheet that writes its plain cells (a shared string, a number, a blank, each with a format) in
    one loop, byte for byte as ``Worksheet._write_cell`` writes them; a row's tag and any other cell are xlsxwriter's
    own. A sheet with comments, row formats or inline strings is written entirely by xlsxwriter."""

    def _calculate_spans(self) -> None:
        """The columns each block of 16 rows spans (xlsxwriter looks at every column of every row for it)."""
        if self.comments:
            super()._calculate_spans()
            return
        blocks: dict[int, tuple[int, int]] = {}
        for row, cells in self.table.items():
            if cells and self.dim_rowmin <= row <= self.dim_rowmax:
                low, high = min(cells), max(cells)
                known = blocks.get(row // 16)
                blocks[row // 16] = (low, high) if known is None else (min(known[0], low), max(known[1], high))
        self.row_spans = {block: f"{low + 1}:{high + 1}" for block, (low, high) in blocks.items()}

    def _write_rows(self) -> None:
        if self.constant_memory or self.comments or self.row_info:
            super()._write_rows()
            return
        self._calculate_spans()
        names = {col: xl_col_to_name(col) for col in range(self.dim_colmin, self.dim_colmax + 1)}
        write = self.fh.write
        for row in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = self.table.get(row)
            if not cells:
                continue
            self._write_row(row, self.row_spans.get(row // 16))
            number = str(row + 1)
            parts = []
            for col in sorted(cells):
                cell = cells[col]
                kind = cell.__class__
                if cell.format is None or kind not in _PLAIN:
                    write("".join(parts))
                    parts = []
                    self._write_cell(row, col, cell)
                    continue
                where = f'<c r="{names[col]}{number}" s="{cell.format._get_xf_index()}"'
                if kind is CellStringTuple:
                    parts.append(f'{where} t="s"><v>{cell.string}</v></c>')
                elif kind is CellNumberTuple:
                    parts.append(f"{where}><v>{cell.number:.16G}</v></c>")
                else:
                    parts.append(f"{where}/>")
            parts.append("</row>")
            write("".join(parts))


_PLAIN = (CellStringTuple, CellNumberTuple, CellBlankTuple) if FAST else ()


def _set_widths(sheet: Worksheet, columns: Sequence[Column]) -> None:
    for col, column in enumerate(columns):
        sheet.set_column(col, col, column.width)


def _is_share(criterion: CriterionResult) -> bool:
    """A share (or a change of shares) is shown in percent: its unit says so."""
    return criterion.unit in ("share", "pp")


def _status_label(code: str) -> str:
    return Status(code).label if code in {status.value for status in Status} else code


def _sign_result(sign: SignResult) -> Any:
    return Styled(sign.status, Status.RISK.value) if sign.status == "есть" else sign.status


def _index_figures(figures: dict | None) -> list:
    figures = figures or {}
    return [figures.get("schools"), figures.get("with_signs"), figures.get("index")]
