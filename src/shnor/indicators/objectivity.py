"""Signs of non-objective marking (признаки необъективности), SPEC §5: the 14 signs of the Rosobrnadzor
methodology for the latest year Y of the window, the objectivity index, and the extra markers of the ФИОКО guidance.

Each sign is computed per school as «есть» (present), «нет» (absent) or «не рассчитан» (cannot be computed from the
data given, with the reason). Documents speak of signs, never of proven non-objectivity.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from shnor.cube import KEYS
from shnor.indicators.codes import codes, combined, numbers
from shnor.indicators.scoped import positions
from shnor.indicators.sign import Sign
from shnor.vocabulary import MATH, RUSSIAN

T_95 = 1.96
MIN_FOR_MEAN = 2  # participants a school needs for its interval
MIN_PAIRS = 5  # (journal mark, score) pairs for a correlation
MIN_COHORT_SCHOOLS = 4  # schools with both years for the quartiles of K
IQR_FACTOR = 3.0
MIN_GROUP = 10  # ФИОКО: N ≥ 10 for group analysis (markers)
PEAK_Z = 2.5  # a peak: participants at a mark boundary exceed those one point below by 2.5 standard errors …
PEAK_RATIO = 2.0  # … and are at least twice as many
GAP_SHARE = 0.10  # journal gaps of 2+ marks in 10 % of the compared papers or more
FAIL_RISE = 0.10  # +10 pp of «2» in the same procedure year on year

PRESENT, ABSENT, NOT_COMPUTED = "есть", "нет", "не рассчитан"

MOMENTS = ["score_n", "score_sum", "score_sumsq"]
INFLATED = [("ВПР", RUSSIAN, 4), ("ВПР", MATH, 4), ("ВПР", RUSSIAN, 5), ("ВПР", MATH, 5), ("ОГЭ", RUSSIAN, 9),
            ("ОГЭ", MATH, 9)]
JOURNAL = [("ВПР", RUSSIAN, 4), ("ВПР", MATH, 4), ("ВПР", RUSSIAN, 5), ("ВПР", MATH, 5)]
COHORT = [RUSSIAN, MATH]


@dataclass
class SignTable:
    """One sign for every school at once, in the order of the schools: status, reason, and each figure as an array
    (NaN where the school has no such figure)."""

    code: str
    label: str
    status: np.ndarray
    reason: np.ndarray
    figures: dict[str, np.ndarray]


class SignsBySchool(Mapping):
    """school → its signs, in the order of the tables; the objects are made on the first look (the report's
    business: the criteria only count)."""

    def __init__(self, tables: list[SignTable], schools: pd.Index) -> None:
        self._tables = tables
        self._schools = schools
        self._built: dict[str, list[Sign]] | None = None

    def _all(self) -> dict[str, list[Sign]]:
        if self._built is None:
            schools = self._schools.tolist()  # Python strings once, not an Arrow scalar per school and sign
            columns = [_sign_column(table) for table in self._tables]
            self._built = ({school: list(signs) for school, signs in zip(schools, zip(*columns))} if columns
                           else {school: [] for school in schools})
        return self._built

    def __getitem__(self, school: str) -> list[Sign]:
        return self._all()[school]

    def __iter__(self):
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._schools)


def _sign_column(table: SignTable) -> list[Sign]:
    """One sign for every school, in the order of the schools. A school without figures holds the one object of its
    status and reason, shared with every such school (none of them is changed after): a country's signs are half a
    million, and without scores or journal marks all of them «не рассчитан» for a few reasons."""
    names = list(table.figures)
    arrays = [np.asarray(values, dtype=float) for values in table.figures.values()]
    with_figures = np.zeros(len(table.status), dtype=bool)
    for values in arrays:
        with_figures |= ~np.isnan(values)
    figures = ([[None if math.isnan(v) else v for v in values.tolist()] for values in arrays] if with_figures.any()
               else [])
    shared: dict[tuple[str, str], Sign] = {}
    column = []
    for row, (status, reason, own) in enumerate(zip(table.status.tolist(), table.reason.tolist(),
                                                     with_figures.tolist())):
        if own:
            found = {n: values[row] for n, values in zip(names, figures) if values[row] is not None}
            column.append(Sign(table.code, table.label, status, reason, found))
            continue
        sign = shared.get((status, reason))
        if sign is None:
            sign = shared[status, reason] = Sign(table.code, table.label, status, reason, {})
        column.append(sign)
    return column


def _table(code: str, label: str, schools: pd.Index, status, reason,
           figures: dict[str, np.ndarray] | None = None) -> SignTable:
    size = len(schools)
    figures = {name: np.broadcast_to(np.asarray(values, dtype=float), (size,))
               for name, values in (figures or {}).items()}
    texts = (np.broadcast_to(np.asarray(values, dtype=object), (size,)) for values in (status, reason))
    return SignTable(code, label, *texts, figures)


def _choose(conditions: list[np.ndarray], texts: list[str], default: str) -> np.ndarray:
    """``np.select`` over texts, as objects: every school holds one of these few strings, not a copy of its own
    (14 signs of 40 000 schools would make half a million of them)."""
    return np.select(conditions, [np.array(text, dtype=object) for text in texts], np.array(default, dtype=object))


def _signs(tables: list[SignTable], schools: pd.Index) -> dict[str, list[Sign]]:
    return dict(SignsBySchool(tables, schools).items())


@dataclass
class Objectivity:
    """Per school: the 14 signs, their count, the markers; per region and municipality: the index."""

    year: int
    signs: Mapping[str, list[Sign]]
    count: pd.Series  # signs present, per school
    computed: pd.Series  # signs computed, per school
    markers: pd.DataFrame  # boundary_peaks, journal_gap2_share, fail_rise per school
    marker_details: dict[str, list[str]]
    by_kind: pd.DataFrame | None = None  # signs present per school (rows) and kind (columns: SIGN_KIND_CODES)


def _procedure(
    frame: pd.DataFrame, year: int, assessment: str, subject: str, grade: int, columns: list[str] | None = None
) -> pd.DataFrame:
    """The rows of one procedure (only ``columns``, when given: a country's cube is wide and long)."""
    mask = (_equal(frame, "year", year) & _equal(frame, "assessment", assessment) & _equal(frame, "subject", subject)
            & _equal(frame, "grade", grade))
    return frame.loc[mask, columns] if columns is not None else frame.loc[mask]


# While ``compute`` runs: (frame, column, value) → (frame, ``frame[column] == value``). The signs look at a dozen
# procedures of the same year and assessment: a country's 2.4 million rows are compared with each once, not each time.
_masks: dict[tuple[int, str, object], tuple[pd.DataFrame, np.ndarray]] | None = None
# While ``compute`` runs: (frame, column) → (frame, its ``codes``): the school_id of a country's 2.4 million rows is
# encoded once for the inflated means' positions and the markers.
_coded: dict[tuple[int, str], tuple[pd.DataFrame, tuple[np.ndarray, list]]] | None = None
# While ``compute`` runs: the cohort signs' tables of both directions (their kinds «fall» and «rise» share them).
_cohorts: dict[tuple[int, int], tuple[pd.DataFrame, pd.Index, list[SignTable]]] | None = None


def _equal(frame: pd.DataFrame, column: str, value) -> np.ndarray:
    """``frame[column] == value`` as plain flags, a missing value not equal (as ``.loc`` takes a missing flag)."""
    if _masks is None:
        return _flags(frame[column] == value)
    key = (id(frame), column, value)
    found = _masks.get(key)
    if found is None or found[0] is not frame:
        found = _masks[key] = (frame, _flags(frame[column] == value))  # the frame held: its id is not another's
    return found[1]


def _codes_of(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, list]:
    """``codes(frame[column])``, once per frame and column while ``compute`` runs."""
    if _coded is None:
        return codes(frame[column])
    key = (id(frame), column)
    found = _coded.get(key)
    if found is None or found[0] is not frame:
        found = _coded[key] = (frame, codes(frame[column]))  # the frame held: its id is not another's
    return found[1]


def _flags(mask: pd.Series) -> np.ndarray:
    return mask.to_numpy(dtype=bool, na_value=False)


def _label(assessment: str, subject: str, grade: int) -> str:
    return f"{assessment}, {subject.lower()}" + (f", {grade} класс" if assessment == "ВПР" else "")


def _interval(n: float, total: float, squares: float) -> tuple[float, float, float] | None:
    if not n or n < MIN_FOR_MEAN or pd.isna(squares):
        return None
    mean = total / n
    variance = max((squares - n * mean * mean) / (n - 1), 0.0)
    half = T_95 * math.sqrt(variance) / math.sqrt(n)
    return mean, mean - half, mean + half


def inflated_mean(counts: pd.DataFrame, schools: pd.Index, year: int) -> dict[str, list[Sign]]:
    """School's 95 % interval of the mean primary score lies wholly above the region's (SPEC §5, 6 signs)."""
    return _signs(_inflated_tables(counts, schools, year), schools)


def _inflated_tables(counts: pd.DataFrame, schools: pd.Index, year: int) -> list[SignTable]:
    # each row's school as its position among ``schools``, once: a procedure's moments are put in the schools' order
    # by position, not by a reindex of its school_id text (a cube's keys are one row each)
    where = positions(counts, schools, _codes_of(counts, "school_id"))
    tables = []
    for assessment, subject, grade in INFLATED:
        code = f"inflated_mean:{assessment}:{subject}:{grade}"
        label = f"завышенный средний балл ({_label(assessment, subject, grade)})"
        mask = (_equal(counts, "year", year) & _equal(counts, "assessment", assessment)
                & _equal(counts, "subject", subject) & _equal(counts, "grade", grade))
        frame = counts.loc[mask, MOMENTS]
        region = _interval(frame["score_n"].sum(), frame["score_sum"].sum(),
                           frame["score_sumsq"].sum(min_count=1)) if len(frame) else None
        at = where[mask]
        inside = at >= 0
        at = at[inside]
        n, total, squares = (_by_position(frame[column], inside, at, len(schools)) for column in MOMENTS)
        taking = np.zeros(len(schools), dtype=bool)
        taking[at] = True
        scored = taking & ~np.isnan(n) & ~np.isnan(squares)
        enough = scored & (n >= MIN_FOR_MEAN)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = total / n
            variance = np.maximum((squares - n * mean * mean) / (n - 1), 0.0)
            half = T_95 * np.sqrt(variance) / np.sqrt(n)
        computed = enough & (region is not None)
        reason = _choose(
            [~taking, ~scored, ~enough, ~computed],
            ["школа не участвовала в процедуре",
             "нет баллов участников (нужны данные по участникам или средний балл со стандартным отклонением)",
             f"меньше {MIN_FOR_MEAN} участников", "нет баллов по региону"],
            "",
        )
        region_high = region[2] if region is not None else np.inf
        status = _choose([~computed, mean - half > region_high], [NOT_COMPUTED, PRESENT], ABSENT)
        shown = np.where(computed, 1.0, np.nan)
        figures = {"school_mean": mean * shown, "school_low": (mean - half) * shown,
                   "school_high": (mean + half) * shown}
        if region is not None:
            figures.update({"region_mean": region[0] * shown, "region_low": region[1] * shown,
                            "region_high": region[2] * shown})
        tables.append(_table(code, label, schools, status, reason, figures))
    return tables


def _by_position(values: pd.Series, inside: np.ndarray, at: np.ndarray, size: int) -> np.ndarray:
    """The values of the rows ``inside`` at their schools' positions ``at``; NaN for every other school."""
    result = np.full(size, np.nan)
    result[at] = values.to_numpy(dtype=float, na_value=np.nan)[inside]
    return result


def spearman(pairs: pd.DataFrame) -> pd.DataFrame:
    """r_s of journal mark and score per ``key`` (a school's procedure: a row of the cube's counts), ties ranked by
    their average, with pair counts.

    Counted over arrays: each value's average rank within its key from one sort, the sums of the products of the
    ranks' deviations by ``np.bincount``. Average ranks are whole or half numbers and their mean (n + 1) / 2, so the
    deviations, their products and the sums are exact in float64 in any order: the figures are pandas' grouped
    rank, mean and sum to the last bit (a region's quarter of a million pairs took 80 ms in pandas, 15 here)."""
    if pairs.empty:
        return pd.DataFrame({"key": np.array([], dtype=np.int64), "pairs": np.array([], dtype=np.int64),
                             "r_s": np.array([], dtype=float), "varying": np.array([], dtype=bool)})
    key = pairs["key"].to_numpy(dtype=np.int64)
    journal = pairs["journal"].to_numpy(dtype=float)
    score = pairs["score"].to_numpy(dtype=float)
    if np.isnan(journal).any() or np.isnan(score).any():
        return _spearman_grouped(pairs)  # a missing value has no rank and leaves its key's mean: pandas' way
    size = np.bincount(key)
    found = np.flatnonzero(size)  # the keys with pairs; each pair's key below as its position among them
    group = (np.cumsum(size > 0) - 1)[key]
    size = size[found]
    middle = ((size + 1) / 2)[group]  # the mean rank of each pair's key
    dx = _average_ranks(group, journal, len(found)) - middle
    dy = _average_ranks(group, score, len(found)) - middle
    xy, xx, yy = (np.bincount(group, weights=w, minlength=len(found)) for w in (dx * dy, dx * dx, dy * dy))
    with np.errstate(divide="ignore", invalid="ignore"):
        denominator = np.sqrt(xx * yy)
        denominator[denominator == 0] = np.nan
        r_s = np.round(xy / denominator, 6)
    return pd.DataFrame({"key": found.astype(np.int64), "pairs": size.astype(np.int64), "r_s": r_s,
                         "varying": (xx > 0) & (yy > 0)})


def _average_ranks(key: np.ndarray, values: np.ndarray, keys: int) -> np.ndarray:
    """Each value's rank among the values of its key (1 for the least), ties given their average rank: pandas'
    ``groupby(key).rank(method="average")`` of values without NaN. ``keys``: more than the largest key.

    Whole numbers of a short range (marks, primary scores) are counted per key and value (``np.bincount``), other
    values sorted."""
    whole = values.astype(np.int64)
    low = int(whole.min())
    span = int(whole.max()) - low + 1
    if span * keys <= max(4 * len(values), 1 << 20) and np.array_equal(whole, values):
        cell = key * span + (whole - low)
        here = np.bincount(cell, minlength=keys * span)
        below = np.cumsum(here) - here  # the values before each cell's, over all keys …
        below -= np.repeat(below[::span], span)  # … less those of the keys before it
        return (below + (here + 1) / 2)[cell]
    order = np.lexsort((values, key))
    ranked_key, ranked = key[order], values[order]
    count = len(order)
    starts_key = np.ones(count, dtype=bool)
    starts_key[1:] = ranked_key[1:] != ranked_key[:-1]
    starts_tie = starts_key.copy()
    starts_tie[1:] |= ranked[1:] != ranked[:-1]
    first_of_key = np.maximum.accumulate(np.where(starts_key, np.arange(count), 0))
    ties = np.flatnonzero(starts_tie)
    ends = np.append(ties[1:], count)
    # positions start..end−1 of a tie hold ranks start+1..end (counted from the key's first): their average
    average = np.repeat((ties + ends + 1) / 2, ends - ties) - first_of_key
    ranks = np.empty(count)
    ranks[order] = average
    return ranks


def _spearman_grouped(pairs: pd.DataFrame) -> pd.DataFrame:
    """``spearman`` in pandas, where a score or a journal mark is missing."""
    grouped = pairs.groupby("key")
    frame = pd.DataFrame({"key": pairs["key"]})
    frame["rx"] = grouped["journal"].rank(method="average").astype(float)
    frame["ry"] = grouped["score"].rank(method="average").astype(float)
    by = frame.groupby("key")
    frame["dx"] = frame["rx"] - by["rx"].transform("mean")
    frame["dy"] = frame["ry"] - by["ry"].transform("mean")
    sums = frame.assign(xy=frame["dx"] * frame["dy"], xx=frame["dx"] ** 2, yy=frame["dy"] ** 2).groupby("key")
    result = sums[["xy", "xx", "yy"]].sum().join(sums.size().rename("pairs")).reset_index()
    result["varying"] = (result["xx"] > 0) & (result["yy"] > 0)
    denominator = np.sqrt(result["xx"] * result["yy"]).replace(0, np.nan)
    result["r_s"] = (result["xy"] / denominator).round(6)
    return result[["key", "pairs", "r_s", "varying"]]


def _named(counts: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the procedure and school of its ``key`` (a row of ``counts``, by position) in its place."""
    keys = counts[KEYS].take(frame["key"].to_numpy()).reset_index(drop=True)
    return pd.concat([keys, frame.drop(columns="key").reset_index(drop=True)], axis=1)


def journal_mismatch(counts: pd.DataFrame, pairs: pd.DataFrame, schools: pd.Index, year: int) -> dict[str, list[Sign]]:
    """Negative Spearman correlation of journal mark and primary score within the school (SPEC §5, 4 signs)."""
    return _signs(_journal_tables(counts, pairs, schools, year), schools)


def _journal_tables(counts: pd.DataFrame, pairs: pd.DataFrame, schools: pd.Index, year: int) -> list[SignTable]:
    correlations = _named(counts, spearman(pairs))
    tables = []
    for assessment, subject, grade in JOURNAL:
        code = f"journal_mismatch:{subject}:{grade}"
        label = f"несоответствие отметкам по журналу ({_label(assessment, subject, grade)})"
        frame = _procedure(correlations, year, assessment, subject, grade).set_index("school_id").reindex(schools)
        count = frame["pairs"].to_numpy(dtype=float, na_value=np.nan)
        r_s = frame["r_s"].to_numpy(dtype=float, na_value=np.nan)
        varying = frame["varying"].fillna(False).to_numpy(dtype=bool)
        found = ~np.isnan(count)
        enough = found & (count >= MIN_PAIRS)
        computed = enough & varying
        reason = _choose(
            [~found, ~enough, ~computed],
            ["нет пар «отметка по журналу — балл» (нужны данные по участникам)",
             f"меньше {MIN_PAIRS} участников с отметкой по журналу", "все отметки по журналу или все баллы одинаковы"],
            "",
        )
        status = _choose([~computed, r_s < 0], [NOT_COMPUTED, PRESENT], ABSENT)
        figures = {"r_s": np.where(computed, r_s, np.nan), "pairs": count}
        tables.append(_table(code, label, schools, status, reason, figures))
    return tables


def _completion(counts: pd.DataFrame, year: int, subject: str, grade: int) -> pd.Series:
    frame = _procedure(counts, year, "ВПР", subject, grade,
                       ["school_id", "score_sum", "score_n", "max_score"]).set_index("school_id")
    return (frame["score_sum"] / frame["score_n"] / frame["max_score"]).astype("Float64")


def cohort_change(counts: pd.DataFrame, schools: pd.Index, year: int) -> dict[str, list[Sign]]:
    """K = S(grade 4, Y−1) / S(grade 5, Y) of one cohort; fall if K > Q75 + 3·IQR, rise if K < Q25 − 3·IQR."""
    return _signs(_cohort_tables(counts, schools, year), schools)


def _cohort_tables(
    counts: pd.DataFrame, schools: pd.Index, year: int, directions: tuple[str, ...] = ("fall", "rise")
) -> list[SignTable]:
    if _cohorts is None:
        return _cohort_tables_of(counts, schools, year, directions)
    key = (id(counts), year)
    found = _cohorts.get(key)
    if found is None or found[0] is not counts or found[1] is not schools:
        found = _cohorts[key] = (counts, schools, _cohort_tables_of(counts, schools, year))
    return [table for table in found[2] if table.code.split(":")[0].removeprefix("cohort_") in directions]


def _cohort_tables_of(
    counts: pd.DataFrame, schools: pd.Index, year: int, directions: tuple[str, ...] = ("fall", "rise")
) -> list[SignTable]:
    tables = []
    for subject in COHORT:
        s4 = _completion(counts, year - 1, subject, 4)
        s5 = _completion(counts, year, subject, 5)
        if s4.notna().any() and s5.notna().any():
            both = pd.concat({"s4": s4, "s5": s5}, axis=1).dropna()
            both = both.loc[both["s5"] > 0]
            k = (both["s4"] / both["s5"]).astype(float)
        else:  # no school has both (marks without scores): nothing to align
            k = pd.Series([], dtype=float)
        enough = len(k) >= MIN_COHORT_SCHOOLS
        q25, q75 = (float(np.percentile(k, 25)), float(np.percentile(k, 75))) if enough else (math.nan, math.nan)
        fall_cut, rise_cut = q75 + IQR_FACTOR * (q75 - q25), q25 - IQR_FACTOR * (q75 - q25)
        value = k.reindex(schools).to_numpy(dtype=float, na_value=np.nan) if len(k) else np.full(len(schools), np.nan)
        found = ~np.isnan(value)
        computed = found & enough
        reason = _choose(
            [~found, ~computed],
            ["нет результатов 4 класса прошлого года и 5 класса этого года с баллами и шкалой",
             f"в регионе меньше {MIN_COHORT_SCHOOLS} школ с обоими годами"],
            "",
        )
        shown = np.where(computed, 1.0, np.nan)
        for direction, label_word in (("fall", "резкое снижение"), ("rise", "резкий рост")):
            if direction not in directions:
                continue
            code = f"cohort_{direction}:{subject}"
            label = f"{label_word} результатов того же класса ({subject.lower()}, 4 класс {year - 1} → 5 класс {year})"
            cut = fall_cut if direction == "fall" else rise_cut
            present = value > cut if direction == "fall" else value < cut
            status = _choose([~computed, present], [NOT_COMPUTED, PRESENT], ABSENT)
            figures = {"K": np.array([round(v, 6) for v in value.tolist()]) * shown, "q25": round(q25, 6) * shown,
                       "q75": round(q75, 6) * shown, "cutoff": round(cut, 6) * shown}
            tables.append(_table(code, label, schools, status, reason, figures))
    return tables


def markers(
    counts: pd.DataFrame, histogram: pd.DataFrame, schools: pd.Index, year: int
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Not among the 14: peaks at mark boundaries, journal gaps of 2+ marks, a +10 pp rise of «2».

    The gaps and rises are counted over arrays by the code of each row's school (``codes``), not over the text
    keys of a country's 2.4 million rows."""
    details: dict[str, list[str]] = {}
    peaks = _boundary_peaks(counts, histogram, year, details)
    school = _codes_of(counts, "school_id")
    gap_share = _gap_shares(counts, _equal(counts, "year", year), school)
    rises = _fail_rises(counts, year, details, school)
    # each school's code, −1 if it has no rows: there, the value appended last (none: NaN and 0)
    at = pd.Index(school[1], dtype=object).get_indexer(schools.astype(object))
    frame = pd.DataFrame(
        {
            "boundary_peaks": peaks.reindex(schools, fill_value=0),
            "journal_gap2_share": pd.array(np.append(gap_share, np.nan)[at], dtype="Float64"),
            "fail_rise": pd.array(np.append(rises, 0)[at], dtype="Int64"),
        },
        index=schools,
    )
    for school_id, share in frame["journal_gap2_share"].dropna().items():
        if share >= GAP_SHARE:
            details.setdefault(school_id, []).append(
                f"расхождение с журналом на 2 и более отметки у {share * 100:.1f} % участников ВПР".replace(".", ",")
            )
    return frame, details


def _gap_shares(counts: pd.DataFrame, in_year: np.ndarray, school: tuple[np.ndarray, list]) -> np.ndarray:
    """Per school code: Σ journal_gap2 / Σ compared papers (lowered + confirmed + raised) of the year, NaN where
    either sum has no known value or fewer than ``MIN_GROUP`` papers were compared (sums of whole numbers: exact in
    float64, as the sums of the Int64 columns were)."""
    found, distinct = school
    rows = np.flatnonzero(in_year)
    where, size = found[rows], len(distinct)
    compared = np.zeros(len(rows))
    compared_known = np.zeros(len(rows), dtype=bool)
    for column in ("lowered", "confirmed", "raised"):
        values, known = numbers(counts[column].iloc[rows] if len(rows) < len(counts) else counts[column])
        compared += values
        compared_known |= known
    gaps, gaps_known = numbers(counts["journal_gap2"].iloc[rows] if len(rows) < len(counts)
                                else counts["journal_gap2"])
    compared_sum = np.bincount(where, weights=compared, minlength=size)
    gaps_sum = np.bincount(where, weights=gaps, minlength=size)
    usable = ((np.bincount(where, weights=compared_known, minlength=size) > 0)
              & (np.bincount(where, weights=gaps_known, minlength=size) > 0) & (compared_sum >= MIN_GROUP))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(usable, gaps_sum / compared_sum, np.nan)


def _boundary_peaks(counts: pd.DataFrame, histogram: pd.DataFrame, year: int,
                    details: dict[str, list[str]]) -> pd.Series:
    """Participants at each mark boundary against those one point below, for every procedure of the year at once.
    The histogram's ``key`` is a row of ``counts``."""
    in_year = (counts["year"] == year).to_numpy(dtype=bool, na_value=False)
    chosen = in_year[histogram["key"].to_numpy(dtype=np.int64)]
    if not chosen.any():
        return pd.Series(dtype="Int64")
    latest = histogram.loc[chosen, ["key", "score", "count"]].astype({"score": float, "count": float})
    # the participants with a score: the histogram itself holds only the scores around the boundaries
    rows = np.flatnonzero(in_year)
    score_n = counts["score_n"].to_numpy(dtype=float, na_value=np.nan)[rows]
    marks = [counts[column].to_numpy(dtype=float, na_value=np.nan)[rows] for column in ("mark3", "mark4", "mark5")]
    usable = ~np.isnan(marks[0]) & (np.nan_to_num(score_n, nan=0.0) >= MIN_GROUP)
    # every boundary of every usable procedure: those of «3» first, then «4», then «5»
    key = np.tile(rows[usable], len(marks))
    boundary = np.concatenate([values[usable] for values in marks])
    table = _boundary_counts(latest, key, boundary)
    spread = np.sqrt(table["here"] + table["below"]).replace(0, np.nan)
    z = ((table["here"] - table["below"]) / spread).fillna(0.0)
    peaks = table.loc[(z >= PEAK_Z) & (table["here"] >= PEAK_RATIO * table["below"])]
    peaks = _named(counts, peaks)
    for row in peaks.sort_values([*KEYS, "boundary"]).itertuples(index=False):
        details.setdefault(row.school_id, []).append(
            f"пик на границе отметки: {_label(row.assessment, row.subject, row.grade)}, балл {row.boundary:g} — "
            f"{row.here:g} уч., на балл ниже — {row.below:g}"
        )
    return peaks.groupby("school_id", observed=True).size().astype("Int64")


def _boundary_counts(latest: pd.DataFrame, key: np.ndarray, boundary: np.ndarray) -> pd.DataFrame:
    """key, boundary, here (participants at the boundary's score), below (at one point less): 0 where the
    histogram has no such score. Each (key, score) of the histogram is looked up by one integer code of the two in
    a hash table, not merged (a cube's histogram gives each once; one that does not is merged)."""
    score_at, scores = pd.factorize(latest["score"].to_numpy(), use_na_sentinel=False)
    width = len(scores)
    table = pd.Index(latest["key"].to_numpy(dtype=np.int64) * width + score_at)
    if not table.is_unique:
        return _boundary_counts_merged(latest, key, boundary)
    number = np.append(np.nan_to_num(latest["count"].to_numpy(), nan=0.0), 0.0)  # a missing count: none, as merged
    scores = pd.Index(scores)

    def participants(wanted: np.ndarray) -> np.ndarray:
        at = scores.get_indexer(wanted)  # −1: a score the histogram does not have
        found = table.get_indexer(key * width + at)
        return number[np.where(at >= 0, found, -1)]

    return pd.DataFrame({"key": key, "boundary": boundary, "here": participants(boundary),
                         "below": participants(boundary - 1)})


def _boundary_counts_merged(latest: pd.DataFrame, key: np.ndarray, boundary: np.ndarray) -> pd.DataFrame:
    """``_boundary_counts`` of a histogram that gives a (key, score) more than once: each of its rows matched."""
    bounds = pd.DataFrame({"key": key, "boundary": boundary})
    at = latest.rename(columns={"score": "boundary", "count": "here"})
    below = latest.assign(boundary=latest["score"] + 1).drop(columns="score").rename(columns={"count": "below"})
    table = bounds.merge(at, on=["key", "boundary"], how="left").merge(below, on=["key", "boundary"], how="left")
    return table.fillna({"here": 0.0, "below": 0.0})


def _fail_rises(counts: pd.DataFrame, year: int, details: dict[str, list[str]],
                school: tuple[np.ndarray, list]) -> np.ndarray:
    """Per school code: the procedures (of ``MIN_GROUP`` participants or more in both years) whose share of «2» rose
    by ``FAIL_RISE`` or more from Y−1 to Y; each is told in ``details``, in the order of the rows of Y. A procedure of a
    school is matched with its row of Y−1 by one integer code of its four keys (a cube's keys are one row each)."""
    participants, participants_known = numbers(counts["participants"])
    fails, fails_known = numbers(counts["fail"])
    large = participants_known & (participants >= MIN_GROUP)
    now = np.flatnonzero(_equal(counts, "year", year) & large)
    before = np.flatnonzero(_equal(counts, "year", year - 1) & large)
    rises = np.zeros(len(school[1]), dtype=np.int64)
    if not len(now) or not len(before):
        return rises
    assessment, subject, grade = (codes(counts[c]) for c in ("assessment", "subject", "grade"))
    key = combined(school, assessment, subject, grade)
    order = np.argsort(key[before], kind="stable")
    ranked = key[before][order]
    at = np.minimum(np.searchsorted(ranked, key[now]), len(ranked) - 1)
    matched = ranked[at] == key[now]
    now, earlier = now[matched], before[order[at[matched]]]
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(fails_known, fails / participants, np.nan)
    rising = (share[now] - share[earlier]) >= FAIL_RISE - 1e-9
    now, earlier = now[rising], earlier[rising]
    labels: dict[int, str] = {}  # a procedure's label, made once (a country: 50 000 rises, 31 procedures)
    procedure = combined(assessment, subject, grade)[now].tolist()
    names = [school[1][code] for code in school[0][now].tolist()]
    for row, name, code, now_share, before_share in zip(now.tolist(), names, procedure, share[now].tolist(),
                                                         share[earlier].tolist()):
        label = labels.get(code)
        if label is None:
            label = labels[code] = _label(assessment[1][assessment[0][row]], subject[1][subject[0][row]],
                                          grade[1][grade[0][row]])
        details.setdefault(name, []).append(
            f"рост доли «2» на {(now_share - before_share) * 100:.1f} п. п.: {label}".replace(".", ",", 1)
        )
    np.add.at(rises, school[0][now], 1)
    return rises


@dataclass(frozen=True)
class SignKind:
    """A kind of sign of the methodology: its code (the prefix of its signs' codes in result.json, and what a
    criterion's ``signs:`` lists), its name, what data it needs, how many signs it makes and how they are computed
    (``compute(counts, pairs, schools, year)`` → one table per sign)."""

    code: str
    label: str
    inputs: str
    signs: int
    compute: Callable[[pd.DataFrame, pd.DataFrame, pd.Index, int], list[SignTable]]


SIGN_KINDS = (
    SignKind("inflated_mean", "завышенный средний балл", "баллы участников (или средний балл со стандартным "
             "отклонением по школе)", len(INFLATED),
             lambda counts, pairs, schools, year: _inflated_tables(counts, schools, year)),
    SignKind("journal_mismatch", "несоответствие отметкам по журналу", "данные по участникам с отметкой по журналу",
             len(JOURNAL), _journal_tables),
    SignKind("cohort_fall", "резкое снижение результатов того же класса", "баллы участников и шкала", len(COHORT),
             lambda counts, pairs, schools, year: _cohort_tables(counts, schools, year, ("fall",))),
    SignKind("cohort_rise", "резкий рост результатов того же класса", "баллы участников и шкала", len(COHORT),
             lambda counts, pairs, schools, year: _cohort_tables(counts, schools, year, ("rise",))),
)
SIGN_KIND_CODES = tuple(kind.code for kind in SIGN_KINDS)
SIGNS_TOTAL = sum(kind.signs for kind in SIGN_KINDS)  # 14


def compute(counts: pd.DataFrame, pairs: pd.DataFrame, histogram: pd.DataFrame, schools: pd.Index,
            year: int) -> Objectivity:
    """``pairs`` and ``histogram`` name a school's procedure by its row of ``counts`` (their ``key``; see ``Cube``)."""
    global _masks, _cohorts, _coded
    _masks, _cohorts, _coded = {}, {}, {}
    try:
        by_kind = {kind.code: kind.compute(counts, pairs, schools, year) for kind in SIGN_KINDS}
        marker_frame, marker_details = markers(counts, histogram, schools, year)
    finally:
        _masks = _cohorts = _coded = None
    tables = [table for kind_tables in by_kind.values() for table in kind_tables]
    count = pd.Series(sum((t.status == PRESENT).astype(int) for t in tables), index=schools, dtype="Int64")
    computed = pd.Series(sum((t.status != NOT_COMPUTED).astype(int) for t in tables), index=schools, dtype="Int64")
    present = pd.DataFrame(
        {code: sum(((t.status == PRESENT).astype(int) for t in kind_tables), np.zeros(len(schools), dtype=int))
         for code, kind_tables in by_kind.items()},
        index=schools,
    ).astype("Int64")
    return Objectivity(year, SignsBySchool(tables, schools), count, computed, marker_frame, marker_details, present)


def objectivity_index(objectivity: Objectivity,
                      groups: pd.Series | None = None) -> dict[str, dict[str, float | int | None]]:
    """100 − % of schools with ≥ 1 sign, among the schools for which at least one sign could be computed."""
    frame = pd.DataFrame({"count": objectivity.count, "computed": objectivity.computed})
    frame = frame.loc[frame["computed"] > 0]
    if groups is not None:
        frame = frame.join(groups.rename("group"))
        parts = {str(g): f for g, f in frame.groupby("group", observed=True)}
    else:
        parts = {"region": frame}
    result = {}
    for name, part in parts.items():
        schools = len(part)
        flagged = int((part["count"] >= 1).sum())
        result[name] = {
            "schools": schools,
            "with_signs": flagged,
            "index": round(100 - 100 * flagged / schools, 1) if schools else None,
        }
    return result
