"""Documents rendered by a second process (``shnor.render.Beside``): the same files, the same errors, and the
documents rendered here when that process cannot start or dies."""

from __future__ import annotations

import pytest

from shnor import render
from shnor.render import DEFAULT_FORMATS, beside, render_all
from shnor.report.build import IdentifyRequest, identify
from shnor.report.model import Report
from tests.conftest import EXAMPLES, TODAY


@pytest.fixture(scope="module")
def report() -> Report:
    request = IdentifyRequest(
        inputs=[EXAMPLES / "region"], registry=EXAMPLES / "registry.csv", history=[EXAMPLES / "history_2024.csv"],
        scales=EXAMPLES / "scales.csv", today=TODAY,
    )
    return identify(request)


@pytest.fixture
def big(monkeypatch):
    """The example region counts as a big one, on two cores; how many processes were started is counted."""
    started = []
    start = render.start_process

    def counted():
        started.append(1)
        return start()

    monkeypatch.setattr(render, "BESIDE_FROM_ROWS", 0)
    monkeypatch.setattr("shnor.cores.usable", lambda: 2)
    monkeypatch.setattr(render, "start_process", counted)
    return started


def files(folder) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def rendered(report, folder, formats=DEFAULT_FORMATS, *, here: bool = False) -> tuple[list, dict[str, bytes]]:
    """The names written, in order, and the files; ``here``: no second process."""
    folder.mkdir()
    with pytest.MonkeyPatch.context() as patched:
        if here:
            patched.setattr(render, "BESIDE", ())
        written = render_all(report, folder, formats)
    return [path.name for path in written], files(folder)


def test_who_renders_beside(report, monkeypatch):
    assert report.procedures.rows < render.BESIDE_FROM_ROWS  # the example region: everything here
    assert beside(report, DEFAULT_FORMATS) == ()
    monkeypatch.setattr(render, "BESIDE_FROM_ROWS", 0)
    monkeypatch.setattr("shnor.cores.usable", lambda: 2)
    assert beside(report, DEFAULT_FORMATS) == ("indicators.xlsx",)
    assert beside(report, ("indicators.xlsx",)) == ()  # nothing to render meanwhile
    assert beside(report, ("appendix.docx", "cards.html")) == ()
    monkeypatch.setattr("shnor.cores.usable", lambda: 1)
    assert beside(report, DEFAULT_FORMATS) == ()


def test_a_second_process_writes_the_same_files_in_the_same_order(report, tmp_path, big):
    here = rendered(report, tmp_path / "here", here=True)
    assert not big
    two = rendered(report, tmp_path / "two")
    assert big == [1]
    assert two[0] == here[0]
    assert two[0][-1] == "indicators.xlsx" and len(two[1]) == 14
    assert two[1] == here[1]


def test_an_error_in_the_second_process_is_raised_as_it_would_be_here(report, tmp_path, big):
    def broken(name):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "indicators.xlsx").mkdir()  # the workbook cannot be written
        with pytest.raises(Exception) as caught:
            render_all(report, folder, DEFAULT_FORMATS)
        return type(caught.value), str(caught.value).replace(str(folder), "ПАПКА")

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(render, "BESIDE", ())
        here = broken("here")
    assert not big
    two = broken("two")
    assert big == [1]
    assert two == here
    assert "indicators.xlsx" in here[1]


def test_a_second_process_that_dies_leaves_its_documents_to_this_one(report, tmp_path, big, monkeypatch):
    from tests.support.dying import die

    here = rendered(report, tmp_path / "here", ("appendix.md", "indicators.xlsx"), here=True)
    monkeypatch.setattr(render, "task", lambda: die)
    two = rendered(report, tmp_path / "two", ("appendix.md", "indicators.xlsx"))
    assert big == [1]
    assert two == here


def test_no_second_process_where_one_cannot_start(report, tmp_path, big, monkeypatch):
    def refused():
        raise OSError(11, "Resource temporarily unavailable")

    here = rendered(report, tmp_path / "here", ("appendix.md", "indicators.xlsx"), here=True)
    monkeypatch.setattr(render, "start_process", refused)
    assert rendered(report, tmp_path / "two", ("appendix.md", "indicators.xlsx")) == here
