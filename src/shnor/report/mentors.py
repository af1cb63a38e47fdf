"""Mentor schools (школы-наставники) that an official can sign off: for each ШНОР, per subject behind the criteria it
met (core → Russian and maths; never a subject it did not sit), a school with the `ok` status that sat the same
assessments in the subject with enough participants and is clearly stronger than the region and than its mentee —
the strongest first, then the same municipality, then the same type; at most ``max_mentees`` schools per mentor.
The rules' ``mentors:`` section sets the margins (``shnor.rules.model.Mentors``). No suitable school → «не найдена»,
with the reason.
"""

from __future__ import annotations

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


def suggest(window_procedures: pd.DataFrame, schools: pd.DataFrame, evaluation: Evaluation, config: Mentors) -> list[dict]:
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
    own = frame.loc[frame["school_id"].isin(listed)]
    own_rows = {school: rows for school, rows in own.groupby("school_id", observed=True)}
    result = []
    for school in listed:
        rows = own_rows.get(school, frame.iloc[:0])
        subjects = _subjects_behind(evaluation.explanations.get(school, []), school, rows, frame)
        entry: dict = {"school_id": school, "weak_subjects": subjects, "mentors": [], "not_found": []}
        if not subjects:
            entry["not_found"].append({"subject": "", "reason": "не найдена: критерии, по которым школа в перечне, "
                                                              "не связаны с предметами"})
        for subject in subjects:
            assessments = sorted(set(rows.loc[(rows["subject"] == subject) & (rows["participants"] > 0), "assessment"]))
            chosen, why = pool.choose(school, subject, assessments)
            entry["mentors"] += chosen
            if why:
                entry["not_found"].append({"subject": subject, "reason": why})
        result.append(entry)
    return result


def _scope(leaf: LeafResult) -> tuple | None:
    """(assessments, subjects, grades, measure) a leaf looked at, or None where it looked at no subject."""
    criterion = leaf.criterion
    spec = INDICATORS.get(getattr(criterion, "indicator", None) or "")
    if spec is not None and spec.measure is not None:
        return None, spec.subjects, None, spec.measure
    if isinstance(criterion, Scope) and not isinstance(criterion, (ProceduresCriterion, ConsecutiveCriterion)):
        measure = getattr(criterion, "measure", None)
        return criterion.assessments, criterion.subjects, criterion.grades, measure if isinstance(measure, str) else None
    return None


def _subjects_behind(leaves: list[LeafResult], school: str, rows: pd.DataFrame, frame: pd.DataFrame) -> list[str]:
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
        sat = select(rows, assessments, subjects, grades)
        sat = sat.loc[sat["participants"] > 0]
        names = sorted(set(sat["subject"]))
        if subjects in (None, "other") and measure in ("fail", "high") and len(names) > 1:
            region = select(frame, assessments, subjects, grades)
            worse = _below_region(sat, region, measure)
            names = [name for name in names if name in worse] or names
        found += names
    return list(dict.fromkeys(sorted(found, key=lambda name: (_FIRST.index(name) if name in _FIRST else len(_FIRST), name))))


_FIRST = ("Русский язык", "Математика")


def _below_region(own: pd.DataFrame, region: pd.DataFrame, measure: str) -> set[str]:
    def shares(frame: pd.DataFrame) -> pd.Series:
        sums = frame.groupby("subject", observed=True)[[measure, f"{measure}_base"]].sum()
        return sums[measure] / sums[f"{measure}_base"].where(sums[f"{measure}_base"] > 0)

    mine, theirs = shares(own), shares(region).reindex(shares(own).index)
    worse = mine > theirs if measure == "fail" else mine < theirs
    return set(worse.index[worse.fillna(False).astype(bool)])


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
        self.municipality = info["municipality"].reindex(self.ok).fillna("").to_numpy(dtype=object)
        self.kind = info["type"].reindex(self.ok).fillna("").to_numpy(dtype=object)
        self.keys = set(sums.index.droplevel(2))
        self._arrays: dict[tuple[str, str], np.ndarray] = {}

    def _of_ok(self, subject: str, assessment: str) -> np.ndarray:
        """The sums of every `ok` school in one subject and assessment: (schools × _SUMS), zero where it did not sit."""
        key = (subject, assessment)
        if key not in self._arrays:
            if key in self.keys:
                self._arrays[key] = self.sums.loc[key].reindex(self.ok, fill_value=0.0).to_numpy(dtype=float)
            else:
                self._arrays[key] = np.zeros((len(self.ok), len(_SUMS)))
        return self._arrays[key]

    def _of(self, subject: str, assessments: list[str], school: str | None) -> pd.Series:
        """The sums of one school (or, with None, of the region) over the assessments in one subject."""
        total = pd.Series(0.0, index=_SUMS)
        for assessment in assessments:
            if (subject, assessment) not in self.keys:
                continue
            rows = self.sums.loc[(subject, assessment)]
            total += rows.sum() if school is None else (rows.loc[school] if school in rows.index else 0.0)
        return total

    def choose(self, mentee: str, subject: str, assessments: list[str]) -> tuple[list[dict], str | None]:
        config = self.config
        where = f"{', '.join(assessments)} по предмету «{subject}»"
        if not assessments:
            return [], f"не найдена: школа не сдавала предмет «{subject}» в окне"
        region, own = self._of(subject, assessments, None), self._of(subject, assessments, mentee)
        region_high, region_fail = _ratio(region["high"], region["high_base"]), _ratio(region["fail"], region["fail_base"])
        own_high, own_fail = _ratio(own["high"], own["high_base"]), _ratio(own["fail"], own["fail_base"])
        arrays = [self._of_ok(subject, a) for a in assessments]
        totals = sum(arrays)
        every = np.logical_and.reduce([a[:, 0] > 0 for a in arrays])
        participants = totals[:, 0]
        high, fail = _ratios(totals[:, 3], totals[:, 4]), _ratios(totals[:, 1], totals[:, 2])
        sat = every & (participants >= config.min_participants)
        if not sat.any():
            return [], (f"не найдена: нет школы со статусом «без признаков», сдававшей {where} с "
                        f"{config.min_participants} и более участниками")
        # where the data has no high results in the subject (ЕГЭ base maths, a table without high bands), the share
        # of «2» alone decides
        known_high = not np.isnan(region_high)
        min_high = config.min_high_share if config.min_high_share is not None else region_high + config.high_margin
        max_fail = config.max_fail_share if config.max_fail_share is not None else region_fail
        with np.errstate(invalid="ignore"):
            strong = sat & (fail <= max_fail + 1e-9) & ~np.isnan(fail)
            if known_high:
                strong &= high >= min_high - 1e-9
                if not np.isnan(own_high):
                    strong &= high > own_high
            if not np.isnan(own_fail):
                strong &= fail < own_fail
        if not strong.any():
            wanted = f"долей высоких результатов от {format_percent(min_high)} и " if known_high else ""
            return [], (f"не найдена: среди школ, сдававших {where}, нет школы с {wanted}долей «2» ниже, чем у этой "
                        f"школы, и не выше {format_percent(max_fail)} (регион: "
                        + (f"{format_percent(region_high)} и " if known_high else "") + f"{format_percent(region_fail)})")
        high = np.nan_to_num(high, nan=-1.0) if not known_high else high
        mine = self.taken.setdefault(mentee, set())
        free = strong & (self.load < config.max_mentees)
        free[list(mine)] = strong[list(mine)]
        if not free.any():
            return [], f"не найдена: все подходящие школы уже закреплены за {config.max_mentees} школами"
        municipality, kind = self.info.at[mentee, "municipality"], self.info.at[mentee, "type"]
        same_place = self.municipality == municipality
        same_kind = (self.kind == kind) & bool(kind)
        candidates = np.flatnonzero(free)
        # strongest first (more «4» and «5», then fewer «2»), then the same municipality, then the same type, then id
        order = np.lexsort((candidates, ~same_kind[candidates], ~same_place[candidates], fail[candidates],
                            -high[candidates]))
        chosen = []
        for index in candidates[order][: config.per_subject]:
            mentor = self.ok[index]
            if index not in mine:
                mine.add(int(index))
                self.load[index] += 1
            shown_high = (f"доля высоких результатов {format_percent(high[index])} (регион {format_percent(region_high)}), "
                          if known_high else "")
            reason = [
                (f"{subject}: {shown_high}доля «2» {format_percent(fail[index])} (регион {format_percent(region_fail)}), "
                 f"{int(participants[index])} уч. ({', '.join(assessments)})")
            ]
            reason.append("тот же муниципалитет" if same_place[index] else "другой муниципалитет")
            if same_kind[index]:
                reason.append(f"тот же тип ({kind})")
            chosen.append({"subject": subject, "school_id": mentor, "school_name": self.info.at[mentor, "school_name"],
                           "municipality": self.info.at[mentor, "municipality"], "reason": "; ".join(reason),
                           "high_share": round(float(high[index]), 6) if known_high else None,
                           "fail_share": round(float(fail[index]), 6)})
        return chosen, None


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole > 0 else float("nan")


def _ratios(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    return np.divide(part, whole, out=np.full(len(part), np.nan), where=whole > 0)
