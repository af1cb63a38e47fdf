"""The counting of participant rows as it was written first (before issue 18's fourth session counted marks,
participants and the journal comparison in one ``bincount`` over (key, mark, journal mark) and found the rows at a
mark boundary with fewer row-long passes): the reference that ``shnor.ingest.students.count_students`` and
``all_counted`` must agree with exactly (tests/ingest/test_students_reference.py). Not used by shnor itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from shnor._grouping import first_rows
from shnor.cube import MARK_COUNTS, SCALE, band_column
from shnor.errors import UserError
from shnor.ingest.base import ReadOptions, Source
from shnor.ingest.reference import ege_minimums
from shnor.ingest.students import (
    EGE_MAX,
    Groups,
    StudentAggregate,
    _float_column,
    _marks_by_scale,
    only_marks,
)


def count_where(groups: Groups, where: np.ndarray, condition: np.ndarray) -> pd.arrays.IntegerArray:
    """Per key: the rows meeting ``condition`` among those ``where``; missing where no row is."""
    present = np.bincount(groups.of_row[where], minlength=groups.count)
    hits = np.bincount(groups.of_row[where & condition], minlength=groups.count)
    return pd.arrays.IntegerArray(hits.astype(np.int64), present == 0)


def all_counted(groups: Groups, mark: np.ndarray, score: np.ndarray, journal: np.ndarray | None) -> bool:
    has_mark = ~np.isnan(mark)
    scored = has_mark | ((score >= 0) & (score <= _maximum(groups, has_mark)))
    if journal is not None:
        present = ~np.isnan(journal)
        if not ((journal[present] >= 1) & (journal[present] <= 5)
                & (journal[present] == np.round(journal[present]))).all():
            return False
    return bool(scored.all())


def count_students(
    groups: Groups, mark: np.ndarray, score: np.ndarray, journal: np.ndarray | None, rows: Sequence[int],
    source: Source, options: ReadOptions, marks: bool = False,
) -> StudentAggregate:
    has_mark = ~np.isnan(mark)
    is_ege_score = groups.rows(groups.ege) & ~has_mark
    has_score = ~np.isnan(score)
    needs_scale = ~has_mark & ~is_ege_score
    if needs_scale.any():
        mark = np.where(needs_scale, _marks_by_scale(groups, score, needs_scale, rows, source), mark)
        has_mark = ~np.isnan(mark)
        marks = False
    counted = {"participants": pd.array(np.bincount(groups.of_row, minlength=groups.count), dtype="Int64")}
    counted.update(_mark_counts(groups, mark, has_mark, marks))
    if is_ege_score.any():
        minimum = _ege_minimum(groups, is_ege_score, rows, source)
        counted["below_min"] = count_where(groups, is_ege_score, score < minimum)
        counted["high"] = count_where(groups, is_ege_score, score >= options.ege_high_score)
    else:
        counted["below_min"] = pd.arrays.IntegerArray(np.zeros(groups.count, dtype=np.int64),
                                                      np.ones(groups.count, dtype=bool))
        counted["high"] = counted["below_min"].copy()
    scored_key = groups.of_row[has_score]
    present = np.bincount(scored_key, minlength=groups.count)
    scores = score[has_score]
    for low, high in options.bands:
        within = (scores >= low) & (scores <= high)
        counted[band_column(low, high)] = pd.arrays.IntegerArray(
            np.bincount(scored_key[within], minlength=groups.count).astype(np.int64), present == 0)
    counted["score_n"] = pd.arrays.FloatingArray(present.astype(float), present == 0)
    counted["score_sum"] = _sums(groups, scored_key, scores, present)
    np.multiply(scores, scores, out=scores)
    counted["score_sumsq"] = _sums(groups, scored_key, scores, present)
    del scored_key, scores
    if journal is not None:
        both = has_mark & ~np.isnan(journal)
        if both.any():
            counted["lowered"] = count_where(groups, both, mark < journal)
            counted["confirmed"] = count_where(groups, both, mark == journal)
            counted["raised"] = count_where(groups, both, mark > journal)
            counted["journal_gap2"] = count_where(groups, both, np.abs(mark - journal) >= 2)
        else:
            none = pd.arrays.IntegerArray(np.zeros(groups.count, dtype=np.int64), np.ones(groups.count, dtype=bool))
            for column in ("lowered", "confirmed", "raised", "journal_gap2"):
                counted[column] = none.copy()
    else:
        journal = np.full(len(score), np.nan)
    for position, column in enumerate(SCALE):
        counted[column] = _float_column(groups.scale[:, position])
    out = pd.concat([groups.keys, pd.DataFrame(counted)], axis=1)
    return StudentAggregate(out, _pairs(groups, score, journal), _histogram(groups, score, has_score))


def _mark_counts(groups: Groups, mark: np.ndarray, has_mark: np.ndarray,
                 marks: bool = False) -> dict[str, pd.arrays.IntegerArray]:
    marked = groups.of_row[has_mark] * 4
    given = mark[has_mark]
    if not marks and not only_marks(given):
        return {column: count_where(groups, has_mark, mark == value) for value, column in zip(range(2, 6), MARK_COUNTS)}
    marked += given.astype(np.int64)
    marked -= 2
    by_mark = np.bincount(marked, minlength=4 * groups.count).reshape(-1, 4)
    present = by_mark.sum(axis=1) == 0
    return {column: pd.arrays.IntegerArray(np.ascontiguousarray(by_mark[:, position]).astype(np.int64), present)
            for position, column in enumerate(MARK_COUNTS)}


def _sums(groups: Groups, key: np.ndarray, values: np.ndarray, present: np.ndarray) -> pd.arrays.FloatingArray:
    sums = np.bincount(key, weights=values, minlength=groups.count)
    return pd.arrays.FloatingArray(sums.astype(float), present == 0)


def _maximum(groups: Groups, has_mark: np.ndarray) -> np.ndarray:
    is_ege_score = groups.rows(groups.ege) & ~has_mark
    return np.where(is_ege_score, EGE_MAX, groups.rows(groups.scale[:, 0]))


def _pairs(groups: Groups, score: np.ndarray, journal: np.ndarray) -> pd.DataFrame:
    wanted = groups.rows(groups.paired) & ~np.isnan(score) & ~np.isnan(journal)
    return pd.DataFrame({"key": groups.of_row[wanted], "score": score[wanted], "journal": journal[wanted]})


def _histogram(groups: Groups, score: np.ndarray, has_score: np.ndarray) -> pd.DataFrame:
    bounded = groups.scored & ~np.isnan(groups.scale[:, 1:]).all(axis=1)
    looked_at = groups.rows(bounded)
    looked_at &= has_score
    scored = np.flatnonzero(looked_at)
    del looked_at
    key_of, candidates = groups.of_row[scored], score[scored]
    hit = np.zeros(len(scored), dtype=bool)
    boundary, equal = np.empty(len(scored)), np.empty(len(scored), dtype=bool)
    for column in (1, 2, 3):
        np.take(groups.scale[:, column], key_of, out=boundary)
        for _ in range(2):
            hit |= np.equal(candidates, boundary, out=equal)
            boundary -= 1
    del key_of, candidates, boundary, equal
    near = scored[hit]
    key, at = groups.of_row[near], score[near]
    score_code, distinct = pd.factorize(at)
    pair, _ = pd.factorize(key * (len(distinct) + 1) + score_code)
    firsts = first_rows(pair)
    return pd.DataFrame({"key": key[firsts], "score": at[firsts], "count": np.bincount(pair, minlength=len(firsts))})


def _ege_minimum(groups: Groups, is_ege_score: np.ndarray, rows: Sequence[int], source: Source) -> np.ndarray:
    minimums = ege_minimums()
    by_procedure = np.array([minimums.get((year, subject), np.nan) for year, _, subject, _ in groups.procedures])
    per_row = groups.rows(np.where(groups.ege, by_procedure[groups.procedure], np.nan))
    unknown = is_ege_score & np.isnan(per_row)
    if unknown.any():
        first = int(np.flatnonzero(unknown)[0])
        key = groups.keys.iloc[groups.of_row[first]]
        raise UserError(
            f"нет минимального балла ЕГЭ по предмету «{key['subject']}» за {key['year']} год.",
            source.place(int(rows[first])),
            "Дайте результаты этой процедуры итогами по школе (столбцы «ниже порога», «высокие результаты»).",
        )
    return per_row
