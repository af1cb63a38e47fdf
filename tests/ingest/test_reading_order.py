"""Several files at once: read ahead on the other cores, yet the same cube, the same first error, and a progress
report that only goes forward."""

from __future__ import annotations

import pandas as pd
import pytest

from shnor.cli import progress as progress_module
from shnor.cli.progress import ReadingProgress
from shnor.errors import UserError
from shnor.ingest import ahead as ahead_module
from shnor.ingest.base import ReadOptions
from shnor.ingest.reading import read_results
from shnor.ingest.scales import load_scales
from tests.conftest import EXAMPLES


@pytest.fixture()
def options():
    return ReadOptions(scales=load_scales(EXAMPLES / "scales.csv"))


def example_files():
    return sorted((EXAMPLES / "region").iterdir())


def test_reading_ahead_gives_the_cube_of_reading_one_by_one(options, monkeypatch):
    ahead, _ = read_results(example_files(), options)
    monkeypatch.setattr(ahead_module, "workers", lambda: 1)
    one_by_one, _ = read_results(example_files(), options)
    pd.testing.assert_frame_equal(ahead.counts, one_by_one.counts)
    pd.testing.assert_frame_equal(ahead.histogram, one_by_one.histogram)


def test_progress_goes_forward_to_the_size_of_all_files(options):
    calls = []
    read_results(example_files(), options, progress=lambda done, total, name: calls.append((done, total, name)))
    total = sum(path.stat().st_size for path in example_files())
    assert calls, "progress was never reported"
    assert [done for done, _, _ in calls] == sorted(done for done, _, _ in calls)
    assert {t for _, t, _ in calls} == {total}
    assert calls[-1][0] == total
    assert {name for _, _, name in calls} == {path.name for path in example_files()}


def test_the_first_bad_file_in_the_given_order_is_named(options, tmp_path):
    files = []
    for name in ("a.csv", "b.csv", "c.csv"):
        path = tmp_path / name
        path.write_text("year,assessment,subject,grade,school_id,mark\n2025,ВПР,Математика,5,s1,2\n", encoding="utf-8")
        files.append(path)
    files[1].write_text("year,assessment,subject,grade,school_id,mark\n2025,ВПР,Математика,5,s1,семь\n", encoding="utf-8")
    files[2].write_text("год;что-то\n1;2\n", encoding="utf-8")
    with pytest.raises(UserError) as caught:
        read_results(files, options)
    assert "b.csv" in str(caught.value)
    assert "семь" in str(caught.value)


def test_the_bar_shows_on_a_terminal_after_the_delay_and_not_under_quiet(monkeypatch, capsys):
    monkeypatch.setattr(progress_module, "DELAY", 0.0)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("TTY_INTERACTIVE", "1")
    with ReadingProgress(enabled=True) as progress:
        progress._timer.join()
        progress(50, 100, "vpr_2025.csv")
        progress._bar.refresh()
    shown = capsys.readouterr().err
    assert "Чтение: vpr_2025.csv" in shown
    assert "50 %" in shown

    with ReadingProgress(enabled=False) as progress:
        progress(50, 100, "vpr_2025.csv")
        progress(100, 100, "vpr_2025.csv")
    assert capsys.readouterr().err == ""
