"""The stages that group a country's rows by integer codes (issue 18) agree exactly with the groupby and merge of the
text keys they replaced (tests/reference_report.py): the markers' journal gaps and rises of «2», the aggregates, the
overview and the schools' dynamics — on random small cubes with missing counts, schools outside the school table,
procedures without participants, years with nothing, and on no rows at all."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shnor.cube import Cube
from shnor.indicators import objectivity as obj
from shnor.indicators.dynamics import school_dynamics
from shnor.indicators.shares import Window, procedures
from shnor.report import sections
from tests import reference_report

SUBJECTS = ["Русский язык", "Математика", "Биология", "История"]
TOWNS = ["Бор", "Ёлкино", "Арск", ""]


def _maybe(random: np.random.Generator, values: np.ndarray, missing: float) -> pd.array:
    return pd.array([None if random.random() < missing else int(v) for v in values], dtype="Int64")


def random_cube(seed: int, rows: int = 160) -> tuple[Cube, pd.DataFrame]:
    random = np.random.default_rng(seed)
    keys = {(int(random.choice([2022, 2023, 2024, 2025])), str(random.choice(["ВПР", "ОГЭ"])),
             str(random.choice(SUBJECTS)), int(random.choice([4, 5, 9])), f"s{random.integers(0, 14)}")
            for _ in range(rows)}
    frame = pd.DataFrame(sorted(keys), columns=["year", "assessment", "subject", "grade", "school_id"])
    size = len(frame)
    participants = random.integers(0, 40, size)
    frame = frame.astype({"year": "Int64", "grade": "Int64", "assessment": "string[pyarrow]",
                          "subject": "string[pyarrow]", "school_id": "string[pyarrow]"})
    frame["participants"] = _maybe(random, participants, 0.05)
    frame["fail"] = _maybe(random, random.integers(0, participants + 1), 0.15)
    frame["high"] = _maybe(random, random.integers(0, participants + 1), 0.3)
    frame.loc[frame["participants"].isna(), ["fail", "high"]] = pd.NA  # counts without participants: no shares
    for column in ("lowered", "confirmed", "raised", "journal_gap2"):
        frame[column] = _maybe(random, random.integers(0, 8, size), 0.4)
    for column in ("score_n", "mark3", "mark4", "mark5"):
        frame[column] = pd.array([None] * size, dtype="Float64")
    # s12 and s13 have rows but no line in the school table; s0–s11 have one (s11 without rows: an empty group)
    schools = pd.DataFrame({"school_id": [f"s{i}" for i in range(12)], "school_name": "",
                            "municipality": [TOWNS[i % len(TOWNS)] for i in range(12)]}).astype("string")
    return Cube(frame, schools[["school_id", "school_name", "municipality"]]), schools


SEEDS = range(6)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("year", [2025, 2024, 2030])
def test_markers_as_the_merge_of_text_keys(seed, year):
    cube, schools = random_cube(seed)
    index = pd.Index(schools["school_id"], name="school_id")
    histogram = pd.DataFrame({"key": np.array([], dtype=np.int64), "score": [], "count": []})
    found, found_details = obj.markers(cube.counts, histogram, index, year)
    expected, expected_details = reference_report.markers(cube.counts, histogram, index, year)
    pd.testing.assert_frame_equal(found, expected)
    assert found_details == expected_details and list(found_details) == list(expected_details)


def test_markers_of_no_rows():
    cube, schools = random_cube(0)
    counts = cube.counts.iloc[:0]
    index = pd.Index(schools["school_id"], name="school_id")
    histogram = pd.DataFrame({"key": np.array([], dtype=np.int64), "score": [], "count": []})
    found, details = obj.markers(counts, histogram, index, 2025)
    pd.testing.assert_frame_equal(found, reference_report.markers(counts, histogram, index, 2025)[0])
    assert details == {} and found["fail_rise"].tolist() == [0] * len(index)


def _window(cube: Cube, years: tuple[int, ...]) -> pd.DataFrame:
    return procedures(cube, Window(years))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("years", [(2024, 2025), (2025,), (2022, 2023, 2024, 2025)])
@pytest.mark.parametrize("plain", [False, True])
def test_aggregates_and_overview_as_groupby_of_text_keys(seed, years, plain):
    cube, schools = random_cube(seed)
    frame = _window(cube, years)
    if plain:  # counts as numpy decimals with NaN (read-only arrays under copy-on-write), not Int64
        frame = frame.astype(dict.fromkeys(["participants", "fail", "high"], float))
    assert sections.aggregates(frame, schools) == reference_report.aggregates(frame, schools)
    assert sections.overview(frame, schools, list(years)) == reference_report.overview(frame, schools, list(years))


def test_aggregates_and_overview_of_no_rows():
    cube, schools = random_cube(1)
    frame = _window(cube, (2025,)).iloc[:0]
    assert sections.aggregates(frame, schools) == reference_report.aggregates(frame, schools) == []
    assert sections.overview(frame, schools, [2025]) == reference_report.overview(frame, schools, [2025])


def test_overview_of_another_window_of_the_same_schools():
    """The cells are remembered for the frame they were made of: another frame is counted anew."""
    cube, schools = random_cube(2)
    for years in ((2024, 2025), (2025,)):
        frame = _window(cube, years)
        assert sections.aggregates(frame, schools) == reference_report.aggregates(frame, schools)
        assert sections.overview(frame, schools, list(years)) == reference_report.overview(frame, schools, list(years))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("years", [(2024, 2025), (2025,), (2023,)])
def test_school_dynamics_as_groupby_of_text_keys(seed, years):
    cube, schools = random_cube(seed)
    index = pd.Index(schools["school_id"], name="school_id")
    window = Window(years)
    assert school_dynamics(cube, window, index) == reference_report.school_dynamics(cube, window, index)


def test_the_cells_remembered_for_the_overview_go_with_their_window(monkeypatch):
    """The aggregates' cells, kept for the overview of the same window, are let go with that window (a country's:
    tens of megabytes, otherwise held to the end of the run while the schools' objects are made)."""
    import gc
    import weakref

    made = []
    original = sections._make_cells
    monkeypatch.setattr(sections, "_make_cells", lambda *args: made.append(original(*args)) or made[-1])
    cube, schools = random_cube(3)
    frame = _window(cube, (2024, 2025))
    assert sections.aggregates(frame, schools) == reference_report.aggregates(frame, schools)
    assert sections.overview(frame, schools, [2024, 2025]) == reference_report.overview(frame, schools, [2024, 2025])
    assert len(made) == 1  # made once for both
    cells = weakref.ref(made.pop())
    del frame
    gc.collect()
    assert cells() is None
