"""What every reader shares: the options, the per-sheet log, the recognition result, school identity."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from shnor.cube import CubePart
from shnor.errors import Place
from shnor.ingest.headers import COLUMN_LABELS
from shnor.ingest.scales import Scales, shipped_scales
from shnor.ingest.tables import Sheet
from shnor.ingest.titles import TitleFacts
from shnor.russian import rows_phrase
from shnor.vocabulary import municipality_key, normalize_school_name, territory_name

SHOWN_ROWS = 20  # rows kept of each kind of row issue (the count is kept whole)


@dataclass(frozen=True)
class ReadOptions:
    ege_high_score: float = 81.0
    scales: Scales = field(default_factory=shipped_scales)
    # Score bands (low, high), inclusive, that the rules ask for: participant rows are counted in each
    # (``shnor.cube.band_column``); tables keep the bands they give whatever this says.
    bands: tuple[tuple[int, int], ...] = ()
    # --procedure «ВПР 2021 математика 4»: what no title, name, folder or code in a file says.
    procedure: TitleFacts | None = None


@dataclass
class RowIssue:
    """One kind of row a sheet did not take as it stood: blank and total rows, absent pupils, totals above the
    maximum, journal marks that are not marks… ``rows`` are the first few, ``count`` all of them."""

    kind: str  # machine code: blank_row, total_row, absent, score_over_max, journal_not_mark, total_from_tasks, …
    label: str  # Russian, with what became of the rows: «балл больше максимального по шкале (20) — не учтены»
    count: int = 0
    rows: list[int] = field(default_factory=list)
    left_out: bool = True  # the rows are not counted (False: counted, with something set aside or made up)
    example: str = ""  # the first offending value, for an error message («балл 21»); never personal data

    @property
    def text(self) -> str:
        """«строки 7053, 8120 … (16): балл больше максимального по шкале (20) — не учтены»."""
        return f"{rows_phrase(self.rows, self.count)}: {self.label}"

    def as_dict(self) -> dict:
        return {"kind": self.kind, "label": self.label, "count": self.count, "rows": self.rows,
                "left_out": self.left_out}


@dataclass
class SheetLog:
    """How one sheet was understood: what `shnor inspect` prints and result.json keeps."""

    file: str
    sheet: str | None
    layout: str
    header_row: int | None = None
    columns: dict[str, str] = field(default_factory=dict)
    rows_read: int = 0
    issues: list[RowIssue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    path: str = ""  # the file as it was given, to tell apart two files of one name in different folders
    procedure: dict[str, str] = field(default_factory=dict)  # year/assessment/subject/grade → «2020 (папки)»
    municipalities: dict[str, str] = field(default_factory=dict)  # the spelling found → the territory it became
    source: str = ""  # the sheet's label, as its cube part names it
    # A table whose score bands have no edge at the rules' ЕГЭ «high» boundary: year, bands, subject → boundary used
    high_boundary: dict = field(default_factory=dict)

    def issue(self, kind: str, label: str, rows, left_out: bool = True, example: str = "") -> None:
        """Rows of one kind (a Series or array of spreadsheet row numbers), added to those met before."""
        rows = np.asarray(rows)
        if not len(rows):
            return
        found = next((i for i in self.issues if i.kind == kind and i.label == label), None)
        if found is None:
            found = RowIssue(kind, label, left_out=left_out, example=example)
            self.issues.append(found)
        found.count += len(rows)
        if len(found.rows) < SHOWN_ROWS:
            found.rows.extend(int(r) for r in rows[: SHOWN_ROWS - len(found.rows)])

    def skip(self, reason: str, rows, kind: str = "skipped_row") -> None:
        self.issue(kind, reason, rows)

    @property
    def skipped(self) -> dict[str, list[int]]:
        """Rows left out, by reason (the first ``SHOWN_ROWS`` of each)."""
        return {i.label: i.rows for i in self.issues if i.left_out}

    @property
    def rows_skipped(self) -> int:
        return sum(i.count for i in self.issues if i.left_out)


@dataclass(frozen=True)
class Recognition:
    header_row: int  # 0-based index of the header row in the sheet
    mapping: dict[str, int]
    missing: tuple[str, ...] = ()
    detail: str = ""
    skip: str | None = None  # recognised, but holds no results (registrations, notes): why it is skipped
    layout: object = None  # reader-specific description of the header, passed back to ``read``


class Reader(Protocol):
    name: str
    label: str
    looks_for: str

    def recognise(self, sheet: Sheet) -> Recognition | None: ...

    def read(self, sheet: Sheet, recognition: Recognition, options: ReadOptions, log: SheetLog) -> CubePart: ...


DERIVED_PREFIX = "oo-"


def derived_school_id(municipality: str | None, name: str) -> str:
    """A stable id for a school that a table names but gives no login: from its municipality and name, normalised
    so that spellings of one school in different years agree (see ``municipality_key``)."""
    key = f"{_territory_key(municipality or '')}|{normalize_school_name(name)}"
    return DERIVED_PREFIX + hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]


@functools.cache
def _territory_key(municipality: str) -> str:
    """One key for a territory however its column spells it (an authority's name, another case)."""
    return municipality_key(territory_name(municipality) or municipality)


class Source:
    """The sheet being read and its own header spellings, so that messages name columns as the file does."""

    def __init__(self, sheet: Sheet, headers: dict[str, str]) -> None:
        self.sheet = sheet
        self.path = sheet.path
        self.name = sheet.name
        self.headers = headers

    def label(self, column: str) -> str:
        return self.headers.get(column, COLUMN_LABELS[column])

    def place(self, row: int | None = None, column: str | None = None) -> Place:
        return self.sheet.place(row, None if column is None else self.label(column))
