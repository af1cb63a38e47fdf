"""Integer codes of key columns, so that a country's 2.4 million rows are grouped and matched as numbers, not text.

A column's code is the position of its value among the column's distinct values in order of first appearance
(``pd.factorize``); a missing value is a value of its own (it matches another missing value, as ``merge`` matches
them). Arrow text is encoded by Arrow (its dictionary encoding: several times faster than ``pd.factorize``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa


def codes(values: pd.Series) -> tuple[np.ndarray, list]:
    """(the code of each row as int32, the distinct values as Python objects, a missing value as None): a country's
    column of codes is 9.5 MB."""
    arrow = getattr(values.array, "_pa_array", None)
    if isinstance(arrow, pa.ChunkedArray) and (pa.types.is_string(arrow.type) or pa.types.is_large_string(arrow.type)):
        if arrow.num_chunks == 0:
            return np.zeros(0, dtype=np.int32), []
        whole = arrow.combine_chunks() if arrow.num_chunks > 1 else arrow.chunk(0)  # one dictionary for every row
        encoded = whole.dictionary_encode(null_encoding="encode")
        return (encoded.indices.to_numpy(zero_copy_only=False).astype(np.int32, copy=False),
                encoded.dictionary.to_pylist())
    found, distinct = pd.factorize(values, use_na_sentinel=False)
    return found.astype(np.int32), [None if pd.isna(v) else v for v in distinct.tolist()]


def combined(*columns: tuple[np.ndarray, list]) -> np.ndarray:
    """One int64 code for a row's values of several coded columns (equal rows, equal codes; not dense)."""
    result = np.zeros(len(columns[0][0]), dtype=np.int64)
    for found, distinct in columns:
        result = result * max(len(distinct), 1) + found
    return result


def ranked(values: pd.Series) -> tuple[np.ndarray, list]:
    """(each row's rank among the column's distinct values in sorted order, −1 where missing; those values sorted):
    the codes of a sorted ``groupby``."""
    found, distinct = codes(values)
    known = [i for i, value in enumerate(distinct) if value is not None]
    order = sorted(known, key=distinct.__getitem__)
    rank = np.full(len(distinct) + 1, -1, dtype=np.int32)  # the last: a code of −1 stays −1
    rank[order] = np.arange(len(order))
    return rank[found], [distinct[i] for i in order]


def dense(values: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct values, sorted; each value's position among them), as ``np.unique(…, return_inverse=True)``, for
    codes from 0 to ``space`` − 1: counted where the space is small enough, sorted otherwise."""
    if space < 4 * len(values) + (1 << 16):
        seen = np.bincount(values, minlength=space) > 0
        position = np.cumsum(seen) - 1
        return np.flatnonzero(seen), position[values].astype(np.int32)
    distinct, where = np.unique(values, return_inverse=True)
    return distinct, where.reshape(-1).astype(np.int32)


def numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(a column of counts as float64, 0 where missing; where it is known): an array of its own (a numpy column's
    ``to_numpy`` is a read-only view of it)."""
    found = values.to_numpy(dtype=float, na_value=np.nan)
    if not found.flags.writeable:
        found = found.copy()
    known = ~np.isnan(found)
    found[~known] = 0.0
    return found, known
