"""End-to-end runs of `shnor identify` on the example region and on broken inputs."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shnor.cli.app import app
from tests.conftest import EXAMPLES, SCHOOL_HEADER, school_row, write_table

runner = CliRunner()
EXAMPLE_ARGS = [
    str(EXAMPLES / "region"),
    "--registry", str(EXAMPLES / "registry.csv"),
    "--history", str(EXAMPLES / "history_2024.csv"),
    "--scales", str(EXAMPLES / "scales.csv"),
    "--context", str(EXAMPLES / "context.csv"),
    "--date", "2026-01-15",
]


def run(*args: str):
    return runner.invoke(app, ["identify", *args])


def read_csv(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def example_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "out"
    result = run(*EXAMPLE_ARGS, "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


DOCUMENTS = [
    "indicators.xlsx", "procedures.parquet", "result.json", "schools.csv", "Аналитическая справка.docx",
    "Аналитическая справка.html",
    "Закрепление школ-наставников.docx", "Закрепление школ-наставников.html", "Закрепление школ-наставников.md",
    "Карточки школ.docx", "Карточки школ.html", "Приложение к приказу.docx", "Приложение к приказу.html",
    "Приложение к приказу.md",
]


def test_example_region_prints_summary_and_writes_all_files(example_out):
    assert sorted(p.name for p in example_out.iterdir()) == DOCUMENTS


def test_summary_is_printed(tmp_path):
    result = run(*EXAMPLE_ARGS, "--out", str(tmp_path / "out"), "--format", "none")
    assert result.exit_code == 0, result.output
    assert "Школы по статусам" in result.output and "Северный городской округ" in result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["procedures.parquet", "result.json", "schools.csv"]


def test_format_picks_documents(tmp_path):
    result = run(*EXAMPLE_ARGS, "--out", str(tmp_path / "out"), "--format", "appendix.md,note.html", "--quiet")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "procedures.parquet", "result.json", "schools.csv", "Аналитическая справка.html", "Приложение к приказу.md"
    ]
    result = run(*EXAMPLE_ARGS, "--out", str(tmp_path / "out2"), "--format", "note.pdf")
    assert result.exit_code == 2 and "неизвестный формат «note.pdf»" in result.output
    for empty in ("", " , "):  # a script's unset variable: neither every document nor none
        result = run(*EXAMPLE_ARGS, "--out", str(tmp_path / "out3"), "--format", empty)
        assert result.exit_code == 2 and "в --format не указано ни одного формата" in result.output
        assert not (tmp_path / "out3").exists()


def test_schools_csv_contract(example_out):
    rows = read_csv(example_out / "schools.csv")
    assert list(rows[0]) == [
        "school_id", "school_name", "municipality", "status", "fail_core", "high_core", "fail_other",
        "times_listed", "objectivity_signs", "reasons", "participants_core", "participants_other", "shnsu",
    ]
    assert len(rows) == 44
    assert {r["status"] for r in rows} == {"shnor", "risk", "ok", "insufficient"}
    for row in rows:
        for share in ("fail_core", "high_core", "fail_other"):
            assert row[share] == "" or (len(row[share].split(".")[1]) == 4 and 0 <= float(row[share]) <= 1)
        assert (row["reasons"] == "") == (row["status"] == "ok")
    listed = [r for r in rows if r["times_listed"] == "1"]
    assert len(listed) == 6, "six of last year's names match; «СОШ № 99» matches none"


def test_result_json_contract(example_out):
    result = json.loads((example_out / "result.json").read_text(encoding="utf-8"))
    assert result["tool"]["name"] == "shnor" and result["generated"] == "2026-01-15"
    assert result["methodology"]["window"] == [2024, 2025]
    assert {f["role"] for f in result["inputs"]} == {"results", "registry", "history", "scales", "context"}
    assert all(len(f["sha256"]) == 64 for f in result["inputs"])
    school = next(s for s in result["schools"] if s["status"] == "shnor")
    assert result["format"] == 2
    # what every school shares is said once at the top; a school says its value, whether met, and what differs
    assert {"status", "label", "op", "unit", "threshold"} <= set(result["criteria"][school["criteria"][0]["path"]])
    allowed = {"path", "value", "met", "participants", "details", *result["criteria"]["shnor.of[0].of[0]"]}
    assert {"path", "value", "met"} <= set(school["criteria"][0]) <= allowed
    assert all(set(sign) == {"label", "status", "reason"} for sign in result["signs"].values())
    assert len(result["signs"]) == 14 and all("sign_codes" not in s for s in result["schools"])
    assert all({"code"} < set(x) <= {"code", "status", "reason", "figures"} for x in school["objectivity_signs"])
    assert "procedures" not in school, "per-procedure figures are in procedures.parquet"
    assert any("СОШ № 99" in w and "не найдена" in w for w in result["warnings"])
    assert result["summary"]["total"] == 44


def test_same_inputs_give_identical_files(example_out, tmp_path):
    again = tmp_path / "again"
    assert run(*EXAMPLE_ARGS, "--out", str(again), "--quiet", "--format", "none").exit_code == 0
    for name in ("schools.csv", "result.json", "procedures.parquet"):
        assert (again / name).read_bytes() == (example_out / name).read_bytes()


def test_personal_data_never_reaches_the_outputs(example_out):
    with (EXAMPLES / "region" / "vpr_2025.csv").open(encoding="utf-8-sig") as handle:
        pupils = [row["Код обучающегося"] for row in csv.DictReader(handle, delimiter=";")][:500]
    text = ((example_out / "result.json").read_text(encoding="utf-8")
            + (example_out / "schools.csv").read_text(encoding="utf-8"))
    assert not [p for p in pupils if p in text]
    assert "Код обучающегося" not in text and "Пол" not in text


@pytest.mark.parametrize(
    ("column", "name"),
    [("Отметка", "Сидорова Мария Петровна"), ("Отметка", "Сидорова"), ("Предмет", "СИДОРОВА М.П.")],
)
def test_a_pupils_name_in_a_shifted_row_is_not_quoted_in_the_error(tmp_path, column, name):
    """Columns shifted in one row put a pupil's name where a mark or a subject belongs: the error names the row and
    the column, and says what is there without quoting the name. (A score that is not a number is left out and
    counted, with no example quoted.)"""
    source = (EXAMPLES / "region" / "vpr_2025.csv").read_text(encoding="utf-8-sig").splitlines()[:40]
    header = source[0].split(";")
    cells = source[30].split(";")
    cells[header.index(column)] = name
    source[30] = ";".join(cells)
    (tmp_path / "vpr.csv").write_text("\n".join(source) + "\n", encoding="utf-8")
    result = run(str(tmp_path / "vpr.csv"), "--out", str(tmp_path / "o"), "--format", "none")
    assert result.exit_code == 2, result.output
    assert f"строка 31, столбец «{column}»" in result.output
    assert "похожий на фамилию или имя" in result.output
    assert "Сидоров" not in result.output.replace("\n", "") and "СИДОРОВ" not in result.output


def test_a_pupils_name_in_the_score_column_is_left_out_unquoted(tmp_path):
    source = (EXAMPLES / "region" / "vpr_2025.csv").read_text(encoding="utf-8-sig").splitlines()[:40]
    cells = source[30].split(";")
    cells[source[0].split(";").index("Балл")] = "Сидорова Мария"
    source[30] = ";".join(cells)
    (tmp_path / "vpr.csv").write_text("\n".join(source) + "\n", encoding="utf-8")
    result = run(str(tmp_path / "vpr.csv"), "--out", str(tmp_path / "o"), "--format", "none")
    assert result.exit_code == 0, result.output
    written = (tmp_path / "o" / "result.json").read_text(encoding="utf-8")
    assert "балла не число" in written and "Сидоров" not in written + result.output


def test_quiet_prints_nothing(tmp_path):
    result = run(*EXAMPLE_ARGS, "--out", str(tmp_path / "o"), "--quiet", "--format", "none")
    assert result.exit_code == 0 and result.output == ""


def test_rosobrnadzor_preset_runs(tmp_path):
    result = run(*EXAMPLE_ARGS, "--out", str(tmp_path / "o"), "--rules", "rosobrnadzor-2025", "--quiet", "--format",
                 "none")
    assert result.exit_code == 0, result.output
    assert {r["status"] for r in read_csv(tmp_path / "o" / "schools.csv")} <= {"shnor", "ok", "insufficient"}


@pytest.fixture
def earlier_out(tmp_path, example_out) -> Path:
    out = tmp_path / "out"
    shutil.copytree(example_out, out)
    return out


def _assert_untouched(out: Path, reference: Path) -> None:
    assert sorted(p.name for p in out.iterdir()) == DOCUMENTS
    assert (out / "schools.csv").read_bytes() == (reference / "schools.csv").read_bytes()
    staging = [p for p in out.parent.iterdir() if p.name.startswith((".out.tmp", ".out.old"))]
    assert not staging, "no staging folder is left"


def test_missing_column_exits_2_and_leaves_earlier_output(tmp_path, earlier_out, example_out):
    header = [h for h in SCHOOL_HEADER if h != "grade"] + []
    header[header.index("participants")] = "участников_нет"
    rows = [[v for h, v in zip(SCHOOL_HEADER, school_row("s", 2025, "ВПР", "Математика", 10, 1, 1)) if h != "grade"]]
    bad = write_table(tmp_path / "bad.csv", header, rows)
    result = run(str(bad), "--out", str(earlier_out))
    assert result.exit_code == 2
    assert ("Ошибка: файл «bad.csv», строка 1: лист похож на макет «каноническая таблица», "
            "но не найдены столбцы: «отметка» (mark)") in result.output
    assert "Traceback" not in result.output
    _assert_untouched(earlier_out, example_out)


def test_unreadable_xlsx_exits_2(tmp_path, earlier_out, example_out):
    bad = tmp_path / "results.xlsx"
    bad.write_bytes(b"PK\x03\x04 this was a Word file once")
    result = run(str(bad), "--out", str(earlier_out))
    assert result.exit_code == 2
    assert "файл «results.xlsx» повреждён или обрезан" in result.output
    _assert_untouched(earlier_out, example_out)


def test_bad_rules_file_exits_2_with_its_line(tmp_path, earlier_out, example_out):
    rules = tmp_path / "my.yaml"
    rules.write_text("name: x\ntitle: x\nsource: x\nwindow_years: 0\nstatuses: {}\n", encoding="utf-8")
    result = run(*EXAMPLE_ARGS, "--rules", str(rules), "--out", str(earlier_out))
    assert result.exit_code == 2
    assert "my.yaml:4 window_years: ожидалось число не меньше 1" in result.output
    _assert_untouched(earlier_out, example_out)


def test_missing_file_and_unknown_year_exit_2(tmp_path):
    result = run(str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and "не найден" in result.output
    result = run(*EXAMPLE_ARGS, "--year", "2019", "--out", str(tmp_path / "o"))
    assert result.exit_code == 2 and "в данных нет 2019 года; есть: 2024, 2025" in result.output
    assert not (tmp_path / "o").exists()


def test_year_option_moves_the_window(tmp_path):
    result = run(*EXAMPLE_ARGS, "--year", "2024", "--out", str(tmp_path / "o"), "--quiet", "--format", "none")
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "o" / "result.json").read_text(encoding="utf-8"))
    assert data["methodology"]["window"] == [2024]


def test_usage_errors_are_in_russian(tmp_path):
    result = runner.invoke(app, ["identify", "x.csv", "--year", "abc"])
    assert result.exit_code == 2 and "Недопустимое значение «--year»: ожидается целое число." in result.output
    assert "Не указан аргумент" in runner.invoke(app, ["identify"]).output
    waiting = runner.invoke(app, ["identify", "x.csv", "--lock-timeout", "-5"])
    assert waiting.exit_code == 2
    assert "Недопустимое значение «--lock-timeout»: ожидается число не меньше 0." in waiting.output


def test_rules_list_and_show():
    listed = runner.invoke(app, ["rules", "list"])
    assert listed.exit_code == 0 and "default" in listed.output and "rosobrnadzor-2025" in listed.output
    shown = runner.invoke(app, ["rules", "show", "rosobrnadzor-2025"])
    assert shown.exit_code == 0 and "mode: any" in shown.output


def test_inspect_reports_layout_header_and_skipped_rows():
    result = runner.invoke(app, ["inspect", str(EXAMPLES / "region" / "oge_ege_2024_2025.xlsx")])
    assert result.exit_code == 0, result.output
    assert "лист «ОГЭ»" in result.output and "строка заголовка: 3" in result.output
    assert "строка итогов" in result.output


def test_installed_command_runs(tmp_path):
    shnor = Path(sys.executable).with_name("shnor")
    completed = subprocess.run(
        [str(shnor), "identify", *EXAMPLE_ARGS, "--out", str(tmp_path / "o"), "--quiet", "--format", "none"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "o" / "schools.csv").exists()
    help_text = subprocess.run([str(shnor), "--help"], capture_output=True, text=True, timeout=60, check=False).stdout
    assert "выявление школ с низкими образовательными результатами" in help_text


def test_the_garbage_collector_is_on_again_after_a_run_and_after_a_stop(tmp_path):
    """The collector is off while identify imports its libraries, and on again however the command ends (an
    in-process run — a test, a notebook — keeps collecting)."""
    import gc

    rows = [school_row(f"s{k}", 2025, "ВПР", "Математика", 20, 6, 4) for k in range(3)]
    table = write_table(tmp_path / "r.csv", SCHOOL_HEADER, rows)
    assert run(str(table), "--out", str(tmp_path / "out"), "--format", "none").exit_code == 0
    assert gc.isenabled()
    stopped = run(str(table), "--out", str(tmp_path / "out2"), "--date", "31.02.2026")
    assert stopped.exit_code == 2 and "такой даты нет" in stopped.output
    assert gc.isenabled()
