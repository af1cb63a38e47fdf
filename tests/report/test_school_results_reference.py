"""The per-school report made column by column (issue 18) agrees exactly with the first, one-school-at-a-time
implementation kept in tests/reference_report.py: the same objects, the same shared values at the top of result.json
and the same line for every school; the overview of the data pooled per school first is the one pooled per row;
the dynamics made per indicator are those made per school."""

from __future__ import annotations

import pytest

from shnor.indicators import dynamics
from shnor.report import build, model, sections
from shnor.report.build import IdentifyRequest, identify
from tests import reference_report
from tests.conftest import EXAMPLES, TODAY, school_row


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
