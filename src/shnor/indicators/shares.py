"""Pooled shares (SPEC §4): sum of counts / sum of participants over the procedures and years of a window.

Never an average of percentages. ``fail`` is mark 2 or an ЕГЭ score below the minimum; ``high`` is marks 4
and 5, or an ЕГЭ score at or above the high threshold.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from shnor.cube import Cube
from shnor.errors import UserError
from shnor.indicators.objectivity import Objectivity
from shnor.indicators.scoped import positions, sums_by_position
from shnor.vocabulary import CORE_SUBJECTS

PROCEDURE_KEYS = ["year", "assessment", "subject", "grade"]


@dataclass(frozen=True)
class Window:
    years: tuple[int, ...]

    @property
    def latest(self) -> int:
        return self.years[-1]

    @property
    def label(self) -> str:
        return "–".join(str(y) for y in (self.years[0], self.years[-1])) if len(self.years) > 1 else str(self.latest)


def choose_window(cube: Cube, length: int, year: int | None = None) -> Window:
    """The latest ``length`` years present in the data, ending at ``year`` when it is given."""
    present = cube.years
    if year is not None:
        if year not in present:
            raise UserError(
                f"в данных нет {year} года; есть: {', '.join(map(str, present))}.",
                hint="Укажите в --year один из годов, которые есть во входных файлах.",
            )
        present = [y for y in present if y <= year]
    return Window(tuple(present[-length:]))


def procedures(cube: Cube, window: Window, columns: list[str] | None = None) -> pd.DataFrame:
    """One row per school and procedure of the window, with its counts, shares and group (core/other); only
    ``columns`` of the counts (with ``year``, ``subject``, ``fail``, ``high`` and ``participants``), when given.

    A window that holds every row of the counts shares their columns (pandas copies on write), not a copy of them: a
    country's counts are hundreds of megabytes."""
    counts = cube.counts
    if columns is not None:
        counts = counts[list(dict.fromkeys([*columns, "year", "subject", "fail", "high", "participants"]))]
    inside = counts["year"].isin(window.years)
    frame = counts if bool(inside.all()) else counts.loc[inside]
    frame = frame.assign(group=frame["subject"].isin(CORE_SUBJECTS).map({True: "core", False: "other"}))
    frame = frame.assign(fail_share=share(frame["fail"], frame["participants"]),
                         high_share=share(frame["high"], frame["participants"]))
    return frame.reset_index(drop=True)


def share(part: pd.Series, whole: pd.Series) -> pd.Series:
    """part / whole as Float64, missing (not zero) where there are no participants."""
    whole = whole.astype("Float64")
    return (part.astype("Float64") / whole).where(whole > 0)


def select(
    frame: pd.DataFrame,
    assessments: Iterable[str] | None = None,
    subjects: str | Iterable[str] | None = None,
    grades: Iterable[int] | None = None,
    keep: Iterable[str] | None = None,
) -> pd.DataFrame:
    """The procedures a criterion looks at. ``subjects``: ``core``, ``other``, a list of names, or None for all.
    ``keep``: only these columns are wanted (with those the choice looks at) — a part of a country's rows is then not
    copied with all its thirty columns."""
    if keep is not None:
        frame = frame[list(dict.fromkeys([*keep, "assessment", "group", "subject", "grade"]))]  # not copies
    mask = chosen(frame, assessments, subjects, grades)
    return frame if mask is None else frame.loc[mask]  # every row: no copy of a wide frame


def chosen(
    frame: pd.DataFrame,
    assessments: Iterable[str] | None = None,
    subjects: str | Iterable[str] | None = None,
    grades: Iterable[int] | None = None,
) -> pd.Series | None:
    """Which rows ``select`` keeps (flags over ``frame``), or None for every row."""
    mask = pd.Series(True, index=frame.index)
    if assessments is not None:
        mask &= frame["assessment"].isin(list(assessments))
    if subjects == "core" or subjects == "other":
        mask &= frame["group"] == subjects
    elif subjects is not None:
        mask &= frame["subject"].isin(list(subjects))
    if grades is not None:
        mask &= frame["grade"].isin(list(grades))
    return None if bool(mask.all()) else mask


def pooled(frame: pd.DataFrame, schools: pd.Index, measure: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(share, count, participants) per school, pooled over the rows of ``frame``; schools without rows get 0/NA.

    Only procedures where the measure is known count in the denominator (a table without an ЕГЭ high band says
    nothing about high results, and must not dilute them).
    """
    known = frame.assign(participants=frame["participants"].where(frame[measure].notna()))
    sums = known.groupby("school_id", observed=True)[[measure, "participants"]].sum()
    sums = sums.reindex(schools, fill_value=0)
    count = sums[measure].astype("Int64")
    participants = sums["participants"].astype("Int64")
    return share(count, participants), count, participants


def _participants(frame: pd.DataFrame, schools: pd.Index) -> pd.Series:
    totals = frame.groupby("school_id", observed=True)["participants"].sum()
    return totals.reindex(schools, fill_value=0).astype("Int64")


def _pooled_by_position(frame: pd.DataFrame, schools: pd.Index, measure: str, rows: pd.Series | None,
                        where: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """``pooled``'s share and count of the rows ``rows`` (flags; None: all) of whole-number columns, summed by
    position (``where``: each row's school among ``schools``)."""
    count, participants = sums_by_position(frame, schools, measure, "participants", rows, where)
    count, participants = count.astype("Int64"), participants.astype("Int64")
    return share(count, participants), count


def _participants_by_position(frame: pd.DataFrame, schools: pd.Index, rows: pd.Series | None,
                              where: np.ndarray) -> pd.Series:
    """``_participants`` of the rows ``rows`` (flags; None: all), summed by position."""
    return sums_by_position(frame, schools, "participants", "participants", rows, where)[0].astype("Int64")


def school_indicators(
    window_procedures: pd.DataFrame, schools: pd.Index, times_listed: dict[str, int], objectivity: Objectivity
) -> pd.DataFrame:
    """The named indicators of SPEC §4, one row per school."""
    narrow = window_procedures[["school_id", "group", "participants", "fail", "high"]]  # not every column twice
    if all(pd.api.types.is_integer_dtype(narrow[c].dtype) for c in ("participants", "fail", "high")):
        # whole numbers: summed by each row's school position, the rows of a group as flags (no groupby of the
        # school_id texts, no copy of the rows per group); the same sums, exact in float64
        where = positions(narrow, schools)
        core, other = chosen(narrow, subjects="core"), chosen(narrow, subjects="other")
        fail_core, fail_core_n = _pooled_by_position(narrow, schools, "fail", core, where)
        high_core, high_core_n = _pooled_by_position(narrow, schools, "high", core, where)
        fail_other, fail_other_n = _pooled_by_position(narrow, schools, "fail", other, where)
        participants_core = _participants_by_position(narrow, schools, core, where)
        participants_other = _participants_by_position(narrow, schools, other, where)
    else:
        core = select(narrow, subjects="core")
        other = select(narrow, subjects="other")
        fail_core, fail_core_n, _ = pooled(core, schools, "fail")
        high_core, high_core_n, _ = pooled(core, schools, "high")
        fail_other, fail_other_n, _ = pooled(other, schools, "fail")
        participants_core = _participants(core, schools)
        participants_other = _participants(other, schools)
    listed = pd.Series(times_listed, dtype="Int64").reindex(schools, fill_value=0)
    return pd.DataFrame(
        {
            "participants_core": participants_core,
            "fail_core_n": fail_core_n,
            "high_core_n": high_core_n,
            "fail_core": fail_core,
            "high_core": high_core,
            "participants_other": participants_other,
            "fail_other_n": fail_other_n,
            "fail_other": fail_other,
            "times_listed": listed.astype("Int64"),
            # signs found; how many of the 14 could be computed at all is beside it (0: «не рассчитаны»)
            "objectivity_signs": objectivity.count.reindex(schools, fill_value=0).astype("Int64"),
            "objectivity_computed": objectivity.computed.reindex(schools, fill_value=0).astype("Int64"),
            "boundary_peaks": objectivity.markers["boundary_peaks"].astype("Int64"),
            "journal_gap2_share": objectivity.markers["journal_gap2_share"],
            "fail_rise": objectivity.markers["fail_rise"].astype("Int64"),
        },
        index=schools,
    )
