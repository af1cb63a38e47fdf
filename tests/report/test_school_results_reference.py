"""The per-school report made column by column (issue 18) agrees exactly with the first, one-school-at-a-time
implementation kept in tests/reference_report.py: the same objects, the same shared values at the top of result.json
and the same line for every school; the overview of the data pooled per school first is the one pooled per row;
the dynamics made per indicator are those made per school."""

from __future__ import annotations

import orjson
import pytest

from shnor.indicators import dynamics
from shnor.report import build, model, sections
from shnor.report.build import IdentifyRequest, identify
from tests import reference_report
from tests.conftest import EXAMPLES, TODAY, school_row
from tests.test_context import context_file


def _identify_beside_reference(monkeypatch, request: IdentifyRequest):
    seen = []

    def overview(*args):
        found = original_overview(*args)
        assert found == reference_report.overview(*args)
        assert found["by_year"] and found["data"]
        seen.append(found)
        return found

    def both(*args):
        found = original(*args)
        reference = reference_report.school_results(*args)
        assert found == reference  # before identify adds recommendations, context and dynamics to the objects
        seen.append(found)
        return found

    def changes(*args):
        found = original_dynamics(*args)
        assert found == reference_report.school_dynamics(*args)
        assert any(c.verdict != dynamics.NONE for by_name in found.values() for c in by_name["year"].values())
        seen.append(found)
        return found

    original, original_overview = build._school_results, sections.overview
    original_dynamics = build.school_dynamics
    monkeypatch.setattr(build, "_school_results", both)
    monkeypatch.setattr(build, "school_dynamics", changes)
    monkeypatch.setattr(sections, "overview", overview)
    report = identify(request)
    assert len(seen) == 3 and seen[1] is report.overview and seen[2] is report.schools
    return report


def _same_lines(report) -> None:
    criteria, signs = model._shared(report.schools)
    assert (criteria, signs) == reference_report.shared(report.schools)
    for school in report.schools:
        line = model._compact_clean(model._school_entry(school, criteria, signs))
        assert line == reference_report.school_line(school, criteria, signs), school.school_id


def test_example_region_with_figures_context_and_history(monkeypatch, tmp_path):
    request = IdentifyRequest(
        inputs=[EXAMPLES / "region"], registry=EXAMPLES / "registry.csv", history=[EXAMPLES / "history_2024.csv"],
        scales=EXAMPLES / "scales.csv", context=EXAMPLES / "context.csv", today=TODAY,
    )
    report = _identify_beside_reference(monkeypatch, request)
    figures = [s for school in report.schools for s in school.objectivity_signs if s.figures]
    assert len(report.schools) >= 40 and figures  # signs with their own figures are made and written
    assert any(school.dynamics and school.context for school in report.schools)
    _same_lines(report)
    path = tmp_path / "result.json"
    with path.open("w", encoding="utf-8", newline="\n") as handle:  # the lines go straight into the file's bytes
        report.write_json(handle)
    assert path.read_bytes() == report.to_json().encode("utf-8")  # the same as written as text
    assert path.read_bytes().count(b'\n{"school_id":') == len(report.schools)


@pytest.mark.parametrize("rules", ["default", "relative", "rosobrnadzor-2025"])
def test_marks_only_schools_share_their_sign_objects(monkeypatch, school_table, rules):
    """School-level marks: no sign can be computed, and every school's «не рассчитан» of a sign is one object."""
    rows = []
    for number in range(30):
        school = f"sch{number:03d}"
        for year in (2022, 2023, 2024, 2025):  # a previous window to compare with, too
            municipality = f"М{number % 3}"
            rows.append(school_row(school, year, "ВПР", "Математика", 40, number % 15, 10, municipality=municipality))
            rows.append(school_row(school, year, "ВПР", "Русский язык", 40, (2 * number) % 13, 12))
    report = _identify_beside_reference(monkeypatch, IdentifyRequest(inputs=[school_table(rows)], rules=rules,
                                                                       today=TODAY))
    signs = [s for school in report.schools for s in school.objectivity_signs]
    assert len(signs) == 30 * 14 and all(s.status == "не рассчитан" for s in signs)
    assert len({id(s) for s in signs}) <= 14 * 3  # a few reasons per sign, not an object per school
    assert len({school.status for school in report.schools}) >= 2
    assert all(set(school.dynamics) == {"year", "window"} for school in report.schools)
    _same_lines(report)


@pytest.mark.parametrize("count", [0, 1, 2, 3, 7])
def test_school_lines_joined_chunk_by_chunk_are_the_lines_joined_at_once(count):
    lines = [f'{{"school_id":"s{n}"}}'.encode() for n in range(count)]
    joined = b"".join(model._joined(iter(lines), size=3))
    assert joined == (b"\n" + b",\n".join(lines) if lines else b"")


def _written_beside_reference(report, tmp_path) -> None:
    """result.json written while every school's criteria are still columns (``SchoolColumns``): the same top and the
    same school lines as the reference makes from the objects, made only after the file is written."""
    assert model._columns_of(report.schools) is not None  # nothing has asked for a school's criteria yet
    path = tmp_path / "result.json"
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        report.write_json(handle)
    assert model._columns_of(report.schools) is not None  # writing made none of them
    written = path.read_bytes()
    head, lines = written.split(b'\n  "schools": [\n')
    criteria, signs = reference_report.shared(report.schools)  # the objects made now
    assert model._columns_of(report.schools) is None
    assert model._shared(report.schools) == (criteria, signs)  # the same from the objects as from the columns
    assert head.startswith(b"{") and orjson.loads(written)["criteria"] == model._clean(criteria)
    assert lines.removesuffix(b"\n]\n}\n").decode("utf-8").split(",\n") == [
        reference_report.school_line(school, criteria, signs) for school in report.schools]
    assert written == report.to_json().encode("utf-8")  # written again from the objects: the same bytes


def test_lines_written_from_columns_example_region(tmp_path):
    request = IdentifyRequest(
        inputs=[EXAMPLES / "region"], registry=EXAMPLES / "registry.csv", history=[EXAMPLES / "history_2024.csv"],
        scales=EXAMPLES / "scales.csv", context=EXAMPLES / "context.csv", today=TODAY,
    )
    report = identify(request)
    _written_beside_reference(report, tmp_path)
    assert any(c.details for school in report.schools for c in school.criteria)  # details written from columns
    assert any(s.figures for school in report.schools for s in school.objectivity_signs)


@pytest.mark.parametrize("rules", ["default", "relative", "rosobrnadzor-2025"])
def test_lines_written_from_columns_marks_only(school_table, tmp_path, rules):
    rows = []
    for number in range(30):
        school = f"sch{number:03d}"
        for year in (2022, 2023, 2024, 2025):
            municipality = f"М{number % 3}"
            rows.append(school_row(school, year, "ВПР", "Математика", 40, number % 15, 10, municipality=municipality))
            rows.append(school_row(school, year, "ВПР", "Русский язык", 40, (2 * number) % 13, 12))
    report = identify(IdentifyRequest(inputs=[school_table(rows)], rules=rules, today=TODAY))
    _written_beside_reference(report, tmp_path)


def test_lines_written_from_columns_thresholds_of_each_school(school_table, tmp_path):
    """Percentiles within context groups: a threshold per school, most schools' at the top, the others' in their
    lines."""
    rows, context = [], []
    for k in range(5):
        rows.append(school_row(f"t{k}", 2025, "ВПР", "Математика", 100, 10 * k, 10))
        rows.append(school_row(f"v{k}", 2025, "ВПР", "Математика", 100, 30 + 10 * k, 10))
        context += [[f"t{k}", "город", "0", "0", "0"], [f"v{k}", "село", "60", "0", "0"]]
    rows.append(school_row("v5", 2025, "ВПР", "Математика", 100, 70, 10))
    context.append(["v5", "село", "60", "0", "0"])
    rules = tmp_path / "groups.yaml"
    rules.write_text(
        'name: groups\ntitle: внутри групп\nsource: тест\nstatuses:\n  shnor:\n'
        '    {kind: indicator, indicator: fail_core, op: ">=", percentile: 80, within: settlement}\n',
        encoding="utf-8",
    )
    report = identify(IdentifyRequest(inputs=[school_table(rows)], rules=str(rules),
                                      context=context_file(tmp_path, context), today=TODAY))
    assert model._columns_of(report.schools).columns[0].thresholds is not None
    _written_beside_reference(report, tmp_path)
    assert len({school.criteria[0].threshold for school in report.schools}) == 2
    assert b'"threshold":' in (tmp_path / "result.json").read_bytes().split(b'"schools": [')[1]


def test_values_rounded_at_once_are_those_rounded_one_by_one():
    """``_cleaned`` (numpy, with the doubtful ones left to ``round``) gives exactly ``_leaf`` of each value: shares,
    values halfway between two millionths and a hair off it, big, tiny, signed zeros, NaN, infinities, None."""
    import math
    import random

    chance = random.Random(18)
    values = [k / n for n in range(1, 400) for k in range(0, n + 1, 3)]
    values += [(chance.randint(-10**12, 10**12) + 0.5) / 1e6 for _ in range(20_000)]  # halfway as written
    off = [0, 1e-16, -1e-12]
    values += [chance.randint(-10**6, 10**6) / 1e6 + chance.choice([-5e-7, 5e-7]) * (1 + chance.choice(off))
               for _ in range(20_000)]
    values += [chance.choice([-1, 1]) * 10 ** chance.uniform(-10, 16) for _ in range(20_000)]
    values += [None, math.nan, math.inf, -math.inf, 0.0, -0.0, 4e-7, -4e-7, 5e-7, -5e-7, 1e300, 2.0**53, 5e-324,
               4503599627.3705, 4503599627370.5]
    chance.shuffle(values)
    at_once, one_by_one = model._cleaned(values), [model._leaf(v) for v in values]
    assert [type(v) for v in at_once] == [type(v) for v in one_by_one]
    assert orjson.dumps(at_once) == orjson.dumps(one_by_one)  # -0.0 and 0.0 told apart, too
    assert model._cleaned([1, 2.5, None]) == [1, 2.5, None]  # not all floats: one by one


def test_rules_without_criteria_still_write_every_school(school_table, tmp_path):
    """Rules whose statuses are all left out have no criterion: every school is `ok` with no criteria, and still has
    its line in result.json (the columns of no criteria are no schools' lines)."""
    rules = tmp_path / "none.yaml"
    rules.write_text("name: none\ntitle: Без критериев\nsource: тест\nstatuses: {}\n", encoding="utf-8")
    rows = [school_row(f"sch{n}", 2025, "ВПР", "Математика", 20, n % 5, 4) for n in range(3)]
    report = identify(IdentifyRequest(inputs=[school_table(rows)], rules=str(rules), today=TODAY))
    assert [(s.school_id, s.status, s.criteria) for s in report.schools] == [
        ("sch0", "ok", []), ("sch1", "ok", []), ("sch2", "ok", [])]
    fresh = identify(IdentifyRequest(inputs=[school_table(rows)], rules=str(rules), today=TODAY))
    written = orjson.loads(fresh.to_json())  # criteria not asked for: written from the (no) columns
    assert [(s["school_id"], s["status"], s["criteria"]) for s in written["schools"]] == [
        ("sch0", "ok", []), ("sch1", "ok", []), ("sch2", "ok", [])]


def test_python_values_of_numbers_and_flags():
    """Numbers and flags as Python's own, None where pandas says missing: NaN of a float64 column, NA of a Float64
    or boolean one; a Float64 column's zero keeps its sign, its infinity stays one."""
    import math

    import numpy as np
    import pandas as pd

    floats = build._python_values(pd.Series([1.5, np.nan, -0.0, np.inf]))
    assert floats[0] == 1.5 and floats[1] is None and math.copysign(1, floats[2]) == -1 and floats[3] == math.inf
    assert all(type(v) is float for v in floats if v is not None)
    assert build._python_values(pd.Series(pd.array([0.25, None], dtype="Float64"))) == [0.25, None]
    flags = build._python_values(pd.Series(pd.array([True, None, False], dtype="boolean")))
    assert flags == [True, None, False] and type(flags[0]) is bool
    assert build._python_values(pd.Series(np.array([True, False]))) == [True, False]
    assert build._python_values(pd.Series(np.array([1.5, 2.25], dtype=np.float32))) == [1.5, 2.25]
    assert build._python_values(pd.Series([1, None], dtype="Int64")) == [1, None]
