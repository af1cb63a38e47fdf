"""Grouped sums fast enough for a country: the engine under ``shnor.cube``'s pooling, and the plain pandas it stands
for.

``grouped_sum(frame, keys, sums, maxima, sort)`` is ``reference_grouped_sum`` — ``frame.groupby(keys).agg(sum with
min_count=1 | max)`` — computed another way: each key column (text, mostly) is factorised once, the codes are
combined into one integer per row, and every sum is one ``bincount`` over the group numbers. With a country's
20 M participant rows this is several times faster than pandas grouping by five columns of text. Both also say,
for each row of ``frame``, which row of the result it went into (the journal pairs and the score histogram follow
their counts by it). ``tests/test_grouping.py`` holds the two to each other on generated frames.

Private: the cube (``pool_counts``, ``group_sum``) and the participant readers (``group_numbers``, ``first_rows``)
are its only users.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def grouped_sum(
    frame: pd.DataFrame, keys: list[str], sums: list[str], maxima: list[str] = (), sort: bool = False
) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per combination of ``keys``: each of ``sums`` added up (missing where no row has a value; whole
    numbers stay whole — Int64 — anything else is Float64), each of ``maxima`` its largest value; groups in order
    of first appearance, or sorted by the keys. With it, for each row of ``frame``, the row of the result it went
    into. ``frame`` is not changed."""
    group, coded = _numbered(frame, keys)
    firsts = first_rows(group)
    if len(firsts) == len(frame):  # every key once (one file, pooled already): nothing to add up
        pooled = frame[[*keys, *sums, *maxima]].reset_index(drop=True)
        for column in sums:  # the types a sum would give
            pooled[column] = pooled[column].astype("Int64" if _whole(pooled[column]) else "Float64")
        return _sorted(pooled, keys, group) if sort else (pooled, group)
    # the keys of each group from the distinct values (a take from the whole column would first join a country's
    # batches of text into one array)
    pooled = pd.DataFrame({column: pd.Series(uniques.take(codes[firsts]))
                           for column, (codes, uniques) in zip(keys, coded)})
    for column in sums:
        pooled[column] = _sum_of_present(frame[column], group, len(firsts))
    if maxima:
        pooled = pooled.join(frame[list(maxima)].groupby(group, sort=True).max().reset_index(drop=True))
    return _sorted(pooled, keys, group) if sort else (pooled, group)


def reference_grouped_sum(
    frame: pd.DataFrame, keys: list[str], sums: list[str], maxima: list[str] = (), sort: bool = False
) -> tuple[pd.DataFrame, np.ndarray]:
    """``grouped_sum`` in plain pandas: what the engine must give, row for row and type for type."""
    grouped = frame.groupby(keys, sort=sort, dropna=False)
    pooled = grouped[list(sums)].sum(min_count=1) if sums else grouped.size().to_frame().iloc[:, :0]
    for column in sums:
        pooled[column] = pooled[column].astype("Int64" if _whole(frame[column]) else "Float64")
    if maxima:
        pooled = pooled.join(grouped[list(maxima)].max())
    return pooled.reset_index(), grouped.ngroup().to_numpy(dtype=np.int64)


def group_numbers(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """0, 1, 2… by first appearance of each combination of the key columns."""
    return _numbered(frame, keys)[0]


def first_rows(group: np.ndarray) -> np.ndarray:
    """The first row of each group, in group order (groups are numbered by first appearance)."""
    if not len(group):
        return np.array([], dtype=np.intp)
    seen = np.maximum.accumulate(group)
    return np.flatnonzero(np.concatenate(([True], seen[1:] > seen[:-1])))


def _sorted(pooled: pd.DataFrame, keys: list[str], group: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """The pooled rows sorted by the keys, and the row numbers of ``group`` moved with them."""
    order = pooled[keys].sort_values(keys, kind="stable").index.to_numpy()
    place = np.empty(len(order), dtype=np.int64)
    place[order] = np.arange(len(order))
    return pooled.take(order).reset_index(drop=True), place[group]


def _sum_of_present(values: pd.Series, group: np.ndarray, groups: int) -> pd.Series:
    """Per group: the sum of the values present, missing where none is (pandas' ``sum(min_count=1)``)."""
    present = ~values.isna().to_numpy(dtype=bool)
    numbers = values.to_numpy(dtype="float64", na_value=0.0)
    sums = np.bincount(group, weights=numbers, minlength=groups)
    missing = np.bincount(group[present], minlength=groups) == 0
    if _whole(values):
        return pd.Series(pd.arrays.IntegerArray(np.rint(sums).astype(np.int64), missing))
    return pd.Series(pd.arrays.FloatingArray(sums, missing))


def _whole(values: pd.Series) -> bool:
    """Counts (integers, flags) sum to integers; anything else to decimals."""
    return pd.api.types.is_integer_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype)


def _numbered(frame: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, list[tuple[np.ndarray, pd.Index]]]:
    """The group numbers, and each key column as (a code per row, its distinct values)."""
    code = np.zeros(len(frame), dtype=np.int64)
    coded = []
    for column in keys:
        values, uniques = pd.factorize(frame[column], use_na_sentinel=False)
        coded.append((values, uniques))
        radix = len(uniques) + 1
        if int(code.max(initial=0)) >= (1 << 62) // radix:  # keep the combined number within 64 bits
            code, _ = pd.factorize(code)
        code = code * radix + values
    group, _ = pd.factorize(code)
    return group, coded
