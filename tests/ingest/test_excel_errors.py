"""Formula errors cached in an .xlsx come back into their cells as Russian Excel shows them (calamine gives them as
empty cells), at the right row and column even when the sheet's table starts right of column A."""

from __future__ import annotations

from pathlib import Path

import xlsxwriter

from shnor.ingest import excel_errors
from shnor.ingest.tables import open_sheets


def cells(path: Path) -> list[dict]:
    return [sheet._table.to_pydict() for sheet in open_sheets(path)]


def test_errors_are_put_back_where_they_stand(tmp_path):
    path = tmp_path / "книга.xlsx"
    book = xlsxwriter.Workbook(str(path))
    first = book.add_worksheet("Итоги")
    first.write_blank(0, 0, None, book.add_format({"bold": True}))  # formatted but empty: not in calamine's table
    first.write_row(2, 2, ["логин", "участников"])
    first.write_row(3, 2, ["s1", 12])
    first.write_formula(4, 3, "=1/0", None, "#DIV/0!")
    first.write_formula(5, 1, "=NA()", None, "#N/A")
    first.write_formula(6, 2, "=D4*2", None, 24)  # a formula that worked is its value
    second = book.add_worksheet("Пусто")
    second.write_row(0, 0, ["a", 1])
    book.close()
    found, plain = cells(path)
    assert found == {
        "__UNNAMED__0": [None, None, None, None, None, "#Н/Д", None],
        "__UNNAMED__1": [None, None, "логин", "s1", None, None, "24"],
        "__UNNAMED__2": [None, None, "участников", "12", "#ДЕЛ/0!", None, None],
    }
    assert plain == {"__UNNAMED__0": ["a"], "__UNNAMED__1": ["1"]}


def test_a_big_sheet_is_not_searched(tmp_path, monkeypatch):
    path = tmp_path / "книга.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["a", "b"])
    sheet.write_formula(1, 1, "=1/0", None, "#DIV/0!")
    book.close()
    monkeypatch.setattr(excel_errors, "MAX_SEARCHED", 100)
    assert cells(path) == [{"__UNNAMED__0": ["a", None], "__UNNAMED__1": ["b", None]}]
