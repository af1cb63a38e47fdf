"""Findings of the independent review, kept fixed: --out never replaces a folder that is not shnor's; CSV row
numbers count blank lines; Word files are byte-stable; a folder's non-tables are named; Excel percent cells."""

from __future__ import annotations

import json

import pytest
import xlsxwriter
from typer.testing import CliRunner

from shnor.cli.app import app
from shnor.ingest.base import ReadOptions
from shnor.ingest.reading import read_results
from shnor.vocabulary import municipality_key
from tests.conftest import SCHOOL_HEADER, school_row, write_table

ROWS = [school_row("s1", 2025, "ВПР", "Математика", 20, 2, 8), school_row("s2", 2025, "ВПР", "Математика", 20, 6, 4)]


def run(*args):
    return CliRunner().invoke(app, [*map(str, args)])


def test_out_refuses_a_folder_with_other_files(tmp_path):
    folder = tmp_path / "results"
    folder.mkdir()
    table = write_table(folder / "results.csv", SCHOOL_HEADER, ROWS)
    (folder / "важное.docx").write_bytes(b"doc")
    result = run("identify", table, "--out", folder, "--format", "none")
    assert result.exit_code == 2 and "есть то, что записал не shnor: «results.csv», «важное.docx»" in result.output
    assert sorted(p.name for p in folder.iterdir()) == ["results.csv", "важное.docx"]
    again = run("identify", table, "--out", tmp_path / "out", "--format", "none", "--quiet")
    assert again.exit_code == 0
    result = run("identify", table, "--out", tmp_path / "out", "--format", "none", "--quiet")
    assert result.exit_code == 0, "shnor's own folder is replaced"


def test_csv_rows_are_counted_as_lines(tmp_path):
    path = tmp_path / "r.csv"
    lines = [",".join(SCHOOL_HEADER), ",".join(map(str, ROWS[0])), "",
             ",".join(map(str, ROWS[1])).replace(",20,", ",x,", 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("identify", path, "--out", tmp_path / "o", "--format", "none")
    assert result.exit_code == 2 and "строка 4, столбец «participants»: в ячейке «x»" in result.output


def test_word_documents_are_byte_stable(tmp_path):
    table = write_table(tmp_path / "r.csv", SCHOOL_HEADER, ROWS)
    for out in ("a", "b"):
        assert run("identify", table, "--out", tmp_path / out, "--format", "appendix.docx,note.docx", "--quiet",
                   "--date", "2026-01-15").exit_code == 0
    for name in ("Приложение к приказу.docx", "Аналитическая справка.docx"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_folder_names_what_it_skips(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    write_table(folder / "r.csv", SCHOOL_HEADER, ROWS)
    (folder / "письмо.pdf").write_bytes(b"%PDF")
    result = run("identify", folder, "--out", tmp_path / "o", "--format", "none", "--quiet")
    assert result.exit_code == 0, result.output
    warnings = json.loads((tmp_path / "o" / "result.json").read_text(encoding="utf-8"))["warnings"]
    assert "«письмо.pdf»: не таблица результатов, в папке пропущен" in warnings


def test_excel_percent_cells_are_fractions(tmp_path):
    path = tmp_path / "ЕГЭ 2025.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("2025")
    percent = book.add_format({"num_format": "0%"})
    sheet.write(0, 0, "Результаты ЕГЭ 2025 года")
    sheet.write_row(2, 0, ["Муниципальное образование", "Образовательная организация", "Русский язык"])
    sheet.write_row(3, 2, ["Приняли участие", "Не преодолели минимальный порог, %", "81-100, %"])
    sheet.write_row(4, 0, ["Район", "СОШ 1", 10])
    sheet.write(4, 3, 0.4, percent)
    sheet.write(4, 4, 0.1, percent)
    book.close()
    cube, _ = read_results([path], ReadOptions())
    assert cube.counts[["participants", "fail", "high"]].iloc[0].tolist() == [10, 4, 1]


def test_whole_number_percentages_keep_the_row(tmp_path):
    path = tmp_path / "ОГЭ 2025.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("ОГЭ 2025")
    sheet.write_row(0, 0, ["Муниципалитет", "Наименование ОО", "Математика"])
    sheet.write_row(1, 2, ["Кол-во участников", "«2», %", "«3», %", "«4», %", "«5», %"])
    sheet.write_row(2, 0, ["Район", "СОШ 1", 150, 1, 33, 33, 33])
    book.close()
    cube, _logs = read_results([path], ReadOptions())
    assert cube.counts[["participants", "n2", "n3", "n4", "n5"]].iloc[0].tolist() == [150, 2, 50, 49, 49]


@pytest.mark.parametrize("a, b", [("Нижнеилимский район", "Нижнеудинский район"),
                                  ("Красночикойский район", "Краснокаменский район")])
def test_districts_with_a_common_beginning_stay_apart(a, b):
    assert municipality_key(a) != municipality_key(b)
    assert municipality_key("Акшинский район") == municipality_key("Акшинского муниципального округа")


def test_history_with_a_status_column_counts_its_shnor_rows(tmp_path):
    table = write_table(tmp_path / "r.csv", SCHOOL_HEADER, ROWS)
    history = write_table(tmp_path / "last.csv", ["school_id", "school_name", "status"],
                          [["s1", "МБОУ «s1»", "shnor"], ["s2", "МБОУ «s2»", "ok"]])
    result = run("identify", table, "--history", history, "--out", tmp_path / "o", "--format", "none", "--quiet")
    assert result.exit_code == 0, result.output
    text = (tmp_path / "o" / "schools.csv").read_text(encoding="utf-8")
    assert "s1,МБОУ «s1»,Тестовый район," in text
    listed = {line.split(",")[0]: line.split(",")[7] for line in text.splitlines()[1:]}
    assert listed == {"s1": "1", "s2": "0"}


def test_a_history_list_of_no_school_counts_as_a_year_and_is_said(tmp_path):
    table = write_table(tmp_path / "r.csv", SCHOOL_HEADER, ROWS)
    history = write_table(tmp_path / "last.csv", ["school_id", "school_name", "status"], [["s2", "МБОУ «s2»", "ok"]])
    result = run("identify", table, "--history", history, "--out", tmp_path / "o", "--format", "none")
    assert result.exit_code == 0, result.output
    assert "история «last.csv»: в перечне нет ни одной ШНОР" in " ".join(result.output.split())


def test_a_file_the_user_saved_in_the_output_folder_is_never_deleted(tmp_path):
    table = write_table(tmp_path / "r.csv", SCHOOL_HEADER, ROWS)
    out = tmp_path / "out"
    assert run("identify", table, "--out", out, "--format", "appendix.docx", "--quiet").exit_code == 0
    (out / "Приложение (исправлено).docx").write_bytes(b"the analyst's own edit")
    (out / "~$иложение к приказу.docx").write_bytes(b"Word's owner file")  # Word has the appendix open: not the user's
    result = run("identify", table, "--out", out, "--format", "appendix.docx", "--quiet")
    assert result.exit_code == 2
    assert "есть то, что записал не shnor: «Приложение (исправлено).docx»;" in result.output
    assert "--force" in result.output
    assert (out / "Приложение (исправлено).docx").read_bytes() == b"the analyst's own edit"
    forced = run("identify", table, "--out", out, "--format", "none", "--quiet", "--force")
    assert forced.exit_code == 0, forced.output
    assert sorted(p.name for p in out.iterdir()) == ["procedures.parquet", "result.json", "schools.csv"]


def test_render_writes_beside_the_result_unless_told_its_own_folder(tmp_path):
    table = write_table(tmp_path / "r.csv", SCHOOL_HEADER, ROWS)
    out = tmp_path / "shnor-out"
    assert run("identify", table, "--out", out, "--format", "indicators.xlsx,appendix.md", "--quiet").exit_code == 0
    identified = {p.name: p.read_bytes() for p in out.iterdir()}
    result = run("render", out / "result.json", "--format", "mentors.md")
    assert result.exit_code == 0, result.output
    written = "schools.csv, result.json, procedures.parquet, Закрепление школ-наставников.md"
    assert f"Записано в «{tmp_path / 'shnor-out-документы'}»: {written}" in result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == identified, "the identify run's folder is not touched"
    own = run("render", out, "--format", "mentors.md", "--out", out, "--quiet")
    assert own.exit_code == 0, own.output
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert sorted(after) == sorted([*identified, "Закрепление школ-наставников.md"]), "asked into its own folder: kept"
    assert after["result.json"] == identified["result.json"]
    assert after["indicators.xlsx"] == identified["indicators.xlsx"]


def test_what_is_left_beside_the_output_folder_is_hidden(tmp_path):
    table = write_table(tmp_path / "r.csv", SCHOOL_HEADER, ROWS)
    assert run("identify", table, "--out", tmp_path / "shnor-out", "--format", "none", "--quiet").exit_code == 0
    left = sorted(p.name for p in tmp_path.iterdir() if p.name not in ("r.csv", "shnor-out"))
    assert left in ([], [".shnor-out.lock"]), "on Unix the lock stays (hidden; .gitignore: «.shnor-out.*»)"


def test_render_of_a_result_among_the_users_files_writes_beside_it(tmp_path):
    table = write_table(tmp_path / "r.csv", SCHOOL_HEADER, ROWS)
    assert run("identify", table, "--out", tmp_path / "out", "--format", "none", "--quiet").exit_code == 0
    desktop = tmp_path / "Рабочий стол"
    desktop.mkdir()
    (desktop / "письмо.docx").write_bytes(b"a letter")
    for name in ("result.json", "procedures.parquet"):
        (desktop / name).write_bytes((tmp_path / "out" / name).read_bytes())
    result = run("render", desktop / "result.json", "--format", "appendix.md", "--quiet")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in desktop.iterdir() if not p.name.startswith(".")) == [
        "procedures.parquet", "result-документы", "result.json", "письмо.docx"
    ]
