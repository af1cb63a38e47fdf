"""indicators.xlsx on the example region, read back with openpyxl as an analyst's Excel would see it."""

from __future__ import annotations

import dataclasses
import zipfile
from datetime import datetime

import openpyxl
import pytest
import xlsxwriter

from shnor.render.xlsx import write_indicators_xlsx
from shnor.report.build import IdentifyRequest, identify
from shnor.report.model import Report
from shnor.vocabulary import Status
from tests.conftest import EXAMPLES, TODAY

SHEETS = ["Школы", "Процедуры", "Критерии", "Объективность", "Сводка"]
SCHOOL_HEADER = [
    "№ п/п", "Муниципалитет", "Логин ОО", "Наименование ОО", "Тип", "Статус",
    "Доля «2» (рус., мат.)", "Доля «4»/«5» (рус., мат.)", "Доля «2» (др. предметы)",
    "Участников (рус., мат.)", "Участников (др.)", "Включений в перечни", "Признаков необъективности", "Основания",
]
STATUS, FAIL_CORE, HIGH_CORE, FAIL_OTHER = 6, 7, 8, 9  # 1-based columns of «Школы»
FILLS = {Status.SHNOR: "FFC7CE", Status.RISK: "FFEB9C", Status.INSUFFICIENT: "D9D9D9"}
MALICIOUS = "=cmd|' /C calc'!A0"


@pytest.fixture(scope="module")
def report() -> Report:
    request = IdentifyRequest(
        inputs=[EXAMPLES / "region"],
        registry=EXAMPLES / "registry.csv",
        history=[EXAMPLES / "history_2024.csv"],
        scales=EXAMPLES / "scales.csv",
        today=TODAY,
    )
    return identify(request)


@pytest.fixture(scope="module")
def book(report, tmp_path_factory) -> openpyxl.Workbook:
    folder = tmp_path_factory.mktemp("xlsx")
    [path] = write_indicators_xlsx(report, folder)
    assert path == folder / "indicators.xlsx"
    return openpyxl.load_workbook(path)


def header(sheet) -> list:
    return [cell.value for cell in sheet[1]]


def school_row(book, school_id: str) -> tuple:
    return next(row for row in book["Школы"].iter_rows(min_row=2) if row[2].value == school_id)


def test_sheets_in_order(book):
    assert book.sheetnames == SHEETS


def test_schools_header_and_one_row_per_school_in_report_order(book, report):
    sheet = book["Школы"]
    assert header(sheet)[: len(SCHOOL_HEADER)] == SCHOOL_HEADER
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[2], row[STATUS - 1]) for row in rows] == [
        (number, s.school_id, s.status_label) for number, s in enumerate(report.schools, start=1)
    ]


@pytest.mark.parametrize("name", SHEETS[:4])
def test_tables_have_a_frozen_header_and_a_filter_over_all_rows(book, name):
    sheet = book[name]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
    assert all(header(sheet)), "every column has a header"


def test_shares_are_numbers_in_percent_and_missing_shares_are_empty(book, report):
    measured = next(s for s in report.schools if s.indicators["fail_core"] is not None)
    row = school_row(book, measured.school_id)
    for column, key in [(FAIL_CORE, "fail_core"), (HIGH_CORE, "high_core"), (FAIL_OTHER, "fail_other")]:
        cell = row[column - 1]
        assert cell.data_type == "n"
        assert cell.value == pytest.approx(measured.indicators[key])
        assert cell.number_format == "0.0%"
    unmeasured = next(s for s in report.schools if s.indicators["fail_core"] is None)
    assert school_row(book, unmeasured.school_id)[FAIL_CORE - 1].value is None


@pytest.mark.parametrize("status", list(FILLS))
def test_status_cells_are_filled_by_status(book, report, status):
    school = next(s for s in report.schools if s.status == status)
    cell = school_row(book, school.school_id)[STATUS - 1]
    assert cell.value == status.label
    assert cell.fill.fgColor.rgb.endswith(FILLS[status])


def test_a_plain_school_has_no_fill(book, report):
    school = next(s for s in report.schools if s.status == Status.OK)
    assert school_row(book, school.school_id)[STATUS - 1].fill.fill_type is None


def test_procedures_one_row_per_school_and_procedure(book, report):
    sheet = book["Процедуры"]
    assert header(sheet)[:4] == ["Муниципалитет", "Логин ОО", "Наименование ОО", "Год"]
    assert sheet.max_row - 1 == sum(len(report.procedures_of(s.school_id)) for s in report.schools)
    first = report.procedures_of(report.schools[0].school_id)[0]
    row = next(sheet.iter_rows(min_row=2, max_row=2))
    assert (row[3].value, row[4].value, row[5].value, row[6].value) == (
        first.year, first.assessment, first.subject, first.grade
    )
    assert row[10].value == pytest.approx(first.fail_share)
    assert row[10].number_format == "0.0%"


def test_share_criteria_in_percent_with_russian_signs(book, report):
    sheet = book["Критерии"]
    assert header(sheet)[:8] == [
        "Логин ОО", "Наименование ОО", "Статус критерия", "Условие", "Сравнение", "Значение", "Порог", "Выполнено"
    ]
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == sum(len(s.criteria) for s in report.schools)
    share = next(r for r in rows if r[3].value.startswith("доля") and r[5].value is not None)
    assert share[4].value in {"≥", ">", "≤", "<"}
    assert (share[5].number_format, share[6].number_format) == ("0.0%", "0.0%")
    count = next(r for r in rows if r[3].value.startswith("участников"))
    assert count[6].value == 10 and count[6].number_format == "General"
    assert {r[7].value for r in rows} == {"да", "нет"}


def test_objectivity_signs_with_their_figures(book, report):
    sheet = book["Объективность"]
    assert header(sheet)[:5] == ["Логин ОО", "Наименование ОО", "Признак", "Результат", "Причина"]
    assert {"Отношение результатов 4 кл. к 5 кл.", "Корреляция с отметками по журналу"} <= set(header(sheet))
    assert not {"K", "r_s"} & set(header(sheet)), "headers in words, not the methodology's letters"
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == sum(len(s.objectivity_signs) for s in report.schools)
    assert {row[3] for row in rows} == {"есть", "нет", "не рассчитан"}
    k = header(sheet).index("Отношение результатов 4 кл. к 5 кл.")
    assert any(isinstance(row[k], float) for row in rows)


def test_summary_totals_are_the_report_counts(book, report):
    rows = list(book["Сводка"].iter_rows(values_only=True))
    statuses = rows[1][1:5]
    assert list(statuses) == [status.label for status in Status]
    totals = next(row for row in rows if row[0] == "Итого")
    assert dict(zip(Status, totals[1:5], strict=True)) == report.summary["by_status"]
    assert totals[5] == report.summary["total"]
    municipalities = [row[0] for row in rows[2 : 2 + len(report.summary["by_municipality"])]]
    assert municipalities == [m["municipality"] for m in report.summary["by_municipality"]]


def test_summary_has_the_region_index_rules_and_russian_date(book, report):
    rows = {row[0]: row[1:] for row in book["Сводка"].iter_rows(values_only=True) if row[0]}
    assert rows["Регион"][2] == pytest.approx(report.summary["objectivity_index"]["region"]["index"])
    assert rows["Правила"][0] == report.rules["name"]
    assert rows["Годы окна"][0] == "2024, 2025"
    assert rows["Дата отчёта"][0] == TODAY.strftime("%d.%m.%Y") == "15.01.2026"


def test_text_that_looks_like_a_formula_stays_text(report, tmp_path):
    first = dataclasses.replace(report.schools[0], school_name=MALICIOUS, reasons="+1", municipality="@SUM(A1)")
    hostile = dataclasses.replace(report, schools=[first, *report.schools[1:]])
    [path] = write_indicators_xlsx(hostile, tmp_path)
    row = openpyxl.load_workbook(path)["Школы"][2]
    assert (row[3].value, row[3].data_type) == (MALICIOUS, "s")
    assert (row[13].value, row[13].data_type) == ("+1", "s")
    assert (row[1].value, row[1].data_type) == ("@SUM(A1)", "s")
    with zipfile.ZipFile(path) as archive:
        assert not any(b"<f>" in archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets/"))


def test_same_report_gives_identical_bytes(report, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    [a] = write_indicators_xlsx(report, first)
    [b] = write_indicators_xlsx(report, second)
    assert a.read_bytes() == b.read_bytes()


def test_created_date_is_the_report_date(book):
    assert book.properties.created == datetime(TODAY.year, TODAY.month, TODAY.day)


def test_report_date_comes_from_the_report_not_the_clock(report, tmp_path):
    later = dataclasses.replace(report, generated="2022-11-21")
    [path] = write_indicators_xlsx(later, tmp_path)
    rows = {row[0]: row[1] for row in openpyxl.load_workbook(path)["Сводка"].iter_rows(values_only=True) if row[0]}
    assert rows["Дата отчёта"] == "21.11.2022"


@pytest.mark.parametrize("name", ["Школы", "Процедуры", "Критерии", "Объективность", "Сводка"])
def test_every_sheet_prints_landscape_one_page_wide(book, name):
    sheet = book[name]
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9  # A4
    assert (sheet.page_setup.fitToWidth or 1, sheet.page_setup.fitToHeight) == (1, 0)  # 1 is the default: left out
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    if name != "Сводка":
        assert sheet.print_title_rows == "$1:$1"  # the header row on every printed page


def _unusual(report) -> Report:
    """The example report with the cells the fast path hands back to xlsxwriter: a string over the cell limit (cut),
    a number type of its own (numpy), a flag (bool), an empty share (NaN) and a text type of its own (a str
    subclass)."""
    import numpy as np

    class Text(str):
        pass

    first = dataclasses.replace(
        report.schools[0], school_name="Ш" * 40_000, reasons=Text("причина"),
        indicators={**report.schools[0].indicators, "fail_core": np.float64(0.25), "high_core": float("nan"),
                    "times_listed": True, "participants_core": np.int64(7)},
    )
    return dataclasses.replace(report, schools=[first, *report.schools[1:]])


@pytest.mark.parametrize("unusual", [False, True])
def test_cells_written_past_xlsxwriters_calls_give_the_same_bytes_as_its_calls(report, tmp_path, monkeypatch, unusual):
    """The tables' cells go into xlsxwriter's table directly and its plain cells are written in one loop
    (``xlsx.FAST``); the workbook is byte for byte the one xlsxwriter's public calls make, cell by cell."""
    from shnor.render import xlsx

    if not xlsx.FAST:
        pytest.skip(f"xlsxwriter {xlsxwriter.__version__} is not in xlsx.FAST_RELEASES: every cell takes its calls")
    shown = _unusual(report) if unusual else report
    fast, public = tmp_path / "fast", tmp_path / "public"
    fast.mkdir()
    public.mkdir()
    [made] = write_indicators_xlsx(shown, fast)
    monkeypatch.setattr(xlsx, "FAST", False)
    [reference] = write_indicators_xlsx(shown, public)
    assert made.read_bytes() == reference.read_bytes()
    if unusual:
        row = openpyxl.load_workbook(made)["Школы"][2]
        assert len(row[3].value) == 32_767  # Excel's limit, cut as xlsxwriter cuts it
        assert (row[6].value, row[7].value, row[13].value) == (0.25, None, "причина")
