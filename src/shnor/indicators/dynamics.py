"""Dynamics (SPEC §4): each school's indicators against the previous year and the previous window, in percentage
points, with a verdict that accounts for small numbers: a change inside the 95 % interval of the difference of two
proportions is «без значимых изменений».
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from shnor.cube import Cube
from shnor.indicators.shares import Window, pooled, procedures, select

Z_95 = 1.96
IMPROVED, WORSE, SAME, NONE = "улучшение", "ухудшение", "без значимых изменений", "нет данных"
# For which indicators a fall is good.
LOWER_IS_BETTER = {"fail_core": True, "high_core": False, "fail_other": True}
_MEASURES = {"fail_core": ("core", "fail"), "high_core": ("core", "high"), "fail_other": ("other", "fail")}


@dataclass(frozen=True)
class Change:
    before: float | None
    after: float | None
    n_before: int
    n_after: int
    change_pp: float | None
    verdict: str


def verdict(p1: float | None, n1: int, p2: float | None, n2: int, lower_is_better: bool) -> Change:
    """The difference p2 − p1 against its 95 % interval ±1.96·√(p1(1−p1)/n1 + p2(1−p2)/n2)."""
    if p1 is None or p2 is None or not n1 or not n2:
        return Change(p1, p2, n1, n2, None, NONE)
    diff = p2 - p1
    half = interval(p1, n1, p2, n2)
    if abs(diff) <= half or diff == 0:
        result = SAME
    else:
        result = IMPROVED if (diff < 0) == lower_is_better else WORSE
    return Change(p1, p2, n1, n2, round(diff * 100, 4), result)


def verdicts(p1: list, n1: list[int], p2: list, n2: list[int], lower_is_better: bool) -> list[Change]:
    """``verdict`` of each school (lists in the order of the schools), the arithmetic done over arrays: the same
    operations on the same float64 values, so the same results (the change in p. p. rounded by Python's ``round``, as
    there). 40 000 schools × 3 indicators are a call each otherwise."""
    if not p1:
        return []
    before = np.array([math.nan if p is None else p for p in p1], dtype=float)
    after = np.array([math.nan if p is None else p for p in p2], dtype=float)
    n_before, n_after = np.array(n1, dtype=float), np.array(n2, dtype=float)
    known = ~np.isnan(before) & ~np.isnan(after) & (n_before != 0) & (n_after != 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = after - before
        half = Z_95 * np.sqrt(before * (1 - before) / n_before + after * (1 - after) / n_after)
    same = (np.abs(diff) <= half) | (diff == 0)
    better = (diff < 0) == lower_is_better
    words = np.where(same, SAME, np.where(better, IMPROVED, WORSE)).tolist()
    changes = [round(d * 100, 4) for d in diff.tolist()]
    return [
        Change(a, b, c, d, change, word) if ok else Change(a, b, c, d, None, NONE)
        for a, c, b, d, ok, change, word in zip(p1, n1, p2, n2, known.tolist(), changes, words)
    ]


def interval(p1, n1, p2, n2):
    """The half-width of the 95 % interval of p2 − p1: 1.96·√(p1(1−p1)/n1 + p2(1−p2)/n2) (numbers or Series)."""
    spread = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
    return Z_95 * (math.sqrt(spread) if isinstance(spread, float) else spread ** 0.5)


def significant(p1: pd.Series, n1: pd.Series, p2: pd.Series, n2: pd.Series) -> pd.Series:
    """Per school: the change p2 − p1 lies outside its 95 % interval (as ``verdict`` judges it); missing where either
    share is."""
    diff = p2 - p1
    return (diff.abs() > interval(p1, n1, p2, n2)) & (diff != 0)


def _shares(cube: Cube, years: tuple[int, ...], schools: pd.Index) -> dict[str, tuple[pd.Series, pd.Series]]:
    frame = procedures(cube, Window(years), ["school_id", "year"])
    result = {}
    for name, (group, measure) in _MEASURES.items():
        value, _, participants = pooled(select(frame, subjects=group), schools, measure)
        result[name] = (value, participants)
    return result


def school_dynamics(cube: Cube, window: Window, schools: pd.Index) -> dict[str, dict[str, dict[str, Change]]]:
    """school → {"year": {indicator: Change}, "window": {indicator: Change}} (Y−1 → Y; previous window → window)."""
    latest = window.latest
    comparisons = {"year": ((latest - 1,), (latest,))}
    length = len(window.years)
    previous = tuple(y - length for y in window.years)
    if set(previous) & set(cube.years):
        comparisons["window"] = (previous, window.years)
    result: dict[str, dict[str, dict[str, Change]]] = {s: {} for s in schools}
    for name, (before_years, after_years) in comparisons.items():
        before, after = _shares(cube, before_years, schools), _shares(cube, after_years, schools)
        # per indicator, every school's change at once: plain lists in the order of the schools, not a lookup per
        # school (40 000 schools × 3 indicators)
        by_indicator = [
            verdicts(*_values(before[indicator], schools), *_values(after[indicator], schools),
                     LOWER_IS_BETTER[indicator])
            for indicator in _MEASURES
        ]
        for school, *changes in zip(result, *by_indicator):
            result[school][name] = dict(zip(_MEASURES, changes))
    return result


def _values(shares: tuple[pd.Series, pd.Series], schools: pd.Index) -> tuple[list, list]:
    """(share, participants) of each school in the order of ``schools``: a float or None, an int (0 if missing)."""
    value, participants = (series.reindex(schools) for series in shares)
    return [_num(v) for v in _plain(value)], [int(n or 0) for n in _plain(participants)]


def _plain(values: pd.Series) -> list:
    return values.astype(object).where(values.notna(), None).tolist()


def positive(changes: dict[str, Change]) -> bool | None:
    """Positive dynamics: at least one indicator improved and none got worse; None without any comparable data."""
    verdicts = [c.verdict for c in changes.values() if c.verdict != NONE]
    if not verdicts:
        return None
    return IMPROVED in verdicts and WORSE not in verdicts


def _num(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
