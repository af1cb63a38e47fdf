"""Vectorised parsing of text cells: numbers with decimal commas and percent signs, blanks, totals rows."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from shnor.errors import Place, UserError

_TOTAL_ROW = re.compile(r"^\s*(?:итого|всего|итог|по региону|по муниципалитету|по мо\b|в целом)", re.IGNORECASE)


def blank(text: pd.Series) -> pd.Series:
    """Missing, empty or only spaces."""
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    empty = np.array([not str(u).strip() for u in uniques] + [True], dtype=bool)  # the last one: missing
    return pd.Series(empty[codes], index=text.index)


def stripped(text: pd.Series) -> pd.Series:
    """Text without surrounding spaces; each distinct value is stripped once."""
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    values = np.array([str(u).strip() for u in uniques] + [None], dtype=object)
    return pd.Series(values[codes], index=text.index, dtype="string")


def is_total_label(text: pd.Series) -> pd.Series:
    """«Итого», «Всего по МО», «По региону»…: rows that sum other rows and are never a school.

    A column holds few distinct labels; each is looked at once."""
    labels = text.dropna().unique()
    totals = [label for label in labels if _TOTAL_ROW.search(str(label))]
    return text.isin(totals) if totals else pd.Series(False, index=text.index)


def to_number(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse «12,5», «12.5», «1 234», «12,5%» as numbers; returns (values, mask of cells that are not numbers).

    Each distinct spelling is parsed once (a column of marks or scores has a few dozen of them)."""
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    spelled = pd.Series(uniques, dtype="string")
    cleaned = spelled.str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    cleaned = cleaned.str.replace(",", ".", regex=False).str.rstrip("%")
    parsed = pd.to_numeric(cleaned.where(cleaned != ""), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    wrong = np.isnan(parsed) & (spelled.str.strip() != "").fillna(False).to_numpy(dtype=bool)
    present = codes >= 0
    values = np.full(len(codes), np.nan)
    values[present] = parsed[codes[present]]
    invalid = np.zeros(len(codes), dtype=bool)
    invalid[present] = wrong[codes[present]]
    return pd.Series(values, index=text.index, dtype="Float64"), pd.Series(invalid, index=text.index)


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
