"""Алтайский край, ВПР математика 4 (../shared/data/real/altai_vpr): the three real per-pupil files — the ФИС ОКО
protocol (2021), the raw export with Latin headers (2020) and the school upload form (2022) — read as published,
against an independent pandas reading of the same files by the rules of the issue:

- «отсутствовал» in the variant column, or neither a total nor a task score (the form: «Итого баллов» 0 and no task
  cell), is absent — never a participant;
- a total that is blank or 0 while task cells are filled is the sum of the task cells («X» counts 0); where both are
  given and differ, the total stands;
- a total above the maximum of the work (20) is left out;
- a journal mark that is not 1–5 («нет отметки») is ignored, the pupil counted;
- marks by the scale in the README: «3» from 6, «4» from 10, «5» from 14.
"""

from __future__ import annotations

import json

import fastexcel
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from shnor.cli.app import app
from shnor.report.model import Report
from tests.conftest import ROOT

ALTAI = ROOT.parent / "shared" / "data" / "real" / "altai_vpr"
pytestmark = pytest.mark.skipif(not ALTAI.is_dir(), reason="../shared/data/real is not beside the project")
SCALES = "year,assessment,subject,grade,max_score,mark3,mark4,mark5\n" + "".join(
    f"{year},ВПР,Математика,4,20,6,10,14\n" for year in (2020, 2021, 2022)
)
# file → (sheet, login, total, variant, journal, is a task column)
FILES = {
    "2021/4/Проведение работы по математике, 4 класс. ВПР 2021.xlsx": (
        0, "логин школы", "всего баллов", "вариант", "отметка за предыдущую четверть/триместр",
        lambda c: str(c).startswith("балл за "),
    ),
    "2020/4/Математика.xlsx": (0, "user", "sum", "var-1", "otc",
                               lambda c: str(c).startswith("a-") and str(c).endswith("-grade")),
    "2022/4/Математика.xlsx": (
        "Протокол", "Пользователь", "Итого баллов", "Вариант", "Отметка за предыдущий триместр/ четверть/полугодие",
        lambda c: str(c).rstrip().endswith("б)"),
    ),
}
YEAR = {"2021/4/Проведение работы по математике, 4 класс. ВПР 2021.xlsx": 2021, "2020/4/Математика.xlsx": 2020,
        "2022/4/Математика.xlsx": 2022}


def by_the_rules(name: str) -> tuple[dict, pd.DataFrame]:
    sheet, login, total_column, variant, journal, is_task = FILES[name]
    table = fastexcel.read_excel(ALTAI / name).load_sheet(sheet, dtypes="string").to_pandas()
    tasks = [c for c in table.columns if is_task(c)]
    total = pd.to_numeric(table[total_column], errors="coerce")
    task_sum = table[tasks].apply(pd.to_numeric, errors="coerce").sum(axis=1)
    filled = table[tasks].notna().any(axis=1)
    absent = table[variant].fillna("").str.startswith("отсутств") | (~filled & (total.isna() | (total == 0)))
    from_tasks = ~absent & filled & (total.isna() | ((total == 0) & (task_sum > 0)))
    differs = ~absent & filled & (total > 0) & (task_sum != total)
    score = total.where(~from_tasks, task_sum)
    over = ~absent & (score > 20)
    counted = ~absent & ~over
    marks = pd.to_numeric(table[journal], errors="coerce")
    ignored = counted & table[journal].notna() & ~marks.isin([1, 2, 3, 4, 5])
    mark = 2 + (score >= 6).astype(int) + (score >= 10).astype(int) + (score >= 14).astype(int)
    pupils = pd.DataFrame({"school_id": table[login], "n2": mark == 2, "high": mark >= 4}).loc[counted]
    schools = pupils.groupby("school_id").agg(participants=("n2", "size"), n2=("n2", "sum"), high=("high", "sum"))
    counts = {"participants": int(counted.sum()), "absent": int(absent.sum()), "score_over_max": int(over.sum()),
              "journal_not_mark": int(ignored.sum()), "total_from_tasks": int(from_tasks.sum()),
              "total_differs": int(differs.sum())}
    return counts, schools.astype(int)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("altai")
    (folder / "scales.csv").write_text(SCALES, encoding="utf-8")
    out = folder / "out"
    result = CliRunner().invoke(
        app, ["identify", str(ALTAI), "--scales", str(folder / "scales.csv"), "--out", str(out), "--format", "none"]
    )
    assert result.exit_code == 0, result.output
    report = json.loads((out / "result.json").read_text(encoding="utf-8"))
    schools = pd.read_csv(out / "schools.csv", dtype=str, keep_default_na=False)
    return result.output, report, schools, folder


@pytest.mark.parametrize("name", list(FILES))
def test_row_accounting_equals_a_pandas_reading(run, name):
    _, report, _, _ = run
    counts, _ = by_the_rules(name)
    (sheet,) = [s for f in report["inputs"] if f["file"] == name for s in f["sheets"] if s["rows_read"]]
    found = {issue["kind"]: issue["count"] for issue in sheet["issues"]}
    assert sheet["rows_read"] == counts["participants"]
    assert {k: found.get(k, 0) for k in counts if k != "participants"} == {k: v for k, v in counts.items()
                                                                           if k != "participants"}


def test_the_published_quirks_are_counted_as_the_data_readme_says(run):
    _, report, _, _ = run
    issues = {f["file"]: {i["kind"]: i["count"] for s in f["sheets"] for i in s["issues"]} for f in report["inputs"]}
    protocol = issues["2021/4/Проведение работы по математике, 4 класс. ВПР 2021.xlsx"]
    assert (protocol["score_over_max"], protocol["total_differs"], protocol["journal_not_mark"]) == (16, 33, 5)
    form = issues["2022/4/Математика.xlsx"]
    assert form["absent"] == 1 and form["total_from_tasks"] == 27  # one school's «Итого баллов» never computed


def test_cube_counts_per_school_equal_a_pandas_reading(run):
    from shnor.ingest.base import ReadOptions
    from shnor.ingest.reading import read_results
    from shnor.ingest.scales import load_scales

    cube, _ = read_results(
        [ALTAI / name for name in FILES], ReadOptions(scales=load_scales(run[3] / "scales.csv"))
    )
    for name in FILES:
        _, expected = by_the_rules(name)
        got = cube.counts.loc[cube.counts["year"] == YEAR[name]].set_index("school_id")
        got = got.assign(high=got["n4"] + got["n5"])[["participants", "n2", "high"]].astype(int).sort_index()
        assert got.to_dict("index") == expected.sort_index().to_dict("index")


def test_shares_in_the_report_equal_a_pandas_reading(run):
    folder = run[3]
    for name in ("2021/4/Проведение работы по математике, 4 класс. ВПР 2021.xlsx", "2022/4/Математика.xlsx"):
        _, expected = by_the_rules(name)
        got = {
            p["school_id"]: (p["participants"], round(p["fail_share"], 6), round(p["high_share"], 6))
            for p in pq.read_table(folder / "out" / "procedures.parquet").to_pylist() if p["year"] == YEAR[name]
        }
        want = {
            school: (row.participants, round(row.n2 / row.participants, 6), round(row.high / row.participants, 6))
            for school, row in expected.iterrows()
        }
        assert {k: (n, pytest.approx(f), pytest.approx(h)) for k, (n, f, h) in want.items()} == got


def test_every_school_is_named_with_its_municipality(run):
    output, _, schools, _ = run
    assert len(schools) == 643 and (schools["municipality"] != "").all()
    assert schools["municipality"].nunique() == 70  # 71 spellings: «СПО Алтайский край» is the region's own
    assert "региональное подчинение" in set(schools["municipality"])
    said = " ".join(output.split())
    assert "строки 7053, 7055, 7057, 7058, 21235 … (16): балл больше максимального по шкале (20) — не учтены" in said


def test_the_raw_export_takes_year_and_grade_from_its_folders(run):
    _, report, _, _ = run
    (sheet,) = [s for f in report["inputs"] if f["file"] == "2020/4/Математика.xlsx" for s in f["sheets"]]
    assert sheet["procedure"] == {"year": "2020 (папки)", "assessment": "ВПР (коды ФИС ОКО в файле)",
                                  "subject": "Математика (название файла)", "grade": "4 (папки)"}
    assert np.all([m.startswith("reg22_m") for m in sheet["municipalities"]])


def test_a_year_before_the_window_is_said_to_serve_the_dynamics_only(run):
    """Three years read, a window of two (`default`): 2020 is not silently dropped — the note says where it goes."""
    output, report, _, _ = run
    assert report["methodology"]["window"] == [2021, 2022]
    note = "данные за 2020 год — до окна 2021–2022: в доли и статусы не входят, используются только для динамики"
    assert any(w.startswith(note) for w in report["warnings"])
    assert note in " ".join(output.split())


def test_schools_named_only_by_login_are_said_and_shown_by_their_login(run):
    """ФИС ОКО protocols give logins, not names: without --registry the note says so first, and a document prints
    the login rather than a blank cell."""
    _, report, schools, _ = run
    unnamed = int((schools["school_name"] == "").sum())
    assert unnamed == 639
    note = f"у {unnamed} из 643 школ нет наименования во входных файлах"
    assert any(w.startswith(note) for w in report["warnings"][:3])
    school = Report.load(run[3] / "out").schools[0]
    assert school.school_name == "" and school.shown_name == f"{school.school_id} (наименования нет во входных файлах)"
