"""The published regional ЕГЭ tables in ../shared/data/real, read as they circulate, against a reading by hand.

Hand-read cells (window 2022–2023, Russian + all maths; «high» = 80–99 + 100, base maths has no score bands):
- Забайкальский край, Чита, «Средняя общеобразовательная школа №1» (sheet 2023 row 8, sheet 2022 row 8):
  русский 51/0 below/13 high and 61/0/18; профильная 23/0/0 and 29/1/1; базовая 28/0 and 32/0 →
  fail_core = 1/224, high_core = 32/164 (base maths carries no high band).
- ЕАО, город Биробиджан, МБОУ "Гимназия № 1" (row 12 of both sheets): русский 97/0/38 and 123/0/25;
  профиль 37/2/0 and 49/8/3 → fail_core = 10/306, high_core = 66/306.
- ЕАО, Ленинский район, МКОУ "СОШ с. Бабстово" (row 30): русский 8/1/0 and 14/0/0; профиль 1/0/0 and 2/2/0 →
  fail_core = 3/25, high_core = 0/25 (25 participants: enough to be judged).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shnor.cli.app import app
from tests.conftest import ROOT

REAL = ROOT.parent / "shared" / "data" / "real"
pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/data/real is not beside the project")


def run(tmp_path: Path, name: str) -> dict[str, dict]:
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["identify", str(REAL / name), "--out", str(out), "--quiet", "--format", "none"])
    assert result.exit_code == 0, result.output
    with (out / "schools.csv").open(encoding="utf-8") as handle:
        return {(row["municipality"], row["school_name"]): row for row in csv.DictReader(handle)}


def find(schools: dict, municipality_part: str, name: str) -> dict:
    found = [row for (m, n), row in schools.items() if municipality_part in m and n == name]
    assert len(found) == 1, (municipality_part, name, len(found))
    return found[0]


def test_zabaykalsky(tmp_path):
    schools = run(tmp_path, "zabaykalsky_ege_by_school_2022-2024.xlsx")
    assert 370 <= len(schools) <= 400
    assert not [k for k in schools if "итого" in k[0].lower() or "итого" in k[1].lower()]
    school = find(
        schools, "Город Чита",
        'Муниципальное бюджетное общеобразовательное учреждение "Средняя общеобразовательная школа №1"'
    )
    assert (school["fail_core"], school["high_core"]) == (f"{1 / 224:.4f}", f"{32 / 164:.4f}")
    assert school["participants_core"] == "224"


def test_eao(tmp_path):
    schools = run(tmp_path, "eao_ege_by_school_2022-2024.xlsx")
    assert 40 <= len(schools) <= 45
    assert not [k for k in schools if k[1] == "" or "район" in k[1].lower() or "всего" in k[0].lower()]
    gymnasium = find(schools, "Биробиджан", 'МБОУ "Гимназия № 1"')
    assert (gymnasium["fail_core"], gymnasium["high_core"]) == (f"{10 / 306:.4f}", f"{66 / 306:.4f}")
    village = find(schools, "Ленинский", 'МКОУ "СОШ с. Бабстово"')
    assert (village["fail_core"], village["high_core"], village["participants_core"]) == ("0.1200", "0.0000", "25")


def test_registrations_sheets_are_skipped_with_a_note(tmp_path):
    from shnor.ingest.base import ReadOptions
    from shnor.ingest.reading import read_results

    _, logs = read_results([REAL / "eao_ege_by_school_2022-2024.xlsx"], ReadOptions())
    sheet_2024 = next(log for log in logs if log.sheet == "2024")
    assert sheet_2024.rows_read == 0 and "заявления на участие" in sheet_2024.notes[0]


def test_files_that_are_not_results_tables_are_named(tmp_path):
    result = CliRunner().invoke(
        app, ["identify", str(REAL / "moscow_ege_by_school_2015-16_datamos9722.csv"), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "moscow_ege_by_school_2015-16_datamos9722.csv» нет результатов" in result.output
    assert "по трём предметам ЕГЭ в сумме больше 220 и не больше 160 баллов" in result.output
    assert "ни числа участников, ни результатов по отдельным предметам" in result.output


def test_zabaykalsky_municipalities_are_territories_each_once(tmp_path):
    schools = run(tmp_path, "zabaykalsky_ege_by_school_2022-2024.xlsx")
    territories = {m for m, _ in schools}
    assert len(territories) == 36
    assert not [m for m in territories if m.split()[0] in {"Комитет", "Управление", "Отдел", "Министерство"}]
    assert {"Акшинский муниципальный округ", "Тунгокоченский район", "Город Чита",
            "региональное подчинение"} <= territories


def test_a_table_without_the_rules_high_boundary_names_the_one_used(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["identify", str(REAL / "zabaykalsky_ege_by_school_2022-2024.xlsx"), "--out", str(out), "--format", "none"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert "не ниже 81; где в таблице нет этой границы" in report["methodology"]["high"]
    assert "высокие результаты ЕГЭ взяты от 80 баллов" in report["methodology"]["high"]
    flagged = [s for s in report["schools"] if s["status"] == "shnor"]
    assert flagged and all("высокие результаты ЕГЭ от 80 баллов: в таблице нет границы 81" in s["reasons"]
                           for s in flagged)
    high = 61
    result = CliRunner().invoke(
        app, ["identify", str(REAL / "zabaykalsky_ege_by_school_2022-2024.xlsx"), "--out", str(tmp_path / "o61"),
              "--format", "none", "--set", f"ege_high_score={high}"]
    )
    assert result.exit_code == 0, result.output
    methodology = json.loads((tmp_path / "o61" / "result.json").read_text(encoding="utf-8"))["methodology"]["high"]
    assert "не ниже 61" in methodology and "высокие результаты ЕГЭ не рассчитаны" in methodology


def test_the_whole_folder_of_real_files_is_read(tmp_path):
    scales = tmp_path / "scales.csv"
    scales.write_text("year,assessment,subject,grade,max_score,mark3,mark4,mark5\n" + "".join(
        f"{year},ВПР,Математика,4,20,6,10,14\n" for year in (2020, 2021, 2022)), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["identify", str(REAL), "--scales", str(scales), "--out", str(out), "--format",
                                      "none"])
    assert result.exit_code == 0, result.output
    warnings = json.loads((out / "result.json").read_text(encoding="utf-8"))["warnings"]
    assert any(w.startswith("«README.md»: не таблица результатов") for w in warnings)
    assert any("moscow_ege_by_school_2015-16_datamos9722.csv: файл пропущен" in w for w in warnings)
    assert any("vpr_student_protocol_form_sample.xlsx: файл пропущен: лист «Протокол» — форма ввода" in w
               for w in warnings)
    assert not any("[Протокол]: лист пропущен" in w for w in warnings), "the file's note says it once"
    assert sum("нет границы 81" in w for w in warnings) == 4, "once per sheet: ЕАО and Забайкальский, 2022–2023"


def test_zabaykalsky_2023_chemistry_hundreds_are_not_counted():
    from shnor.ingest.base import ReadOptions
    from shnor.ingest.reading import read_results

    cube, logs = read_results([REAL / "zabaykalsky_ege_by_school_2022-2024.xlsx"], ReadOptions())
    notes = [n for log in logs if log.sheet == "2023" for n in log.notes]
    assert any(n.startswith("«Химия»: «получили 100 баллов» не сходится") and "в 156 строках из 156" in n
               for n in notes)
    chemistry = cube.counts[(cube.counts["subject"] == "Химия") & (cube.counts["year"] == 2023)]
    assert len(chemistry) and chemistry["high"].isna().all()
    assert not any("допускает средний балл" in n or "не сходится" in n for log in logs if log.sheet != "2023"
                   for n in log.notes), "the other years' columns fit their means"
