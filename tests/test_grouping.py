"""The cube's grouping engine (``shnor._grouping``) against the plain pandas it stands for, on generated frames:
the same pooled rows, types and order, and every row sent to the same pooled row (pairs and histograms follow their
counts by it); score bands pool through it like any count; the engine leaves its frame as it was."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shnor._grouping import grouped_sum, reference_grouped_sum
from shnor.cube import KEYS, CubePart, PartKind, band_column, build_cube, empty_schools, pool_counts

SETTINGS = settings(max_examples=150, deadline=None)

maybe = st.one_of(st.none(), st.integers(0, 40))
row = st.tuples(
    st.sampled_from([2024, 2025, None]),
    st.sampled_from(["ВПР", "ОГЭ"]),
    st.sampled_from(["Математика", "Русский язык", None]),
    st.sampled_from([4, 5, 9]),
    st.sampled_from(["sch1", "sch2", "sch10", None]),
    maybe,  # participants
    maybe,  # a band's count
    st.one_of(st.none(), st.floats(0, 100, allow_nan=False)),  # a score sum
    st.one_of(st.none(), st.integers(10, 40)),  # the maximum score
)
BAND = band_column(61, 80)


def frame_of(rows: list[tuple]) -> pd.DataFrame:
    columns = zip(*rows) if rows else [()] * 9
    year, assessment, subject, grade, school, participants, band, score_sum, max_score = columns
    return pd.DataFrame({
        "year": pd.array(year, dtype="Int64"),
        "assessment": pd.array(assessment, dtype="string"),
        "subject": pd.array(subject, dtype="string"),
        "grade": pd.array(grade, dtype="Int64"),
        "school_id": pd.array(school, dtype="string"),
        "participants": pd.array(participants, dtype="Int64"),
        BAND: pd.array(band, dtype="Int64"),
        "score_sum": pd.array(score_sum, dtype="Float64"),
        "max_score": pd.array(max_score, dtype="Float64"),
    })


@SETTINGS
@given(rows=st.lists(row, max_size=40), sort=st.booleans())
def test_the_engine_pools_as_pandas_does(rows, sort):
    frame = frame_of(rows)
    before = frame.copy()
    sums, maxima = ["participants", BAND, "score_sum"], ["max_score"]
    pooled, where = grouped_sum(frame, KEYS, sums, maxima, sort=sort)
    expected, expected_where = reference_grouped_sum(frame, KEYS, sums, maxima, sort=sort)
    pd.testing.assert_frame_equal(pooled, expected)
    assert where.tolist() == expected_where.tolist()
    pd.testing.assert_frame_equal(frame, before)  # the engine's argument is left as it was


@SETTINGS
@given(keys=st.lists(st.tuples(st.integers(0, 5), st.sampled_from([1.0, 2.0, 2.5, 7.0])), max_size=60))
def test_the_engine_numbers_pairs_and_histograms_as_pandas_does(keys):
    frame = pd.DataFrame({"key": np.array([k for k, _ in keys], dtype=np.int64),
                          "score": np.array([s for _, s in keys], dtype=float),
                          "count": np.ones(len(keys), dtype=np.int64)})
    pooled, where = grouped_sum(frame, ["key", "score"], ["count"])
    expected, expected_where = reference_grouped_sum(frame, ["key", "score"], ["count"])
    pd.testing.assert_frame_equal(pooled, expected)
    assert where.tolist() == expected_where.tolist()


@pytest.mark.parametrize("sort", [False, True])
def test_a_key_given_once_is_kept_as_it_is(sort):
    frame = frame_of([(2025, "ВПР", "Математика", 4, "sch2", 3, None, 1.5, 20),
                      (2024, "ВПР", "Математика", 4, "sch1", 2, 1, None, 20)])
    pooled, where = pool_counts(frame, sort=sort)
    expected, expected_where = reference_grouped_sum(frame, KEYS, ["participants", BAND, "score_sum"], ["max_score"],
                                                     sort)
    pd.testing.assert_frame_equal(pooled, expected)
    assert where.tolist() == expected_where.tolist()


def part(rows: list[tuple], bands: dict[str, list]) -> CubePart:
    counts = pd.DataFrame(rows, columns=[*KEYS, "participants", "n2", "n3", "n4", "n5"])
    for column, values in bands.items():
        counts[column] = pd.array(values, dtype="Int64")
    return CubePart(counts, empty_schools(), "файл", PartKind.STUDENTS)


def test_score_bands_pool_across_parts_that_count_different_bands():
    key = (2025, "ЕГЭ", "История", 11, "sch1")
    first = part([(*key, 10, 0, 0, 0, 0)], {band_column(61, 80): [4]})
    second = part([(*key, 5, 0, 0, 0, 0)], {band_column(61, 80): [1], band_column(81, 100): [2]})
    parts = [first, second]
    cube = build_cube(parts)
    pooled = cube.counts.iloc[0]
    assert (pooled["participants"], pooled[band_column(61, 80)], pooled[band_column(81, 100)]) == (15, 5, 2)
    assert len(first.counts) == 1 and len(second.counts) == 1  # the parts are the reader's: build_cube leaves them
