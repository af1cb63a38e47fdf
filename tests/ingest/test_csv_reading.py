"""CSV files are parsed at once on every core up to a size (already when opened ahead, if the header is the first
row), streamed beyond it: the same rows, the same skipped rows reported, the same message naming where a broken file
stops. Windows-1251 is parsed as bytes and decoded by distinct cell: the same text as decoding the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from pyarrow import csv as pacsv

from shnor.errors import UserError
from shnor.ingest import tables
from shnor.ingest.base import ReadOptions
from shnor.ingest.reading import read_results
from shnor.ingest.tidy_arrow import clean_students

HEADER = "year,assessment,subject,grade,school_id,mark\n"
ROW = "2025,ВПР,Математика,5,s{school},{mark}\n"


@pytest.fixture(params=["whole", "streamed", "ahead"])
def way(request, monkeypatch):
    if request.param == "streamed":
        monkeypatch.setattr(tables, "WHOLE_CSV_BYTES", 0)
    if request.param == "ahead":  # parsed whole when opened, before the header is known
        monkeypatch.setattr(tables, "AHEAD_CSV_BYTES", (0, 1 << 30))
        monkeypatch.setattr("shnor.ingest.ahead.workers", lambda: 2)
    return request.param


def write_rows(path, rows: int, extra: str = "") -> None:
    body = "".join(ROW.format(school=n % 7, mark=2 + n % 4) for n in range(rows))
    path.write_bytes((HEADER + body).encode("utf-8") + extra.encode("utf-8", errors="surrogateescape"))


def test_a_row_with_another_number_of_cells_is_skipped_and_reported(tmp_path, way):
    path = tmp_path / "pupils.csv"
    write_rows(path, 50_000, "2025,ВПР,Математика,5,s1,3,лишняя ячейка\n" + ROW.format(school=1, mark=5))
    cube, logs = read_results([path], ReadOptions())
    assert int(cube.counts["participants"].sum()) == 50_001
    ragged = next(i for i in logs[0].issues if i.kind == "ragged_row")
    assert ragged.text == "строка 50002: иное число ячеек, чем в заголовке (6) — не учтены"  # the line, not a count


def test_a_file_broken_past_the_sample_names_the_line_of_the_bytes_that_are_not_utf8(tmp_path, way):
    path = tmp_path / "pupils.csv"
    write_rows(path, 30_000, "2025,ВПР,Математика,5,s\udcff1,3\n")  # a byte that is not UTF-8, past the 256 KB sample
    with pytest.raises(UserError) as caught:
        read_results([path], ReadOptions())
    assert "файл «pupils.csv», строка 30002: файл в двух кодировках" in str(caught.value)


def test_a_bad_cell_after_a_skipped_row_is_named_on_its_own_line(tmp_path, way):
    path = tmp_path / "pupils.csv"
    path.write_text(
        HEADER + ROW.format(school=1, mark=3) + "2025,ВПР,Математика,5,s1,3,лишняя\n\n"
        + ROW.format(school=2, mark="семь"), encoding="utf-8",
    )
    with pytest.raises(UserError) as caught:
        read_results([path], ReadOptions())
    assert "строка 5" in str(caught.value), "header, a good row, a row too wide, a blank line, then the bad cell"
    assert "семь" in str(caught.value)


@pytest.mark.parametrize("encoding", ["utf-8", "cp1251"])
def test_a_file_parsed_ahead_is_read_as_the_same_file_parsed_when_read(tmp_path, monkeypatch, encoding):
    path = tmp_path / "pupils.csv"
    body = "".join(ROW.format(school=n % 7, mark=2 + n % 4) for n in range(20_000))
    path.write_bytes((HEADER + body).encode(encoding))
    titled = tmp_path / "titled.csv"  # a title above the header: what was parsed ahead is not used
    titled.write_bytes(("Результаты ВПР\n" + HEADER + body).encode(encoding))
    monkeypatch.setattr("shnor.ingest.ahead.workers", lambda: 2)
    before = [read_results([p], ReadOptions())[0].counts for p in (path, titled)]
    monkeypatch.setattr(tables, "AHEAD_CSV_BYTES", (0, 1 << 30))
    opened = tables.open_sheets(path, ahead=True)[0]
    assert opened._parsed is not None and opened._parsed[1].num_rows == 20_000
    assert opened.probe[0] == HEADER.strip().split(",")
    after = [read_results([p], ReadOptions())[0].counts for p in (path, titled)]
    for old, new in zip(before, after):
        assert new.equals(old)
    assert int(after[1]["participants"].sum()) == 20_000
    # every column of a few values repeated (here all: keys, the year, the grade, the mark) dictionary-encoded by the
    # parse ahead, one dictionary over the file, and handed over so, in the batch and in its pieces (the careful
    # reader's: ``plain_text`` decodes them), not decoded into text that the clean count never looks at
    assert tables._repeated(opened.probe[1:]) == [0, 1, 2, 3, 4, 5]
    batch = next(opened.joined_batches(1, 1 << 20, coded=[2, 4]))
    assert all(isinstance(c, pa.DictionaryArray) for c in batch.columns)
    assert [len(c.dictionary) for c in batch.columns] == [1, 1, 1, 1, 7, 4]
    for piece in batch.pieces:
        assert all(pa.types.is_dictionary(c.type) for c in piece.columns)
    assert batch.columns[4].cast(pa.string()).equals(
        pa.concat_arrays([tables.plain_text(piece.columns[4]) for piece in batch.pieces]))
    assert tables.plain_text(batch.pieces[0].columns[2]).to_pylist()[:2] == ["Математика", "Математика"]
    # the batches that other readers take are text, as ever
    again = tables.open_sheets(path, ahead=True)[0]
    assert again._parsed is not None
    assert {c.type for b in again.batches(1) for c in b.columns} == {pa.string()}


CP1251_TEXT = bytes(b for b in range(0x80, 0x100) if b != 0x98).decode("cp1251")  # every letter and sign of it
NOTES = ["", "NA", "тест «кавычки»", "N/A", "Итого", "2"]  # blanks as pyarrow reads them, quotes, a total, a number


def _name(rng: np.random.Generator, shortest: int) -> str:
    """A name of people of any letters and signs of Windows-1251, with spaces and «;» (no «"»)."""
    return "".join(rng.choice(list(CP1251_TEXT + "abc 1;"), size=rng.integers(shortest, 12))).replace('"', "")


def _ansi(folder: Path, lines: list[str], encoding: str):
    """The lines written in ``encoding`` with Windows line breaks, and the file's sheet (its encoding found)."""
    path = folder / "ansi.csv"
    path.write_bytes("\r\n".join(lines).encode(encoding))
    sheet = tables.open_sheets(path)[0]
    assert sheet.encoding == encoding
    return path, sheet


@pytest.mark.parametrize("encoding", ["cp1251", "utf-8"])
@pytest.mark.parametrize("many", [1 << 16, 2])  # few distinct cells: decoded one by one; many: the whole
def test_a_file_parsed_as_bytes_is_the_text_that_decoding_the_file_gives(tmp_path, monkeypatch, many, encoding):
    monkeypatch.setattr(tables, "_MANY_DISTINCT", many)
    rng = np.random.default_rng(7)
    lines = ["год;наименование;примечание;балл"]
    for n in range(3_000):
        lines.append(f'2025;"{_name(rng, 0)}";{NOTES[n % 6]};{n % 40}')
    path, sheet = _ansi(tmp_path, lines, encoding)
    parsed = sheet._strict(pacsv, 1)
    # a few distinct values: dictionary-encoded; the many names of Windows-1251 have the file decoded by pyarrow
    assert pa.types.is_dictionary(parsed.column(2).type) == (many > 3 and encoding == "utf-8")
    parsed = pa.table([column.cast(pa.string()) for column in parsed.columns], names=parsed.column_names)
    options = sheet._options(pacsv, 1)
    decoded = pacsv.read_csv(path, **dict(options, parse_options=pacsv.ParseOptions(delimiter=";")))
    assert parsed.equals(decoded)
    assert parsed.column(2).null_count == 3 * 500  # «», NA and N/A are empty cells, as in the text read
    cells = ["ёж", None, "№ 5", "", "Щ" * 40, "ёж", "5", "№ 5", *["ёж"] * 6]
    column = pa.array([c if c is None else c.encode(encoding) for c in cells], type=pa.binary())
    chunks = pa.chunked_array([column.slice(1, 2), column.slice(3)])  # slices of a column, in chunks
    decoded = tables._decoded(chunks, encoding)
    if many > 3 or encoding == "utf-8":
        assert decoded.cast(pa.string()).to_pylist() == cells[1:]
        assert pa.types.is_dictionary(decoded.type) == (many > 3)
    else:  # many distinct cells of Windows-1251: the file is decoded by pyarrow
        assert decoded is None


@pytest.mark.parametrize("encoding", ["cp1251", "utf-8"])
@pytest.mark.parametrize("many", [1 << 16, 1_000])
def test_columns_parsed_dictionary_encoded_are_the_text_that_decoding_the_file_gives(tmp_path, monkeypatch, many,
                                                                                       encoding):
    """The columns whose first rows repeat a few values are parsed dictionary-encoded and only their distinct values
    decoded; one that has more distinct values further down than ``_MANY_DISTINCT`` (codes of 1 500 pupils, two rows
    each) is made plain; names of people stay plain (for Windows-1251 they have the file decoded by pyarrow, the
    other columns parsed dictionary-encoded again). The text is the same as decoding the file."""
    monkeypatch.setattr(tables, "_MANY_DISTINCT", many)
    rng = np.random.default_rng(11)
    lines = ["год;наименование;примечание;код;балл"]
    for n in range(3_000):
        lines.append(f'2025;"{_name(rng, 1)}";{NOTES[n % 6]};{n // 2:04d};{"" if n % 7 == 0 else f"0{n % 23}"}')
    path, sheet = _ansi(tmp_path, lines, encoding)
    coded = tables._repeated(sheet.probe[1:])
    assert coded == [0, 2, 3, 4], "the year, the notes, the codes (each twice), the scores; not the names"
    parsed = sheet._strict(pacsv, 1, coded)
    assert [pa.types.is_dictionary(c.type) for c in parsed.columns] == [True, False, True, many > 1_500, True]
    encoded = tables._encoded(parsed)
    assert sorted(encoded) == sorted([0, 2, 4] + ([3] if many > 1_500 else []))
    assert all(len(encoded[p].dictionary) == len(set(encoded[p].to_pylist()) - {None}) for p in encoded)
    text = pa.table([column.cast(pa.string()) for column in parsed.columns], names=parsed.column_names)
    options = sheet._options(pacsv, 1)
    decoded = pacsv.read_csv(path, **dict(options, parse_options=pacsv.ParseOptions(delimiter=";")))
    assert text.equals(decoded)
    assert text.column(4).to_pylist()[:3] == [None, "01", "02"]  # blank; leading zeros as written
    assert text.column(2).null_count == 3 * 500  # «», NA and N/A are empty cells, as in the text read


CANONICAL = ("year", "assessment", "subject", "grade", "school_id", "score", "mark", "journal_mark")


def canonical_rows(count: int) -> list[list[str]]:
    """Rows in the image of the canonical participant table: logins and scores with leading zeros, blank journal
    marks, ЕГЭ rows without a grade or a mark."""
    rows = []
    for n in range(count):
        school = ["007", "0010", "sch3"][n // 400 % 3]
        if n % 10 == 9:
            rows.append(["2025", "ЕГЭ", "История", "", school, f"{40 + n % 50}", "", ""])
        else:
            subject = ["Русский язык", "Математика"][n // 1000 % 2]
            journal = "" if n % 4 == 0 else str(2 + n % 4)
            rows.append(["2025", "ВПР", subject, "4", school, f"{n % 20:02d}", str(2 + n % 4), journal])
    return rows


def test_a_canonical_file_in_windows_1251_with_semicolons_counts_as_in_utf8(tmp_path, way):
    """The same rows in UTF-8 with «,» and in Windows-1251 with «;», read whichever way (parsed when read, streamed,
    parsed ahead with its columns dictionary-encoded): the same counts, schools as written, every row counted."""
    rows = canonical_rows(30_000)
    utf8, ansi = tmp_path / "utf8.csv", tmp_path / "ansi.csv"
    utf8.write_bytes("\n".join(",".join(row) for row in [list(CANONICAL), *rows]).encode("utf-8") + b"\n")
    ansi.write_bytes("\r\n".join(";".join(row) for row in [list(CANONICAL), *rows]).encode("cp1251") + b"\r\n")
    (cube, (log,)), (ansi_cube, (ansi_log,)) = (read_results([p], ReadOptions()) for p in (utf8, ansi))
    assert ansi_cube.counts.equals(cube.counts) and ansi_cube.schools.equals(cube.schools)
    assert (int(cube.counts["participants"].sum()), log.rows_read, ansi_log.rows_read) == (30_000, 30_000, 30_000)
    assert sorted(cube.schools["school_id"]) == ["0010", "007", "sch3"]
    assert int(cube.counts["n5"].sum()) == sum(row[6] == "5" for row in rows)


@pytest.mark.parametrize("encoding", ["utf-8", "cp1251"])
def test_a_bad_mark_past_the_first_batch_is_named_by_line_and_column(tmp_path, way, encoding):
    rows = canonical_rows(30_000)
    rows[25_000][6] = "07"
    path = tmp_path / "pupils.csv"
    path.write_bytes("\n".join(",".join(row) for row in [list(CANONICAL), *rows]).encode(encoding) + b"\n")
    with pytest.raises(UserError) as caught:
        read_results([path], ReadOptions())
    assert "строка 25002, столбец «mark»: в ячейке «07», а ожидается отметка от 2 до 5" in str(caught.value)


def test_a_byte_that_is_no_letter_of_windows_1251_is_named_as_before(tmp_path, way):
    path = tmp_path / "ansi.csv"
    body = "".join(ROW.format(school=n % 7, mark=2 + n % 4) for n in range(30_000))
    path.write_bytes((HEADER + body).encode("cp1251") + b"2025,\x98\xc2\xcf\xd0,x,5,s1,3\n")
    with pytest.raises(UserError) as caught:
        read_results([path], ReadOptions())
    assert "не удалось разобрать CSV около строки" in str(caught.value)


def test_a_batch_for_the_careful_reader_says_the_same_whichever_way_the_file_was_parsed(tmp_path, way):
    """A subject misspelt and a total row past the first batch of pieces: the careful reader takes the pieces (with
    the subject dictionary-encoded where the file was parsed ahead) and names the same line and cell."""
    misspelt, totals = tmp_path / "misspelt.csv", tmp_path / "totals.csv"
    write_rows(misspelt, 250_000, "2025,ВПР,Матиматика,5,s1,3\n" + ROW.format(school=1, mark=5))
    write_rows(totals, 250_000, "2025,ВПР,Математика,5,Итого по району,3\n" + ROW.format(school=1, mark=5))
    with pytest.raises(UserError) as caught:
        read_results([misspelt], ReadOptions())
    assert "«Матиматика»" in str(caught.value)
    assert caught.value.place.row == 250_002
    cube, logs = read_results([totals], ReadOptions())
    assert int(cube.counts["participants"].sum()) == 250_001
    (issue,) = [i for log in logs for i in log.issues if i.label.startswith("строка итогов")]
    assert issue.rows == [250_002]


def test_a_csv_held_whole_is_counted_in_smaller_batches_to_the_same_counts(tmp_path, monkeypatch):
    from shnor.ingest import tidy

    path = tmp_path / "pupils.csv"
    write_rows(path, 30_000)
    assert tables.open_sheets(path)[0].held
    one = read_results([path], ReadOptions())[0]
    monkeypatch.setattr(tables, "BATCH_ROWS", 1_000)
    monkeypatch.setattr(tidy, "HELD_BATCH_ROWS", 4_000)  # eight batches of four pieces
    counted = []
    monkeypatch.setattr(tidy, "clean_students", lambda columns, *rest: counted.append(len(columns["mark"]))
                        or clean_students(columns, *rest))
    several = read_results([path], ReadOptions())[0]
    assert counted == [4_000] * 7 + [2_000]
    for name in ("counts", "schools", "pairs", "histogram"):
        assert getattr(several, name).equals(getattr(one, name))
    monkeypatch.setattr(tables, "WHOLE_CSV_BYTES", 0)
    assert not tables.open_sheets(path)[0].held  # streamed: each batch read anew, as large as ever
