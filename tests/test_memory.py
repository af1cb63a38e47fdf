"""Memory kept while reading and given back after (``shnor.memory``): the C library's thresholds are raised for the
reading and lowered again however it ends; without the GNU C library nothing is called."""

from __future__ import annotations

import sys

import pandas as pd
import pytest

from shnor import memory


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def mallopt(self, parameter: int, value: int) -> int:
        self.calls.append(("mallopt", parameter, value))
        return 1

    def malloc_trim(self, pad: int) -> int:
        self.calls.append(("malloc_trim", pad))
        return 1


RAISED = [("mallopt", -3, 32 << 20), ("mallopt", -1, 1 << 30), ("mallopt", -2, 64 << 20)]
LOWERED = [("mallopt", -1, 64 << 20), ("mallopt", -2, 128 << 10)]


def test_thresholds_are_raised_while_reading_and_lowered_after(monkeypatch):
    libc = Recorder()
    monkeypatch.setattr(memory, "_libc", lambda: libc)
    with memory.reusing_freed():
        assert libc.calls == RAISED
    assert libc.calls == RAISED + LOWERED


def test_thresholds_are_lowered_when_reading_stops_with_an_error(monkeypatch):
    libc = Recorder()
    monkeypatch.setattr(memory, "_libc", lambda: libc)
    with pytest.raises(ValueError), memory.reusing_freed():
        raise ValueError
    assert libc.calls == RAISED + LOWERED


def test_without_the_gnu_c_library_nothing_is_called(monkeypatch):
    monkeypatch.setattr(sys, "platform", "win32")
    assert memory._libc() is None
    with memory.reusing_freed():
        pass
    memory.give_back()  # the Arrow pool alone


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the GNU C library")
def test_the_c_library_takes_the_thresholds():
    libc = memory._libc()
    if libc is None:
        pytest.skip("not the GNU C library")
    assert libc.mallopt(-3, 32 << 20) == 1  # the largest mmap threshold the library accepts
    with memory.reusing_freed():
        pass


def test_a_small_run_keeps_what_its_stages_free_and_a_big_one_gives_it_back(monkeypatch):
    """``identify`` trims between its stages only from ``GIVE_BACK_FROM`` counts rows (a country): a region's
    stages reuse what the one before freed instead of faulting it in again; the report is the same either way."""
    from shnor.cube import Cube
    from shnor.report import build
    from tests.conftest import EXAMPLES, TODAY

    libc = Recorder()
    monkeypatch.setattr(memory, "_libc", lambda: libc)
    small = Cube(pd.DataFrame({"year": range(3)}), pd.DataFrame())
    big = Cube(pd.DataFrame({"year": range(memory.GIVE_BACK_FROM)}), pd.DataFrame())
    build._giving_back(small)()
    assert libc.calls == []
    build._giving_back(big)()
    assert libc.calls == [("malloc_trim", 0)]
    request = build.IdentifyRequest(inputs=[EXAMPLES / "region"], scales=EXAMPLES / "scales.csv", today=TODAY)
    kept = build.identify(request).to_json()
    monkeypatch.setattr(memory, "GIVE_BACK_FROM", 0)
    libc.calls.clear()
    assert build.identify(request).to_json() == kept
    assert libc.calls.count(("malloc_trim", 0)) >= 5


def test_reading_a_region_trims_nothing_and_a_country_sized_read_gives_back(monkeypatch):
    """Reading gives memory back only where there is much of it: what the batches freed, before a country's cube is
    joined (``GIVE_BACK_FROM`` counts rows), and a pooled column of a megabyte or more (``_TRIM_FROM``). A region's
    50 pooled columns of a few hundred kilobytes were trimmed one by one — each trim walked the heap and the next
    column faulted the pages in again (10 ms of reading a region's CSV). The cube is the same either way."""
    from shnor import _grouping
    from shnor.ingest import reading
    from shnor.ingest.base import ReadOptions
    from shnor.ingest.scales import load_scales
    from tests.conftest import EXAMPLES

    libc = Recorder()
    monkeypatch.setattr(memory, "_libc", lambda: libc)
    options = ReadOptions(scales=load_scales(EXAMPLES / "scales.csv"))
    files = sorted((EXAMPLES / "region").rglob("*.csv"))
    kept, _ = reading.read_results(files, options)
    assert ("malloc_trim", 0) not in libc.calls
    # once, before the cube; after every pooled column
    for module, threshold, trimmed in ((memory, "GIVE_BACK_FROM", lambda found: found == 1),
                                       (_grouping, "_TRIM_FROM", lambda found: found > 10)):
        with monkeypatch.context() as patched:
            patched.setattr(module, threshold, 0)
            libc.calls.clear()
            given, _ = reading.read_results(files, options)
        found = libc.calls.count(("malloc_trim", 0))
        assert trimmed(found), (threshold, found)
        pd.testing.assert_frame_equal(given.counts, kept.counts)
        pd.testing.assert_frame_equal(given.schools, kept.schools)
