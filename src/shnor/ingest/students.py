"""Participant rows → cube counts: marks (given, or from the primary score with the scale), ЕГЭ scores against
the minimum and the high threshold, journal comparison, score moments. Shared by every student-level reader.

Only counts leave this module: no identifier, sex or name of a participant is ever read into it.

The rows of a batch are numbered by their key (procedure and school) once; every count is then one ``bincount``
over those numbers, and what depends on the procedure (its scale, the ЕГЭ minimum) is looked up once per
procedure and spread to the rows by the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from shnor._grouping import first_rows, group_numbers
from shnor.cube import KEYS, MARK_COUNTS, SCALE, band_column
from shnor.errors import UserError
from shnor.ingest.base import ReadOptions, SheetLog, Source
from shnor.ingest.cells import first_bad, require_numbers, to_number
from shnor.ingest.reference import ege_minimums
from shnor.ingest.scales import missing_scale
from shnor.russian import format_percent, rows_phrase
from shnor.vocabulary import MATH, MATH_BASE, RUSSIAN, Assessment

# The Rosobrnadzor signs «mismatch with journal marks» look at these procedures (SPEC §5).
PAIR_SUBJECTS = (RUSSIAN, MATH)
PAIR_GRADES = (4, 5)
PROCEDURE = ["year", "assessment", "subject", "grade"]


@dataclass
class StudentAggregate:
    """Counts per procedure and school, plus what objectivity needs and only counts cannot give: the (score,
    journal mark) pairs of ВПР Russian and maths in grades 4–5, and the number of participants at the scores either
    side of each mark boundary. Pairs and histogram name their procedure and school by a row of ``counts``."""

    counts: pd.DataFrame
    pairs: pd.DataFrame
    histogram: pd.DataFrame


class Groups:
    """The rows of a batch numbered by key, and what is known of each key's procedure, per key: ``of_row`` numbers
    the rows 0, 1, 2… by first appearance of their key, ``keys`` holds one row per key in that order (year and grade
    Int64, the rest text)."""

    def __init__(self, of_row: np.ndarray, keys: pd.DataFrame, options: ReadOptions,
                 procedure: np.ndarray | None = None) -> None:
        """``procedure``, where the caller has it: per key, its procedure numbered by first appearance."""
        self.of_row = of_row
        self.keys = keys
        self.count = len(self.keys)
        # per key: its procedure's number
        self.procedure = group_numbers(self.keys, PROCEDURE) if procedure is None else procedure
        firsts = self.keys[PROCEDURE].take(first_rows(self.procedure))
        self.procedures = [(int(y), str(a), str(s), int(g)) for y, a, s, g in firsts.itertuples(index=False, name=None)]
        scales = [options.scales.get(*p) for p in self.procedures]
        by_procedure = np.array(
            [(s.max_score, s.mark3, s.mark4, s.mark5) if s else (np.nan,) * 4 for s in scales], dtype=float
        ).reshape(-1, 4)
        self.scale = by_procedure[self.procedure]  # per key: max_score, mark3, mark4, mark5 (NaN without a scale)
        # what the procedure says, once per procedure
        ege = [a == Assessment.EGE and s != MATH_BASE for _, a, s, _ in self.procedures]
        scored = [a in (Assessment.VPR, Assessment.OGE) for _, a, _, _ in self.procedures]
        paired = [a == Assessment.VPR and s in PAIR_SUBJECTS and g in PAIR_GRADES for _, a, s, g in self.procedures]
        self.ege, self.scored, self.paired = (np.array(per, dtype=bool)[self.procedure]
                                              for per in (ege, scored, paired))

    @classmethod
    def of(cls, keys: pd.DataFrame, options: ReadOptions) -> Groups:
        """The rows of ``keys`` (one per participant) numbered by key."""
        of_row = group_numbers(keys, KEYS)
        return cls(of_row, keys.take(first_rows(of_row)).reset_index(drop=True), options)

    def rows(self, per_key: np.ndarray) -> np.ndarray:
        """Per row: its key's value of ``per_key``."""
        return np.take(per_key, self.of_row, mode="clip")  # "clip": not checked row by row (the keys are in range)

    def count_where(self, where: np.ndarray, condition: np.ndarray) -> pd.arrays.IntegerArray:
        """Per key: the rows meeting ``condition`` among those ``where``; missing where no row is."""
        present = np.bincount(self.of_row[where], minlength=self.count)
        hits = np.bincount(self.of_row[where & condition], minlength=self.count)
        return pd.arrays.IntegerArray(hits.astype(np.int64), present == 0)


def aggregate_students(
    frame: pd.DataFrame, keys: pd.DataFrame, source: Source, options: ReadOptions, log: SheetLog
) -> StudentAggregate:
    """The counts of a batch of participant rows. A row whose score cannot be a result (not a number, negative,
    above the maximum of the work) is left out and told to ``log``; a journal mark that is not a mark from 1 to 5
    («нет отметки», a letter) is set aside, the participant counted (see ``check_left_out`` for when too many are)."""
    rows = frame["_row"]
    mark = _numbers(frame, "mark", rows, source, integer=True, low=2, high=5, what="отметка от 2 до 5")
    score, not_a_number = _scores(frame)
    groups = Groups.of(keys, options)
    has_mark = ~np.isnan(mark)
    maximum = _maximum(groups, has_mark)
    over = ~has_mark & (score > maximum)
    negative = ~has_mark & (score < 0)
    not_number = not_a_number & ~has_mark
    if over.any() or negative.any() or not_number.any():
        _left_out(log, rows, score, maximum, over, negative, not_number)
        keep = ~(over | negative | not_number)
        return aggregate_students(frame.loc[keep], keys.loc[keep], source, options, log)
    # told once: the rows above are gone when this is reached
    log.issue("score_not_number_mark_kept", SCORE_NOT_NUMBER_MARK_KEPT, rows.to_numpy()[not_a_number & has_mark],
              left_out=False)
    row = first_bad(pd.Series(~has_mark & np.isnan(score), index=frame.index), rows)
    if row is not None:
        raise UserError(
            "у участника нет ни отметки, ни балла.", source.place(row, "mark"), "Заполните отметку или удалите строку."
        )
    journal = _journal(frame, rows, log) if "journal_mark" in frame else None
    return count_students(groups, mark, score, journal, rows.to_numpy(), source, options)


def all_counted(groups: Groups, mark: np.ndarray, score: np.ndarray, journal: np.ndarray | None) -> bool:
    """Every row is a participant as it stands: a mark, or a score within the work's maximum, and a journal mark
    from 1 to 5 where there is one — nothing for ``aggregate_students`` to leave out, set aside or name. Only the
    rows without a mark are looked at for their score (none, where every row has a mark)."""
    if journal is not None and not _journal_marks(journal):
        return False
    unmarked = np.isnan(mark)
    if not unmarked.any():
        return True
    if unmarked.all():
        key, scores = groups.of_row, score
    else:
        where = np.flatnonzero(unmarked)
        key, scores = groups.of_row[where], score[where]
        del where
    del unmarked
    if not scores.min() >= 0:  # a negative score, or none (NaN)
        return False
    # per key: the highest score a result can have (100 for an ЕГЭ test score, else the scale's; NaN without one)
    maximum = np.where(groups.ege, EGE_MAX, groups.scale[:, 0])
    return bool(np.less_equal(scores, maximum[key]).all())


def _journal_marks(journal: np.ndarray) -> bool:
    """Every value is a whole number from 1 to 5, or NaN (a blank): the least and the greatest value, and the
    values unlike their rounding (the blanks alone)."""
    blanks = np.count_nonzero(np.isnan(journal))
    if blanks == len(journal):
        return True
    if not (np.fmin.reduce(journal) >= 1 and np.fmax.reduce(journal) <= 5):
        return False
    return _unlike_rounded(journal) == blanks


_BLOCK = 1 << 16  # rows at a time where a row-long temporary is not kept: its buffers stay in the cache


def _unlike_rounded(values: np.ndarray) -> int:
    """How many values differ from their rounding: those that are not whole, and NaN."""
    rounded = np.empty(min(len(values), _BLOCK))
    unlike = np.empty(len(rounded), dtype=bool)
    count = 0
    for start in range(0, len(values), _BLOCK):
        block = values[start:start + _BLOCK]
        size = len(block)
        np.round(block, out=rounded[:size])
        count += np.count_nonzero(np.not_equal(rounded[:size], block, out=unlike[:size]))
    return count


# The journal comparison: (column, test of a mark against a journal mark)
COMPARISONS = (
    ("lowered", np.less),
    ("confirmed", np.equal),
    ("raised", np.greater),
    ("journal_gap2", lambda mark, journal: np.abs(mark - journal) >= 2),
)
_MARKS = np.arange(2.0, 6.0)  # a mark 2–5
_JOURNAL_MARKS = np.arange(1.0, 6.0)  # a journal mark 1–5


def count_students(
    groups: Groups, mark: np.ndarray, score: np.ndarray, journal: np.ndarray | None, rows: Sequence[int],
    source: Source, options: ReadOptions, marks: bool = False,
) -> StudentAggregate:
    """The counts of participant rows that are all to be counted (``all_counted``): marks (from the scale where only
    a score is given), the ЕГЭ minimum and high threshold, score bands and moments, the journal comparison (where
    the file has journal marks: ``journal`` is not None; each a whole number 1–5 or NaN). ``rows`` gives each row's
    number in the sheet (to name the first row of a procedure without a scale or an ЕГЭ minimum). ``marks``: the
    caller knows every value of ``mark`` to be 2, 3, 4, 5 or NaN (``only_marks``).

    Participants, marks and the journal comparison are one ``bincount`` over (key, mark, journal mark); the scores
    are summed over the rows as they stand where every row has one."""
    is_ege_score = None  # the rows with an ЕГЭ test score and no mark, where there are any
    unmarked = np.isnan(mark)
    if unmarked.any():
        if groups.ege.any():
            is_ege_score = groups.rows(groups.ege)
            is_ege_score &= unmarked
            unmarked ^= is_ege_score  # the rest of them: a mark from the scale
            if not is_ege_score.any():
                is_ege_score = None
        if unmarked.any():  # the scale's marks are 2–5: ``marks`` stands
            mark = np.where(unmarked, _marks_by_scale(groups, score, unmarked, rows, source), mark)
    del unmarked
    participants, counted, compared = _by_mark(groups, mark, journal, marks or only_marks(mark))
    counted = {"participants": pd.array(participants, dtype="Int64"), **counted}
    if is_ege_score is not None:
        counted.update(_ege_counts(groups, is_ege_score, score, rows, source, options.ege_high_score))
    else:  # no ЕГЭ test score in the batch: nothing to compare, no row-long minimum
        counted["below_min"] = pd.arrays.IntegerArray(np.zeros(groups.count, dtype=np.int64),
                                                      np.ones(groups.count, dtype=bool))
        counted["high"] = counted["below_min"].copy()
    del is_ege_score
    has_score = np.isnan(score)
    np.logical_not(has_score, out=has_score)
    counted.update(_score_counts(groups, score, has_score, participants, options.bands))
    counted.update(compared)
    for position, column in enumerate(SCALE):
        counted[column] = _float_column(groups.scale[:, position])
    out = pd.concat([groups.keys, pd.DataFrame(counted)], axis=1)  # one frame made once, not a column at a time
    return StudentAggregate(out, _pairs(groups, score, journal, has_score), _histogram(groups, score, has_score))


def _by_mark(groups: Groups, mark: np.ndarray, journal: np.ndarray | None, whole: bool) -> tuple[
        np.ndarray, dict[str, pd.arrays.IntegerArray], dict[str, pd.arrays.IntegerArray]]:
    """Per key: the participants, those with each mark 2–5 (missing where no row has a mark) and the journal
    comparison (missing where no row has both marks; none without ``journal``). ``whole``: every mark is 2, 3, 4,
    5 or NaN — then all of it is one count over (key, mark, journal mark) as one number, else a count per test."""
    if not whole:  # not a whole mark (no file's marks 2–5 are): a mark and a comparison at a time
        has_mark = ~np.isnan(mark)
        by_mark = {column: groups.count_where(has_mark, mark == value)
                   for value, column in zip(range(2, 6), MARK_COUNTS)}
        compared = {}
        if journal is not None:
            both = has_mark & ~np.isnan(journal)
            compared = {column: groups.count_where(both, test(mark, journal)) for column, test in COMPARISONS}
        return np.bincount(groups.of_row, minlength=groups.count), by_mark, compared
    if journal is not None and _blank(journal):  # no journal mark at all (a country's column of blanks)
        none = pd.arrays.IntegerArray(np.zeros(groups.count, dtype=np.int64), np.ones(groups.count, dtype=bool))
        return (*_by_mark(groups, mark, None, whole)[:2], {column: none.copy() for column, _ in COMPARISONS})
    table = _mark_table(groups, mark, journal)  # mark 2, 3, 4, 5, none × journal mark none, 1–5 × key
    per_mark = table.sum(axis=1)
    no_mark = per_mark[:4].sum(axis=0) == 0
    by_mark = {column: pd.arrays.IntegerArray(per_mark[position].astype(np.int64, copy=False), no_mark)
               for position, column in enumerate(MARK_COUNTS)}
    compared = {}
    if journal is not None:
        both = table[:4, 1:]  # mark 2–5 × journal mark 1–5 × key
        neither = both.sum(axis=(0, 1)) == 0
        for column, test in COMPARISONS:
            cells = test(_MARKS[:, np.newaxis], _JOURNAL_MARKS[np.newaxis, :])
            compared[column] = pd.arrays.IntegerArray(both[cells].sum(axis=0).astype(np.int64, copy=False), neither)
    return per_mark.sum(axis=0), by_mark, compared


def _blank(values: np.ndarray) -> bool:
    """Every value (NaN or a mark) is NaN, or there is none: by the greatest of them, no row-long temporary."""
    return bool(np.fmax.reduce(values, initial=-np.inf) == -np.inf)


def _mark_table(groups: Groups, mark: np.ndarray, journal: np.ndarray | None) -> np.ndarray:
    """The rows counted per key (marks 2–5 and NaN; journal marks 1–5 and NaN), by mark (2, 3, 4, 5, none) and
    journal mark (none, 1, 2, 3, 4, 5; only «none» without ``journal``): 5 × 6 (or × 1) × key counts from one
    ``bincount`` over the row's mark, journal mark and key as one number (the key last: what is added up over marks
    is a key's counts side by side). The number is made ``_BLOCK`` rows at a time in decimals (whole numbers far
    below 2**53: exact), in buffers that stay in the cache."""
    journals = 1 if journal is None else 6
    code = np.empty(len(mark), dtype=np.int64)
    part, other = np.empty(min(len(mark), _BLOCK)), np.empty(min(len(mark), _BLOCK))
    for start in range(0, len(mark), _BLOCK):
        stop = min(start + _BLOCK, len(mark))
        value, extra = part[:stop - start], other[:stop - start]
        np.fmin(mark[start:stop], 6.0, out=value)  # NaN (no mark) is 6
        value -= 2.0
        if journal is not None:
            value *= journals
            value += np.fmax(journal[start:stop], 0.0, out=extra)  # NaN (none) is 0
        value *= groups.count
        value += groups.of_row[start:stop]
        np.copyto(code[start:stop], value, casting="unsafe")
    return np.bincount(code, minlength=5 * journals * groups.count).reshape(5, journals, groups.count)


def _score_counts(groups: Groups, score: np.ndarray, has_score: np.ndarray, participants: np.ndarray,
                  bands: Sequence[tuple[int, int]]) -> dict[str, pd.api.extensions.ExtensionArray]:
    """Per key: the rows in each score band, the number of scores, their sum and sum of squares (missing where no
    row has a score). Over the rows as they stand where each has a score (no copy of keys and scores), over none
    where none has; sums in row order either way."""
    scored = np.count_nonzero(has_score)
    if scored == len(score):
        key, scores, present = groups.of_row, score, participants
    elif not scored:
        key, scores, present = groups.of_row[:0], score[:0], np.zeros(groups.count, dtype=np.int64)
    else:
        key, scores = groups.of_row[has_score], score[has_score]
        present = np.bincount(key, minlength=groups.count)
    missing = present == 0
    counted = {}
    if bands and scored:
        lowest, highest = scores.min(), scores.max()
        within, below = np.empty(len(scores), dtype=bool), np.empty(len(scores), dtype=bool)
    for low, high in bands:
        if not scored or high < lowest or low > highest:  # no score in the band
            counts = np.zeros(groups.count, dtype=np.int64)
        elif low <= lowest and highest <= high:  # every score in it
            counts = present.astype(np.int64)
        else:
            np.greater_equal(scores, low, out=within)
            within &= np.less_equal(scores, high, out=below)
            counts = np.bincount(key[within], minlength=groups.count).astype(np.int64)
        counted[band_column(low, high)] = pd.arrays.IntegerArray(counts, missing)
    counted["score_n"] = pd.arrays.FloatingArray(present.astype(float), missing)
    counted["score_sum"] = _sums(groups, key, scores, missing)
    squares = np.multiply(scores, scores, out=scores if scores is not score else None)
    counted["score_sumsq"] = _sums(groups, key, squares, missing)
    return counted


def only_marks(values: np.ndarray) -> bool:
    """Every value is a mark 2, 3, 4 or 5 or NaN: looked at through the few distinct values (a hash, no sort and no
    row-long temporary)."""
    distinct = pd.unique(values)
    return bool(np.isin(distinct[~np.isnan(distinct)], (2.0, 3.0, 4.0, 5.0)).all())


def _sums(groups: Groups, key: np.ndarray, values: np.ndarray, missing: np.ndarray) -> pd.arrays.FloatingArray:
    """Per key: the sum of ``values`` over its rows (``key``: each row's key) in row order; ``missing`` as given."""
    sums = np.bincount(key, weights=values, minlength=groups.count)
    return pd.arrays.FloatingArray(sums.astype(float), missing)


def _maximum(groups: Groups, has_mark: np.ndarray) -> np.ndarray:
    """Per row: the highest score a result can have (100 for an ЕГЭ test score, else the scale's maximum; NaN
    without a scale)."""
    is_ege_score = groups.rows(groups.ege) & ~has_mark
    return np.where(is_ege_score, EGE_MAX, groups.rows(groups.scale[:, 0]))


EGE_MAX = 100.0
# Kinds of participant rows left out, and the share of a file's participants above which they are an error.
SCORE_NOT_NUMBER_MARK_KEPT = "в ячейке балла не число — участник учтён по отметке, без балла"
LEFT_OUT_KINDS = ("score_over_max", "score_negative", "score_not_number")
LEFT_OUT_LIMIT = 0.05
JOURNAL_NOT_MARK = (
    "отметка по журналу — не отметка от 1 до 5 («нет отметки», буква) — участники учтены без отметки по журналу"
)


def _scores(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The scores (NaN where blank or not a number), and where a cell holds text that is not a number."""
    if "score" not in frame:
        return np.full(len(frame), np.nan), np.zeros(len(frame), dtype=bool)
    values, invalid = to_number(frame["score"])
    return values.to_numpy(dtype=float, na_value=np.nan), invalid.to_numpy(dtype=bool)


def _left_out(log: SheetLog, rows: pd.Series, score: np.ndarray, maximum: np.ndarray, over, negative,
              not_number) -> None:
    numbers = rows.to_numpy()
    for top in dict.fromkeys(maximum[over].tolist()):  # one kind per maximum, in the order met
        where = over & (maximum == top)
        first = f"балл {score[where][0]:g}"
        log.issue("score_over_max", f"балл больше максимального по шкале ({top:g}) — не учтены", numbers[where],
                  example=first)
    log.issue("score_negative", "отрицательный балл — не учтены", numbers[negative],
              example=f"балл {score[negative][0]:g}"
              if negative.any() else "")
    log.issue("score_not_number", "в ячейке балла не число — не учтены", numbers[not_number], example="не число")


def _journal(frame: pd.DataFrame, rows: pd.Series, log: SheetLog) -> np.ndarray:
    """Journal marks 1–5 (NaN where blank); a cell that holds anything else is set aside and told to ``log``."""
    if "journal_mark" not in frame:
        return np.full(len(frame), np.nan)
    values, invalid = to_number(frame["journal_mark"])
    numbers = values.to_numpy(dtype=float, na_value=np.nan)
    is_mark = (numbers >= 1) & (numbers <= 5) & (numbers == np.round(numbers))
    not_mark = invalid.to_numpy(dtype=bool) | (~np.isnan(numbers) & ~is_mark)
    log.issue("journal_not_mark", JOURNAL_NOT_MARK, rows.to_numpy()[not_mark], left_out=False)
    return np.where(is_mark, numbers, np.nan)


def check_left_out(log: SheetLog, source: Source, participants: int) -> None:
    """Rows left out are the data-entry errors of a few pupils; when they are more than 5 % of a file's
    participants, a column or the scale is wrong, and that is an error naming them."""
    left = [i for i in log.issues if i.kind in LEFT_OUT_KINDS]
    count = sum(i.count for i in left)
    total = participants + count
    if not left or count <= LEFT_OUT_LIMIT * total:
        return
    worst = max(left, key=lambda i: i.count)
    share = format_percent(count / total)
    raise UserError(
        f"{worst.example} {worst.label.split(' — ')[0].removeprefix('балл ')} "
        f"({rows_phrase(worst.rows, worst.count)}): "
        f"такие строки — {count} из {total} участников ({share}), больше 5 %.",
        source.place(worst.rows[0], "score"),
        "Так много ошибок бывает, когда выбран не тот столбец баллов или не та шкала: проверьте столбец и шкалу "
        "процедуры (--scales).",
    )


def _numbers(frame: pd.DataFrame, column: str, rows: pd.Series, source: Source, **check) -> np.ndarray:
    """The column's numbers (NaN where blank), or all NaN when the file has no such column."""
    if column not in frame:
        return np.full(len(frame), np.nan)
    values = require_numbers(frame[column], rows, source.place(), source.label(column), **check)
    return values.to_numpy(dtype=float, na_value=np.nan)


def _float_column(values: np.ndarray) -> pd.arrays.FloatingArray:
    """Float64 with NaN as missing."""
    missing = np.isnan(values)
    return pd.arrays.FloatingArray(np.where(missing, 0.0, values), missing)


def _pairs(groups: Groups, score: np.ndarray, journal: np.ndarray | None, has_score: np.ndarray) -> pd.DataFrame:
    """The (key, score, journal mark) of each row of the procedures ``Groups.paired`` with both a score and a
    journal mark."""
    if journal is None or not groups.paired.any() or _blank(journal):
        return pd.DataFrame({"key": groups.of_row[:0], "score": score[:0],
                             "journal": np.empty(0) if journal is None else journal[:0]})
    wanted = groups.rows(groups.paired)
    wanted &= has_score
    wanted &= np.equal(journal, journal, out=np.empty(len(journal), dtype=bool))  # not NaN
    return pd.DataFrame({"key": groups.of_row[wanted], "score": score[wanted], "journal": journal[wanted]})


def _histogram(groups: Groups, score: np.ndarray, has_score: np.ndarray) -> pd.DataFrame:
    """Participants at each mark boundary of the scale and one point below it: all that the boundary-peak marker
    looks at (the whole distribution of a country is as long as its participant rows). A procedure without a
    scale has no boundaries: nothing is kept."""
    # the boundaries are looked at for these alone; a key without any boundary (no scale) has no row near one
    bounded = groups.scored & ~np.isnan(groups.scale[:, 1:]).all(axis=1)
    if not bounded.any():
        looked_at = np.zeros(0, dtype=bool)
    elif bounded.all():
        looked_at = has_score
    else:
        looked_at = groups.rows(bounded)
        looked_at &= has_score
    if len(looked_at) and looked_at.all():  # every row: the keys and scores as they stand, not copied
        scored, key_of, candidates = None, groups.of_row, score
    else:
        scored = np.flatnonzero(looked_at)
        key_of, candidates = groups.of_row[scored], score[scored]
    del looked_at
    # per row: which of the six tests (at mark3, one point below it, at mark4 … below mark5) its score meets, a bit
    # each; within a key a score meets its own tests, and the first of them stands for it: (key, test) for (key,
    # score)
    met = np.zeros(len(key_of), dtype=np.uint8)
    boundary, equal = np.empty(len(key_of)), np.empty(len(key_of), dtype=bool)  # reused: no temporary per test
    for column in (1, 2, 3):  # mark3, mark4, mark5: a column at a time, not a rows × 3 table
        # "clip": not buffered as "raise" is (the keys are in range)
        np.take(groups.scale[:, column], key_of, out=boundary, mode="clip")
        for below in (False, True):
            if below:
                boundary -= 1
            met <<= 1
            met |= np.equal(candidates, boundary, out=equal).view(np.uint8)
    del candidates, boundary, equal
    found = np.flatnonzero(met)
    pair = key_of[found]
    pair *= _TESTS
    pair += _FIRST_TEST[met[found]]
    del key_of, met
    near = found if scored is None else scored[found]
    del found, scored
    firsts, counts = _first_and_count(pair, near, _TESTS * groups.count)
    return pd.DataFrame({"key": groups.of_row[firsts], "score": score[firsts], "count": counts})


_TESTS = 6  # the histogram's tests of a score: at each of three boundaries or one point below
# the first test met (0–5) of the tests met, a bit each, the first the highest
_FIRST_TEST = np.array([0] + [_TESTS - int(met).bit_length() for met in range(1, 1 << _TESTS)], dtype=np.int64)


def _first_and_count(code: np.ndarray, row: np.ndarray, codes: int) -> tuple[np.ndarray, np.ndarray]:
    """Per distinct value of ``code`` (each from 0 to ``codes`` − 1), in order of first appearance: its first
    ``row`` and how many it has. By tables as long as ``codes`` where they are not much longer than ``code``, else by
    a hash."""
    if codes > 4 * len(code) + 1024:
        numbers, _ = pd.factorize(code)
        return row[first_rows(numbers)], np.bincount(numbers)
    counts = np.bincount(code, minlength=codes)
    first = np.full(codes, len(code), dtype=np.int64)
    np.minimum.at(first, code, np.arange(len(code)))
    is_first = np.zeros(len(code), dtype=bool)
    is_first[first[counts > 0]] = True
    firsts = np.flatnonzero(is_first)  # in order of appearance
    return row[firsts], counts[code[firsts]]


def _marks_by_scale(groups: Groups, score: np.ndarray, needing: np.ndarray, rows: Sequence[int],
                    source: Source) -> np.ndarray:
    """Marks from primary scores with the scale of each procedure; a procedure without a scale is an error (the
    first procedure met without one is named)."""
    unscaled = needing & np.isnan(groups.rows(groups.scale[:, 0]))
    if unscaled.any():
        first = int(np.flatnonzero(unscaled)[0])
        key = groups.keys.iloc[groups.of_row[first]]
        raise missing_scale(key["year"], key["assessment"], key["subject"], key["grade"],
                            source.place(int(rows[first])))
    marks, boundary = np.full(len(score), 2.0), np.empty(len(score))
    for column in (1, 2, 3):  # mark3, mark4, mark5: a column at a time into one buffer, not a rows × 4 table
        np.take(groups.scale[:, column], groups.of_row, out=boundary, mode="clip")
        marks += score >= boundary
    marks[~needing] = np.nan
    return marks


def _ege_counts(groups: Groups, is_ege_score: np.ndarray, score: np.ndarray, rows: Sequence[int], source: Source,
                high: float) -> dict[str, pd.arrays.IntegerArray]:
    """Per key: the ЕГЭ test scores below the minimum of their subject and year and those from ``high`` up (missing
    where the key has none), over those rows alone (every row as it stands where all are such)."""
    if is_ege_score.all():
        where, key, scores = None, groups.of_row, score
    else:
        where = np.flatnonzero(is_ege_score)
        key, scores = groups.of_row[where], score[where]
    minimums = ege_minimums()
    by_procedure = np.array([minimums.get((year, subject), np.nan) for year, _, subject, _ in groups.procedures])
    minimum = np.where(groups.ege, by_procedure[groups.procedure], np.nan)[key]  # per row
    unknown = np.isnan(minimum)
    if unknown.any():
        first = int(np.flatnonzero(unknown)[0])
        if where is not None:
            first = int(where[first])
        named = groups.keys.iloc[groups.of_row[first]]
        raise UserError(
            f"нет минимального балла ЕГЭ по предмету «{named['subject']}» за {named['year']} год.",
            source.place(int(rows[first])),
            "Дайте результаты этой процедуры итогами по школе (столбцы «ниже порога», «высокие результаты»).",
        )
    missing = np.bincount(key, minlength=groups.count) == 0
    np.less(scores, minimum, out=unknown)
    below = np.bincount(key[unknown], minlength=groups.count)
    np.greater_equal(scores, high, out=unknown)
    above = np.bincount(key[unknown], minlength=groups.count)
    return {"below_min": pd.arrays.IntegerArray(below.astype(np.int64), missing),
            "high": pd.arrays.IntegerArray(above.astype(np.int64), missing.copy())}
