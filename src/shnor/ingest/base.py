"""What every reader shares: the options, the per-sheet log, the recognition result, school identity."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd

from shnor.cube import CubePart
from shnor.errors import Place
from shnor.ingest.headers import COLUMN_LABELS
from shnor.ingest.scales import Scales, shipped_scales
from shnor.ingest.tables import Sheet
from shnor.vocabulary import municipality_key, normalize_school_name


@dataclass(frozen=True)
class ReadOptions:
    ege_high_score: float = 81.0
    scales: Scales = field(default_factory=shipped_scales)
    # Score bands (low, high), inclusive, that the rules ask for: participant rows are counted in each
    # (``shnor.cube.band_column``); tables keep the bands they give whatever this says.
    bands: tuple[tuple[int, int], ...] = ()


@dataclass
class SheetLog:
    """How one sheet was understood: what `shnor inspect` prints and result.json keeps."""

    file: str
    sheet: str | None
    layout: str
    header_row: int | None = None
    columns: dict[str, str] = field(default_factory=dict)
    rows_read: int = 0
    skipped: dict[str, list[int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    path: str = ""  # the file as it was given, to tell apart two files of one name in different folders

    def skip(self, reason: str, rows: pd.Series) -> None:
        if len(rows):
            self.skipped.setdefault(reason, []).extend(int(r) for r in rows)

    @property
    def rows_skipped(self) -> int:
        return sum(len(rows) for rows in self.skipped.values())


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
    key = f"{municipality_key(municipality or '')}|{normalize_school_name(name)}"
    return DERIVED_PREFIX + hashlib.sha256(key.encode("utf-8")).hexdigest()[:10]


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
