"""The mentor choice as it was written first, one ШНОР and one subject at a time over every `ok` school (before the
choice was taken apart into arrays, issue 18): the reference that ``shnor.report.mentors.suggest`` must agree with
exactly (tests/test_mentors.py). Not used by shnor itself.
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


def suggest(
    window_procedures: pd.DataFrame, schools: pd.DataFrame, evaluation: Evaluation, config: Mentors
) -> list[dict]:
    status = evaluation.status
    listed = sorted(status.index[status == Status.SHNOR])
    if not listed:
        return []
    frame = window_procedures.assign(
        fail_base=window_procedures["participants"].where(window_procedures["fail"].notna()),
        high_base=window_procedures["participants"].where(window_procedures["high"].notna()),
    )
    sums = frame.groupby(["subject", "assessment", "school_id"], observed=True)[_SUMS].sum().astype(float)
    pool = _Pool(sums, schools.set_index("school_id"), sorted(status.index[status == Status.OK]), config)
    records = _records(frame.loc[frame["school_id"].isin(listed)])
    regions: dict[tuple, dict[str, float]] = {}  # the region's share per subject, by scope
    result = []
    for school in listed:
        rows = records.get(school, [])
        subjects = _subjects_behind(evaluation.explanations.get(school, []), school, rows, frame, regions)
        entry: dict = {"school_id": school, "weak_subjects": subjects, "mentors": [], "not_found": []}
        if not subjects:
            entry["not_found"].append(
                {"subject": "", "reason": "не найдена: критерии, по которым школа в перечне, не связаны с предметами"}
            )
        for subject in subjects:
            taken = [row for row in rows if row.subject == subject and row.participants > 0]
            assessments = sorted({row.assessment for row in taken})
            own = np.array([sum(getattr(row, name) for row in taken) for name in _SUMS], dtype=float)
            chosen, why = pool.choose(school, subject, assessments, own)
            entry["mentors"] += chosen
            if why:
                entry["not_found"].append({"subject": subject, "reason": why})
        result.append(entry)
    return result


def _records(frame: pd.DataFrame) -> dict[str, list]:
    """Each listed school's procedures as plain tuples (a few dozen each: looked at in Python, not through pandas)."""
    columns = ["school_id", "assessment", "subject", "grade", "group", *_SUMS]
    texts = {name: object for name in ("school_id", "assessment", "subject", "group")}  # Python strings, walked fast
    plain = frame[columns].astype({name: float for name in _SUMS}).fillna({name: 0.0 for name in _SUMS}).astype(texts)
    found: dict[str, list] = {}
    for row in plain.itertuples(index=False):
        found.setdefault(row.school_id, []).append(row)
    return found


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


def _in_scope(row, assessments, subjects, grades) -> bool:
    if assessments is not None and row.assessment not in assessments:
        return False
    if subjects in ("core", "other"):
        if row.group != subjects:
            return False
    elif subjects is not None and row.subject not in subjects:
        return False
    return grades is None or row.grade in grades


def _subjects_behind(
    leaves: list[LeafResult], school: str, rows: list, frame: pd.DataFrame, regions: dict
) -> list[str]:
    """The subjects behind the criteria a school met, that it sat: those of the procedures counted; those of a
    share's scope (for «other subjects» or all subjects, only those where it is below the region)."""
    found: list[str] = []
    for leaf in leaves:
        if leaf.subjects is not None:
            found += leaf.subjects.get(school, [])
            continue
        scope = _scope(leaf)
        if scope is None:
            continue
        assessments, subjects, grades, measure = scope
        sat = [row for row in rows if row.participants > 0 and _in_scope(row, assessments, subjects, grades)]
        names = sorted({row.subject for row in sat})
        if subjects in (None, "other") and measure in ("fail", "high") and len(names) > 1:
            key = (str(assessments), str(subjects), str(grades), measure)
            if key not in regions:
                regions[key] = _shares(select(frame, assessments, subjects, grades), measure).to_dict()
            worse = [name for name in names if _worse(sat, name, measure, regions[key].get(name))]
            names = worse or names
        found += names
    return list(
        dict.fromkeys(sorted(found, key=lambda name: (_FIRST.index(name) if name in _FIRST else len(_FIRST), name)))
    )


_FIRST = ("Русский язык", "Математика")


def _worse(rows: list, subject: str, measure: str, region: float | None) -> bool:
    """The school's share of «2» is above the region's (of «4» and «5», below) in the subject."""
    count = sum(getattr(row, measure) for row in rows if row.subject == subject)
    base = sum(getattr(row, f"{measure}_base") for row in rows if row.subject == subject)
    if region is None or np.isnan(region) or not base:
        return False
    return count / base > region if measure == "fail" else count / base < region


def _shares(frame: pd.DataFrame, measure: str) -> pd.Series:
    """The share of ``measure`` per subject, pooled over the rows of ``frame``."""
    sums = frame.groupby("subject", observed=True)[[measure, f"{measure}_base"]].sum()
    return (sums[measure] / sums[f"{measure}_base"].where(sums[f"{measure}_base"] > 0)).astype(float)


@dataclass(frozen=True)
class _Scope:
    """The `ok` schools in one subject and set of assessments: their participants and shares, who sat enough, who is
    strong enough against the region (before the mentee's own shares are compared)."""

    region_high: float
    region_fail: float
    known_high: bool
    min_high: float
    max_fail: float
    participants: np.ndarray
    high: np.ndarray
    fail: np.ndarray
    sat: np.ndarray
    strong: np.ndarray

    @property
    def ranked_high(self) -> np.ndarray:
        """The high shares to rank by: where the data has none, every school the same."""
        return self.high if self.known_high else np.nan_to_num(self.high, nan=-1.0)


class _Pool:
    """The `ok` schools as arrays per (subject, assessment), the region's sums, and how many mentees each mentor has
    so far."""

    def __init__(self, sums: pd.DataFrame, info: pd.DataFrame, ok: list[str], config: Mentors) -> None:
        self.sums = sums
        self.info = info
        self.ok = pd.Index(ok, dtype=object)
        self.config = config
        self.load = np.zeros(len(ok), dtype=int)  # mentees per mentor
        self.taken: dict[str, set[int]] = {}  # mentee → its mentors
        # municipalities and types as numbers: one comparison over the `ok` schools per choice
        self.municipality, places = pd.factorize(info["municipality"].reindex(self.ok).fillna(""))
        self.kind, kinds = pd.factorize(info["type"].reindex(self.ok).fillna(""))
        self._places = {value: code for code, value in enumerate(places)}
        self._kinds = {value: code for code, value in enumerate(kinds)}
        self._about = info[["school_name", "municipality", "type"]].fillna("").astype(object).to_dict("index")
        self.keys = set(sums.index.droplevel(2))
        self._arrays: dict[tuple[str, str], np.ndarray] = {}
        self._totals: dict[tuple[str, str], pd.Series] = {}
        self._scopes: dict[tuple[str, tuple[str, ...]], _Scope] = {}

    def _of_ok(self, subject: str, assessment: str) -> np.ndarray:
        """The sums of every `ok` school in one subject and assessment: (schools × _SUMS), zero where it did not sit."""
        key = (subject, assessment)
        if key not in self._arrays:
            if key in self.keys:
                self._arrays[key] = self.sums.loc[key].reindex(self.ok, fill_value=0.0).to_numpy(dtype=float)
            else:
                self._arrays[key] = np.zeros((len(self.ok), len(_SUMS)))
        return self._arrays[key]

    def _region(self, subject: str, assessments: list[str]) -> np.ndarray:
        """The region's sums over the assessments in one subject (as _SUMS)."""
        total = np.zeros(len(_SUMS))
        for assessment in assessments:
            key = (subject, assessment)
            if key in self.keys:
                if key not in self._totals:
                    self._totals[key] = self.sums.loc[key].sum().to_numpy(dtype=float)
                total += self._totals[key]
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
            self._scopes[key] = _Scope(region_high, region_fail, known_high, min_high, max_fail, participants, high,
                                       fail, sat, strong)
        return self._scopes[key]

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
        if not scope.sat.any():
            return [], (
                f"не найдена: нет школы со статусом «без признаков», сдававшей {where} с "
                f"{config.min_participants} и более участниками"
            )
        strong = scope.strong.copy()
        with np.errstate(invalid="ignore"):
            if known_high and not np.isnan(own_high):
                strong &= high > own_high
            if not np.isnan(own_fail):
                strong &= fail < own_fail
        if not strong.any():
            wanted = f"долей высоких результатов от {format_percent(min_high)} и " if known_high else ""
            return [], (
                f"не найдена: среди школ, сдававших {where}, нет школы с {wanted}долей «2» ниже, чем у этой "
                f"школы, и не выше {format_percent(max_fail)} (регион: "
                + (f"{format_percent(region_high)} и " if known_high else "")
                + f"{format_percent(region_fail)})"
            )
        high = scope.ranked_high
        mine = self.taken.setdefault(mentee, set())
        free = strong & (self.load < config.max_mentees)
        free[list(mine)] = strong[list(mine)]
        if not free.any():
            return [], f"не найдена: все подходящие школы уже закреплены за {config.max_mentees} школами"
        municipality, kind = self._about[mentee]["municipality"], self._about[mentee]["type"]
        candidates = np.flatnonzero(free)
        same_place = self.municipality[candidates] == self._places.get(municipality, -1)
        same_kind = (self.kind[candidates] == self._kinds.get(kind, -1)) & bool(kind)
        # strongest first (more «4» and «5», then fewer «2»), then the same municipality, then the same type, then id
        order = np.lexsort((candidates, ~same_kind, ~same_place, fail[candidates], -high[candidates]))
        chosen = []
        for place in order[: config.per_subject]:
            index = candidates[place]
            mentor = self.ok[index]
            if index not in mine:
                mine.add(int(index))
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
            chosen.append(
                {
                    "subject": subject,
                    "school_id": mentor,
                    "school_name": self._about[mentor]["school_name"],
                    "municipality": self._about[mentor]["municipality"],
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
