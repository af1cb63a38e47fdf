"""The choice of mentor schools itself (``shnor.report.mentors`` prepares its numbers): greedy, one ШНОР at a time in
the order of their ids, one subject at a time in the order of the subjects behind its criteria — as an official
would assign them — because a mentor taken ``max_mentees`` times is no longer free for the next ШНОР.

For each ШНОР and subject the choice takes, among the `ok` schools strong enough against the region (``Ranking``),
those stronger than the ШНОР (more «4» and «5» and fewer «2») and free (fewer than ``max_mentees`` mentees, or
already a mentor of this ШНОР in another subject); of them, the strongest first (more «4» and «5», then fewer «2»),
among equally strong ones the same municipality first, then the same type, then the lowest id; ``per_subject`` of
them.

A country has 24 000 such choices: each is a walk in plain Python down a ranking sorted once per subject and set of
assessments and cut into runs of equally strong schools, which stops at the run that completes ``per_subject``; within
a run the preference orders its free schools. Schools once full are dropped from their run, and a run all full is
stepped over for good (``Ranking.skip``): the next ШНОР does not look at them again.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import pandas as pd

from shnor.rules.model import Mentors
from shnor.russian import format_percent

NAN = float("nan")


@dataclass
class Ranking:
    """The `ok` schools in one subject and set of assessments that sat it with enough participants and are strong
    enough against the region (before any mentee is compared), the strongest first: more «4» and «5», then fewer «2».
    Schools exactly as strong make a run (by id within it): what the choice walks is the runs."""

    subject: str
    assessments: tuple[str, ...]
    region_high: float
    region_fail: float
    known_high: bool  # the data has high results in the subject (not so: ЕГЭ base maths): else «2» alone decides
    min_high: float
    max_fail: float
    any_sat: bool  # some `ok` school sat it with enough participants (strong enough or not)
    runs: list[list[int]]  # the schools of each run (positions among the `ok` schools); a full school is dropped
    minus_high: list[float]  # per run: minus the share of «4» and «5» (ascending, for bisect)
    fail: list[float]  # per run: the share of «2»
    least_fail: list[float]  # the least share of «2» down to this run
    mixed: list[bool]  # per run: its schools are not all of one municipality and type (the preference may reorder)
    run_of: list[int]  # per `ok` school: its run, -1 where it is not in the ranking
    high_of: np.ndarray  # per `ok` school: its shares and participants (for the reason)
    fail_of: np.ndarray
    participants_of: np.ndarray
    skip: list[int] = field(default_factory=list)  # skip[r] != r: every school of run r is full, look on from skip[r]
    reasons: dict[int, tuple[str, float | None, float]] = field(default_factory=dict)  # per `ok` school, once
    regions: tuple[str, str] | None = None  # the region's shares as the reasons write them, once
    mentors: dict[tuple[int, bool, bool], dict] = field(default_factory=dict)  # see Pool._mentor

    def __post_init__(self) -> None:
        self.skip = list(range(len(self.runs) + 1))

    @classmethod
    def build(cls, subject: str, assessments: tuple[str, ...], sums: list[list[np.ndarray]], region: np.ndarray,
              config: Mentors, near: np.ndarray) -> Ranking:
        """``sums``: per assessment, the `ok` schools' participants, fail, fail base, high, high base (an array over
        the schools each); ``region``: the region's sums over the assessments; ``near``: the `ok` schools'
        municipality and type as one code."""
        region_high, region_fail = _ratio(region[3], region[4]), _ratio(region[1], region[2])
        totals = [sum(column) for column in zip(*sums)]  # per sum, over the assessments
        every = np.logical_and.reduce([columns[0] > 0 for columns in sums])
        participants = totals[0]
        high, fail = ratios(totals[3], totals[4]), ratios(totals[1], totals[2])
        sat = every & (participants >= config.min_participants)
        known_high = not np.isnan(region_high)
        min_high = config.min_high_share if config.min_high_share is not None else region_high + config.high_margin
        max_fail = config.max_fail_share if config.max_fail_share is not None else region_fail
        with np.errstate(invalid="ignore"):
            strong = sat & (fail <= max_fail + 1e-9) & ~np.isnan(fail)
            if known_high:
                strong &= high >= min_high - 1e-9
        ranked = high if known_high else np.nan_to_num(high, nan=-1.0)  # no high results: every school the same
        positions = np.flatnonzero(strong)
        school = positions[np.lexsort((positions, fail[positions], -ranked[positions]))]
        minus_high, fail_along = -ranked[school], fail[school]
        opens = np.ones(len(school), dtype=bool)  # the place opens a run: not as strong as the one before it
        opens[1:] = (minus_high[1:] != minus_high[:-1]) | (fail_along[1:] != fail_along[:-1])
        starts = np.flatnonzero(opens)
        along = school.tolist()
        bounds = [*starts.tolist(), len(along)]
        run_of = np.full(len(fail), -1)
        run_of[school] = np.cumsum(opens) - 1
        where = near[school]
        mixed = np.minimum.reduceat(where, starts) != np.maximum.reduceat(where, starts) if len(school) else where
        return cls(subject, assessments, region_high, region_fail, known_high, min_high, max_fail, bool(sat.any()),
                   [along[start:stop] for start, stop in pairwise(bounds)], minus_high[starts].tolist(),
                   fail_along[starts].tolist(), np.minimum.accumulate(fail_along[starts]).tolist(), mixed.tolist(),
                   run_of.tolist(), ranked, fail, participants)

    def reason(self, index: int) -> tuple[str, float | None, float]:
        """What the reason says of `ok` school ``index`` in this subject, and its shares as result.json has them."""
        if index not in self.reasons:
            high, fail = float(self.high_of[index]), float(self.fail_of[index])
            if not self.regions:
                self.regions = format_percent(self.region_high), format_percent(self.region_fail)
            region_high, region_fail = self.regions
            shown_high = (
                f"доля высоких результатов {format_percent(high)} (регион {region_high}), " if self.known_high else ""
            )
            text = (
                f"{self.subject}: {shown_high}доля «2» {format_percent(fail)} (регион {region_fail}), "
                f"{int(self.participants_of[index])} уч. ({', '.join(self.assessments)})"
            )
            self.reasons[index] = (text, round(high, 6) if self.known_high else None, round(fail, 6))
        return self.reasons[index]


class Pool:
    """The `ok` schools, their rankings, and how many mentees each has so far."""

    def __init__(self, ok: list[str], schools: pd.DataFrame, sums: dict[tuple[str, str], list[np.ndarray]],
                 totals: dict[tuple[str, str], np.ndarray], config: Mentors) -> None:
        """``sums``: per (subject, assessment), the `ok` schools' participants, fail, fail base, high, high base (an
        array over the schools each); ``totals``: the region's (an array of the five)."""
        self.ok = ok
        self.config = config
        self.load = [0] * len(ok)  # mentees per `ok` school
        self.taken: dict[str, list[int]] = {}  # mentee → its mentors
        self._sums, self._totals = sums, totals
        columns = [schools[name].fillna("").astype(object).tolist() for name in ("school_name", "municipality", "type")]
        self._about = dict(zip(schools["school_id"].astype(object).tolist(), zip(*columns)))
        about = [self._about.get(school, ("", "", "")) for school in ok]
        places = pd.factorize(pd.Index([a[1] for a in about], dtype=object))
        kinds = pd.factorize(pd.Index([a[2] for a in about], dtype=object))
        self.municipality, self.kind = places[0].tolist(), kinds[0].tolist()
        self._near = places[0].astype(np.int64) * len(kinds[1]) + kinds[0]  # municipality and type as one code
        self._places = {value: code for code, value in enumerate(places[1])}
        self._kinds = {value: code for code, value in enumerate(kinds[1])}
        self._rankings: dict[tuple[str, tuple[str, ...]], Ranking] = {}

    def ranking(self, subject: str, assessments: tuple[str, ...]) -> Ranking:
        """Once per subject and set of assessments (a country has thousands of ШНОР)."""
        key = (subject, assessments)
        if key not in self._rankings:
            empty = [np.zeros(len(self.ok))] * 5
            sums = [self._sums.get((subject, a), empty) for a in assessments]
            region = sum((self._totals[(subject, a)] for a in assessments if (subject, a) in self._totals), np.zeros(5))
            self._rankings[key] = Ranking.build(subject, assessments, sums, region, self.config, self._near)
        return self._rankings[key]

    def choose(
        self, mentee: str, subject: str, assessments: tuple[str, ...], own_high: float, own_fail: float
    ) -> tuple[list[dict], str | None]:
        """Mentors for one ШНОР in one subject (its shares pooled over ``assessments``), or why there is none."""
        if not assessments:
            return [], f"не найдена: школа не сдавала предмет «{subject}» в окне"
        ranking = self.ranking(subject, assessments)
        if not ranking.any_sat:
            return [], (
                f"не найдена: нет школы со статусом «без признаков», сдававшей {_where(ranking)} с "
                f"{self.config.min_participants} и более участниками"
            )
        # the runs with more «4» and «5» than the mentee (all, where the data or the mentee has none)
        end = len(ranking.runs)
        if ranking.known_high and not math.isnan(own_high):
            end = bisect_left(ranking.minus_high, -own_high)
        if end == 0 or not (math.isnan(own_fail) or ranking.least_fail[end - 1] < own_fail):
            return [], _none_stronger(ranking)
        mine = self.taken.setdefault(mentee, [])
        _, municipality, kind = self._about[mentee]
        place, same_kind = self._places.get(municipality, -1), self._kinds.get(kind, -1) if kind else None
        taken = self._take(ranking, end, own_fail, mine, place, same_kind)
        if not taken:
            return [], f"не найдена: все подходящие школы уже закреплены за {self.config.max_mentees} школами"
        for index in taken:
            if index not in mine:
                mine.append(index)
                self.load[index] += 1
        return [self._mentor(ranking, index, self.municipality[index] == place, self.kind[index] == same_kind)
                for index in taken], None

    def _mentor(self, ranking: Ranking, index: int, same_place: bool, same_kind: bool) -> dict:
        """A mentor as result.json has it (a fresh dict; its text made once per subject, school and nearness)."""
        key = (index, same_place, same_kind)
        if key not in ranking.mentors:
            text, high_share, fail_share = ranking.reason(index)
            name, place_name, kind = self._about[self.ok[index]]
            reason = [text, "тот же муниципалитет" if same_place else "другой муниципалитет"]
            if same_kind:  # of the mentee's type: its own
                reason.append(f"тот же тип ({kind})")
            ranking.mentors[key] = {
                "subject": ranking.subject,
                "school_id": self.ok[index],
                "school_name": name,
                "municipality": place_name,
                "reason": "; ".join(reason),
                "high_share": high_share,
                "fail_share": fail_share,
            }
        return dict(ranking.mentors[key])

    def _take(
        self, ranking: Ranking, end: int, own_fail: float, mine: list[int], place: int, same_kind: int | None
    ) -> list[int]:
        """The ``per_subject`` mentors of a mentee in the order of preference, walking down the runs before ``end``
        (those with more «4» and «5» than it): a run with fewer «2» than the mentee (any, where it has none); in it,
        its free schools — fewer than ``max_mentees`` mentees, or the mentee's own mentor already — of the mentee's
        municipality first, then of its type (``same_kind``: None where it has none), then by id."""
        cap, wanted, load = self.config.max_mentees, self.config.per_subject, self.load
        municipality, kinds = self.municipality, self.kind
        no_fail = math.isnan(own_fail)
        held: dict[int, list[int]] = {}  # its own mentors that are full, by run: dropped from their runs, yet free
        for index in mine:
            run = ranking.run_of[index]
            if load[index] >= cap and 0 <= run < end and (no_fail or ranking.fail[run] < own_fail):
                held.setdefault(run, []).append(index)
        held_runs = sorted(held)
        taken: list[int] = []
        run = -1
        while len(taken) < wanted:
            run += 1
            if ranking.skip[run] != run:
                run = self._next_run(ranking, run)
            if held_runs and held_runs[0] <= run:
                run = held_runs.pop(0)
            if run >= end:
                break
            if not (no_fail or ranking.fail[run] < own_fail):
                continue
            members = ranking.runs[run]
            free = [index for index in members if load[index] < cap]
            if len(free) < len(members):  # full for good: not looked at again
                ranking.runs[run] = free
                if not free:
                    ranking.skip[run] = run + 1
            if run in held:
                free = sorted(free + held[run])
            if ranking.mixed[run]:  # else every school of the run is as near to the mentee: by id
                free = sorted(free, key=lambda index: (municipality[index] != place, kinds[index] != same_kind))
            taken += free[: wanted - len(taken)]
        return taken

    @staticmethod
    def _next_run(ranking: Ranking, run: int) -> int:
        """The first run from ``run`` on not known to be all full (or the number of runs); the runs passed on the way
        are pointed straight at it, so that the next walk crosses them in one step."""
        skip = ranking.skip
        found = run
        while skip[found] != found:
            found = skip[found]
        while run != found:
            skip[run], run = found, skip[run]
        return found


def _where(ranking: Ranking) -> str:
    return f"{', '.join(ranking.assessments)} по предмету «{ranking.subject}»"


def _none_stronger(ranking: Ranking) -> str:
    wanted = f"долей высоких результатов от {format_percent(ranking.min_high)} и " if ranking.known_high else ""
    region = f"{format_percent(ranking.region_high)} и " if ranking.known_high else ""
    return (
        f"не найдена: среди школ, сдававших {_where(ranking)}, нет школы с {wanted}долей «2» ниже, чем у этой школы, "
        f"и не выше {format_percent(ranking.max_fail)} (регион: {region}{format_percent(ranking.region_fail)})"
    )


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole > 0 else NAN


def ratios(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """part / whole, missing (NaN) where the whole is none."""
    return np.divide(part, whole, out=np.full(len(part), np.nan), where=whole > 0)
