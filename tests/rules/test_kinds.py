"""The criteria real documents write, key by key, as tables of cases around each boundary: each year of the window,
dynamics, comparison with the municipality and region, mean scores, distinct subjects, a minimum of participants."""

from __future__ import annotations

import pytest

from shnor.report.build import IdentifyRequest, identify
from tests.conftest import SCHOOL_HEADER, TODAY, school_row, write_table

MATHS, RUSSIAN = "Математика", "Русский язык"


def run(tmp_path, rows, risk, extra="", header=SCHOOL_HEADER):
    """The statuses of a rules file whose only status is ``risk: <risk>`` (plus ``extra`` top-level keys)."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(f"name: t\ntitle: т\nsource: т\n{extra}statuses:\n  risk: {risk}\n", encoding="utf-8")
    path = write_table(tmp_path / "results.csv", header, rows)
    return identify(IdentifyRequest(inputs=[path], rules=str(rules), today=TODAY))


def statuses(report):
    return {s.school_id: s.status for s in report.schools}


def criterion(report, school):
    (found,) = [c for s in report.schools if s.school_id == school for c in s.criteria]
    return found


def maths(school, year, n, fail, high=0, municipality="Тестовый район", grade=5, subject=MATHS):
    return school_row(school, year, "ВПР", subject, n, fail, high, grade=grade, municipality=municipality)


BASE = [maths("base", 2024, 100, 0), maths("base", 2025, 100, 0)]  # gives the window both years

EACH_YEAR = '{kind: indicator, indicator: fail_core, op: ">=", threshold: 0.25, each_year: true}'
EACH_YEAR_CASES = [
    ("25 % in both years", [(2024, 100, 25), (2025, 100, 25)], "risk"),
    ("24 % in one year", [(2024, 100, 25), (2025, 100, 24)], "ok"),
    ("pooled 37 %, but 24 % in 2025", [(2024, 100, 50), (2025, 100, 24)], "ok"),
    ("no results in 2024: not established", [(2025, 100, 30)], "ok"),
    ("9 participants in 2024, under defaults.min_participants 10", [(2024, 9, 9), (2025, 100, 30)], "ok"),
    ("10 participants in 2024", [(2024, 10, 3), (2025, 100, 30)], "risk"),
]


@pytest.mark.parametrize("case, years, expected", EACH_YEAR_CASES, ids=[c[0] for c in EACH_YEAR_CASES])
def test_each_year(tmp_path, case, years, expected):
    rows = BASE + [maths("x", year, n, fail) for year, n, fail in years]
    report = run(tmp_path, rows, EACH_YEAR, "defaults: {min_participants: 10}\n")
    assert statuses(report)["x"] == expected


def test_each_year_reports_the_least_favourable_year(tmp_path):
    report = run(tmp_path, BASE + [maths("x", 2024, 100, 30), maths("x", 2025, 100, 25)], EACH_YEAR)
    found = criterion(report, "x")
    assert (found.value, found.unit, found.details) == (0.25, "share", ["2024 — 30,0 %, 2025 — 25,0 %"])
    assert report.schools[1].reasons == (
        "доля «2» по русскому языку и математике в каждом году окна 25,0 % ≥ 25 % (2024 — 30,0 %, 2025 — 25,0 %)"
    )


DYNAMICS = '{kind: dynamics, indicator: fail_core, compare: previous_year, op: ">=", threshold: 0.05}'
DYNAMICS_CASES = [
    ("+5 п. п.: at the threshold", DYNAMICS, [(2024, 100, 20), (2025, 100, 25)], "risk"),
    ("+4 п. п.", DYNAMICS, [(2024, 100, 20), (2025, 100, 24)], "ok"),
    ("a fall", DYNAMICS, [(2024, 100, 25), (2025, 100, 20)], "ok"),
    ("9 participants a year earlier", DYNAMICS, [(2024, 9, 0), (2025, 100, 30)], "ok"),
    (
        "+10 п. п. on 10 pupils: not significant",
        DYNAMICS.replace("}", ", significant: true}"),
        [(2024, 10, 2), (2025, 10, 3)],
        "ok",
    ),
    (
        "+10 п. п. on 1000 pupils: significant",
        DYNAMICS.replace("}", ", significant: true}"),
        [(2024, 1000, 200), (2025, 1000, 300)],
        "risk",
    ),
    (
        "previous window: 2022–2023 → 2024–2025, 20 % → 30 %",
        DYNAMICS.replace("previous_year", "previous_window"),
        [(2022, 50, 10), (2023, 50, 10), (2024, 50, 15), (2025, 50, 15)],
        "risk",
    ),
    (
        "previous window: 20 % → 24 %",
        DYNAMICS.replace("previous_year", "previous_window"),
        [(2022, 50, 10), (2023, 50, 10), (2024, 50, 12), (2025, 50, 12)],
        "ok",
    ),
    (
        "a measure and scope instead of an indicator",
        DYNAMICS.replace("indicator: fail_core", "measure: fail, assessments: [ВПР], subjects: [Математика]"),
        [(2024, 100, 20), (2025, 100, 25)],
        "risk",
    ),
    (
        "a measure; this school has no earlier year",
        DYNAMICS.replace("indicator: fail_core", "measure: fail, subjects: core"),
        [(2025, 100, 40)],
        "ok",
    ),
]


@pytest.mark.parametrize("case, rule, years, expected", DYNAMICS_CASES, ids=[c[0] for c in DYNAMICS_CASES])
def test_dynamics(tmp_path, case, rule, years, expected):
    rows = BASE + [maths("x", year, n, fail) for year, n, fail in years]
    report = run(tmp_path, rows, rule, "defaults: {min_participants: 10}\n")
    assert statuses(report)["x"] == expected


def test_dynamics_without_the_earlier_year_is_not_computed_and_says_why(tmp_path):
    report = run(tmp_path, [maths("x", 2025, 100, 30)], DYNAMICS)
    assert statuses(report) == {"x": "ok"} and criterion(report, "x").value is None
    assert any("не рассчитан ни для одной школы: в данных нет 2024 года" in w for w in report.warnings)


RELATIVE = '{kind: indicator, indicator: high_core, relative_to: municipality, op: "<=", threshold: -0.10}'
RELATIVE_CASES = [
    (
        "10 п. п. below the municipality's 30 %: at the threshold",
        RELATIVE,
        [("a", "М1", 20), ("b", "М1", 40)],
        {"a": "risk", "b": "ok"},
    ),
    ("9,5 п. п. below", RELATIVE, [("a", "М1", 21), ("b", "М1", 40)], {"a": "ok", "b": "ok"}),
    ("alone in its municipality: 0", RELATIVE, [("a", "М1", 20), ("b", "М2", 40)], {"a": "ok", "b": "ok"}),
    (
        "against the region",
        RELATIVE.replace("municipality", "region"),
        [("a", "М1", 20), ("b", "М2", 40)],
        {"a": "risk", "b": "ok"},
    ),
]


@pytest.mark.parametrize("case, rule, schools, expected", RELATIVE_CASES, ids=[c[0] for c in RELATIVE_CASES])
def test_relative_to(tmp_path, case, rule, schools, expected):
    rows = [maths(s, 2025, 100, 0, high, municipality=m) for s, m, high in schools]
    assert statuses(run(tmp_path, rows, rule)) == expected


def test_relative_value_is_in_percentage_points_with_both_shares(tmp_path):
    rows = [maths("a", 2025, 100, 0, 20, municipality="М1"), maths("b", 2025, 100, 0, 40, municipality="М1")]
    report = run(tmp_path, rows, RELATIVE)
    found = criterion(report, "a")
    assert (found.value, found.threshold, found.unit, found.participants) == (-0.1, -0.1, "pp", 100)
    assert found.details == ["школа 20,0 %, муниципалитет 30,0 %"]


MEAN_HEADER = [*SCHOOL_HEADER, "mean_score"]
MEAN = (
    '{kind: mean_score, assessments: [ЕГЭ], subjects: [Обществознание], relative_to: municipality, op: "<", '
    "threshold: 0}"
)
MEAN_CASES = [
    ("5 points below the municipality's 55", MEAN, [("a", 10, 50), ("b", 10, 60)], {"a": "risk", "b": "ok"}),
    ("weighted by participants: 52,5", MEAN, [("a", 30, 50), ("b", 10, 60)], {"a": "risk", "b": "ok"}),
    ("equal to the municipality", MEAN, [("a", 10, 55), ("b", 10, 55)], {"a": "ok", "b": "ok"}),
    (
        "absolute: 50 is not below 50",
        MEAN.replace(", relative_to: municipality", "").replace("threshold: 0", "threshold: 50"),
        [("a", 10, 50), ("b", 10, 49.9)],
        {"a": "ok", "b": "risk"},
    ),
]


def ege(school, n, mean, subject="Обществознание"):
    return [*school_row(school, 2025, "ЕГЭ", subject, n, 0, 0), mean]


@pytest.mark.parametrize("case, rule, schools, expected", MEAN_CASES, ids=[c[0] for c in MEAN_CASES])
def test_mean_score(tmp_path, case, rule, schools, expected):
    rows = [ege(s, n, mean) for s, n, mean in schools]
    assert statuses(run(tmp_path, rows, rule, header=MEAN_HEADER)) == expected


def test_mean_score_without_scores_is_not_computed_and_says_why(tmp_path):
    rows = [ege("a", 10, ""), ege("b", 10, "")]
    report = run(tmp_path, rows, MEAN, header=MEAN_HEADER)
    assert statuses(report) == {"a": "ok", "b": "ok"}
    assert any("не рассчитан ни для одной школы: в данных нет баллов" in w for w in report.warnings)


SUBJECTS = (
    '{kind: procedures, measure: fail, op: ">=", threshold: 0.30, years: latest, assessments: [ВПР], '
    "count: subjects, at_least: 2}"
)
SUBJECT_CASES = [
    ("maths in grades 4 and 5: one subject", SUBJECTS, [(MATHS, 4, 3), (MATHS, 5, 3)], "ok"),
    (
        "the same, counted as procedures",
        SUBJECTS.replace("count: subjects", "count: procedures"),
        [(MATHS, 4, 3), (MATHS, 5, 3)],
        "risk",
    ),
    ("maths and Russian at 30 %", SUBJECTS, [(MATHS, 4, 3), (RUSSIAN, 5, 3)], "risk"),
    ("Russian at 29 %", SUBJECTS, [(MATHS, 4, 30), (RUSSIAN, 5, 29)], "ok"),
]


@pytest.mark.parametrize("case, rule, procedures, expected", SUBJECT_CASES, ids=[c[0] for c in SUBJECT_CASES])
def test_count_subjects(tmp_path, case, rule, procedures, expected):
    rows = [
        maths("x", 2025, 10 if fail < 10 else 100, fail, grade=grade, subject=subject)
        for subject, grade, fail in procedures
    ]
    assert statuses(run(tmp_path, rows, rule)) == {"x": expected}


FEW = '{kind: indicator, indicator: fail_other, op: ">=", threshold: 0.25}'
FEW_CASES = [
    ("1 participant, 100 %", "defaults: {min_participants: 10}\n", FEW, 1, 1, "ok"),
    ("9 participants", "defaults: {min_participants: 10}\n", FEW, 9, 9, "ok"),
    ("10 participants", "defaults: {min_participants: 10}\n", FEW, 10, 3, "risk"),
    (
        "the leaf's own minimum wins",
        "defaults: {min_participants: 10}\n",
        FEW.replace("}", ", min_participants: 5}"),
        9,
        9,
        "risk",
    ),
    ("no defaults: any participant", "", FEW, 1, 1, "risk"),
]


@pytest.mark.parametrize("case, extra, rule, n, fail, expected", FEW_CASES, ids=[c[0] for c in FEW_CASES])
def test_min_participants(tmp_path, case, extra, rule, n, fail, expected):
    rows = [maths("x", 2025, 100, 0), maths("x", 2025, n, fail, subject="История")]
    report = run(tmp_path, rows, rule, extra)
    assert statuses(report) == {"x": expected}


def test_too_few_participants_is_the_reason(tmp_path):
    rows = [maths("x", 2025, 100, 0), maths("x", 2025, 1, 1, subject="История")]
    report = run(tmp_path, rows, FEW, "defaults: {min_participants: 10}\n")
    found = criterion(report, "x")
    assert (found.value, found.met, found.participants, found.details) == (1.0, False, 1, ["мало участников (1 < 10)"])


def test_window_longer_than_the_data_is_a_warning(tmp_path):
    report = run(tmp_path, [maths("x", 2025, 100, 0)], FEW, "window_years: 3\n")
    assert any(
        "в правилах окно 3 года (window_years), а в данных" in w and "только 1 (2025)" in w for w in report.warnings
    )
