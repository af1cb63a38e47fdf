"""Vectorised parsing of text cells: numbers with decimal commas and percent signs, blanks, totals rows."""

from __future__ import annotations

import re

import pandas as pd

from shnor.errors import Place, UserError

_TOTAL_ROW = re.compile(r"^\s*(?:итого|всего|итог|по региону|по муниципалитету|по мо\b|в целом)", re.IGNORECASE)


def blank(text: pd.Series) -> pd.Series:
    return text.isna() | (text.str.strip() == "")


def is_total_label(text: pd.Series) -> pd.Series:
    """«Итого», «Всего по МО», «По региону»…: rows that sum other rows and are never a school."""
    return text.fillna("").str.contains(_TOTAL_ROW)


def to_number(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse «12,5», «12.5», «1 234», «12,5%» as numbers; returns (values, mask of cells that are not numbers)."""
    cleaned = text.str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    cleaned = cleaned.str.replace(",", ".", regex=False).str.rstrip("%")
    values = pd.to_numeric(cleaned.where(cleaned != ""), errors="coerce").astype("Float64")
    invalid = values.isna() & ~blank(text)
    return values, invalid


def first_bad(mask: pd.Series, rows: pd.Series) -> int | None:
    """The spreadsheet row of the first True in ``mask``, or None."""
    if not mask.any():
        return None
    return int(rows[mask].iloc[0])


def require_numbers(
    text: pd.Series,
    rows: pd.Series,
    place: Place,
    column_label: str,
    *,
    integer: bool = False,
    low: float | None = None,
    high: float | None = None,
    what: str = "число",
) -> pd.Series:
    """Numbers of one column, or a UserError that names the first bad cell."""
    values, invalid = to_number(text)
    row = first_bad(invalid, rows)
    if row is not None:
        raise _bad_cell(place, row, column_label, text[invalid].iloc[0], what)
    bad = pd.Series(False, index=values.index)
    if integer:
        bad |= values.notna() & (values.round() != values)
    if low is not None:
        bad |= values.notna() & (values < low)
    if high is not None:
        bad |= values.notna() & (values > high)
    row = first_bad(bad.fillna(False).astype(bool), rows)
    if row is not None:
        raise _bad_cell(place, row, column_label, text[bad.fillna(False).astype(bool)].iloc[0], what)
    return values


def _bad_cell(place: Place, row: int, column: str, value: object, what: str) -> UserError:
    return UserError(
        f"в ячейке «{value}», а ожидается {what}.",
        place.at(row, column),
        "Исправьте значение в ячейке или удалите строку и запустите снова.",
    )
