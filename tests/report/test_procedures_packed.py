"""The procedures' table kept as the bytes of procedures.parquet (issue 18: a country's 2.4 M rows as ≈ 9 MB, not
≈ 260 MB): packed a row group at a time, it is the file the whole sorted table written at once would be."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from shnor.indicators.shares import select
from shnor.report import procedures
from shnor.report.procedures import COLUMNS, SORT_KEYS, Procedures


def _table(rows: int, seed: int = 7) -> pa.Table:
    rng = np.random.default_rng(seed)
    participants = rng.integers(0, 60, rows)
    fail = pd.array(rng.integers(0, 10, rows), dtype="Int64")
    fail[rng.random(rows) < 0.1] = pd.NA
    frame = pd.DataFrame({
        "high": rng.integers(0, 10, rows), "school_id": [f"sch{n}" for n in rng.integers(0, 40, rows)],
        "year": rng.choice([2024, 2025], rows), "assessment": rng.choice(["ВПР", "ОГЭ", "ЕГЭ"], rows),
        "subject": rng.choice(["Математика", "Русский язык", "История"], rows), "grade": rng.choice([4, 5, 9], rows),
        "participants": participants, "fail": fail, "fail_share": fail / participants.clip(1),
        "high_share": rng.random(rows), "mean_score": np.where(rng.random(rows) < 0.5, np.nan, rng.random(rows) * 100),
    })
    return pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)


@pytest.mark.parametrize("rows", [0, 1, 5, 23])
def test_packed_row_group_by_row_group_is_the_file_of_the_whole_sorted_table(tmp_path, monkeypatch, rows):
    monkeypatch.setattr(procedures, "_ROW_GROUP", 5)  # several row groups, the last one short
    table = _table(rows)
    whole = table.select(list(COLUMNS)).cast(procedures.schema())
    whole = whole.take(pc.sort_indices(whole, sort_keys=[(key, "ascending") for key in SORT_KEYS])).combine_chunks()
    pq.write_table(whole, tmp_path / "whole.parquet", compression="zstd", compression_level=3, row_group_size=5,
                   store_schema=False)
    packed = Procedures.sorted_table(table)
    assert packed.rows == rows
    packed.write(tmp_path / "packed.parquet")
    assert (tmp_path / "packed.parquet").read_bytes() == (tmp_path / "whole.parquet").read_bytes()
    assert packed.table.equals(whole)  # read back for the documents: the same rows and values
    if rows:
        school = whole.column("school_id")[0].as_py()
        assert len(packed.of(school)) == sum(1 for s in whole.column("school_id").to_pylist() if s == school)


def test_a_choice_of_columns_gives_the_rows_all_columns_give():
    frame = pd.DataFrame({
        "school_id": ["a", "b", "c", "d"], "assessment": ["ВПР", "ОГЭ", "ВПР", "ВПР"],
        "subject": ["Математика", "История", "Русский язык", "История"], "group": ["core", "other", "core", "other"],
        "grade": [4, 9, 5, 4], "participants": [10, 20, 30, 40], "fail": [1, 2, 3, 4], "n5": [0, 1, 2, 3],
    })
    for subjects in ("core", "other", ["История"], None):
        narrow = select(frame, ["ВПР"], subjects, [4, 5], keep=["school_id", "participants", "fail"])
        whole = select(frame, ["ВПР"], subjects, [4, 5])
        assert "n5" not in narrow.columns
        pd.testing.assert_frame_equal(narrow[["school_id", "participants", "fail"]],
                                      whole[["school_id", "participants", "fail"]])


def _with_missing(table: pa.Table, seed: int = 3) -> pa.Table:
    """Some keys missing (texts and numbers), ties of whole rows, texts that sort by code point beyond ASCII."""
    rng = np.random.default_rng(seed)
    for name in ("school_id", "subject", "grade", "year"):
        column = table.column(name).to_pylist()
        for row in rng.choice(len(column), len(column) // 6, replace=False):
            column[row] = None
        table = table.set_column(table.schema.get_field_index(name), name, pa.array(column, table.column(name).type))
    return pa.concat_tables([table, table.slice(0, 7)])  # the same keys twice: ties keep the table's order


@pytest.mark.parametrize("one_number", [True, False])
def test_sort_order_is_arrows_sort_of_the_keys(monkeypatch, one_number):
    """The keys sorted as one number of their ranks give the order Arrow's multi-key sort gives (the reference), with
    missing keys last and ties in table order; with too many distinct values for one number, the reference itself."""
    if not one_number:
        monkeypatch.setattr(procedures, "_ONE_NUMBER", 4)
    table = _with_missing(_table(400)).select(list(COLUMNS)).cast(procedures.schema())
    ids = [None if s is None else ("ёж", "Яблоко", "ель", "sch")[n % 4] + s for n, s in
           enumerate(table.column("school_id").to_pylist())]
    table = table.set_column(0, "school_id", pa.array(ids, pa.string()))
    expected = pc.sort_indices(table.select(list(SORT_KEYS)), sort_keys=[(key, "ascending") for key in SORT_KEYS])
    assert procedures.sort_order(table).to_pylist() == expected.to_pylist()
    assert procedures.sort_order(table.slice(0, 0)).to_pylist() == []


def test_packed_on_another_thread_is_the_same_file(tmp_path, monkeypatch):
    """``sorted_table(beside=True)``: the bytes made on a thread while the caller goes on are those made in line;
    they are waited for when written, read as a table or pickled (a thread is not sent to a second process)."""
    import pickle
    import threading

    monkeypatch.setattr(procedures, "_ROW_GROUP", 7)
    monkeypatch.setattr(procedures, "_BESIDE_FROM", 10)
    monkeypatch.setattr("shnor.cores.usable", lambda: 2)
    table = _table(40)
    in_line = Procedures.sorted_table(table)
    release = threading.Event()
    pack = procedures._pack
    monkeypatch.setattr(procedures, "_pack", lambda t: release.wait(10) and pack(t))
    beside = Procedures.sorted_table(table, beside=True)
    assert beside._packing is not None and not beside._packing.done()  # the caller goes on meanwhile
    assert beside.rows == 40  # known without the bytes
    release.set()
    beside.write(tmp_path / "beside.parquet")
    in_line.write(tmp_path / "in_line.parquet")
    assert (tmp_path / "beside.parquet").read_bytes() == (tmp_path / "in_line.parquet").read_bytes()
    again = Procedures.sorted_table(table, beside=True)
    assert pickle.loads(pickle.dumps(again)).table.equals(in_line.table)
    monkeypatch.setattr(procedures, "_pack", lambda t: 1 / 0)
    failed = Procedures.sorted_table(table, beside=True)
    with pytest.raises(ZeroDivisionError):  # what the thread raised, raised where the bytes are asked for
        failed.write(tmp_path / "failed.parquet")


def test_a_packing_that_failed_fails_every_time_its_bytes_are_asked_for(tmp_path, monkeypatch):
    """The thread's error is raised again each time, never taken for «no bytes»: ``render``'s second process pickles
    the report first and, on an OSError there, renders here instead — procedures.parquet must not then be written
    as an empty table (with result.json saying how many rows it has)."""
    import pickle

    monkeypatch.setattr(procedures, "_BESIDE_FROM", 10)
    monkeypatch.setattr("shnor.cores.usable", lambda: 2)

    def broken(table):
        raise OSError("no space left")

    monkeypatch.setattr(procedures, "_pack", broken)
    failed = Procedures.sorted_table(_table(40), beside=True)
    with pytest.raises(OSError):
        pickle.dumps(failed)
    with pytest.raises(OSError):
        failed.write(tmp_path / "procedures.parquet")
    assert not (tmp_path / "procedures.parquet").exists()
    with pytest.raises(OSError):
        failed.table  # noqa: B018
