"""Measures over a scope that a criterion chooses (assessments, subjects, grades): a pooled share of an outcome or of
a score band, the participant-weighted mean score — per school, over any years, and against the school's
municipality or the region.

Each is a ratio of two sums over the procedures in scope (never an average of percentages): a share is
Σ count / Σ participants of the procedures where the count is known; a mean score is Σ scores / Σ scored participants.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from shnor.cube import band_column, band_columns, parse_band
from shnor.indicators.codes import codes

REGION = "region"
MUNICIPALITY = "municipality"


@dataclass(frozen=True)
class Ratio:
    """Per school: the value (Float64, missing where nothing in scope is known) and what it rests on — the
    participants (scored participants, for a mean score)."""

    value: pd.Series
    base: pd.Series  # Float64, 0 where the school has nothing in scope
    reference: pd.Series | None = None  # the group's value (municipality or region), where the value is relative
    note: str | None = None  # why nothing could be computed, where nothing could


def ratio(
    frame: pd.DataFrame, schools: pd.Index, numerator: str, denominator: str, groups: pd.Series | None = None,
    rows: pd.Series | None = None, where: np.ndarray | None = None,
) -> Ratio:
    """Σ numerator / Σ denominator per school over the rows of ``frame``, counting the denominator only where the
    numerator is known. With ``groups`` (school → municipality, or one value for the region) the value is the
    school's minus its group's, the group pooled over all its schools (the school included).

    ``rows`` (flags over ``frame``), where given, are the rows in scope (``shares.chosen``); ``where``, each row's
    ``positions``. With both columns whole numbers and ``where``, the sums are counted by position (sums of whole
    numbers: exact in float64, as the Int64 sums of a groupby), and the rows in scope are not copied out of
    ``frame``; otherwise — a groupby of the school_id of those rows (sums of decimals keep its order of adding)."""
    if where is not None and _whole(frame[numerator]) and _whole(frame[denominator]):
        numbers, base = sums_by_position(frame, schools, numerator, denominator, rows, where)
    else:
        if rows is not None:
            frame = frame[list(dict.fromkeys(["school_id", numerator, denominator]))].loc[rows]  # not every column
        known = frame.assign(_base=frame[denominator].where(frame[numerator].notna()))
        sums = known.groupby("school_id", observed=True)[[numerator, "_base"]].sum().reindex(schools, fill_value=0)
        numbers = sums[numerator].astype("Float64")
        base = sums["_base"].astype("Float64")
    value = (numbers / base).where(base > 0)
    if groups is None:
        return Ratio(value.astype("Float64"), base)
    group = groups.reindex(schools)
    totals = pd.DataFrame({"n": numbers, "d": base}).groupby(group, dropna=False).sum()
    of_group = (totals["n"] / totals["d"]).where(totals["d"] > 0)
    reference = group.map(of_group).astype("Float64")
    return Ratio((value - reference).round(10).astype("Float64"), base, reference)  # 0.2 − 0.3 is −0.1, not −0.0999…


def positions(frame: pd.DataFrame, schools: pd.Index, coded: tuple[np.ndarray, list] | None = None) -> np.ndarray:
    """Each row's school as its position in ``schools`` (−1 where it is not among them or missing): each distinct
    school looked up once. ``coded``: the ``codes`` of ``frame``'s school_id, where made already."""
    found, distinct = coded if coded is not None else codes(frame["school_id"])
    at = pd.Index(distinct, dtype=object).get_indexer(schools.astype(object))
    position = np.full(len(distinct) + 1, -1, dtype=np.int64)
    position[at[at >= 0]] = np.flatnonzero(at >= 0)
    return position[found]


def _whole(values: pd.Series) -> bool:
    return pd.api.types.is_integer_dtype(values.dtype)


def sums_by_position(frame: pd.DataFrame, schools: pd.Index, numerator: str, denominator: str,
                      rows: pd.Series | None, where: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """(Σ numerator, Σ denominator where the numerator is known) per school of ``schools``, as Float64: the
    groupby's sums (0 for a school without rows) by position."""
    top = frame[numerator].to_numpy(dtype=float, na_value=np.nan)
    bottom = frame[denominator].to_numpy(dtype=float, na_value=np.nan)
    taken = ~np.isnan(top) & (where >= 0)
    if rows is not None:
        taken &= rows.to_numpy(dtype=bool, na_value=False)
    counted = taken & ~np.isnan(bottom)
    numbers = np.bincount(where[taken], weights=top[taken], minlength=len(schools))
    base = np.bincount(where[counted], weights=bottom[counted], minlength=len(schools))
    return (pd.Series(pd.array(numbers, dtype="Float64"), index=schools, name=numerator),
            pd.Series(pd.array(base, dtype="Float64"), index=schools, name="_base"))


def share(frame: pd.DataFrame, schools: pd.Index, count: str, groups: pd.Series | None = None,
          rows: pd.Series | None = None, where: np.ndarray | None = None) -> Ratio:
    """The share of participants counted in ``count`` (``fail``, ``high``, a band column); ``rows`` and ``where`` as
    in ``ratio``."""
    return ratio(frame, schools, count, "participants", groups, rows, where)


def mean_score(frame: pd.DataFrame, schools: pd.Index, groups: pd.Series | None = None) -> Ratio:
    """The participant-weighted mean score: from pupils' scores, or from a table's mean score times its participants
    (readers keep both as the sums ``score_sum`` / ``score_n``)."""
    return ratio(frame, schools, "score_sum", "score_n", groups)


def region_groups(schools: pd.Index) -> pd.Series:
    """Every school in one group: the region."""
    return pd.Series(REGION, index=schools, dtype=object)


def tilings(present: list[tuple[int, int]], low: int, high: int) -> list[list[tuple[int, int]]]:
    """Sets of bands among ``present`` that cover ``low``…``high`` exactly (no gap, no overlap), fewest bands first:
    80–99 and 100 make 80–100; 61–80 alone makes 61–80."""
    found: list[list[tuple[int, int]]] = []

    def extend(start: int, chosen: list[tuple[int, int]]) -> None:
        if start == high + 1:
            found.append(chosen)
            return
        for band in present:
            if band[0] == start and band[1] <= high:
                extend(band[1] + 1, [*chosen, band])

    extend(low, [])
    return sorted(found, key=len)


def band_counts(frame: pd.DataFrame, low: int, high: int) -> tuple[pd.Series, str | None]:
    """Per row of ``frame``, the participants with a score from ``low`` to ``high``: the band's own count, or the sum
    of present bands that tile it exactly (the first tiling whose counts the row has); missing where none does. With
    it, why no row has the band (None when some do)."""
    present = [parse_band(column) for column in band_columns(frame.columns)]
    counts = pd.Series(pd.NA, index=frame.index, dtype="Float64")
    for tiling in tilings(present, low, high):
        columns = [band_column(*band) for band in tiling]
        has = frame[columns].notna().all(axis=1)
        counts = counts.where(counts.notna() | ~has, frame[columns].astype("Float64").sum(axis=1))
    if counts.notna().any():
        return counts, None
    given = [band for band in present if frame[band_column(*band)].notna().any()]
    if not given:
        return counts, (
            f"в данных нет числа участников с баллами {low}–{high}: нет ни баллов участников, ни таблицы "
            "с полосами баллов"
        )
    shown = ", ".join(f"{a}–{b}" if a != b else str(a) for a, b in given)
    return counts, f"в данных нет полосы баллов {low}–{high} и её нельзя сложить из данных полос ({shown})"
