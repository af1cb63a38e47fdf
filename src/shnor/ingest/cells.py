"""Vectorised parsing of cells: numbers with decimal commas and percent signs, blanks, totals rows.

Cells come as text from CSV and Excel, typed from Parquet. A column of plain numbers is converted by Arrow in one
pass; only a column that Arrow cannot take whole (decimal commas, spaces, «н/я») is parsed the slow way, each
distinct spelling once, so that the first bad cell can be named.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from shnor.errors import Place, UserError

# Counts, years and grades above this are not data but a broken cell (1e30, a pasted phone number): they would
# overflow the cube's 64-bit sums
MAX_WHOLE = 10**12

# A cell that reads like a person's name («Иванова Анна Сергеевна», «ИВАНОВ И.И.», «Иванов И. И.»): in a results
# table it is a pupil's name in a shifted row, and an error message must not quote it
_NAME_WORD = r"(?:[А-ЯЁA-Z][а-яёa-z]+|[А-ЯЁA-Z]{2,})(?:-(?:[А-ЯЁA-Z][а-яёa-z]+|[А-ЯЁA-Z]{2,}))?"
_INITIALS = r"(?:[А-ЯЁA-Z]\.\s?){1,2}"
_LIKE_A_NAME = re.compile(rf"^{_NAME_WORD}(?:\s+(?:{_NAME_WORD}|{_INITIALS}))+\s*$")
# where a number is expected, a single capitalised word («Иванова») is a surname as likely as anything else
_CAPITALISED_WORD = re.compile(r"(?<![^\W\d_])[А-ЯЁA-Z][а-яёa-zА-ЯЁA-Z]{2,}")

TOTAL_ROW = re.compile(r"^\s*(?:итого|всего|итог|по региону|по муниципалитету|по мо\b|в целом)", re.IGNORECASE)


def is_number_column(values: pd.Series) -> bool:
    """Typed numbers (from Parquet), not text."""
    return pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype)


def _arrow_text(values: pd.Series) -> pa.Array | None:
    """The Arrow array behind a text column read from a file (no copy), or None."""
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        array = pa.array(values.array)
        return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array
    return None


def blank(text: pd.Series) -> pd.Series:
    """Missing, empty or only spaces."""
    if is_number_column(text):
        return pd.Series(text.isna().to_numpy(dtype=bool), index=text.index)
    arrow = _arrow_text(text)
    if arrow is not None:
        empty = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(arrow), ""), True)
        return pd.Series(empty.to_numpy(zero_copy_only=False), index=text.index)
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    empty = np.array([not str(u).strip() for u in uniques] + [True], dtype=bool)  # the last one: missing
    return pd.Series(empty[codes], index=text.index)


def all_blank(frame: pd.DataFrame) -> pd.Series:
    """Rows whose every cell is blank. Columns are looked at one after another, and only while some row is still
    blank in all of them (in a table of results that is after the first column or two)."""
    empty = pd.Series(True, index=frame.index)
    for column in frame.columns:
        empty &= blank(frame[column])
        if not empty.any():
            break
    return empty


def stripped(text: pd.Series) -> pd.Series:
    """Text without surrounding spaces (by Arrow, or each distinct value once). Typed numbers become their text
    («1234», not «1234.0», for a whole number)."""
    if is_number_column(text):
        return number_text(text)
    arrow = _arrow_text(text)
    if arrow is not None:
        return pd.Series(pd.arrays.ArrowStringArray(pc.utf8_trim_whitespace(arrow)), index=text.index)
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    values = np.array([str(u).strip() for u in uniques] + [None], dtype=object)
    return pd.Series(values[codes], index=text.index, dtype="string")


def map_distinct(values: pd.Series, lookup, dtype: str) -> pd.Series:
    """``values.map(lookup)`` looking each distinct value up once (a column of 200 000 cells has a few dozen)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = pd.array([lookup.get(u) for u in uniques] + [None], dtype=dtype)
    return pd.Series(mapped.take(codes), index=values.index)


def number_text(values: pd.Series) -> pd.Series:
    numbers = values.astype("Float64")
    whole = numbers.dropna()
    if len(whole) and bool((whole.round() == whole).all()):
        return numbers.astype("Int64").astype("string")
    return numbers.astype("string")


def is_total_label(text: pd.Series) -> pd.Series:
    """«Итого», «Всего по МО», «По региону»…: rows that sum other rows and are never a school.

    A column holds few distinct labels; each is looked at once."""
    if is_number_column(text):
        return pd.Series(False, index=text.index)
    labels = text.dropna().unique()
    totals = [label for label in labels if TOTAL_ROW.search(str(label))]
    return text.isin(totals) if totals else pd.Series(False, index=text.index)


def to_number(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse «12,5», «12.5», «1 234», «12,5%» as numbers; returns (values, mask of cells that are not numbers).

    Each distinct spelling is parsed once (a column of marks or scores has a few dozen of them)."""
    fast = _plain_numbers(text)
    if fast is not None:
        return fast, pd.Series(np.zeros(len(text), dtype=bool), index=text.index)
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    spelled = pd.Series(uniques, dtype="string")
    cleaned = spelled.str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
    cleaned = cleaned.str.replace(",", ".", regex=False).str.rstrip("%")
    parsed = pd.to_numeric(cleaned.where(cleaned != ""), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    wrong = ~np.isfinite(parsed) & (spelled.str.strip() != "").fillna(False).to_numpy(dtype=bool)
    present = codes >= 0
    values = np.full(len(codes), np.nan)
    values[present] = parsed[codes[present]]
    invalid = np.zeros(len(codes), dtype=bool)
    invalid[present] = wrong[codes[present]]
    return pd.Series(values, index=text.index, dtype="Float64"), pd.Series(invalid, index=text.index)


def _plain_numbers(text: pd.Series) -> pd.Series | None:
    """Typed numbers as they are; text that Arrow parses whole as finite numbers («12», «12.5», blanks), or None."""
    if is_number_column(text):
        values = text.astype("Float64")
    else:
        arrow = _arrow_text(text)
        if arrow is None:
            return None
        try:
            parsed = pc.cast(arrow, pa.float64())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
        values = pd.Series(pd.array(parsed.to_numpy(zero_copy_only=False), dtype="Float64"), index=text.index)
        if parsed.null_count != arrow.null_count:  # Arrow read some text as missing («»): the slow way looks at it
            return None
    finite = np.isfinite(values.to_numpy(dtype=float, na_value=0.0))
    return values if finite.all() else None  # «nan», «inf»: named as bad cells by the slow way


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
        bad |= values.notna() & ((values.round() != values) | (values.abs() > MAX_WHOLE))
    if low is not None:
        bad |= values.notna() & (values < low)
    if high is not None:
        bad |= values.notna() & (values > high)
    row = first_bad(bad.fillna(False).astype(bool), rows)
    if row is not None:
        raise _bad_cell(place, row, column_label, text[bad.fillna(False).astype(bool)].iloc[0], what)
    return values


def quoted_cell(value: object, *, number: bool = False) -> str:
    """A cell's value as an error message quotes it: «12,5»; a value that reads like a person's name is described,
    not quoted — it is a pupil's name in a shifted row, and personal data never reaches a message. Where a
    ``number`` is expected, any capitalised word counts (a spreadsheet error «#ДЕЛ/0!» is still quoted)."""
    text = str(value)
    stripped_text = text.strip()
    if _LIKE_A_NAME.match(stripped_text) or (
            number and not stripped_text.startswith("#") and _CAPITALISED_WORD.search(stripped_text)):
        return "текст, похожий на фамилию или имя (не показан: это личные данные; возможно, столбцы в строке сдвинуты)"
    return f"«{text}»"


def _bad_cell(place: Place, row: int, column: str, value: object, what: str) -> UserError:
    return UserError(
        f"в ячейке {quoted_cell(value, number=True)}, а ожидается {what}.",
        place.at(row, column),
        "Исправьте значение в ячейке или удалите строку и запустите снова.",
    )
