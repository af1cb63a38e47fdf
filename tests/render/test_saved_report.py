"""A report read back from result.json (``shnor render``): its schools are the schools written, its result.json is
written again byte for byte — from what was read where nothing changed, the slow way where something did — and a file
damaged inside a school is named when it is read, not when a document looks at that school."""

from __future__ import annotations

import copy
import gc
import json
import pickle
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shnor.cli.app import app
from shnor.errors import UserError
from shnor.render import render_all
from shnor.render.documents import _stable_zip, render_docx
from shnor.report.build import IdentifyRequest, identify
from shnor.report.findings import findings
from shnor.report.model import Report, SchoolResult

GOLDEN = Path(__file__).resolve().parents[1] / "golden"


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> tuple[Report, Path]:
    """The small golden region, identified and written as ``shnor identify`` writes it."""
    report = identify(IdentifyRequest(inputs=[GOLDEN / "region.csv"], history=[GOLDEN / "history.csv"],
                                      today=date(2026, 1, 15)))
    folder = tmp_path_factory.mktemp("saved")
    render_all(report, folder)
    return report, folder


def edited(folder: Path, tmp_path: Path, change) -> Path:
    """A copy of the saved folder with result.json's text changed by ``change``."""
    target = tmp_path / "edited"
    target.mkdir()
    for name in ("result.json", "procedures.parquet"):
        (target / name).write_bytes((folder / name).read_bytes())
    text = (target / "result.json").read_text(encoding="utf-8")
    changed = change(text)
    assert changed != text
    (target / "result.json").write_text(changed, encoding="utf-8", newline="\n")
    return target


def written_anew(report: Report) -> str:
    """result.json as a report made in memory writes it (no lines kept from a file)."""
    return replace(report, saved=None).to_json()


def test_the_schools_read_are_the_schools_written(saved):
    report, folder = saved
    loaded = Report.load(folder)
    said = json.loads((folder / "result.json").read_text(encoding="utf-8"))["schools"]
    assert [s.school_id for s in loaded.schools] == [s.school_id for s in report.schools]
    assert [[(c.path, c.status, c.met) for c in s.criteria] for s in loaded.schools] == [
        [(c.path, c.status, c.met) for c in s.criteria] for s in report.schools]
    values = [[c["value"] for c in s["criteria"]] for s in said]
    assert [[c.value for c in s.criteria] for s in loaded.schools] == values
    assert [[x.code for x in s.objectivity_signs] for s in loaded.schools] == [
        [x.code for x in s.objectivity_signs] for s in report.schools]
    # pickled (the second process of ``Beside``) and copied as the plain class, equal to what was read either way
    plain = pickle.loads(pickle.dumps(Report.load(folder).schools))
    assert {type(s) for s in plain} == {SchoolResult}
    assert plain == loaded.schools and loaded.schools == plain and plain != report.schools[::-1]
    assert type(copy.copy(loaded.schools[0])) is SchoolResult and copy.deepcopy(loaded.schools) == plain
    changed = replace(Report.load(folder).schools[0], status="risk")
    assert changed.status == "risk" and changed.criteria == plain[0].criteria


def test_result_json_of_a_read_report_is_the_file_read(saved):
    _, folder = saved
    text = (folder / "result.json").read_text(encoding="utf-8")
    loaded = Report.load(folder)
    assert loaded.to_json() == text == written_anew(loaded)
    # new document settings change the top only: the same as written the slow way
    signed = replace(loaded, document={"signer": "Т.В. Краснобаева", "order_number": "12"})
    assert signed.to_json() == written_anew(signed) != text
    assert json.loads(signed.to_json())["document"]["signer"] == "Т.В. Краснобаева"


def test_a_read_report_is_pickled_and_copied_whole(saved):
    """A report read from result.json is plain data, as one made in memory: it pickles and deep-copies (the schools'
    lines were kept as a view of the bytes read, which does neither) and writes the same result.json after."""
    _, folder = saved
    text = (folder / "result.json").read_text(encoding="utf-8")
    for copied in (pickle.loads(pickle.dumps(Report.load(folder))), copy.deepcopy(Report.load(folder))):
        assert copied.saved is not None and copied.saved.schools is copied.schools
        assert copied.to_json() == text


@pytest.mark.parametrize("number, shown", [("81.00000001", "81.0"), ("8.1e+1", "81.0"), ("1e-7", "0.0")])
def test_a_number_edited_by_hand_is_written_as_shnor_writes_it(saved, tmp_path, number, shown):
    """Numbers are rounded to 6 places when a report is written: one with more places (or an exponent) in a file
    edited by hand is written rounded, as before, not as it was read."""
    _, folder = saved
    target = edited(folder, tmp_path, lambda t: t.replace('"ege_high_score": 81.0', f'"ege_high_score": {number}', 1))
    loaded = Report.load(target)
    text = loaded.to_json()
    assert text == written_anew(loaded) and f'"ege_high_score": {shown}' in text


def test_school_lines_laid_out_otherwise_are_written_anew(saved, tmp_path):
    """A line break after a space (valid JSON, not shnor's layout): the schools are written again, as JSON (they were
    copied line by line, and the file written had «}, ,» in it)."""
    _, folder = saved
    target = edited(folder, tmp_path, lambda t: t.replace('},\n{"school_id"', '}, \n{"school_id"', 1))
    loaded = Report.load(target)
    assert loaded.saved is None
    assert loaded.to_json() == (folder / "result.json").read_text(encoding="utf-8")


def in_schools(old: str, new: str):
    """A change of the first ``old`` among the schools' lines."""
    def change(text: str) -> str:
        start = text.index('"schools": [')
        return text[:start] + text[start:].replace(old, new, 1)

    return change


@pytest.mark.parametrize("change", [
    in_schools('"met":', '"mat":'),
    in_schools('{"path":"', '{"path":"shnor.of[9].'),
    # a sign's code that is not a text: found when the signs became objects (a TypeError, exit 1) — and before
    in_schools('"objectivity_signs":[]', '"objectivity_signs":[{"code":["boundary_peaks"]}]'),
    in_schools('"objectivity_signs":[]', '"objectivity_signs":[],"sign_codes":null'),
])
def test_a_school_damaged_by_hand_is_named_when_read(saved, tmp_path, change):
    """Criteria become objects only when a document asks for them; what would keep them from it is found at once."""
    _, folder = saved
    target = edited(folder, tmp_path, change)
    with pytest.raises(UserError, match="повреждён или изменён вручную"):
        Report.load(target)
    result = CliRunner().invoke(app, ["render", str(target), "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 2 and "повреждён или изменён вручную" in result.output
    assert not (tmp_path / "out").exists()


def test_render_leaves_the_collector_as_it_was(saved, tmp_path):
    _, folder = saved
    assert gc.isenabled()
    result = CliRunner().invoke(app, ["render", str(folder), "--out", str(tmp_path / "out"), "--quiet",
                                      "--format", "appendix.md"])
    assert result.exit_code == 0, result.output
    assert gc.isenabled()


def test_render_in_a_process_that_goes_on_leaves_its_garbage_to_the_collector(saved, tmp_path):
    """The collector is off while a report is rendered; what is left is frozen only where the process ends with the
    command: called in-process, the documents' cycles were frozen with it and never freed (the memory of a test run
    or a script grew by the documents of every render)."""
    _, folder = saved
    frozen = gc.get_freeze_count()
    for number in range(2):
        result = CliRunner().invoke(app, ["render", str(folder), "--out", str(tmp_path / f"out{number}"), "--quiet",
                                          "--format", "appendix.docx"])
        assert result.exit_code == 0, result.output
    assert gc.get_freeze_count() <= frozen  # (frozen before by others may have been freed since)


def test_findings_worked_out_once_read_as_worked_out_each_time(saved):
    """The texts of the criteria are kept per report: the same as each school worked out on a report of its own."""
    _, folder = saved
    loaded = Report.load(folder)
    listed = [s for s in loaded.schools if s.status in ("shnor", "risk")]
    assert listed
    shared = [[f.text for f in findings(loaded, s)] for s in listed]
    alone = [[f.text for f in findings(replace(loaded), s)] for s in listed]
    assert shared == alone and any(shared)


def test_word_files_are_written_stable_at_once(saved):
    """The zip as python-docx writes it, made stable (one date, one order) — in one pass, the same bytes."""
    _, folder = saved
    loaded = Report.load(folder)
    data = render_docx(loaded, "appendix.docx", None, "appendix")
    assert _stable_zip(data) == data
    assert render_docx(Report.load(folder), "appendix.docx", None, "appendix") == data
