"""Property tests (hypothesis): the cube does not depend on row order, on how rows are split into files, on counts
given as percentages; the default criteria are monotone where the methodology is."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shnor.ingest.base import ReadOptions
from shnor.ingest.reading import read_results
from shnor.report.build import IdentifyRequest, identify
from tests.conftest import SCHOOL_HEADER, TODAY, school_row, write_table
from tests.support.layouts import RegionalVariant, make_region, write_regional_ege

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
COLUMNS = ["year", "assessment", "subject", "grade", "school_id", "participants", "fail", "high"]

procedure = st.tuples(
    st.sampled_from([2024, 2025]),
    st.sampled_from(["Русский язык", "Математика", "История"]),
    st.integers(4, 8),
    st.sampled_from(["s1", "s2", "s3"]),
)
counts = st.integers(1, 60).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n)).flatmap(
    lambda nf: st.tuples(st.just(nf[0]), st.just(nf[1]), st.integers(0, nf[0] - nf[1]))))


def cube_of(paths: list[Path]) -> list[tuple]:
    cube, _ = read_results(paths, ReadOptions())
    return sorted(tuple(None if pd.isna(v) else v for v in r) for r in cube.counts[COLUMNS].itertuples(index=False))


@SETTINGS
@given(table=st.dictionaries(procedure, counts, min_size=1, max_size=25), seed=st.integers(0, 10_000),
       parts=st.integers(1, 4))
def test_order_and_split_do_not_change_the_cube(table, seed, parts):
    rows = [school_row(school, year, "ВПР", subject, n, f, h, grade=grade)
            for (year, subject, grade, school), (n, f, h) in table.items()]
    with tempfile.TemporaryDirectory() as folder:
        whole = [write_table(Path(folder) / "whole.csv", SCHOOL_HEADER, rows)]
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)
        pieces = [write_table(Path(folder) / f"part{k}.csv", SCHOOL_HEADER, shuffled[k::parts], delimiter=";")
                  for k in range(parts) if shuffled[k::parts]]
        assert cube_of(whole) == cube_of(pieces)


@SETTINGS
@given(marks=st.lists(st.tuples(st.sampled_from(["a", "b"]), st.integers(2, 5)), min_size=1, max_size=120),
       chunks=st.integers(1, 5))
def test_participant_rows_split_over_files_add_up(marks, chunks):
    header = ["year", "assessment", "subject", "grade", "school_id", "mark"]
    rows = [[2025, "ВПР", "Математика", 5, school, mark] for school, mark in marks]
    with tempfile.TemporaryDirectory() as folder:
        whole = [write_table(Path(folder) / "all.csv", header, rows)]
        split = [write_table(Path(folder) / f"c{k}.csv", header, rows[k::chunks])
                 for k in range(chunks) if rows[k::chunks]]
        assert cube_of(whole) == cube_of(split)
        expected = {s: (sum(1 for x, _ in marks if x == s), sum(1 for x, m in marks if x == s and m == 2))
                    for s, _ in marks}
        assert {r[4]: (r[5], r[6]) for r in cube_of(whole)} == expected


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 1000))
def test_counts_and_percentages_give_the_same_cube(seed):
    region = make_region(seed=seed, schools_per_municipality=3)
    with tempfile.TemporaryDirectory() as folder:
        counted = write_regional_ege(region, Path(folder) / "ЕГЭ 2023 числа.xlsx", 2023, RegionalVariant())
        shares = write_regional_ege(region, Path(folder) / "ЕГЭ 2023 проценты.xlsx", 2023,
                                    RegionalVariant(percent=True))
        assert cube_of([counted]) == cube_of([shares])


SEVERITY = {"ok": 0, "risk": 1, "shnor": 2}


@settings(max_examples=15, deadline=None)
@given(n=st.integers(10, 80), data=st.data(), listed=st.booleans())
def test_more_fails_never_improve_the_status(n, data, listed):
    """One more «2» instead of a «3» (others unchanged) never moves a school to a milder status under `default`."""
    high = data.draw(st.integers(0, n - 1))
    fail = data.draw(st.integers(0, n - high - 1))
    statuses = []
    with tempfile.TemporaryDirectory() as folder:
        for f in (fail, fail + 1):
            path = write_table(Path(folder) / f"r{f}.csv", SCHOOL_HEADER,
                               [school_row("x", 2025, "ВПР", "Математика", n, f, high)])
            history = [write_table(Path(folder) / "list.csv", ["Наименование ОО"], [["МБОУ «x»"]])] if listed else []
            report = identify(IdentifyRequest(inputs=[path], history=history, today=TODAY))
            statuses.append(report.schools[0].status)
    assert SEVERITY[statuses[1]] >= SEVERITY[statuses[0]], statuses
