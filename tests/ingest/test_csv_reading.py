"""CSV files are parsed at once on every core up to a size, streamed beyond it: the same rows, the same skipped
rows reported, the same message naming where a broken file stops."""

from __future__ import annotations

import pytest

from shnor.errors import UserError
from shnor.ingest import tables
from shnor.ingest.base import ReadOptions
from shnor.ingest.reading import read_results

HEADER = "year,assessment,subject,grade,school_id,mark\n"
ROW = "2025,ВПР,Математика,5,s{school},{mark}\n"


@pytest.fixture(params=["whole", "streamed"])
def way(request, monkeypatch):
    if request.param == "streamed":
        monkeypatch.setattr(tables, "WHOLE_CSV_BYTES", 0)
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


def test_a_file_broken_past_the_sample_names_the_row_where_reading_stopped(tmp_path, way):
    path = tmp_path / "pupils.csv"
    write_rows(path, 30_000, "2025,ВПР,Математика,5,s\udcff1,3\n")  # a byte that is not UTF-8, past the 256 KB sample
    with pytest.raises(UserError) as caught:
        read_results([path], ReadOptions())
    assert "не удалось разобрать CSV около строки" in str(caught.value)
    assert "pupils.csv" in str(caught.value)


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
