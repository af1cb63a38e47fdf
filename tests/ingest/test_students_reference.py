"""``students.count_students`` and ``all_counted`` give exactly what the counting as first written gives
(tests/reference_students.py): the same counts, pairs and histogram, value for value, type for type and bit for
bit (sums of decimals in row order), on batches of participant rows with blank marks and scores, scores beyond the
scale, blank journal marks, ЕГЭ test scores, score bands and procedures without a scale."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from shnor.errors import UserError
from shnor.ingest import students
from shnor.ingest.base import ReadOptions
from shnor.ingest.scales import Scale, Scales
from tests import reference_students as reference

# (procedure, its scale or None); a Физика boundary one point above another: a score meets two of its six tests
PROCEDURES = [
    ((2025, "ВПР", "Русский язык", 4), Scale(38, 14, 24, 33)),  # journal pairs
    ((2025, "ВПР", "Математика", 5), Scale(20, 6, 10, 15)),  # journal pairs
    ((2025, "ОГЭ", "Русский язык", 9), Scale(33, 15, 22, 29)),
    ((2024, "ЕГЭ", "Русский язык", 11), None),  # a test score against the minimum
    ((2024, "ЕГЭ", "Математика (базовая)", 11), Scale(21, 7, 12, 17)),  # a primary score, marked by the scale
    ((2025, "ВПР", "История", 6), None),  # no scale: marks only
    ((2025, "ВПР", "Физика", 8), Scale(20.5, 6.5, 7.5, 15)),
    ((2001, "ЕГЭ", "Русский язык", 11), None),  # no ЕГЭ minimum known: only in the test of that error
]
MAXIMUM = [38, 20, 33, 100, 21, None, 20.5, 100]
OPTIONS = ReadOptions(scales=Scales({key: scale for key, scale in PROCEDURES if scale}),
                      bands=((0, 10), (5, 5), (11, 20), (61, 80), (81, 100)))
COLUMNS = ["year", "assessment", "subject", "grade", "school_id"]


def groups_of(procedure: np.ndarray, school: np.ndarray) -> students.Groups:
    keys = pd.DataFrame([(*PROCEDURES[p][0], f"s{s}") for p, s in zip(procedure, school)], columns=COLUMNS)
    keys = keys.astype({"year": "Int64", "grade": "Int64", "assessment": "string", "subject": "string",
                        "school_id": "string"})
    return students.Groups.of(keys, OPTIONS)


def batch(rng: np.random.Generator, rows: int, schools: int, journal: bool, odd: float = 0.0):
    """A batch every row of which is to be counted; ``odd``: the share of rows with something for ``all_counted``
    to refuse (a score above the maximum without a mark, a journal mark 3.5)."""
    procedure = rng.integers(0, len(PROCEDURES) - 1, rows)
    school = rng.integers(0, schools, rows)
    maximum = np.array([np.nan if m is None else m for m in MAXIMUM])[procedure]
    score = np.round(rng.uniform(-1, 1.15, rows) * np.nan_to_num(maximum, nan=40) * 2) / 2  # halves, some beyond
    kind = rng.random(rows)
    score[kind < 0.5] = np.round(score[kind < 0.5])
    tenths = kind > 0.8  # 12.3: no sum of these is exact, each depends on the order it is added in
    score[tenths] = np.round(score[tenths] + rng.uniform(0, 0.5, tenths.sum()), 1)
    mark = rng.integers(2, 6, rows).astype(float)
    # without a mark: a score within 0 and the maximum (not for the procedure without a scale)
    unmarked = (rng.random(rows) < 0.4) & ~np.isnan(maximum)
    mark[unmarked] = np.nan
    score[unmarked] = np.clip(np.abs(score[unmarked]), 0, maximum[unmarked])
    score[~unmarked & (rng.random(rows) < 0.2)] = np.nan  # a mark without a score
    score[rng.random(rows) < 0.02] = -0.0
    journal_marks = rng.integers(1, 6, rows).astype(float) if journal else None
    if journal:
        journal_marks[rng.random(rows) < 0.3] = np.nan
    if odd:
        strange = rng.random(rows) < odd
        score[strange & unmarked] = maximum[strange & unmarked] + 1
        if journal:
            journal_marks[strange & ~unmarked] = 3.5
    marks = rng.random() < 0.5
    return procedure, school, mark, score, journal_marks, marks


def assert_same(old: students.StudentAggregate, new: students.StudentAggregate) -> None:
    for part in ("counts", "pairs", "histogram"):
        a, b = getattr(old, part), getattr(new, part)
        pd.testing.assert_frame_equal(a, b, check_exact=True)
        for column in a.columns:  # bit for bit: sums of decimals in the same order
            x, y = a[column].array, b[column].array
            data = (x._data, y._data) if hasattr(x, "_data") else (np.asarray(x), np.asarray(y))
            if data[0].dtype.kind == "f":
                known = ~np.asarray(a[column].isna())
                assert np.array_equal(data[0][known].view(np.int64), data[1][known].view(np.int64)), (part, column)


def compare(procedure, school, mark, score, journal, marks) -> None:
    groups = groups_of(procedure, school)
    rows = range(2, 2 + len(mark))
    counted = reference.all_counted(groups, mark, score, journal)
    assert students.all_counted(groups, mark, score, journal) == counted
    if not counted:
        return
    arguments = (groups, mark, score, journal, rows, None, OPTIONS)
    old = reference.count_students(*arguments, marks=marks)
    assert_same(old, students.count_students(*arguments, marks=marks))


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 60), st.integers(1, 6), st.booleans(),
       st.sampled_from([0.0, 0.0, 0.05]))
@example(0, 0, 1, True, 0.0)  # no row at all (a batch whose every row was left out)
def test_small_batches_counted_as_before(seed, rows, schools, journal, odd):
    compare(*batch(np.random.default_rng(seed), rows, schools, journal, odd))


@pytest.mark.parametrize("seed", range(4))
def test_large_batches_counted_as_before(seed, monkeypatch):
    """Thousands of rows and keys: the histogram's (key, test) counted by tables or, with keys many and rows near a
    boundary few, by a hash; what is made a block of rows at a time, in blocks of 1000 rows and of all of them."""
    if seed % 2:
        monkeypatch.setattr(students, "_BLOCK", 1000)
    rng = np.random.default_rng(seed)
    compare(*batch(rng, 20_000, [5, 3000, 400, 60][seed], journal=seed != 1))


def test_every_row_alike():
    """Every row with a mark, a score and a journal mark (no copy of keys and scores), then none with a score or a
    journal mark, then every row a score alone, then every row an ЕГЭ test score."""
    rng = np.random.default_rng(7)
    procedure, school, mark, score, journal, _ = batch(rng, 3000, 40, journal=True)
    mark = rng.integers(2, 6, 3000).astype(float)
    score = np.round(rng.uniform(0, 20, 3000))
    journal = rng.integers(1, 6, 3000).astype(float)
    compare(procedure, school, mark, score, journal, True)
    compare(procedure, school, mark, np.full(3000, np.nan), np.full(3000, np.nan), True)
    compare(procedure, school, mark, np.full(3000, np.nan), None, False)
    scaled = procedure != 5
    compare(procedure[scaled], school[scaled], np.full(scaled.sum(), np.nan), score[scaled], None, False)
    ege = np.full(3000, 3)  # every row an ЕГЭ test score
    compare(ege, school, np.full(3000, np.nan), np.round(rng.uniform(0, 100, 3000)), None, False)


def test_marks_not_whole_counted_a_mark_at_a_time():
    """A mark other than 2–5 (no reader gives one): counted a mark and a comparison at a time, as before."""
    rng = np.random.default_rng(3)
    procedure, school, mark, score, journal, _ = batch(rng, 2000, 30, journal=True)
    mark[::7] = 3.5
    compare(procedure, school, mark, score, journal, False)


@pytest.mark.parametrize(("procedure", "named"), [([0, 5, 5], "строка 11"), ([3, 7, 7], "строка 11"),
                                                  ([7, 7, 7], "строка 10")])
def test_procedure_without_scale_or_minimum_named_as_before(procedure, named):
    """A score without a mark where the procedure has no scale, an ЕГЭ test score without a minimum: the first such
    row is named, as before."""
    groups = groups_of(np.array(procedure), np.zeros(3, dtype=int))
    mark, score = np.array([3.0, np.nan, np.nan]), np.array([10.0, 12.0, 11.0])
    if procedure[0] == 7:
        mark[0] = np.nan
    messages = []
    for module in (reference, students):
        with pytest.raises(UserError) as error:
            module.count_students(groups, mark, score, None, range(10, 13), _Source(), OPTIONS)
        messages.append(str(error.value))
    assert messages[0] == messages[1] and messages[0].startswith(named)


class _Source:
    def place(self, row=None, column=None):
        return f"строка {row}"


def test_first_and_count_by_tables_and_by_hash():
    rng = np.random.default_rng(5)
    code = rng.integers(0, 50, 3000)
    row = np.sort(rng.choice(100_000, 3000, replace=False))
    by_table = students._first_and_count(code, row, 50)
    by_hash = students._first_and_count(code, row, 10**6)
    numbers, _ = pd.factorize(code)
    firsts = np.unique(numbers, return_index=True)[1]
    for firsts_rows, counts in (by_table, by_hash):
        assert np.array_equal(firsts_rows, row[firsts])
        assert np.array_equal(counts, np.bincount(numbers))


@pytest.mark.parametrize("where", [0, 999, 1000, 4_000])
def test_journal_mark_not_whole_found_in_any_block(where, monkeypatch):
    """A journal mark 3.5 in any block of rows is found, as before."""
    monkeypatch.setattr(students, "_BLOCK", 1000)
    procedure, school, mark, score, journal, _ = batch(np.random.default_rng(11), 4_001, 30, journal=True)
    groups = groups_of(procedure, school)
    assert students.all_counted(groups, mark, score, journal)
    journal[where] = 3.5
    assert not students.all_counted(groups, mark, score, journal)
    assert not reference.all_counted(groups, mark, score, journal)
