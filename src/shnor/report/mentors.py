"""Mentor schools (школы-наставники) that an official can sign off: for each ШНОР, per subject behind the criteria it
met (core → Russian and maths; never a subject it did not sit), a school with the `ok` status that sat the same
assessments in the subject with enough participants and is clearly stronger than the region and than its mentee —
the strongest first, then the same municipality, then the same type; at most ``max_mentees`` schools per mentor.
The rules' ``mentors:`` section sets the margins (``shnor.rules.model.Mentors``). No suitable school → «не найдена»,
with the reason.

The window's procedures are taken apart once into codes and sums (``_Table``): the `ok` schools' sums per subject and
assessment, each ШНОР's own sums and the subjects behind its criteria come out of whole-array operations. What stays
one ШНОР at a time is the choice itself — ШНОР by ШНОР in the order of their ids, as an official would assign them —
because a mentor taken ``max_mentees`` times is no longer free for the next. It looks only at the head of a ranking
sorted once per subject and set of assessments (``_Scope.order``), not at every `ok` school.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from shnor.indicators.shares import select
from shnor.rules.base import Scope
from shnor.rules.evaluate import Evaluation, LeafResult
from shnor.rules.kinds_procedures import ConsecutiveCriterion, ProceduresCriterion
from shnor.rules.kinds_results import INDICATORS
from shnor.rules.model import Mentors
from shnor.russian import format_percent
from shnor.vocabulary import Status

_SUMS = ["participants", "fail", "fail_base", "high", "high_base"]
_HEAD = 64  # how much of the head of a ranking the first look takes (then 8 times more, until enough)
_COLUMNS = ["assessment", "subject", "grade", "school_id", "group", "participants", "fail", "high"]


def suggest(
    window_procedures: pd.DataFrame, schools: pd.DataFrame, evaluation: Evaluation, config: Mentors
) -> list[dict]:
    status = evaluation.status
    listed = sorted(status.index[status == Status.SHNOR])
    if not listed:
        return []
    ok = sorted(status.index[status == Status.OK])
    frame = window_procedures[_COLUMNS]  # the window's own columns, not copies
    table = _Table(frame, listed, ok)
    pool = _Pool(table, schools, ok, config)
    behind = _subjects_behind(table, listed, evaluation.explanations, frame)
    own = table.own_sums()
    result = []
    for position, school in enumerate(listed):
        subjects = behind[position]
        entry: dict = {"school_id": school, "weak_subjects": subjects, "mentors": [], "not_found": []}
        if not subjects:
            entry["not_found"].append(
                {"subject": "", "reason": "не найдена: критерии, по которым школа в перечне, не связаны с предметами"}
            )
        for subject in subjects:
            parts = own.get((position, subject), {})
            assessments = sorted(parts)
            sums = np.sum([parts[a] for a in assessments], axis=0) if assessments else np.zeros(len(_SUMS))
            chosen, why = pool.choose(school, subject, assessments, sums)
            entry["mentors"] += chosen
            if why:
                entry["not_found"].append({"subject": subject, "reason": why})
        result.append(entry)
    return result


class _Table:
    """The window's procedures as numbers: subject, assessment and school as codes, the sums as floats (missing → 0)."""

    def __init__(self, frame: pd.DataFrame, listed: list[str], ok: list[str]) -> None:
        # A country's window has millions of rows: codes and sums are kept in the narrowest type that holds them
        # exactly (sums of one procedure are whole numbers, exact in float32; they are added up in float64), and
        # widened to int64 wherever codes are combined.
        subject, subjects = pd.factorize(frame["subject"])  # missing → -1
        self.subject = _narrow(subject)
        del subject
        self.assessment, assessments = pd.factorize(frame["assessment"])
        self.assessment = _narrow(self.assessment)
        self.subjects = [str(name) for name in subjects]
        self.assessments = [str(name) for name in assessments]
        school, ids = pd.factorize(frame["school_id"])
        self.listed = _narrow(_positions(school, ids, listed))  # the row's school among the listed ones, or -1
        self.ok = _narrow(_positions(school, ids, ok))
        del school
        self.group, groups = pd.factorize(frame["group"])
        self.group = _narrow(self.group)
        self.groups = [str(name) for name in groups]
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

    def pair(self, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Subject and assessment as one code."""
        return self.subject[rows].astype(np.int64) * len(self.assessments) + self.assessment[rows]

    def of_ok(self) -> dict[tuple[str, str], np.ndarray]:
        """The sums of every `ok` school per (subject, assessment) that the data has: (`ok` schools × _SUMS)."""
        rows = np.flatnonzero(self.known & (self.ok >= 0))
        pairs, dense = self._dense(self.pair(rows))
        key = dense * self.n_ok + self.ok[rows]
        size = len(pairs) * self.n_ok
        stacked = np.stack([np.bincount(key, self.values[i][rows], size) for i in range(len(_SUMS))], axis=1)
        stacked = stacked.reshape(len(pairs), self.n_ok, len(_SUMS))
        return {self._names(pair): stacked[i] for i, pair in enumerate(pairs)}

    def totals(self) -> dict[tuple[str, str], np.ndarray]:
        """The region's sums per (subject, assessment): every school."""
        rows = np.flatnonzero(self.known)
        pairs, dense = self._dense(self.pair(rows))
        sums = np.stack([np.bincount(dense, self.values[i][rows], len(pairs)) for i in range(len(_SUMS))], axis=1)
        return {self._names(pair): sums[i] for i, pair in enumerate(pairs)}

    def _dense(self, pair: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The (subject, assessment) codes present, ascending, and each row's number among them."""
        present = np.bincount(pair, minlength=len(self.subjects) * len(self.assessments)) > 0
        return np.flatnonzero(present), (np.cumsum(present) - 1)[pair]

    def own_sums(self) -> dict[tuple[int, str], dict[str, np.ndarray]]:
        """Each ШНОР's sums per subject and assessment over the procedures it sat (participants > 0)."""
        rows = np.flatnonzero(self.known & (self.listed >= 0) & (self.values[0] > 0))
        key = self.listed[rows].astype(np.int64) * (len(self.subjects) * len(self.assessments)) + self.pair(rows)
        keys, inverse = np.unique(key, return_inverse=True)
        sums = np.stack([np.bincount(inverse, self.values[i][rows], len(keys)) for i in range(len(_SUMS))], axis=1)
        found: dict[tuple[int, str], dict[str, np.ndarray]] = {}
        pairs = len(self.subjects) * len(self.assessments)
        for i, value in enumerate(keys.tolist()):
            school, pair = divmod(value, pairs)
            subject, assessment = self._names(pair)
            found.setdefault((school, subject), {})[assessment] = sums[i]
        return found

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


def _positions(codes: np.ndarray, uniques, wanted: list[str]) -> np.ndarray:
    """Per row, the position of its school in ``wanted`` (-1 if not there)."""
    where = pd.Index(wanted, dtype=object).get_indexer(pd.Index(uniques, dtype=object))
    return np.append(where, -1)[codes]


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
        pairs, inverse = np.unique(school[taken] * len(table.subjects) + subject[taken], return_inverse=True)
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
class _Scope:
    """The `ok` schools in one subject and set of assessments: their participants and shares, who sat enough, and the
    strong enough against the region (before the mentee's own shares are compared) ranked once: ``order`` — their
    positions among the `ok` schools, the strongest first (more «4» and «5», then fewer «2», then the id);
    ``rank_high`` and ``rank_fail`` — minus the high share and the share of «2» along ``order``; ``tie_end`` — where the
    run of schools as strong as this one ends."""

    region_high: float
    region_fail: float
    known_high: bool
    min_high: float
    max_fail: float
    participants: np.ndarray
    high: np.ndarray
    fail: np.ndarray
    any_sat: bool
    order: np.ndarray
    rank_high: np.ndarray
    rank_fail: np.ndarray
    tie_end: np.ndarray


class _Pool:
    """The `ok` schools as arrays per (subject, assessment), the region's sums, and how many mentees each mentor has
    so far."""

    def __init__(self, table: _Table, schools: pd.DataFrame, ok: list[str], config: Mentors) -> None:
        self.ok = ok
        self.config = config
        self.load = np.zeros(len(ok), dtype=int)  # mentees per mentor
        self.taken: dict[str, list[int]] = {}  # mentee → its mentors
        columns = {name: schools[name].fillna("").astype(object).tolist() for name in ("municipality", "type")}
        self._about = dict(
            zip(
                schools["school_id"].astype(object).tolist(),
                zip(schools["school_name"].fillna("").astype(object).tolist(), columns["municipality"],
                    columns["type"]),
            )
        )
        # municipalities and types as numbers: one comparison over the candidates per choice
        about = [self._about.get(school, ("", "", "")) for school in ok]
        self.municipality, places = pd.factorize(pd.Index([a[1] for a in about], dtype=object))
        self.kind, kinds = pd.factorize(pd.Index([a[2] for a in about], dtype=object))
        self._places = {value: code for code, value in enumerate(places)}
        self._kinds = {value: code for code, value in enumerate(kinds)}
        self._arrays = table.of_ok()
        self._totals = table.totals()
        self._scopes: dict[tuple[str, tuple[str, ...]], _Scope] = {}

    def _of_ok(self, subject: str, assessment: str) -> np.ndarray:
        """The sums of every `ok` school in one subject and assessment: (schools × _SUMS), zero where it did not sit."""
        found = self._arrays.get((subject, assessment))
        return found if found is not None else np.zeros((len(self.ok), len(_SUMS)))

    def _region(self, subject: str, assessments: list[str]) -> np.ndarray:
        """The region's sums over the assessments in one subject (as _SUMS)."""
        total = np.zeros(len(_SUMS))
        for assessment in assessments:
            found = self._totals.get((subject, assessment))
            if found is not None:
                total += found
        return total

    def _scope(self, subject: str, assessments: tuple[str, ...]) -> _Scope:
        """What does not depend on the mentee, once per subject and assessments (a country has thousands of ШНОР)."""
        key = (subject, assessments)
        if key not in self._scopes:
            config = self.config
            region = self._region(subject, list(assessments))
            region_high, region_fail = _ratio(region[3], region[4]), _ratio(region[1], region[2])
            arrays = [self._of_ok(subject, a) for a in assessments]
            totals = sum(arrays)
            every = np.logical_and.reduce([a[:, 0] > 0 for a in arrays])
            participants = totals[:, 0]
            high, fail = _ratios(totals[:, 3], totals[:, 4]), _ratios(totals[:, 1], totals[:, 2])
            sat = every & (participants >= config.min_participants)
            # where the data has no high results in the subject (ЕГЭ base maths, a table without high bands), the
            # share of «2» alone decides
            known_high = not np.isnan(region_high)
            min_high = config.min_high_share if config.min_high_share is not None else region_high + config.high_margin
            max_fail = config.max_fail_share if config.max_fail_share is not None else region_fail
            with np.errstate(invalid="ignore"):
                strong = sat & (fail <= max_fail + 1e-9) & ~np.isnan(fail)
                if known_high:
                    strong &= high >= min_high - 1e-9
            ranked = high if known_high else np.nan_to_num(high, nan=-1.0)  # no high results: every school the same
            positions = np.flatnonzero(strong)
            order = positions[np.lexsort((positions, fail[positions], -ranked[positions]))]
            rank_high, rank_fail = -ranked[order], fail[order]
            ends = np.append(np.flatnonzero((rank_high[1:] != rank_high[:-1]) | (rank_fail[1:] != rank_fail[:-1])) + 1,
                             len(order))
            tie_end = ends[np.searchsorted(ends, np.arange(len(order)), side="right")]
            self._scopes[key] = _Scope(region_high, region_fail, known_high, min_high, max_fail, participants,
                                       ranked, fail, bool(sat.any()), order, rank_high, rank_fail, tie_end)
        return self._scopes[key]

    def _candidates(self, scope: _Scope, mine: list[int], own_high: float, own_fail: float) -> tuple[np.ndarray, bool]:
        """Positions along ``scope.order`` of the free schools stronger than the mentee: enough of the head of the
        ranking to hold the best ``per_subject`` and every school as strong as the last of them; and whether any school
        at all is stronger than the mentee (free or not)."""
        config = self.config
        end = len(scope.order)
        if scope.known_high and not np.isnan(own_high):
            end = int(np.searchsorted(scope.rank_high, -own_high, side="left"))  # the high share above the mentee's
        full = [mentor for mentor in mine if self.load[mentor] >= config.max_mentees]
        limit = _HEAD
        while True:
            stop = min(limit, end)
            head = scope.order[:stop]
            stronger = scope.rank_fail[:stop] < own_fail if not np.isnan(own_fail) else np.ones(stop, dtype=bool)
            free = self.load[head] < config.max_mentees
            for mentor in full:  # its own mentors stay free for the mentee
                free |= head == mentor
            found = np.flatnonzero(stronger & free)
            if len(found) >= config.per_subject:
                last = min(int(scope.tie_end[found[config.per_subject - 1]]), end)
                if last <= stop:
                    return found[found < last], True
            if stop == end:
                return found, bool(stronger.any())
            limit *= 8

    def choose(
        self, mentee: str, subject: str, assessments: list[str], own: np.ndarray
    ) -> tuple[list[dict], str | None]:
        """Mentors for one ШНОР in one subject (``own``: its sums over ``assessments``), or why there is none."""
        config = self.config
        where = f"{', '.join(assessments)} по предмету «{subject}»"
        if not assessments:
            return [], f"не найдена: школа не сдавала предмет «{subject}» в окне"
        scope = self._scope(subject, tuple(assessments))
        participants, high, fail = scope.participants, scope.high, scope.fail
        region_high, region_fail, known_high = scope.region_high, scope.region_fail, scope.known_high
        min_high, max_fail = scope.min_high, scope.max_fail
        own_high, own_fail = _ratio(own[3], own[4]), _ratio(own[1], own[2])
        if not scope.any_sat:
            return [], (
                f"не найдена: нет школы со статусом «без признаков», сдававшей {where} с "
                f"{config.min_participants} и более участниками"
            )
        mine = self.taken.setdefault(mentee, [])
        found, stronger = self._candidates(scope, mine, own_high if known_high else float("nan"), own_fail)
        if not stronger:
            wanted = f"долей высоких результатов от {format_percent(min_high)} и " if known_high else ""
            return [], (
                f"не найдена: среди школ, сдававших {where}, нет школы с {wanted}долей «2» ниже, чем у этой "
                f"школы, и не выше {format_percent(max_fail)} (регион: "
                + (f"{format_percent(region_high)} и " if known_high else "")
                + f"{format_percent(region_fail)})"
            )
        if not len(found):
            return [], f"не найдена: все подходящие школы уже закреплены за {config.max_mentees} школами"
        _, municipality, kind = self._about[mentee]
        candidates = scope.order[found]
        same_place = self.municipality[candidates] == self._places.get(municipality, -1)
        same_kind = (self.kind[candidates] == self._kinds.get(kind, -1)) & bool(kind)
        # strongest first (more «4» and «5», then fewer «2»), then the same municipality, then the same type, then id
        order = np.lexsort((candidates, ~same_kind, ~same_place, scope.rank_fail[found], scope.rank_high[found]))
        chosen = []
        for place in order[: config.per_subject]:
            index = int(candidates[place])
            mentor = self.ok[index]
            if index not in mine:
                mine.append(index)
                self.load[index] += 1
            shown_high = (
                f"доля высоких результатов {format_percent(high[index])} (регион {format_percent(region_high)}), "
                if known_high
                else ""
            )
            reason = [
                (
                    f"{subject}: {shown_high}доля «2» {format_percent(fail[index])} "
                    f"(регион {format_percent(region_fail)}), "
                    f"{int(participants[index])} уч. ({', '.join(assessments)})"
                )
            ]
            reason.append("тот же муниципалитет" if same_place[place] else "другой муниципалитет")
            if same_kind[place]:
                reason.append(f"тот же тип ({kind})")
            name, place_name, _ = self._about[mentor]
            chosen.append(
                {
                    "subject": subject,
                    "school_id": mentor,
                    "school_name": name,
                    "municipality": place_name,
                    "reason": "; ".join(reason),
                    "high_share": round(float(high[index]), 6) if known_high else None,
                    "fail_share": round(float(fail[index]), 6),
                }
            )
        return chosen, None


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole > 0 else float("nan")


def _ratios(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    return np.divide(part, whole, out=np.full(len(part), np.nan), where=whole > 0)
