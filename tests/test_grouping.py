"""The cube's grouping engine (``shnor._grouping``) against the plain pandas it stands for, on generated frames:
the same pooled rows, types and order, and every row sent to the same pooled row (pairs and histograms follow their
counts by it); score bands pool through it like any count; the engine leaves its frame as it was."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shnor._grouping import RunningSum, grouped_sum, reference_grouped_sum
from shnor.cube import KEYS, Batches, CubePart, PartKind, band_column, build_cube, empty_schools, pool_counts

SETTINGS = settings(max_examples=150, deadline=None)
FEWER = settings(max_examples=40, deadline=None)  # examples of many rows each

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


# --- the running sum: batches folded one by one give what their concatenation pooled gives -----------------------

batch_rows = st.lists(st.lists(row, max_size=12), max_size=5)


class SmallBlocks(RunningSum):
    _BLOCK = 3  # a batch's rows fall into several blocks, old and new


class FewRuns(SmallBlocks):
    _RUNS = 2  # the runs of pooled keys are merged from the second on


class GrowingBlocks(RunningSum):
    _BLOCK, _FIRST = 8, 1  # the last block grows (1, 2, 4, 8 rows) as rows come, and is whole when another follows


KINDS = pytest.mark.parametrize("kind", [RunningSum, SmallBlocks, FewRuns, GrowingBlocks],
                                ids=["blocks of 2^18", "blocks of 3", "blocks of 3, runs merged",
                                     "blocks growing to 8"])


def assert_folded_as_concatenated(kind, frames: list[pd.DataFrame], sort: bool) -> pd.DataFrame | None:
    """``frames`` folded one by one into a ``kind`` of RunningSum pool as their concatenation does: the same rows in
    the same order, the same sums to the last bit, and each batch row's pooled row. The pooled rows (None for no
    frames)."""
    sums, maxima = ["participants", BAND, "score_sum"], ["max_score"]
    running = kind(KEYS, sums, maxima)
    where = [running.add(frame) for frame in frames]
    if not frames:
        return None
    expected, expected_where = reference_grouped_sum(pd.concat(frames, ignore_index=True), KEYS, sums, maxima, sort)
    pooled, place = running.frame(sort=sort)
    pd.testing.assert_frame_equal(pooled, expected, check_exact=True)
    assert place[np.concatenate(where)].tolist() == expected_where.tolist()
    return pooled


@KINDS
@SETTINGS
@given(batches=batch_rows, sort=st.booleans())
def test_batches_folded_one_by_one_pool_as_their_concatenation_does(kind, batches, sort):
    assert_folded_as_concatenated(kind, [frame_of(rows) for rows in batches if rows], sort)


def test_float_sums_in_blocks_run_in_the_order_of_the_rows_to_the_last_bit():
    key, other = (2025, "ВПР", "Математика", 4, "sch1"), (2025, "ВПР", "Математика", 4, "sch2")
    first = frame_of([(*key, 1, None, 0.1, None)] + [(*other[:4], f"s{n}", 1, None, 1.0, None) for n in range(5)])
    second = frame_of([(*key, 1, None, 0.2, None), (*other[:4], "s9", 1, None, 0.5, 7), (*key, 1, None, 0.3, 20)])
    running = SmallBlocks(KEYS, ["participants", "score_sum"], ["max_score"])
    running.add(first), running.add(second)
    expected, _ = grouped_sum(pd.concat([first, second], ignore_index=True), KEYS, ["participants", "score_sum"],
                              ["max_score"])
    pd.testing.assert_frame_equal(running.frame()[0], expected, check_exact=True)
    assert expected["score_sum"].iloc[0] == 0.1 + 0.2 + 0.3  # the order of the rows, not 0.1 + (0.2 + 0.3)


def test_float_sums_run_in_the_order_of_the_rows_to_the_last_bit():
    # 0.1 + 0.2 + 0.3 differs from 0.1 + (0.2 + 0.3): a key met twice in one batch is added row by row
    key = (2025, "ВПР", "Математика", 4, "sch1")
    first = frame_of([(*key, 1, None, 0.1, None)])
    second = frame_of([(*key, 1, None, 0.2, None), (*key, 1, None, 0.3, 20)])
    running = RunningSum(KEYS, ["participants", "score_sum"], ["max_score"])
    running.add(first), running.add(second)
    expected, _ = grouped_sum(pd.concat([first, second], ignore_index=True), KEYS, ["participants", "score_sum"],
                              ["max_score"])
    assert running.frame()[0]["score_sum"].tolist() == expected["score_sum"].tolist() == [0.1 + 0.2 + 0.3]


def test_keys_that_outgrow_their_bits_are_packed_anew():
    frames = [frame_of([(2025, "ВПР", "Математика", 4, f"sch{n}", 1, None, None, None) for n in range(start, 40)]
                       + [(2024, "ОГЭ", "Русский язык", 9, "sch0", 2, 1, 1.5, 33)]) for start in (39, 30, 0)]
    running = RunningSum(KEYS, ["participants", BAND, "score_sum"], ["max_score"])
    where = [running.add(frame) for frame in frames]
    expected, expected_where = grouped_sum(pd.concat(frames, ignore_index=True), KEYS,
                                           ["participants", BAND, "score_sum"], ["max_score"])
    pd.testing.assert_frame_equal(running.frame()[0], expected, check_exact=True)
    assert np.concatenate(where).tolist() == expected_where.tolist()


@SETTINGS
@given(rows=st.lists(row, max_size=30))
def test_rows_already_in_order_are_taken_as_they_are(rows):
    """A frame sorted by its keys, each once (a file's part): the engine finds it so and gives what sorting gives."""
    frame = frame_of(rows).drop_duplicates(KEYS).sort_values(KEYS).reset_index(drop=True)
    sums, maxima = ["participants", BAND, "score_sum"], ["max_score"]
    pooled, where = grouped_sum(frame, KEYS, sums, maxima, sort=True)
    expected, expected_where = reference_grouped_sum(frame, KEYS, sums, maxima, sort=True)
    pd.testing.assert_frame_equal(pooled, expected, check_exact=True)
    assert where.tolist() == expected_where.tolist()


def sorted_part(part: CubePart) -> CubePart:
    order = part.counts.sort_values(KEYS, kind="stable").index.to_numpy()
    place = np.empty(len(order), dtype=np.int64)
    place[order] = np.arange(len(order))
    moved = [None if f is None else f.assign(key=place[f["key"].to_numpy()]) for f in (part.pairs, part.histogram)]
    return CubePart(part.counts.take(order).reset_index(drop=True), part.schools, part.source, part.kind, *moved)


@SETTINGS
@given(batches=batch_rows, odd=st.integers(0, 5))
def test_running_batches_make_the_part_that_kept_batches_make(batches, odd):
    """``Batches(running=True)`` against ``Batches()``: the same counts (sorted by the keys when every batch ran),
    pairs and histogram; a batch of other columns (here: without the band) is kept as it is and pooled with the
    running rows."""
    frames = [frame_of(rows) for rows in batches if rows]
    if odd < len(frames):
        frames[odd] = frames[odd].drop(columns=BAND)
    made = []
    for running in (True, False):
        batches_ = Batches(running=running)
        for frame in frames:
            key = np.arange(len(frame)) % max(len(frame), 1)
            pairs = pd.DataFrame({"key": key, "score": np.arange(len(frame), dtype=float),
                                  "journal": np.ones(len(frame))})
            batches_.add(frame, pairs, pairs.rename(columns={"journal": "count"}))
        made.append(batches_.part(empty_schools(), "файл", PartKind.STUDENTS))
        if not running or odd < len(frames):  # kept batches: pooled in order of first appearance
            made[-1] = sorted_part(made[-1])
    running, kept = made
    pd.testing.assert_frame_equal(running.counts, kept.counts, check_exact=True)
    for found, expected in ((running.pairs, kept.pairs), (running.histogram, kept.histogram)):
        if expected is None:
            assert found is None
        else:
            pd.testing.assert_frame_equal(found, expected)


def test_a_column_no_batch_has_a_value_in_pools_as_the_concatenation_does():
    # a country's journal counts: missing in every row of every batch, kept missing without being added up
    frames = [frame_of([(2025, "ВПР", "Математика", 4, f"sch{n}", 1, None, None, None) for n in range(start, 9)])
              for start in (5, 0)]
    frames.append(frame_of([(2024, "ОГЭ", "Русский язык", 9, "sch0", 2, None, 1.5, None)]))
    sums, maxima = ["participants", BAND, "score_sum"], ["max_score"]
    for sort in (False, True):
        running = SmallBlocks(KEYS, sums, maxima)
        for frame in frames:
            running.add(frame)
        expected, _ = reference_grouped_sum(pd.concat(frames, ignore_index=True), KEYS, sums, maxima, sort=sort)
        pooled, _ = running.frame(sort=sort)
        pd.testing.assert_frame_equal(pooled, expected, check_exact=True)
        assert pooled[BAND].isna().all() and pooled["max_score"].isna().all()
        assert pooled["score_sum"].notna().sum() == 1


# --- the running sum on a country's shape: schools widening the key, batches cutting a school, integer keys ---------

wide_row = st.tuples(
    st.sampled_from([2024, 2025, None]),
    st.sampled_from(["ВПР", "ОГЭ"]),
    st.sampled_from(["Математика", None]),
    st.sampled_from([4, 9]),
    st.one_of(st.none(), st.integers(0, 600).map(lambda n: f"sch{n}")),  # many schools: their column widens
    maybe,
    maybe,
    st.one_of(st.none(), st.floats(0, 100, allow_nan=False)),
    st.one_of(st.none(), st.integers(10, 40)),
)


@KINDS
@FEWER
@given(batches=st.lists(st.lists(wide_row, max_size=40), max_size=10), sort=st.booleans())
def test_many_batches_of_many_schools_pool_as_their_concatenation_does(kind, batches, sort):
    """Keys repeated within a batch and across batches, missing keys, a school column that outgrows its bits (and
    the spare ones) batch after batch: the same pooled rows, in the same order, with the same sums."""
    assert_folded_as_concatenated(kind, [frame_of(rows) for rows in batches if rows], sort)


@pytest.mark.parametrize("kind", [RunningSum, FewRuns], ids=["as it is", "runs merged"])
@settings(max_examples=25, deadline=None)
@given(cuts=st.lists(st.integers(1, 400), min_size=1, max_size=8), shuffled=st.randoms(use_true_random=False))
def test_batches_cut_school_by_school_pool_as_their_concatenation_does(kind, cuts, shuffled):
    """A country's layout: participant rows school by school, each batch's counts procedure by procedure, and a
    school's counts in two batches where the batch boundary cuts it; the schools of the next batches are new."""
    procedures = [(2024, "ВПР", "Математика", 4), (2024, "ВПР", "Русский язык", 4), (2024, "ОГЭ", "Математика", 9)]
    schools = [f"sch{n}" for n in range(150)]
    keys = [(school, procedure) for school in schools for procedure in procedures]
    bounds = sorted({min(cut, len(keys)) for cut in cuts} | {len(keys)})
    frames, start = [], 0
    for end in bounds:
        chunk = keys[max(start - 1, 0):end]  # a batch begins with the school the one before ended with
        chunk.sort(key=lambda key: procedures.index(key[1]))  # counts by procedure, schools in order within it
        if shuffled.random() < 0.3:
            shuffled.shuffle(chunk)
        frames.append(frame_of([(*procedure, school, 1, None, 0.1 * len(school), 20) for school, procedure in chunk]))
        start = end
    assert len(assert_folded_as_concatenated(kind, frames, sort=False)) == len(keys)


@KINDS
@FEWER
@given(batches=st.lists(st.lists(st.tuples(st.integers(-3, 3000), st.sampled_from([1.0, 2.5, 7.0]),
                                           st.integers(0, 5)), max_size=30), min_size=1, max_size=8))
def test_integer_keys_pool_as_their_concatenation_does(kind, batches):
    frames = [pd.DataFrame({"key": np.array([k for k, _, _ in rows], dtype=np.int64),
                            "score": np.array([s for _, s, _ in rows], dtype=float),
                            "count": np.array([c for _, _, c in rows], dtype=np.int64)}) for rows in batches if rows]
    if not frames:
        return
    running = kind(["key", "score"], ["count"])
    where = [running.add(frame) for frame in frames]
    expected, expected_where = reference_grouped_sum(pd.concat(frames, ignore_index=True), ["key", "score"],
                                                     ["count"])
    pooled, place = running.frame()
    pd.testing.assert_frame_equal(pooled, expected, check_exact=True)
    assert place[np.concatenate(where)].tolist() == expected_where.tolist()


def test_a_column_that_outgrows_its_spare_bits_is_packed_anew_and_spares_give_way_near_64_bits():
    from shnor._grouping import _widened

    assert _widened([0, 0], [2, 1]) == [5, 4]  # three spare bits each
    assert _widened([5, 4], [6, 1]) == [9, 4]
    assert _widened([20, 20], [30, 20]) == [33, 20]
    assert _widened([33, 20], [40, 20]) == [40, 20]  # no room for spares: what is needed, the other column as it was
    assert _widened([40, 22], [41, 20]) == [41, 20]  # nor for the other's: each column what it needs
    frames = [frame_of([(2025, "ВПР", "Математика", 4, f"sch{n}", 1, None, 0.5, None) for n in range(count)])
              for count in (2, 30, 700, 5)]
    running = FewRuns(KEYS, ["participants", "score_sum"], ["max_score"])
    where = [running.add(frame) for frame in frames]
    expected, expected_where = reference_grouped_sum(pd.concat(frames, ignore_index=True), KEYS,
                                                     ["participants", "score_sum"], ["max_score"])
    pd.testing.assert_frame_equal(running.frame()[0], expected, check_exact=True)
    assert np.concatenate(where).tolist() == expected_where.tolist()
