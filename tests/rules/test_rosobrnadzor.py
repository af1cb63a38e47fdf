"""The `rosobrnadzor-2025` preset: ≥ 30 % below the threshold in 2+ procedures of the latest year, and/or in the
same procedure in both of the last two years (``mode: any``; ``all`` on demand)."""

from __future__ import annotations

import pytest

from shnor.report.build import IdentifyRequest, identify
from shnor.rules.loader import presets_dir
from tests.conftest import TODAY, school_row


def run(path, rules="rosobrnadzor-2025"):
    report = identify(IdentifyRequest(inputs=[path], rules=rules, today=TODAY))
    return {s.school_id: s.status for s in report.schools}


# rows: (year, assessment, subject, grade, participants, fail)
CASES = [
    ("two procedures of the latest year at 30 %",
     [(2025, "ВПР", "Математика", 5, 10, 3), (2025, "ОГЭ", "Русский язык", 9, 20, 6)], "shnor"),
    ("one at 30 %, the other at 29 %",
     [(2025, "ВПР", "Математика", 5, 10, 3), (2025, "ОГЭ", "Русский язык", 9, 100, 29)], "ok"),
    ("two procedures, but one of them a year earlier",
     [(2024, "ВПР", "Математика", 5, 10, 3), (2025, "ОГЭ", "Русский язык", 9, 20, 6)], "ok"),
    ("the same procedure in 2024 and 2025",
     [(2024, "ВПР", "Математика", 5, 10, 3), (2025, "ВПР", "Математика", 5, 10, 4)], "shnor"),
    ("same subject, another grade: not the same procedure",
     [(2024, "ВПР", "Математика", 5, 10, 3), (2025, "ВПР", "Математика", 6, 10, 4)], "ok"),
    ("ЕГЭ below the minimum in two subjects", [(2025, "ЕГЭ", "Физика", 11, 10, 3), (2025, "ЕГЭ", "История", 11, 10, 5)],
     "shnor"),
    ("other subjects count too", [(2025, "ВПР", "История", 5, 10, 3), (2025, "ВПР", "Биология", 5, 10, 3)], "shnor"),
]


@pytest.mark.parametrize("case, rows, expected", CASES, ids=[c[0] for c in CASES])
def test_rosobrnadzor_preset(school_table, case, rows, expected):
    path = school_table([school_row("sch1", y, a, s, n, f, 0, grade=g) for y, a, s, g, n, f in rows])
    assert run(path) == {"sch1": expected}


def test_mode_all_requires_both_conditions(school_table, tmp_path):
    text = (presets_dir() / "rosobrnadzor-2025.yaml").read_text(encoding="utf-8").replace("mode: any", "mode: all")
    rules = tmp_path / "both.yaml"
    rules.write_text(text, encoding="utf-8")
    rows = [
        # sch1: two procedures in 2025 and ВПР maths in both years → both conditions
        school_row("sch1", 2024, "ВПР", "Математика", 10, 3, 0),
        school_row("sch1", 2025, "ВПР", "Математика", 10, 3, 0),
        school_row("sch1", 2025, "ОГЭ", "Русский язык", 10, 3, 0),
        # sch2: the same procedure two years running, but only one procedure in 2025 → one condition
        school_row("sch2", 2024, "ВПР", "Математика", 10, 3, 0),
        school_row("sch2", 2025, "ВПР", "Математика", 10, 3, 0),
        school_row("sch2", 2025, "ОГЭ", "Русский язык", 10, 0, 0),
    ]
    path = school_table(rows)
    assert run(path, str(rules)) == {"sch1": "shnor", "sch2": "ok"}
    assert run(path) == {"sch1": "shnor", "sch2": "shnor"}


def test_consecutive_clause_not_computed_with_one_year(school_table):
    path = school_table([school_row("sch1", 2025, "ВПР", "Математика", 10, 5, 0)])
    report = identify(IdentifyRequest(inputs=[path], rules="rosobrnadzor-2025", today=TODAY))
    consecutive = next(c for c in report.schools[0].criteria if "подряд" in c.label)
    assert (consecutive.value, consecutive.met) == (None, False)


def test_reason_lists_the_procedures(school_table):
    rows = [school_row("sch1", 2025, "ВПР", "Математика", 10, 3, 0),
            school_row("sch1", 2025, "ОГЭ", "Русский язык", 20, 9, 0, grade=9)]
    path = school_table(rows)
    report = identify(IdentifyRequest(inputs=[path], rules="rosobrnadzor-2025", today=TODAY))
    assert "ВПР Математика, 5 кл.: 2025 — 30,0 %" in report.schools[0].reasons
    assert "ОГЭ Русский язык: 2025 — 45,0 %" in report.schools[0].reasons
