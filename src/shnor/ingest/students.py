"""Participant rows → cube counts: marks (given, or from the primary score with the scale), ЕГЭ scores against
the minimum and the high threshold, journal comparison, score moments. Shared by every student-level reader.

Only counts leave this module: no identifier, sex or name of a participant is ever read into it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from shnor.cube import KEYS, MARK_COUNTS, SCALE, group_sum
from shnor.errors import UserError
from shnor.ingest.base import ReadOptions, Source
from shnor.ingest.cells import first_bad, require_numbers
from shnor.ingest.reference import ege_minimums
from shnor.ingest.scales import missing_scale
from shnor.vocabulary import MATH, MATH_BASE, RUSSIAN, Assessment

# The Rosobrnadzor signs «mismatch with journal marks» look at these procedures (SPEC §5).
PAIR_SUBJECTS = (RUSSIAN, MATH)
PAIR_GRADES = (4, 5)


@dataclass
class StudentAggregate:
    """Counts per procedure and school, plus what objectivity needs and only counts cannot give: the (score,
    journal mark) pairs of ВПР Russian and maths in grades 4–5, and the number of participants at the scores either
    side of each mark boundary."""

    counts: pd.DataFrame
    pairs: pd.DataFrame
    histogram: pd.DataFrame


def aggregate_students(frame: pd.DataFrame, keys: pd.DataFrame, source: Source, options: ReadOptions) -> StudentAggregate:
    rows = frame["_row"]
    place = source.place()
    mark = (
        require_numbers(frame["mark"], rows, place, source.label("mark"), integer=True, low=2, high=5, what="отметка от 2 до 5")
        if "mark" in frame
        else pd.Series(pd.NA, index=frame.index, dtype="Float64")
    )
    score = (
        require_numbers(frame["score"], rows, place, source.label("score"), low=0, what="балл (неотрицательное число)")
        if "score" in frame
        else pd.Series(pd.NA, index=frame.index, dtype="Float64")
    )
    is_ege_score = (keys["assessment"] == Assessment.EGE) & (keys["subject"] != MATH_BASE) & mark.isna()
    absent = mark.isna() & score.isna()
    row = first_bad(absent, rows)
    if row is not None:
        raise UserError(
            "у участника нет ни отметки, ни балла.", source.place(row, "mark"), "Заполните отметку или удалите строку."
        )
    needs_scale = mark.isna() & ~is_ege_score
    if needs_scale.any():
        mark = mark.astype("Int64").fillna(marks_by_scale(keys, score, needs_scale, rows, source, options))
    out = keys.copy()
    out["participants"] = 1
    has_mark = mark.notna()
    for value, column in zip(range(2, 6), MARK_COUNTS):
        out[column] = (mark == value).astype("Int64").where(has_mark)
    minimum = _ege_minimum(keys, is_ege_score, rows, source)
    out["below_min"] = (score < minimum).astype("Int64").where(is_ege_score)
    out["high"] = (score >= options.ege_high_score).astype("Int64").where(is_ege_score)
    out["score_n"] = score.notna().astype("Float64").where(score.notna())
    out["score_sum"] = score
    out["score_sumsq"] = score * score
    journal = pd.Series(pd.NA, index=frame.index, dtype="Float64")
    if "journal_mark" in frame:
        journal = require_numbers(
            frame["journal_mark"], rows, place, source.label("journal_mark"), integer=True, low=1, high=5, what="отметка от 1 до 5"
        )
        both = has_mark & journal.notna()
        out["lowered"] = (mark < journal).astype("Int64").where(both)
        out["confirmed"] = (mark == journal).astype("Int64").where(both)
        out["raised"] = (mark > journal).astype("Int64").where(both)
        out["journal_gap2"] = ((mark - journal).abs() >= 2).astype("Int64").where(both)
    counts = group_sum(out, KEYS, [c for c in out.columns if c not in KEYS])
    counts = counts.join(_scales(counts, options))
    return StudentAggregate(counts, _pairs(keys, score, journal), _histogram(keys, score, options))


def _scales(counts: pd.DataFrame, options: ReadOptions) -> pd.DataFrame:
    """The scale of each procedure where one is known: objectivity needs percent completion and mark boundaries."""
    procedure = ["year", "assessment", "subject", "grade"]
    known = counts[procedure].drop_duplicates()
    values = [
        (scale.max_score, scale.mark3, scale.mark4, scale.mark5) if (scale := options.scales.get(y, a, s, g)) else (np.nan,) * 4
        for y, a, s, g in known.itertuples(index=False, name=None)
    ]
    scales = known.reset_index(drop=True).join(pd.DataFrame(values, columns=SCALE, dtype="Float64"))
    return counts[procedure].merge(scales, on=procedure, how="left")[SCALE].set_axis(counts.index)


def _pairs(keys: pd.DataFrame, score: pd.Series, journal: pd.Series) -> pd.DataFrame:
    wanted = (keys["assessment"] == Assessment.VPR) & keys["subject"].isin(PAIR_SUBJECTS) & keys["grade"].isin(PAIR_GRADES)
    wanted &= score.notna() & journal.notna()
    return keys.loc[wanted, KEYS].assign(score=score[wanted], journal=journal[wanted]).reset_index(drop=True)


def _histogram(keys: pd.DataFrame, score: pd.Series, options: ReadOptions) -> pd.DataFrame:
    """Participants at each mark boundary of the scale and one point below it: all that the boundary-peak marker
    looks at (the whole distribution of a country is as long as its participant rows)."""
    wanted = keys["assessment"].isin([Assessment.VPR, Assessment.OGE]) & score.notna()
    scored = group_sum(keys.loc[wanted, KEYS].assign(score=score[wanted], count=1), [*KEYS, "score"], ["count"])
    scales = _scales(scored, options)
    near = pd.Series(False, index=scored.index)
    for boundary in ("mark3", "mark4", "mark5"):  # a procedure without a scale has none: nothing is kept
        near |= ((scored["score"] == scales[boundary]) | (scored["score"] == scales[boundary] - 1)).fillna(False)
    return scored.loc[near.astype(bool)].reset_index(drop=True)


def marks_by_scale(
    keys: pd.DataFrame, score: pd.Series, rows_needing: pd.Series, rows: pd.Series, source, options: ReadOptions
) -> pd.Series:
    """Marks from primary scores with the scale of each procedure; a procedure without a scale is an error."""
    marks = pd.Series(pd.NA, index=keys.index, dtype="Int64")
    procedures = keys.loc[rows_needing, ["year", "assessment", "subject", "grade"]].drop_duplicates()
    for year, assessment, subject, grade in procedures.itertuples(index=False, name=None):
        scale = options.scales.get(year, assessment, subject, grade)
        selected = rows_needing & (keys["year"] == year) & (keys["assessment"] == assessment)
        selected &= (keys["subject"] == subject) & (keys["grade"] == grade)
        if scale is None:
            raise missing_scale(year, assessment, subject, grade, source.place(int(rows[selected].iloc[0])))
        over = selected & (score > scale.max_score).fillna(False).astype(bool)
        if over.any():
            raise UserError(
                f"балл {score[over].iloc[0]:g} больше максимального по шкале ({scale.max_score:g}).",
                source.place(int(rows[over].iloc[0]), "score"),
                "Проверьте балл или шкалу (--scales).",
            )
        marks[selected] = scale.marks(score[selected])
    return marks


def _ege_minimum(keys: pd.DataFrame, is_ege_score: pd.Series, rows: pd.Series, source: Source) -> pd.Series:
    minimums = ege_minimums()
    pairs = keys.loc[is_ege_score, ["year", "subject"]].drop_duplicates()
    lookup = {}
    for year, subject in pairs.itertuples(index=False, name=None):
        if (int(year), subject) not in minimums:
            row = int(rows[is_ege_score & (keys["year"] == year) & (keys["subject"] == subject)].iloc[0])
            raise UserError(
                f"нет минимального балла ЕГЭ по предмету «{subject}» за {year} год.",
                source.place(row),
                "Дайте результаты этой процедуры итогами по школе (столбцы «ниже порога», «высокие результаты»).",
            )
        lookup[(int(year), subject)] = minimums[(int(year), subject)]
    minimum = pd.Series(np.nan, index=keys.index, dtype="Float64")
    for (year, subject), value in lookup.items():
        minimum[is_ege_score & (keys["year"] == year) & (keys["subject"] == subject)] = value
    return minimum
