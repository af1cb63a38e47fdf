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
    files[1].write_text("year,assessment,subject,grade,school_id,mark\n2025,ВПР,Математика,5,s1,семь\n",
                        encoding="utf-8")
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


def test_a_rules_error_comes_first_while_the_files_are_opened_ahead(tmp_path):
    """identify opens the input files before it has loaded anything else: a wrong rules file is still the error
    reported, the unreadable input after it is not, and no earlier output is touched."""
    from typer.testing import CliRunner

    from shnor.cli.app import app

    rules = tmp_path / "rules.yaml"
    rules.write_text("name: мои\nstatuses: [\n", encoding="utf-8")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    out = tmp_path / "out"
    out.mkdir()
    (out / "schools.csv").write_text("earlier", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["identify", *map(str, example_files()), str(broken), "--rules", str(rules), "--out", str(out), "--quiet"]
    )
    assert result.exit_code == 2
    assert "rules.yaml" in result.output
    assert "broken.xlsx" not in result.output
    assert (out / "schools.csv").read_text(encoding="utf-8") == "earlier"


def test_files_come_in_order_and_those_not_started_are_not_opened_after_leaving(tmp_path, monkeypatch):
    files = []
    for number in range(8):
        path = tmp_path / f"{number}.csv"
        path.write_text("year,assessment,subject,grade,school_id,mark\n2025,ВПР,Математика,5,s1,2\n", encoding="utf-8")
        files.append(path)
    opened = []
    real_open = ahead_module._open
    monkeypatch.setattr(ahead_module, "workers", lambda: 2)
    monkeypatch.setattr(ahead_module, "_open", lambda path: opened.append(path) or real_open(path))
    with ahead_module.ReadAhead(files) as ahead:
        handed = ahead.opened()
        first, second = next(handed).result(), next(handed).result()
    assert (first[0].path, second[0].path) == (files[0], files[1])
    assert set(opened) <= set(files[:4]), "only the files read and the two ahead of them are opened"


def test_the_bar_on_a_closed_stderr_goes_and_reading_goes_on(monkeypatch):
    """stderr a closed pipe that rich takes for a terminal (`FORCE_COLOR=1 shnor identify … 2>&1 >/dev/null | true`):
    the bar cannot start, and reading goes on without it — the run ended with «Внутренняя ошибка» and no output."""
    import errno
    import io
    import sys

    class Closed(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

        def flush(self) -> None:
            raise BrokenPipeError(errno.EPIPE, "Broken pipe")

    monkeypatch.setattr(progress_module, "DELAY", 0.0)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")
    monkeypatch.setenv("TTY_INTERACTIVE", "1")
    monkeypatch.setattr(sys, "stderr", Closed())
    with ReadingProgress(enabled=True) as progress:
        progress._timer.join()
        progress(50, 100, "vpr_2025.csv")
        progress(100, 100, "vpr_2025.csv")
    assert progress._bar is None
