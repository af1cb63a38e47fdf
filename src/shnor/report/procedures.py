"""Per-procedure figures of every school (school × procedure × year of the window): one Arrow table, written to
``procedures.parquet`` beside result.json. Objects (``ProcedureResult``) are made only for the schools asked about:
a country has millions of rows, and a document lists a few hundred schools."""

from __future__ import annotations

import shutil
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from shnor import cores
from shnor.errors import UserError

if TYPE_CHECKING:
    import pyarrow as pa

FILE_NAME = "procedures.parquet"
# Fixed column order of procedures.parquet; rows sorted by school_id, year, assessment, subject, grade.
COLUMNS = ("school_id", "year", "assessment", "subject", "grade", "participants", "fail", "high", "fail_share",
           "high_share", "mean_score")
SORT_KEYS = COLUMNS[:5]
_TEXT = ("school_id", "assessment", "subject")
_CHECKED_AT_A_TIME = 1 << 16  # rows
_ROW_GROUP = 1 << 20  # rows per row group of procedures.parquet
_ONE_NUMBER = 1 << 62  # the sort keys as digits of one int64 while their ranks' product stays below this
_BESIDE_FROM = 200_000  # rows from which ``sorted_table(beside=True)`` packs on another thread (a region: ≈ 20 000)
_WHOLE = 200_000  # up to this many rows, every column becomes Python values at once (cheaper than a slice per school)


@dataclass(slots=True)
class ProcedureResult:
    year: int
    assessment: str
    subject: str
    grade: int
    participants: int
    fail: int | None  # missing where the source table gave no usable count
    high: int | None
    fail_share: float | None
    high_share: float | None
    mean_score: float | None = None


def schema() -> pa.Schema:
    import pyarrow as pa

    return pa.schema([
        ("school_id", pa.string()), ("year", pa.int32()), ("assessment", pa.string()), ("subject", pa.string()),
        ("grade", pa.int32()), ("participants", pa.int64()), ("fail", pa.int64()), ("high", pa.int64()),
        ("fail_share", pa.float64()), ("high_share", pa.float64()), ("mean_score", pa.float64()),
    ])


class Procedures:
    """The table, given (``identify``) or read from ``path`` when first needed (``shnor render``): only its footer is
    looked at when a report is loaded, the rows when a document asks for a school's procedures."""

    def __init__(self, table: pa.Table | None, path: Path | None = None) -> None:
        self._table = table
        self._path = path
        self._spans: dict[str, tuple[int, int]] | None = None
        self._rows: list[list] | None = None
        self._checked = False
        self._count: int | None = None  # rows of a file not read yet, from its footer
        self._packing: Future | None = None  # the file's bytes, being made on another thread (``sorted_table``)
        self._packed_bytes: bytes | None = None

    @classmethod
    def sorted_table(cls, table: pa.Table, *, beside: bool = False) -> Procedures:
        """The figures in the file's column order and row order (values as computed: float64 keeps them exactly),
        kept as the bytes of procedures.parquet: a country's 2.4 million rows are ≈ 260 MB as a table and ≈ 9 MB as
        the file. The sorted rows are made and packed one row group at a time, never the whole sorted table at once;
        the table is read back from the bytes when a document asks for a school's procedures. ``beside``: a big
        table is sorted and packed on another thread (Arrow and numpy let go of the interpreter meanwhile), while
        the caller goes on; whatever needs the bytes waits for them (the same bytes either way)."""
        table = table.select(list(COLUMNS)).cast(schema())
        packed = cls(None)
        packed._count = table.num_rows
        if beside and table.num_rows >= _BESIDE_FROM and cores.usable() >= 2:
            packed._packing = cores.on_thread(_pack, table, name="shnor-procedures")
        else:
            packed._packed = _pack(table)
        return packed

    @property
    def _packed(self) -> bytes | None:
        """The file's bytes, made in memory (``sorted_table``): waited for, where another thread makes them. What the
        thread raised is raised again each time they are asked for (never taken for «no bytes»: an empty table)."""
        if self._packing is not None:
            self._packed_bytes = self._packing.result()
            self._packing = None
        return self._packed_bytes

    @_packed.setter
    def _packed(self, value: bytes | None) -> None:
        self._packing, self._packed_bytes = None, value

    def __getstate__(self) -> dict:
        self._packed  # noqa: B018 (the bytes waited for: a thread is not pickled)
        return self.__dict__

    @classmethod
    def open(cls, path: Path) -> Procedures:
        """The file beside a result.json, checked by its footer: missing, damaged or of other columns is named."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not path.is_file():
            raise UserError(
                f"рядом с result.json нет файла «{path.name}» ({path.parent}): в нём результаты школ по процедурам.",
                hint=_HINT,
            )
        try:
            footer = pq.read_metadata(path)
            found = footer.schema.to_arrow_schema()
        except (pa.ArrowException, OSError):
            raise UserError(f"файл «{path}» повреждён: это не таблица Parquet.", hint=_HINT) from None
        if found.remove_metadata() != schema():
            raise UserError(f"файл «{path}» — не таблица процедур shnor: другие столбцы.", hint=_HINT)
        opened = cls(None, path)
        opened._count = footer.num_rows
        return opened

    @property
    def rows(self) -> int:
        """How many rows the table has (a file's: from its footer, without reading it)."""
        return self._count if self._table is None and self._count is not None else self.table.num_rows

    @property
    def table(self) -> pa.Table:
        if self._table is None:
            if self._packed is not None:
                import pyarrow as pa
                import pyarrow.parquet as pq

                self._table = pq.read_table(pa.BufferReader(self._packed), schema=schema()).combine_chunks()
            elif self._path is None:
                self._table = schema().empty_table()
            else:
                import pyarrow as pa
                import pyarrow.parquet as pq

                try:
                    self._table = pq.read_table(self._path, schema=schema()).combine_chunks()
                except (pa.ArrowException, OSError):
                    raise UserError(f"файл «{self._path}» повреждён и не читается.", hint=_HINT) from None
        return self._table

    def check(self) -> None:
        """A file not read yet is read through, one row group at a time (a country's: a fraction of a second, one
        group in memory), so that one damaged past its footer is named before anything is written — not copied."""
        if self._table is not None or self._path is None or self._checked:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            # text columns as dictionaries, as the file keeps them: every page is still decompressed and decoded, but
            # no string is made; ``validate`` looks at the indices. In batches, on this thread: the same memory used
            # again and again, not a row group's worth (a country's check: a third of the time and the memory)
            with pq.ParquetFile(self._path, read_dictionary=_TEXT) as file:
                for batch in file.iter_batches(batch_size=_CHECKED_AT_A_TIME, use_threads=False):
                    batch.validate(full=True)
        except (pa.ArrowException, OSError, ValueError):
            raise UserError(f"файл «{self._path}» повреждён: строки таблицы не читаются.", hint=_HINT) from None
        self._checked = True

    def write(self, path: Path) -> None:
        """Byte-stable: the same rows give the same file (no pandas metadata, no time, fixed row groups). A file read
        and not changed is copied as it is, once it is known to read (``check``)."""
        if self._packed is not None:
            path.write_bytes(self._packed)
            return
        if self._table is None and self._path is not None:
            self.check()
            shutil.copyfile(self._path, path)
            return
        with _writer(path) as writer:
            writer.write_table(self.table, row_group_size=_ROW_GROUP)

    def of(self, school_id: str) -> list[ProcedureResult]:
        span = self._index().get(school_id)
        if span is None:
            return []
        start, stop = span
        if self._rows is not None:
            return [ProcedureResult(*values) for values in zip(*(column[start:stop] for column in self._rows))]
        part = self.table.slice(start, stop - start)
        return [ProcedureResult(*values) for values in zip(*(part.column(n).to_pylist() for n in COLUMNS[1:]))]

    def _index(self) -> dict[str, tuple[int, int]]:
        """Where each school's rows begin and end (rows are sorted by school)."""
        if self._spans is None:
            import pyarrow.compute as pc

            table = self.table
            counts = pc.value_counts(table.column("school_id")).flatten()
            ids, sizes = counts[0].to_pylist(), counts[1].to_pylist()
            self._spans, start = {}, 0
            for school_id, size in zip(ids, sizes):
                self._spans[school_id] = (start, start + size)
                start += size
            if table.num_rows <= _WHOLE:
                self._rows = [table.column(n).to_pylist() for n in COLUMNS[1:]]
        return self._spans


def _pack(table: pa.Table) -> bytes:
    """The bytes of procedures.parquet: ``table`` sorted (``sort_order``) and written a row group at a time."""
    import pyarrow as pa

    order = sort_order(table)
    sink = pa.BufferOutputStream()
    with _writer(sink) as writer:
        for start in range(0, max(len(order), 1), _ROW_GROUP):
            part = table.take(order.slice(start, _ROW_GROUP)).combine_chunks()
            writer.write_table(part, row_group_size=_ROW_GROUP)
            del part
    return sink.getvalue().to_pybytes()


def sort_order(table: pa.Table) -> pa.Array:
    """The rows' order by ``SORT_KEYS`` (ascending, missing last, ties in table order), as
    ``pc.sort_indices(table.select(SORT_KEYS))`` gives it, sorting one whole number per row: each key's rank among its
    column's distinct values (missing: after them all), the five ranks as digits of one number. A country's 2.4
    million rows hold 40 000 school ids and a few dozen other values: texts are compared only among those."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    combined = np.zeros(table.num_rows, dtype=np.int64)
    room = 1
    for key in SORT_KEYS:
        column = table.column(key)
        # one chunk as it is: ``combine_chunks`` copies even one (a country's school ids: 2.4 million texts)
        encoded = pc.dictionary_encode(column.chunk(0) if column.num_chunks == 1 else column.combine_chunks())
        distinct = len(encoded.dictionary)
        room *= distinct + 1
        if room >= _ONE_NUMBER:  # too many distinct values to be digits of one number: sorted key by key
            return pc.sort_indices(table.select(list(SORT_KEYS)), sort_keys=[(k, "ascending") for k in SORT_KEYS])
        rank = np.empty(distinct + 1, dtype=np.int64)
        rank[pc.sort_indices(encoded.dictionary).to_numpy()] = np.arange(distinct)
        rank[distinct] = distinct  # missing: last
        codes = encoded.indices.fill_null(distinct).to_numpy()
        combined *= distinct + 1
        combined += rank[codes]
    return pa.array(np.argsort(combined, kind="stable"))


def _writer(sink):
    """The one way procedures.parquet is written (a file or memory): no pandas metadata, no time, fixed row groups."""
    import pyarrow.parquet as pq

    return pq.ParquetWriter(sink, schema(), compression="zstd", compression_level=3, store_schema=False)


_HINT = "Укажите папку, которую целиком записала команда shnor identify (result.json и procedures.parquet рядом), " \
        "или пересчитайте результат: shnor identify."
