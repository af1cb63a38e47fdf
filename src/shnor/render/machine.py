"""The machine files of SPEC §7: schools.csv, result.json and procedures.parquet, byte-stable for the same report."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from shnor.report.model import PROCEDURES_FILE, Report, collector_paused

SCHOOLS_COLUMNS = [
    "school_id",
    "school_name",
    "municipality",
    "status",
    "fail_core",
    "high_core",
    "fail_other",
    "times_listed",
    "objectivity_signs",
    "reasons",
    "participants_core",
    "participants_other",
    "shnsu",
]
_SHARES = {"fail_core", "high_core", "fail_other"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    """A text cell that a spreadsheet would take for a formula gets a leading apostrophe."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _cell(column: str, value) -> str:
    if value is None:
        return ""
    if column in _SHARES:
        return f"{value:.4f}"
    if isinstance(value, str):
        return safe_cell(value)
    return str(value)


def write_schools_csv(report: Report, folder: Path) -> list[Path]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SCHOOLS_COLUMNS)
    writer.writerows(map(_row, report.schools))
    path = folder / "schools.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="\n")
    return [path]


def _row(school) -> list[str]:
    """A school's cells (``_cell`` of each column), without a dict of its values: a country has 40 000 rows."""
    indicators = school.indicators
    if not _OWN.isdisjoint(indicators):  # an indicator named as a field of the school's own: it is what is written
        values = {"school_id": school.school_id, "school_name": school.school_name,
                  "municipality": school.municipality, "status": school.status, "reasons": school.reasons,
                  **indicators, "shnsu": None if school.shnsu is None else int(school.shnsu)}
        return [_cell(column, values.get(column)) for column in SCHOOLS_COLUMNS]
    get = indicators.get
    shnsu = school.shnsu
    return [_other(school.school_id), _other(school.school_name), _other(school.municipality), _other(school.status),
            _share(get("fail_core")), _share(get("high_core")), _share(get("fail_other")),
            _other(get("times_listed")), _other(get("objectivity_signs")), _other(school.reasons),
            _other(get("participants_core")), _other(get("participants_other")),
            "" if shnsu is None else str(int(shnsu))]


_OWN = frozenset({"school_id", "school_name", "municipality", "status", "reasons", "shnsu"})


def _share(value) -> str:
    return "" if value is None else f"{value:.4f}"


def _other(value) -> str:
    if value is None:
        return ""
    return safe_cell(value) if isinstance(value, str) else str(value)


def write_procedures_parquet(report: Report, folder: Path) -> list[Path]:
    path = folder / PROCEDURES_FILE
    report.procedures.write(path)
    return [path]


def write_result_json(report: Report, folder: Path) -> list[Path]:
    path = folder / "result.json"
    with path.open("w", encoding="utf-8", newline="\n") as handle, collector_paused():
        report.write_json(handle)
    return [path]
