"""Parts of the report that documents show beside the list: results per procedure for each municipality and the
region (what a school card compares with), the movement against the previous list, the recommendations."""

from __future__ import annotations

import weakref
from dataclasses import fields

import numpy as np
import pandas as pd

from shnor.indicators.codes import codes, dense, numbers, ranked
from shnor.indicators.dynamics import Change, positive
from shnor.ingest.registry import History
from shnor.rules.evaluate import Evaluation
from shnor.rules.model import Rules, recommendation_key
from shnor.vocabulary import Status

_PROCEDURE = ["year", "assessment", "subject", "grade"]


def aggregates(window_procedures: pd.DataFrame, schools: pd.DataFrame) -> list[dict]:
    """Pooled shares per procedure for every municipality and for the region (sums of counts, not means of shares),
    sorted as a sorted ``groupby`` of the keys is; rows with a missing key in none."""
    table = _cells(window_procedures, schools)
    rows = []
    known = table.known(*_PROCEDURE)
    for scope, keys in (("region", _PROCEDURE), ("municipality", ["municipality", *_PROCEDURE])):
        order, sums = table.fold(known, keys, ("participants", "fail", "high"))
        participants, fail, high = (_plain_numbers(*sums[name]) for name in ("participants", "fail", "high"))
        fail_share, high_share = _share(sums["fail"], sums["participants"]), _share(sums["high"], sums["participants"])
        for values, *figures in zip(order, participants, fail, high, fail_share, high_share):
            rows.append(
                {
                    "scope": scope,
                    "municipality": values[0] if scope == "municipality" else "",
                    "year": int(values[-4]),
                    "assessment": values[-3],
                    "subject": values[-2],
                    "grade": int(values[-1]),
                    "participants": figures[0],
                    "fail": figures[1],
                    "high": figures[2],
                    "fail_share": figures[3],
                    "high_share": figures[4],
                }
            )
    return rows


def overview(window_procedures: pd.DataFrame, schools: pd.DataFrame, years: list[int]) -> dict:
    """What the documents say about the data: every year given; per assessment and year of the window, the subjects,
    the schools with results and the participants (results, summed over procedures); per year of the window and
    over the whole window (``year`` null), the main indicators of the region (``municipality`` "") and of each
    municipality, pooled from counts (of the procedures with participants)."""
    table = _cells(window_procedures, schools)
    taking = table.sums["taking"][0] > 0
    by = ["assessment", "year"]
    order, sums = table.fold(taking & table.known(*by), by, ("taking_participants",))
    subjects = table.distinct(taking & table.known(*by, "subject"), by, "subject")
    data = [
        {"assessment": assessment, "year": int(year), "subjects": subjects.get((assessment, year), 0),
         "schools": table.schools.get((assessment, year), 0), "participants": int(total)}
        for (assessment, year), total in zip(order, sums["taking_participants"][0].tolist())
    ]
    # the procedures with participants of a known school, year and group (as the sums per school and year once were)
    counted = taking & table.known("year", "group", "school")
    names = [f"taking_{name}" for name in ("participants", "fail", "high", "fail_base", "high_base")]
    rows = []
    for keys in ([], ["year"], ["municipality"], ["municipality", "year"]):
        parts = {group: table.fold(counted & (table.column("group") == group), keys, names)
                 for group in ("core", "other")}
        found = sorted({values for order, _ in parts.values() for values in order})
        at = {group: {values: i for i, values in enumerate(order)} for group, (order, _) in parts.items()}
        for values in found:
            municipality_name = values[0] if keys and keys[0] == "municipality" else ""
            year = values[-1] if keys and keys[-1] == "year" else None
            core, other = at["core"].get(values), at["other"].get(values)
            core_sums, other_sums = parts["core"][1], parts["other"][1]
            rows.append({
                "municipality": municipality_name, "year": int(year) if year is not None else None,
                "participants_core": int(core_sums["taking_participants"][0][core]) if core is not None else None,
                "participants_other": int(other_sums["taking_participants"][0][other]) if other is not None else None,
                "fail_core": _one_share(core_sums, "fail", core),
                "high_core": _one_share(core_sums, "high", core),
                "fail_other": _one_share(other_sums, "fail", other),
            })
    return {"years": [int(y) for y in years], "data": data, "by_year": rows}


def _one_share(sums: dict, measure: str, where: int | None) -> float | None:
    """Σ count / Σ participants of the procedures where the count is known, None without them."""
    if where is None:
        return None
    whole = sums[f"taking_{measure}_base"][0][where]
    return float(sums[f"taking_{measure}"][0][where] / whole) if whole > 0 else None


def _plain_numbers(total: np.ndarray, known: np.ndarray) -> list:
    """Sums with ``min_count=1`` as Python ints, None where no value was known."""
    return [int(t) if k else None for t, k in zip(total.tolist(), known.tolist())]


def _share(part: tuple[np.ndarray, np.ndarray], whole: tuple[np.ndarray, np.ndarray]) -> list:
    """``share`` of two sums: part / whole, None where either had no known value or the whole is not above 0."""
    usable = (part[1] > 0) & (whole[1] > 0) & (whole[0] > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = part[0] / whole[0]
    return [float(r) if ok else None for r, ok in zip(ratio.tolist(), usable.tolist())]


_CELL_KEYS = ["municipality", *_PROCEDURE, "group", "school"]  # school: whether the row's school is known


class _Cells:
    """A window's procedure rows summed per cell: (municipality, year, assessment, subject, grade, group, school
    known) — a few thousand cells for a country's 2.4 million rows without municipalities, up to a few hundred
    thousand with them. The counts are whole numbers, so that their sums
    in float64 are exact, whichever cells are added up later. ``sums``: name → (Σ of the known values, how many
    were known) per cell; ``taking_…``: of the rows with participants > 0 only (``…_base``: their participants where
    the count is known); ``schools``: (assessment, year) → distinct known schools with participants."""

    def __init__(self, values: dict[str, list], ranks: dict[str, np.ndarray], sums: dict, schools: dict) -> None:
        self.values, self.ranks, self.sums, self.schools = values, ranks, sums, schools

    def column(self, key: str) -> np.ndarray:
        """Each cell's value of ``key`` (None where missing), as an object array."""
        distinct = self.values[key]
        return np.array([distinct[r] if r >= 0 else None for r in self.ranks[key].tolist()], dtype=object)

    def known(self, *keys: str) -> np.ndarray:
        result = np.ones(len(self.ranks[_CELL_KEYS[0]]), dtype=bool)
        for key in keys:
            result &= self.ranks[key] >= 0
        return result

    def fold(self, cells: np.ndarray, keys: list[str], names) -> tuple[list[tuple], dict]:
        """The ``cells`` summed per distinct ``keys`` (in sorted order): (the keys' values of each, name → sums)."""
        chosen = np.flatnonzero(cells)
        key = np.zeros(len(chosen), dtype=np.int64)
        for name in keys:
            key = key * (len(self.values[name]) + 1) + self.ranks[name][chosen]
        distinct, where = np.unique(key, return_inverse=True)
        where = where.reshape(-1)
        first = np.zeros(len(distinct), dtype=np.int64)
        first[where[::-1]] = chosen[::-1]
        order = list(zip(*([self.values[name][r] for r in self.ranks[name][first].tolist()] for name in keys))) \
            if keys else [()] * len(distinct)
        sums = {name: tuple(np.bincount(where, weights=part[chosen], minlength=len(distinct))
                            for part in self.sums[name]) for name in names}
        return order, sums

    def distinct(self, cells: np.ndarray, keys: list[str], column: str) -> dict[tuple, int]:
        """How many distinct values of ``column`` the ``cells`` have per ``keys``."""
        seen: dict[tuple, set] = {}
        chosen = np.flatnonzero(cells).tolist()
        values = [[self.values[name][self.ranks[name][c]] for c in chosen] for name in (*keys, column)]
        for *key, value in zip(*values):
            seen.setdefault(tuple(key), set()).add(value)
        return {key: len(found) for key, found in seen.items()}


# The cells of the last window asked for (its frame, held weakly): the aggregates and the overview are made one
# after the other from the same rows. The cells go when the frame or the schools do (not kept to the end of the run).
_last: tuple[weakref.ref, weakref.ref, _Cells] | None = None


def _cells(frame: pd.DataFrame, schools: pd.DataFrame) -> _Cells:
    global _last
    if _last is not None and _last[0]() is frame and _last[1]() is schools:
        return _last[2]
    cells = _make_cells(frame, schools)
    _last = (weakref.ref(frame, _forget), weakref.ref(schools, _forget), cells)
    return cells


def _forget(gone: weakref.ref) -> None:
    """The frame or schools of the cells remembered are gone: so are the cells."""
    global _last
    if _last is not None and (gone is _last[0] or gone is _last[1]):
        _last = None


def _present(values: np.ndarray) -> np.ndarray:
    """The distinct values of non-negative ``values``, sorted (by counting where their range is small: a hash of
    2.4 million values is a second)."""
    if len(values) and int(values.max()) < 4 * len(values) + (1 << 16):
        return np.flatnonzero(np.bincount(values))
    return np.unique(values)


def _make_cells(frame: pd.DataFrame, schools: pd.DataFrame) -> _Cells:
    """The cells of ``frame``. A country's rows are 2.4 million: each column's codes (int32) are folded into the
    rows' one key and let go before the next is made, and the counts are turned into decimals one at a time."""
    school, school_names = codes(frame["school_id"])
    school_known = np.array([name is not None for name in school_names] + [False])
    municipality = schools.set_index("school_id")["municipality"]
    towns = municipality.reindex(pd.Index(school_names, dtype=object)).fillna("").tolist()  # each school once
    town_rank, town_names = ranked(pd.Series(towns, dtype=object))
    participants, participants_known = numbers(frame["participants"])
    taking = participants > 0  # a missing number: 0 here, not above 0
    values: dict[str, list] = {}
    widths = []
    key = np.zeros(len(frame), dtype=np.int64)
    found_schools: dict[tuple, int] = {}
    year_codes: tuple[np.ndarray, list] | None = None
    for name in _CELL_KEYS:
        if name == "municipality":
            found, distinct = town_rank[school], town_names
        elif name == "school":
            found, distinct = np.where(school_known[school], 0, -1).astype(np.int32), [True]
        else:
            found, distinct = ranked(frame[name])
        if name == "year":  # a copy kept for the schools per (assessment, year): the codes are changed below
            year_codes = (found.copy(), distinct)
        elif name == "assessment":
            found_schools = _schools_per((found, distinct), year_codes, (school, school_names),
                                         taking & school_known[school])
            year_codes = None
        width = len(distinct) + 1
        key *= width
        np.remainder(found, width, out=found)  # −1 (missing) → the last code; the codes are this function's own
        key += found
        widths.append(width)
        values[name] = distinct
        del found
    distinct_keys, cell = dense(key, int(np.prod(widths, dtype=float)))
    del key
    ranks = {}
    rest = distinct_keys
    for name, width in zip(reversed(_CELL_KEYS), reversed(widths)):
        rank = rest % width
        ranks[name] = np.where(rank == width - 1, -1, rank)
        rest = rest // width
    size = len(distinct_keys)
    taking_cell = np.where(taking, cell, size).astype(np.int32)
    del taking
    sums = {"participants": (np.bincount(cell, weights=participants, minlength=size),
                             np.bincount(cell, weights=participants_known, minlength=size)),
            "taking_participants": (np.bincount(taking_cell, weights=participants, minlength=size + 1)[:size],),
            "taking": (np.bincount(taking_cell, minlength=size + 1)[:size].astype(float),)}
    for name in ("fail", "high"):
        found, known = numbers(frame[name])
        sums[name] = (np.bincount(cell, weights=found, minlength=size),
                      np.bincount(cell, weights=known, minlength=size))
        sums[f"taking_{name}"] = (np.bincount(taking_cell, weights=found, minlength=size + 1)[:size],)
        del found
        where = np.where(known, taking_cell, size)
        sums[f"taking_{name}_base"] = (np.bincount(where, weights=participants, minlength=size + 1)[:size],)
    return _Cells(values, ranks, sums, found_schools)


def _schools_per(assessment: tuple[np.ndarray, list], year: tuple[np.ndarray, list],
                 school: tuple[np.ndarray, list], rows: np.ndarray) -> dict[tuple, int]:
    """(assessment, year) → the distinct schools among ``rows`` (a missing assessment or year: in none)."""
    inside = rows & (assessment[0] >= 0) & (year[0] >= 0)
    width = max(len(school[1]), 1)
    years = max(len(year[1]), 1)
    pair = ((assessment[0][inside].astype(np.int64) * years + year[0][inside]) * width + school[0][inside])
    per = np.bincount(_present(pair) // width, minlength=max(len(assessment[1]), 1) * years)
    return {(assessment[1][i // years], year[1][i % years]): int(n) for i, n in enumerate(per.tolist()) if n}


def dynamics(history: History, status: pd.Series, changes: dict, rules: Rules) -> dict:
    """Against the last list given with --history: who entered, left and stayed on the ШНОР list; the share of the
    listed schools with positive dynamics (year on year); the road map's targets."""
    current = set(status.index[status == Status.SHNOR])
    judged = int((status != Status.INSUFFICIENT).sum())
    result: dict = {"shnor": len(current), "schools_judged": judged}
    if history.files:
        previous = set(history.files[-1].listed)
        verdicts = {school: positive(changes[school]["year"]) for school in sorted(previous) if school in changes}
        comparable = [v for v in verdicts.values() if v is not None]
        result |= {
            "previous_list": history.files[-1].file,
            "previous_shnor": len(previous),
            "entered": sorted(current - previous),
            "left": sorted(previous - current),
            "stayed": sorted(current & previous),
            "positive_dynamics": sorted(s for s, v in verdicts.items() if v),
            "positive_dynamics_share": round(sum(comparable) / len(comparable), 6) if comparable else None,
        }
    result["targets"] = _targets(rules, result)
    return result


def _targets(rules: Rules, result: dict) -> list[dict]:
    targets = rules.targets
    if targets is None:
        return []
    rows = []
    if targets.shnor_reduction is not None and result.get("previous_shnor"):
        value = 1 - result["shnor"] / result["previous_shnor"]
        rows.append(_target("снижение числа ШНОР к прежнему перечню", value, targets.shnor_reduction,
                            value >= targets.shnor_reduction))
    if targets.shnor_share_max is not None and result["schools_judged"]:
        value = result["shnor"] / result["schools_judged"]
        rows.append(_target("доля ШНОР среди школ", value, targets.shnor_share_max, value <= targets.shnor_share_max))
    if targets.positive_dynamics_share is not None and result.get("positive_dynamics_share") is not None:
        value = result["positive_dynamics_share"]
        rows.append(_target("доля ШНОР прежнего перечня с положительной динамикой", value,
                            targets.positive_dynamics_share, value >= targets.positive_dynamics_share))
    return rows


def _target(label: str, value: float, target: float, met: bool) -> dict:
    return {"label": label, "value": round(value, 6), "target": target, "met": bool(met)}


def school_changes(changes: dict[str, dict]) -> dict:
    return {
        name: {indicator: _as_dict(change) for indicator, change in by_indicator.items()}
        for name, by_indicator in changes.items()
    }


def _as_dict(change: Change) -> dict:
    """``asdict`` without its deep copy: the fields are plain numbers and text."""
    return {name: getattr(change, name) for name in _CHANGE_FIELDS}


_CHANGE_FIELDS = tuple(f.name for f in fields(Change))


def recommendations(rules: Rules, evaluation: Evaluation, school: str) -> list[str]:
    """The texts of the rules file for the criteria behind the school's status, each once, in rule order."""
    keys = dict.fromkeys(recommendation_key(leaf.criterion) for leaf in evaluation.explanations.get(school, []))
    return [rules.recommendations[key] for key in keys if key in rules.recommendations]


def _int(value) -> int | None:
    return None if pd.isna(value) else int(value)


def _float(value) -> float | None:
    return None if pd.isna(value) else float(value)


def context_groups(results: list) -> list[dict]:
    """Schools by settlement type (from --context): how many, ШНОР, risk zone, ШНСУ — for the note."""
    groups: dict[str, dict] = {}
    for school in results:
        settlement = (school.context or {}).get("settlement")
        if settlement is None:
            continue
        row = groups.setdefault(settlement, {"settlement": settlement, "schools": 0, "shnor": 0, "risk": 0, "shnsu": 0})
        row["schools"] += 1
        row["shnor"] += school.status == Status.SHNOR
        row["risk"] += school.status == Status.RISK
        row["shnsu"] += bool(school.shnsu)
    return [groups[name] for name in sorted(groups)]
