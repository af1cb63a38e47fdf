"""The canonical table's participant rows counted in Arrow (``tidy_arrow``) give what the careful reader gives: the
same cube, pairs, histogram and reading log, on clean files and on files with rows to name, leave out or report
(those batches go to the careful reader). Generated in the image of the canonical CSV files analysts export."""

from __future__ import annotations

import tempfile
import threading
from contextlib import ExitStack
from pathlib import Path
from unittest import mock

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shnor.errors import UserError
from shnor.ingest import tables, tidy
from shnor.ingest.base import ReadOptions
from shnor.ingest.reading import read_results
from tests.conftest import write_table

HEADER = ["год", "процедура", "предмет", "класс", "логин ОО", "наименование ОО", "балл", "отметка",
          "отметка по журналу"]
OPTIONS = ReadOptions(bands=((61, 80), (81, 100)))

clean_row = st.one_of(
    st.tuples(st.just("ВПР"), st.sampled_from(["Русский язык", "математика", " Математика "]), st.sampled_from([4, 5]),
              st.integers(0, 20), st.integers(2, 5), st.sampled_from(["", "3", "4", "5"])),
    st.tuples(st.sampled_from(["ОГЭ", " огэ"]), st.just("Русский язык"), st.just(""), st.integers(0, 33), st.just(""),
              st.just("")),
    st.tuples(st.just("ЕГЭ"), st.sampled_from(["Русский язык", "История", "Математика (профильная)"]), st.just(""),
              st.integers(0, 100), st.just(""), st.just("")),
)
# what the careful reader has to name, leave out or report
dirty_row = st.sampled_from([
    ("ЕГЭ", "История", "", 101, "", ""),  # above the maximum: left out
    ("ВПР", "Математика", 4, 12, 3, "нет отметки"),  # not a journal mark: set aside
    ("", "", "", "", "", ""),  # a blank row: skipped
    ("Итого", "", "", "", "", ""),  # a total row: skipped
])

# rows of the file at two schools and years, and dirty rows with the places they are put in at
participant_rows = st.lists(st.tuples(clean_row, st.sampled_from(["sch1", "sch2", " sch3 "]),
                                      st.sampled_from([2024, 2025])), min_size=1, max_size=60)
dirty_rows = st.lists(st.tuples(st.integers(0, 59), dirty_row), max_size=2)

def write(folder: Path, rows: list[tuple], schools: list[str], years: list[int]) -> Path:
    table = [[year, a, s, g, school, f"Школа {school}", score, mark, journal] if a not in ("", "Итого")
             else ["", a, s, g, "", "", score, mark, journal]
             for (a, s, g, score, mark, journal), school, year in zip(rows, schools, years)]
    return write_table(folder / "участники.csv", HEADER, table, delimiter=";")


def read(path: Path, careful: bool, ahead: bool = False):
    """The cube and logs, or the message of the error that stopped the reading. Batches of 7 rows, joined into 16
    or more for Arrow, so that a file of a few dozen rows has several of each. ``ahead``: a CSV is parsed when
    opened ahead, as a region's is (its columns of a few values repeated come dictionary-encoded)."""
    with ExitStack() as patched:
        patched.enter_context(mock.patch.object(tables, "BATCH_ROWS", 7))
        patched.enter_context(mock.patch.object(tidy, "CLEAN_BATCH_ROWS", 16))
        if careful:
            patched.enter_context(mock.patch.object(tidy, "clean_students", lambda *args: None))
        if ahead:
            patched.enter_context(mock.patch.object(tables, "AHEAD_CSV_BYTES", (0, 1 << 30)))
            patched.enter_context(mock.patch("shnor.ingest.ahead.workers", lambda: 2))
        try:
            return read_results([path], OPTIONS)
        except UserError as error:
            return str(error)


def same_reading(path: Path, ahead: bool = False) -> None:
    same(read(path, careful=False, ahead=ahead), read(path, careful=True, ahead=ahead))


def same(found, careful) -> None:
    if isinstance(careful, str):  # too many rows left out, say: the same message
        assert found == careful
        return
    (cube, logs), (careful_cube, careful_logs) = found, careful
    pd.testing.assert_frame_equal(cube.counts, careful_cube.counts)
    pd.testing.assert_frame_equal(cube.schools, careful_cube.schools)
    pd.testing.assert_frame_equal(cube.pairs, careful_cube.pairs)
    pd.testing.assert_frame_equal(cube.histogram, careful_cube.histogram)
    assert [(log.rows_read, [i.as_dict() for i in log.issues], log.notes) for log in logs] == [
        (log.rows_read, [i.as_dict() for i in log.issues], log.notes) for log in careful_logs
    ]


def with_dirty(data: list[tuple], dirty: list[tuple]) -> tuple[list, list, list]:
    """The clean rows, schools and years, with the dirty rows put in at their places (at school sch1, 2025)."""
    rows, schools, years = (list(column) for column in zip(*data))
    for position, row in dirty:
        rows.insert(min(position, len(rows)), row)
        schools.insert(min(position, len(schools)), "sch1")
        years.insert(min(position, len(years)), 2025)
    return rows, schools, years


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=participant_rows,
    dirty=dirty_rows,
)
def test_counted_in_arrow_as_the_careful_reader_counts(data, dirty):
    rows, schools, years = with_dirty(data, dirty)
    with tempfile.TemporaryDirectory() as folder:
        same_reading(write(Path(folder), rows, schools, years))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=participant_rows,
    dirty=dirty_rows,
)
def test_a_csv_parsed_ahead_is_counted_as_the_careful_reader_counts_and_as_when_parsed_when_read(data, dirty):
    """Parsed ahead, a CSV's keys, years, grades, marks and scores come dictionary-encoded to the counting in Arrow
    (numbers parsed once per distinct value) and as text to the careful reader: the same cube and log either way,
    and the same as the file parsed when read."""
    rows, schools, years = with_dirty(data, dirty)
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder), rows, schools, years)
        same_reading(path, ahead=True)
        same(read(path, careful=False, ahead=True), read(path, careful=False))


def test_a_csv_parsed_ahead_is_counted_from_its_dictionaries(tmp_path, monkeypatch):
    """Logins and scores with leading zeros, blank journal marks, ЕГЭ scores without a grade or a mark: every column
    comes dictionary-encoded to the counting in Arrow, which counts the file alone — as the file parsed when read is
    counted — and the logins stay as written."""
    rows = [("ВПР", "Математика", 4, f"0{i % 20:02d}", 2 + i % 4, "" if i % 3 else 2 + i % 4)
            for i in range(40)]
    rows += [("ЕГЭ", "История", "", f"{40 + i}", "", "") for i in range(8)]
    schools = ["007" if i % 3 else "0010" for i in range(len(rows))]
    path = write(tmp_path, rows, schools, [2025] * len(rows))
    before = read(path, careful=False)
    types = []
    counted = tidy.clean_students

    def recorded(columns, *rest):
        types.append({name: column.type for name, column in columns.items()})
        return counted(columns, *rest)

    monkeypatch.setattr(tidy, "clean_students", recorded)
    monkeypatch.setattr(tidy, "aggregate_students", mock.Mock(side_effect=AssertionError("the careful reader")))
    found = read(path, careful=False, ahead=True)
    same(found, before)
    cube, (log,) = found
    assert (int(cube.counts["participants"].sum()), log.rows_read) == (48, 48)
    assert sorted(cube.schools["school_id"]) == ["0010", "007"]
    assert len(types) == 3 and all(pa.types.is_dictionary(t) for batch in types for t in batch.values())


@pytest.mark.parametrize("ahead", [False, True])
@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (("ВПР", "Математика", 4, 12, "07", ""), "столбец «отметка»: в ячейке «07», а ожидается отметка от 2 до 5"),
        (("ВПР", "Математика", "4а", 12, 5, "05"), "столбец «класс»: в ячейке «4а», а ожидается класс от 1 до 11"),
        (("ВПР", "Математика", "04", "012", "3,5", ""), "в ячейке «3,5», а ожидается отметка от 2 до 5"),
        (("ВПР", "Математика", 14, 12, 3, ""), "в ячейке «14», а ожидается класс от 1 до 11"),
    ],
)
def test_a_bad_cell_past_the_first_batch_is_named_as_written(tmp_path, bad, message, ahead):
    """The dictionary of a column parsed ahead is the whole file's; the batch whose rows have a bad value goes to the
    careful reader, which names the bad cell where it is, quoted as written."""
    rows = [("ВПР", "Математика", 4, f"{i % 30:03d}", 2 + i % 4, 3) for i in range(40)] + [bad]
    path = write(tmp_path, rows, ["sch1"] * len(rows), [2025] * len(rows))
    found = read(path, careful=False, ahead=ahead)
    assert isinstance(found, str) and message in found and "строка 42" in found, found


@pytest.mark.parametrize("bad", [("ВПР", "Математика", 4, "н/я", 3, ""), ("ВПР", "Математика", 4, 12, 3, "нет")])
def test_a_bad_cell_of_a_csv_parsed_ahead_sends_only_its_own_batch_to_the_careful_reader(tmp_path, monkeypatch, bad):
    """A score «н/я» with a mark (the participant counted by the mark), a journal mark «нет» (set aside): the value
    is in the dictionary of the whole file, but only the batch whose rows have it is read carefully; the others
    are counted in Arrow from their own values, and the cube and log are those of the careful reader."""
    rows = [("ВПР", "Математика", 4, f"{i % 30:03d}", 2 + i % 4, 3) for i in range(40)] + [bad]
    path = write(tmp_path, rows, ["sch1", "sch2"] * 20 + ["sch1"], [2025] * len(rows))
    careful_rows = []
    aggregate = tidy.aggregate_students

    def recorded(frame, *rest):
        careful_rows.extend(frame["_row"])
        return aggregate(frame, *rest)

    monkeypatch.setattr(tidy, "aggregate_students", recorded)
    found = read(path, careful=False, ahead=True)
    assert 42 in careful_rows and 2 not in careful_rows  # the bad row's batch; not the first (the file's line 2)
    same(found, read(path, careful=True, ahead=True))


def test_a_reading_stopped_by_a_bad_cell_leaves_no_count_running(tmp_path):
    """The batch after the bad one is being counted on another thread when the careful reader stops at the bad cell:
    that count is ended at once, on the reading thread — not when the error and its frames are let go (an error held
    in a cycle goes with the collector, which may run on a thread of Arrow's, where ending a pool's worker could hang
    the next thread started)."""
    rows = [("ВПР", "Математика", 4, 12, 3, 3)] * 20 + [("ВПР", "Математика", 4, 12, "07", "")] + \
        [("ВПР", "Математика", 4, 12, 3, 3)] * 40
    path = write(tmp_path, rows, ["sch1"] * len(rows), [2025] * len(rows))
    with mock.patch.object(tables, "BATCH_ROWS", 7), mock.patch.object(tidy, "CLEAN_BATCH_ROWS", 16):
        with pytest.raises(UserError, match="«07»") as stopped:  # the error, its traceback and frames held
            read_results([path], OPTIONS)
        counting = [thread.name for thread in threading.enumerate() if thread.name.startswith("shnor-count")]
    assert stopped.value.__traceback__ is not None
    assert counting == []


def test_a_clean_file_is_counted_in_arrow(tmp_path):
    path = write(tmp_path, [("ВПР", "Математика", 4, 12, 3, "4")] * 12, ["sch1"] * 12, [2025] * 12)
    with mock.patch.object(tidy, "aggregate_students", side_effect=AssertionError("the careful reader was used")):
        cube, (log,) = read_results([path], OPTIONS)
    assert (int(cube.counts["participants"].sum()), log.rows_read) == (12, 12)


def test_a_batch_joined_from_pieces_is_counted_in_arrow_as_the_careful_reader_counts(tmp_path):
    """Pieces of 7 rows joined into a batch of 16 or more are chunks of one column: schools, subjects and blank
    journal marks first met in a later piece are coded against the dictionary of the whole batch."""
    rows = [("ВПР", "Математика", 4, 12, 2 + i % 4, "") if i < 9 else ("ВПР", " Русский язык", 5, 20, 5, str(2 + i % 4))
            for i in range(40)]
    rows += [("ЕГЭ", "История", "", 30 + i, "", "") for i in range(5)]
    schools = [f"sch{1 + i // 6}" for i in range(len(rows))]
    path = write(tmp_path, rows, schools, [2025] * len(rows))
    same_reading(path)
    with mock.patch.object(tables, "BATCH_ROWS", 7), mock.patch.object(tidy, "CLEAN_BATCH_ROWS", 16), \
            mock.patch.object(tidy, "aggregate_students", side_effect=AssertionError("the careful reader was used")):
        cube, (log,) = read_results([path], OPTIONS)
    assert (int(cube.counts["participants"].sum()), log.rows_read) == (45, 45)
    assert int(cube.counts["n5"].sum()) == 2 + 31


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (("ВПР", "Математика", 4, 12, 7, ""), "в ячейке «7», а ожидается отметка от 2 до 5"),
        (("ВПР", "Физкультура", 4, 12, 3, ""), "неизвестное значение «Физкультура»"),
        (("ВПР", "Математика", 14, 12, 3, ""), "в ячейке «14», а ожидается класс от 1 до 11"),
    ],
)
def test_a_bad_cell_is_named_by_the_careful_reader(tmp_path, bad, message):
    rows = [("ВПР", "Математика", 4, 12, 3, "4")] * 5 + [bad]
    path = write(tmp_path, rows, ["sch1"] * 6, [2025] * 6)
    with pytest.raises(UserError) as error:
        read_results([path], OPTIONS)
    assert message in str(error.value) and "строка 7" in str(error.value)


def test_a_batch_whose_every_row_is_left_out(tmp_path):
    """A file whose last batch holds only a row left out (here: batches of 7; in life, row 200 001 of a region) is
    read, the row reported — the careful reader used to fail on a batch with no participant left."""
    rows = [("ВПР", "Математика", 4, 12, 3, "4")] * 21 + [("ЕГЭ", "История", "", 101, "", "")]
    path = write(tmp_path, rows, ["sch1"] * 22, [2025] * 22)
    same_reading(path)
    cube, (log,) = read(path, careful=False)
    assert int(cube.counts["participants"].sum()) == 21
    assert [(issue.kind, issue.rows) for issue in log.issues] == [("score_over_max", [23])]


@pytest.mark.parametrize("rows", [1, 7, 16, 21, 100])
def test_a_parquet_file_is_read_whole_into_the_batches_that_joining_its_pieces_gives(tmp_path, rows):
    """Parquet read a joined batch at a time, cut into the pieces the sheet gives (across its row groups): the same
    batches, pieces and cells as joining the pieces."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"school_id": [f"sch{n % 5}" for n in range(45)], "mark": [2 + n % 4 for n in range(45)],
                      "name": [None if n % 3 else f"Школа {n}" for n in range(45)]})
    path = tmp_path / "участники.parquet"
    pq.write_table(table, path, row_group_size=11)
    with mock.patch.object(tables, "BATCH_ROWS", 7):
        sheet = tables.open_sheets(path)[0]
        whole = list(sheet.joined_batches(1, rows))
        expected = list(tables.joined(sheet.batches(1), rows))

    def shape(batches):
        return [(b.first_row, [c.to_pylist() for c in b.columns],
                 [(p.first_row, [c.to_pylist() for c in p.columns]) for p in b.pieces]) for b in batches]

    assert shape(whole) == shape(expected)
    assert sum(len(b.columns[0]) for b in whole) == 45


def as_parquet(path: Path) -> Path:
    """The same rows as a Parquet file in row groups of 5 (each group its own dictionary of logins and subjects)."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    table = pacsv.read_csv(path, parse_options=pacsv.ParseOptions(delimiter=";"))
    parquet = path.with_suffix(".parquet")
    pq.write_table(table, parquet, row_group_size=5)
    return parquet


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.lists(st.tuples(clean_row, st.sampled_from(["sch1", "sch2", " sch3 "]), st.sampled_from([2024, 2025])),
                  min_size=1, max_size=40),
    dirty=st.lists(st.tuples(st.integers(0, 39), dirty_row), max_size=2),
)
def test_parquet_key_text_read_as_dictionaries_is_counted_as_the_careful_reader_counts(data, dirty):
    """Parquet's logins, subjects and names come dictionary-encoded to the counting in Arrow, and as text to the
    careful reader: the same cube and log either way, and the same as the CSV of the same rows."""
    rows, schools, years = with_dirty(data, dirty)
    with tempfile.TemporaryDirectory() as folder:
        csv_path = write(Path(folder), rows, schools, years)
        path = as_parquet(csv_path)
        same_reading(path)
        found, from_csv = read(path, careful=False), read(csv_path, careful=False)
        if not isinstance(found, str) and not isinstance(from_csv, str):
            counts, csv_counts = found[0].counts, from_csv[0].counts
            assert counts[["participants", "n2", "n3", "n4", "n5"]].to_numpy().tolist() == \
                csv_counts[["participants", "n2", "n3", "n4", "n5"]].to_numpy().tolist()


def test_a_clean_parquet_file_is_counted_from_its_dictionaries(tmp_path):
    rows = [("ВПР", "Математика", 4, 12, 2 + i % 4, "4") for i in range(30)]
    path = as_parquet(write(tmp_path, rows, [f"sch{i % 4}" for i in range(30)], [2025] * 30))
    with mock.patch.object(tables, "BATCH_ROWS", 7):
        sheet = tables.open_sheets(path)[0]
        batches = list(sheet.joined_batches(1, 16, [1, 2, 4]))
        coded = [tables.plain_type(c) == c.type for b in batches for c in b.columns]
    assert coded.count(False) > 0, "the logins and subjects come as dictionaries"
    assert len(batches[0].columns[0]) >= 16, "row groups of 5, each with its own dictionary, joined into one batch"
    assert [len(p.columns[0]) for b in batches for p in b.pieces] == [7, 7, 7, 7, 2]
    with mock.patch.object(tidy, "aggregate_students", side_effect=AssertionError("the careful reader was used")):
        cube, (log,) = read_results([path], OPTIONS)
    assert (int(cube.counts["participants"].sum()), log.rows_read) == (30, 30)
    assert sorted(cube.schools["school_name"]) == [f"Школа sch{i}" for i in range(4)]


def test_a_total_row_named_only_in_the_school_name_of_a_parquet_file_is_skipped(tmp_path):
    """The names come dictionary-encoded to the counting in Arrow: «Итого» among them still sends the batch to the
    careful reader, which skips and reports the row."""
    rows = [("ВПР", "Математика", 4, 12, 3, "4")] * 8
    csv_path = write(tmp_path, rows, ["sch1"] * 8, [2025] * 8)
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    lines[-1] = lines[-1].replace("Школа sch1", "Итого по району")
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = as_parquet(csv_path)
    same_reading(path)
    cube, (log,) = read(path, careful=False)
    assert int(cube.counts["participants"].sum()) == 7
    assert log.skipped["строка итогов («Итого», «Всего»)"] == [9]


@pytest.mark.parametrize("kind", ["uint64", "uint32", "int64", "int16"])
def test_whole_number_years_and_grades_of_any_integer_type_are_counted_as_the_careful_reader_counts(tmp_path, kind):
    """Years and grades that Parquet keeps as whole numbers are coded as value − least: of an unsigned 64-bit type
    too (pandas writes ``uint64`` as it has it), where the codes were unsigned and the counting failed."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [("ВПР", "Математика", 4 + i % 2, 12, 2 + i % 4, "4") for i in range(30)]
    table = pq.read_table(as_parquet(write(tmp_path, rows, [f"sch{i % 4}" for i in range(30)],
                                           [2024 + i % 3 // 2 for i in range(30)])))
    for column in ("год", "класс"):
        table = table.set_column(table.schema.get_field_index(column), column, table[column].cast(getattr(pa, kind)()))
    path = tmp_path / "участники-целые.parquet"
    pq.write_table(table, path, row_group_size=5)
    same_reading(path)
    cube, (log,) = read(path, careful=False)
    assert (int(cube.counts["participants"].sum()), log.rows_read) == (30, 30)
    assert sorted(set(cube.counts["year"].tolist())) == [2024, 2025]


def test_a_bad_cell_is_named_before_an_error_of_reading_the_rows_after_it(tmp_path):
    """The next batch is counted ahead while this one is pooled: an error of reading rows further down (a quote left
    open at the end of a streamed CSV) still comes after the batch above it, whose bad cell is named first, as when
    the batches were read one by one."""
    rows = [("ВПР", "Математика", 4, 12, 3, "4")] * 20
    rows[3] = ("ВПР", "Математика", 4, 12, 7, "4")
    path = write(tmp_path, rows, ["sch1"] * 20, [2025] * 20)
    with path.open("a", encoding="utf-8") as handle:
        handle.write('2025;"ВПР;Математика;4;sch1;Школа sch1;12;3;4\n2025;ВПР;Математика;4;sch1;Школа sch1;12;3;4\n')
    with mock.patch.object(tables, "WHOLE_CSV_BYTES", 0):  # streamed, as a CSV of more than 256 MB
        found = read(path, careful=False)
    assert isinstance(found, str) and "строка 5" in found and "ожидается отметка от 2 до 5" in found, found


@pytest.mark.parametrize("cells", [
    ["5", "007", None, "4.5", "5", None, "1e1", "-0", "nan"],
    ["5", "inf"], ["5", " 4"], ["5", "4,5"], ["5", "пять"], ["3", ""], [None, None],
])
def test_a_dictionary_encoded_number_column_reads_as_its_text(cells):
    """Marks and scores parsed dictionary-encoded (a CSV parsed ahead) are read by their distinct values with the rules
    of their text: the same decimals, blanks NaN, and the batch unclean where the text is (an infinity, a word)."""
    import numpy as np

    from shnor.ingest import tidy_arrow

    def outcome(column):
        try:
            return [None if np.isnan(n) else n for n in tidy_arrow._numbers(column, len(cells)).tolist()]
        except tidy_arrow._Unclean:
            return "unclean"

    text = pa.array(cells, pa.string())
    coded = text.dictionary_encode()
    expected = outcome(text)
    assert outcome(coded) == expected
    assert outcome(pa.chunked_array([coded.slice(0, 1), coded.slice(1)])) == expected
    if "inf" in cells or "пять" in cells:
        assert expected == "unclean"
    if cells[0] == "5" and "007" in cells:
        assert expected == [5.0, 7.0, None, 4.5, 5.0, None, 10.0, 0.0, None]  # «nan» is a blank, as ever
