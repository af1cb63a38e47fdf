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
from shnor.indicators.codes import codes, numbers
from shnor.indicators.scoped import positions
from shnor.indicators.shares import Window
from shnor.vocabulary import CORE_SUBJECTS

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
        _change(a, b, c, d, change, word) if ok else _change(a, b, c, d, None, NONE)
        for a, c, b, d, ok, change, word in zip(p1, n1, p2, n2, known.tolist(), changes, words)
    ]


def _change(before, after, n_before, n_after, change_pp, verdict_word) -> Change:
    """``Change(…)`` without the frozen dataclass's ``__init__`` (a call of ``object.__setattr__`` per field: a
    country's 120 000 changes took 0.3 s); the same object."""
    change = _new(Change)
    change.__dict__.update(before=before, after=after, n_before=n_before, n_after=n_after, change_pp=change_pp,
                           verdict=verdict_word)
    return change


_new = object.__new__


def interval(p1, n1, p2, n2):
    """The half-width of the 95 % interval of p2 − p1: 1.96·√(p1(1−p1)/n1 + p2(1−p2)/n2) (numbers or Series)."""
    spread = p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2
    return Z_95 * (math.sqrt(spread) if isinstance(spread, float) else spread ** 0.5)


def significant(p1: pd.Series, n1: pd.Series, p2: pd.Series, n2: pd.Series) -> pd.Series:
    """Per school: the change p2 − p1 lies outside its 95 % interval (as ``verdict`` judges it); missing where either
    share is."""
    diff = p2 - p1
    return (diff.abs() > interval(p1, n1, p2, n2)) & (diff != 0)


def _all_shares(counts: pd.DataFrame, schools: pd.Index,
                spans: list[tuple[int, ...]]) -> dict[tuple[int, ...], dict[str, tuple[list, list]]]:
    """Per span of years and indicator: (share or None, participants) of each school in the order of the schools —
    the ``shares.pooled`` of the procedures of those years, summed by school position (sums of whole numbers: exact
    in float64, as the Int64 sums were; tests/reference_report.py keeps them as a groupby of the school_id text).
    The rows' school, year and core flag are made once; one count column at a time is held as decimals."""
    size = len(schools)
    school = positions(counts, schools)
    year, years = codes(counts["year"])
    subject, subjects = codes(counts["subject"])
    core = np.array([name in CORE_SUBJECTS for name in subjects] + [False])[subject]
    del subject
    inside = {span: np.isin(year, [i for i, y in enumerate(years) if y in span]) & (school >= 0) for span in spans}
    del year
    participants = numbers(counts["participants"])[0]
    result: dict[tuple[int, ...], dict[str, tuple[list, list]]] = {span: {} for span in spans}
    for name, (group, measure) in _MEASURES.items():
        values, known = numbers(counts[measure])
        known &= core if group == "core" else ~core
        for span in spans:
            where = np.where(known & inside[span], school, size)  # the rows out of scope: one bin past the schools
            count = np.bincount(where, weights=values, minlength=size + 1)[:size]
            whole = np.bincount(where, weights=participants, minlength=size + 1)[:size]
            del where
            with np.errstate(divide="ignore", invalid="ignore"):
                share = count / whole
            result[span][name] = ([float(v) if w > 0 else None for v, w in zip(share.tolist(), whole.tolist())],
                                  [int(w) for w in whole.tolist()])
    return result


def school_dynamics(cube: Cube, window: Window, schools: pd.Index) -> dict[str, dict[str, dict[str, Change]]]:
    """school → {"year": {indicator: Change}, "window": {indicator: Change}} (Y−1 → Y; previous window → window)."""
    latest = window.latest
    comparisons = {"year": ((latest - 1,), (latest,))}
    length = len(window.years)
    previous = tuple(y - length for y in window.years)
    if set(previous) & set(cube.years):
        comparisons["window"] = (previous, window.years)
    result: dict[str, dict[str, dict[str, Change]]] = {s: {} for s in schools.tolist()}
    spans = list(dict.fromkeys(span for pair in comparisons.values() for span in pair))
    shares = _all_shares(cube.counts, schools, spans)
    for name, (before_years, after_years) in comparisons.items():
        before, after = shares[before_years], shares[after_years]
        # per indicator, every school's change at once: plain lists in the order of the schools, not a lookup per
        # school (40 000 schools × 3 indicators)
        by_indicator = [
            verdicts(*before[indicator], *after[indicator], LOWER_IS_BETTER[indicator]) for indicator in _MEASURES
        ]
        for school, *changes in zip(result, *by_indicator):
            result[school][name] = dict(zip(_MEASURES, changes))
    return result


def positive(changes: dict[str, Change]) -> bool | None:
    """Positive dynamics: at least one indicator improved and none got worse; None without any comparable data."""
    verdicts = [c.verdict for c in changes.values() if c.verdict != NONE]
    if not verdicts:
        return None
    return IMPROVED in verdicts and WORSE not in verdicts


def _num(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
