"""Mentor schools (школы-наставники) that an official can sign off: for each ШНОР, per subject behind the criteria it
met (core → Russian and maths; never a subject it did not sit), a school with the `ok` status that sat the same
assessments in the subject with enough participants and is clearly stronger than the region and than its mentee —
the strongest first, then the same municipality, then the same type; at most ``max_mentees`` schools per mentor.
The rules' ``mentors:`` section sets the margins (``shnor.rules.model.Mentors``). No suitable school → «не найдена»,
with the reason.

The window's procedures are taken apart once into codes and sums (``_Table``): the `ok` schools' sums per subject and
assessment, each ШНОР's own sums and the subjects behind its criteria come out of whole-array operations. What stays
one ШНОР at a time is the choice itself — ШНОР by ШНОР in the order of their ids, as an official would assign them —
because a mentor taken ``max_mentees`` times is no longer free for the next: ``shnor.report.mentor_choice``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from shnor.indicators.codes import dense
from shnor.indicators.shares import select
from shnor.report.mentor_choice import Pool, ratios
from shnor.report.model import collector_paused
from shnor.rules.base import Scope
from shnor.rules.evaluate import Evaluation, LeafResult
from shnor.rules.kinds_procedures import ConsecutiveCriterion, ProceduresCriterion
from shnor.rules.kinds_results import INDICATORS
from shnor.rules.model import Mentors
from shnor.vocabulary import Status

_SUMS = ["participants", "fail", "fail_base", "high", "high_base"]
_COLUMNS = ["assessment", "subject", "grade", "school_id", "group", "participants", "fail", "high"]


def suggest(
    window_procedures: pd.DataFrame, schools: pd.DataFrame, evaluation: Evaluation, config: Mentors
) -> list[dict]:
    status = evaluation.status
    listed = sorted(status.index[status == Status.SHNOR].tolist())
    if not listed:
        return []
    ok = sorted(status.index[status == Status.OK].tolist())
    frame = window_procedures[_COLUMNS]  # the window's own columns, not copies
    table = _Table(frame, listed, ok)
    behind = _subjects_behind(table, listed, evaluation.explanations, frame)
    # From here on, what is made (a country's 24 000 choices, hundreds of thousands of lists and strings) lives on in
    # the report or is freed at once, never by a cycle: the collector is not let look at all the objects of the run
    # again each time their number grows (a tenth of the time of the choice).
    with collector_paused():
        own = table.own_shares()
        pool = Pool(ok, schools, *table.of_ok_and_totals(), config)
        del table  # the rows' codes: a country's are hundreds of megabytes
        return [_entry(school, behind[position], own, position, pool) for position, school in enumerate(listed)]


def _entry(school: str, subjects: list[str], own: _OwnShares, position: int, pool: Pool) -> dict:
    """The mentors of one ШНОР, subject by subject, or why there is none."""
    entry: dict = {"school_id": school, "weak_subjects": subjects, "mentors": [], "not_found": []}
    if not subjects:
        entry["not_found"].append(
            {"subject": "", "reason": "не найдена: критерии, по которым школа в перечне, не связаны с предметами"}
        )
    for subject in subjects:
        chosen, why = pool.choose(school, subject, *own.of(position, subject))
        entry["mentors"] += chosen
        if why:
            entry["not_found"].append({"subject": subject, "reason": why})
    return entry


class _Table:
    """The window's procedures as numbers: subject, assessment and school as codes, the sums as floats (missing → 0)."""

    def __init__(self, frame: pd.DataFrame, listed: list[str], ok: list[str]) -> None:
        # A country's window has millions of rows: codes and sums are kept in the narrowest type that holds them
        # exactly (sums of one procedure are whole numbers, exact in float32; they are added up in float64), and
        # widened to int64 wherever codes are combined.
        self.subject, self.subjects = _factorize(frame["subject"])  # missing → -1
        self.assessment, self.assessments = _factorize(frame["assessment"])
        self.group, self.groups = _factorize(frame["group"])
        school, ids = pd.factorize(frame["school_id"])
        school, ids = _narrow(school), pd.Index(ids, dtype=object)
        self.listed = _positions(ids, listed, -1)[school]  # the row's school among the listed ones, or -1
        self.ok = _positions(ids, ok, len(ok))[school]  # ... among the `ok` ones, or len(ok)
        del school
        self.grade = frame["grade"].to_numpy(dtype=np.float32, na_value=np.nan)
        participants = frame["participants"].to_numpy(dtype=np.float32, na_value=0.0)
        self.values = [  # as _SUMS; a base: the participants of the procedures where the count is known
            participants,
            frame["fail"].to_numpy(dtype=np.float32, na_value=0.0),
            np.where(frame["fail"].notna().to_numpy(), participants, np.float32(0)),
            frame["high"].to_numpy(dtype=np.float32, na_value=0.0),
            np.where(frame["high"].notna().to_numpy(), participants, np.float32(0)),
        ]
        self.known = (self.subject >= 0) & (self.assessment >= 0)
        self.n_listed, self.n_ok = len(listed), len(ok)

    def of_ok_and_totals(self) -> tuple[dict[tuple[str, str], list[np.ndarray]], dict[tuple[str, str], np.ndarray]]:
        """Per (subject, assessment) that the data has: the sums of every `ok` school (as _SUMS, each over the `ok`
        schools, zero where one did not sit), and the region's sums (_SUMS). One pass over the rows, by `ok` school
        and one more for all the others."""
        count = len(self.subjects) * len(self.assessments)
        pair = self.subject.astype(np.int64) * len(self.assessments) + self.assessment
        pair[~self.known] = count  # the rows without either: counted apart
        present = np.bincount(pair, minlength=count + 1)[:count] > 0
        pairs = np.flatnonzero(present)
        dense = _narrow(np.append(np.cumsum(present) - 1, len(pairs)))[pair]  # the row's number among the pairs
        del pair
        width = self.n_ok + 1
        key = dense.astype(np.int64) * width + self.ok
        del dense
        sums = [np.bincount(key, values, (len(pairs) + 1) * width).reshape(-1, width) for values in self.values]
        totals = np.stack([part.sum(axis=1) for part in sums], axis=1)
        names = [self._names(value) for value in pairs.tolist()]
        of_ok = {name: [part[i, : self.n_ok] for part in sums] for i, name in enumerate(names)}
        return of_ok, {name: totals[i] for i, name in enumerate(names)}

    def own_shares(self) -> _OwnShares:
        """Each ШНОР's assessments and shares per subject, over the procedures it sat (participants > 0)."""
        rows = np.flatnonzero(self.known & (self.listed >= 0) & (self.values[0] > 0))
        key = self.listed[rows].astype(np.int64) * len(self.subjects) + self.subject[rows]
        size = self.n_listed * len(self.subjects)
        sums = [np.bincount(key, values[rows], size) for values in self.values]
        sat = np.bincount(key * len(self.assessments) + self.assessment[rows], minlength=size * len(self.assessments))
        bits = (sat.reshape(size, len(self.assessments)) > 0) @ (1 << np.arange(len(self.assessments), dtype=np.int64))
        names = {  # the assessments of a set of bits, by name
            value: tuple(sorted(name for code, name in enumerate(self.assessments) if value >> code & 1))
            for value in np.unique(bits).tolist()
        }
        return _OwnShares(
            {name: code for code, name in enumerate(self.subjects)},
            [names[value] for value in bits.tolist()],
            ratios(sums[3], sums[4]).tolist(),
            ratios(sums[1], sums[2]).tolist(),
        )

    def in_scope(self, rows: np.ndarray, assessments, subjects, grades) -> np.ndarray:
        """Which of ``rows`` a criterion's scope takes (as ``shnor.indicators.shares.select``)."""
        mask = np.ones(len(rows), dtype=bool)
        if assessments is not None:
            mask &= _member(self.assessment[rows], [name in assessments for name in self.assessments])
        if subjects in ("core", "other"):
            mask &= _member(self.group[rows], [name == subjects for name in self.groups])
        elif subjects is not None:
            mask &= _member(self.subject[rows], [name in subjects for name in self.subjects])
        if grades is not None:
            mask &= np.isin(self.grade[rows], list(grades))
        return mask

    def _names(self, pair: int) -> tuple[str, str]:
        subject, assessment = divmod(int(pair), len(self.assessments))
        return self.subjects[subject], self.assessments[assessment]


def _positions(ids: pd.Index, wanted: list[str], missing: int) -> np.ndarray:
    """Per school code (and -1: the last), the position of the school in ``wanted``, or ``missing``."""
    where = pd.Index(wanted, dtype=object).get_indexer(ids)
    return _narrow(np.append(np.where(where >= 0, where, missing), missing))


def _factorize(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Codes (missing → -1) and names, as ``pd.factorize``, of a column of a few values, each in long runs down the
    rows (a window is sorted by assessment and subject): an Arrow column is cut into its runs first and only their
    values are factorized — a country's 2.4 million rows are a few dozen runs."""
    if not (isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow"):
        codes, names = pd.factorize(column)
        return _narrow(codes), [str(name) for name in names]
    array = pa.array(column)
    values: list = []
    lengths = [np.zeros(0, dtype=np.int64)]
    for chunk in array.chunks if isinstance(array, pa.ChunkedArray) else [array]:
        runs = pc.run_end_encode(chunk)
        values += runs.values.to_pylist()
        lengths.append(np.diff(runs.run_ends.to_numpy(), prepend=0))
    codes, names = pd.factorize(pd.Series(values, dtype=object))
    return np.repeat(_narrow(codes), np.concatenate(lengths)), [str(name) for name in names]


def _narrow(codes: np.ndarray) -> np.ndarray:
    """Codes (-1 and up) in the smallest signed integer type that holds them."""
    top = int(codes.max(initial=0))
    kind = np.int8 if top < 1 << 7 else np.int16 if top < 1 << 15 else np.int32 if top < 1 << 31 else np.int64
    return codes.astype(kind, copy=False)


def _member(codes: np.ndarray, allowed: list[bool]) -> np.ndarray:
    """Per code, whether its value is allowed (code -1, a missing value: never)."""
    return np.append(np.array(allowed, dtype=bool), False)[codes]


def _scope(leaf: LeafResult) -> tuple | None:
    """(assessments, subjects, grades, measure) a leaf looked at, or None where it looked at no subject."""
    criterion = leaf.criterion
    spec = INDICATORS.get(getattr(criterion, "indicator", None) or "")
    if spec is not None and spec.measure is not None:
        return None, spec.subjects, None, spec.measure
    if isinstance(criterion, Scope) and not isinstance(criterion, (ProceduresCriterion, ConsecutiveCriterion)):
        measure = getattr(criterion, "measure", None)
        return (
            criterion.assessments,
            criterion.subjects,
            criterion.grades,
            measure if isinstance(measure, str) else None,
        )
    return None


def _subjects_behind(
    table: _Table, listed: list[str], explanations: dict[str, list[LeafResult]], frame: pd.DataFrame
) -> list[list[str]]:
    """Per ШНОР, the subjects behind the criteria it met, that it sat: those of the procedures counted; those of a
    share's scope (for «other subjects» or all subjects, only those where it is below the region). One pass over the
    ШНОР's procedures per criterion, for all the ШНОР it holds."""
    found: list[set[str]] = [set() for _ in listed]
    leaves: dict[int, tuple[LeafResult, list[int]]] = {}
    for position, school in enumerate(listed):
        for leaf in explanations.get(school, []):
            if leaf.subjects is not None:
                found[position].update(leaf.subjects.get(school, []))
            else:
                leaves.setdefault(id(leaf), (leaf, []))[1].append(position)
    rows = np.flatnonzero((table.listed >= 0) & (table.values[0] > 0))  # the procedures the ШНОР sat
    school, subject = table.listed[rows].astype(np.int64), table.subject[rows].astype(np.int64)
    regions: dict[tuple, dict[str, float]] = {}  # the region's share per subject, by scope
    for leaf, positions in leaves.values():
        scope = _scope(leaf)
        if scope is None:
            continue
        assessments, subjects, grades, measure = scope
        member = np.zeros(len(listed), dtype=bool)
        member[positions] = True
        taken = np.flatnonzero(member[school] & (subject >= 0) & table.in_scope(rows, assessments, subjects, grades))
        codes = school[taken] * len(table.subjects) + subject[taken]
        pairs, inverse = dense(codes, len(listed) * len(table.subjects))
        owner, name = np.divmod(pairs, len(table.subjects))
        keep = np.ones(len(pairs), dtype=bool)
        names = np.bincount(owner, minlength=len(listed))
        if subjects in (None, "other") and measure in ("fail", "high") and (names > 1).any():
            key = (str(assessments), str(subjects), str(grades), measure)
            if key not in regions:
                regions[key] = _shares(select(frame, assessments, subjects, grades), measure).to_dict()
            column = _SUMS.index(measure)
            count = np.bincount(inverse, table.values[column][rows[taken]], len(pairs))
            base = np.bincount(inverse, table.values[column + 1][rows[taken]], len(pairs))
            region = np.array([_float(regions[key].get(table.subjects[code])) for code in name.tolist()])
            with np.errstate(invalid="ignore", divide="ignore"):
                share = count / base
                worse = (base != 0) & ~np.isnan(region) & ((share > region) if measure == "fail" else (share < region))
            worse_schools = np.bincount(owner, worse, len(listed)) > 0
            keep = (names[owner] <= 1) | ~worse_schools[owner] | worse
        for position, code in zip(owner[keep].tolist(), name[keep].tolist()):
            found[position].add(table.subjects[code])
    return [sorted(names, key=_first_key) for names in found]


_FIRST = ("Русский язык", "Математика")


def _first_key(name: str) -> tuple:
    return (_FIRST.index(name) if name in _FIRST else len(_FIRST), name)


def _float(value) -> float:
    return float("nan") if value is None else float(value)


def _shares(frame: pd.DataFrame, measure: str) -> pd.Series:
    """The share of ``measure`` per subject, pooled over the rows of ``frame``; its base — the participants of the
    procedures where ``measure`` is known."""
    frame = frame.assign(**{f"{measure}_base": frame["participants"].where(frame[measure].notna())})
    sums = frame.groupby("subject", observed=True)[[measure, f"{measure}_base"]].sum()
    return (sums[measure] / sums[f"{measure}_base"].where(sums[f"{measure}_base"] > 0)).astype(float)


@dataclass(frozen=True)
class _OwnShares:
    """Each ШНОР's assessments (by name) and shares of «4» and «5» and of «2» per subject: at its position × the
    number of subjects + the subject's code."""

    codes: dict[str, int]
    assessments: list[tuple[str, ...]]
    high: list[float]
    fail: list[float]

    def of(self, position: int, subject: str) -> tuple[tuple[str, ...], float, float]:
        """No assessments and no shares where the ШНОР did not sit the subject."""
        code = self.codes.get(subject)
        if code is None:
            return (), float("nan"), float("nan")
        at = position * len(self.codes) + code
        return self.assessments[at], self.high[at], self.fail[at]
