"""Signs of non-objective marking (признаки необъективности), SPEC §5: the 14 signs of the Rosobrnadzor
methodology for the latest year Y of the window, the objectivity index, and the extra markers of the ФИОКО guidance.

Each sign is computed per school as «есть» (present), «нет» (absent) or «не рассчитан» (cannot be computed from the
data given, with the reason). Documents speak of signs, never of proven non-objectivity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

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

INFLATED = [("ВПР", RUSSIAN, 4), ("ВПР", MATH, 4), ("ВПР", RUSSIAN, 5), ("ВПР", MATH, 5), ("ОГЭ", RUSSIAN, 9), ("ОГЭ", MATH, 9)]
JOURNAL = [("ВПР", RUSSIAN, 4), ("ВПР", MATH, 4), ("ВПР", RUSSIAN, 5), ("ВПР", MATH, 5)]
COHORT = [RUSSIAN, MATH]


@dataclass
class Sign:
    code: str
    label: str
    status: str
    reason: str = ""
    figures: dict[str, float | None] = field(default_factory=dict)


@dataclass
class Objectivity:
    """Per school: the 14 signs, their count, the markers; per region and municipality: the index."""

    year: int
    signs: dict[str, list[Sign]]
    count: pd.Series  # signs present, per school
    computed: pd.Series  # signs computed, per school
    markers: pd.DataFrame  # boundary_peaks, journal_gap2_share, fail_rise per school
    marker_details: dict[str, list[str]]


def _procedure(frame: pd.DataFrame, year: int, assessment: str, subject: str, grade: int) -> pd.DataFrame:
    mask = (frame["year"] == year) & (frame["assessment"] == assessment) & (frame["subject"] == subject) & (frame["grade"] == grade)
    return frame.loc[mask]


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
    out: dict[str, list[Sign]] = {s: [] for s in schools}
    for assessment, subject, grade in INFLATED:
        code = f"inflated_mean:{assessment}:{subject}:{grade}"
        label = f"завышенный средний балл ({_label(assessment, subject, grade)})"
        frame = _procedure(counts, year, assessment, subject, grade).set_index("school_id")
        region = _interval(frame["score_n"].sum(), frame["score_sum"].sum(), frame["score_sumsq"].sum(min_count=1)) if len(frame) else None
        rows = frame[["score_n", "score_sum", "score_sumsq"]].to_dict("index")
        for school in schools:
            row = rows.get(school)
            if row is None:
                out[school].append(Sign(code, label, NOT_COMPUTED, "школа не участвовала в процедуре"))
                continue
            if pd.isna(row["score_n"]) or pd.isna(row["score_sumsq"]):
                out[school].append(Sign(code, label, NOT_COMPUTED, "нет баллов участников (нужны данные по участникам или средний балл со стандартным отклонением)"))
                continue
            own = _interval(row["score_n"], row["score_sum"], row["score_sumsq"])
            if own is None:
                out[school].append(Sign(code, label, NOT_COMPUTED, f"меньше {MIN_FOR_MEAN} участников"))
                continue
            if region is None:
                out[school].append(Sign(code, label, NOT_COMPUTED, "нет баллов по региону"))
                continue
            figures = {"school_mean": own[0], "school_low": own[1], "school_high": own[2],
                       "region_mean": region[0], "region_low": region[1], "region_high": region[2]}
            status = PRESENT if own[1] > region[2] else ABSENT
            out[school].append(Sign(code, label, status, figures=figures))
    return out


def spearman(pairs: pd.DataFrame) -> pd.DataFrame:
    """r_s of journal mark and score per school and procedure (ties ranked by their average), with pair counts."""
    keys = ["year", "assessment", "subject", "grade", "school_id"]
    if pairs.empty:
        return pd.DataFrame(columns=[*keys, "pairs", "r_s", "varying"])
    frame = pairs[keys].copy()
    grouped = pairs.groupby(keys, observed=True)
    frame["rx"] = grouped["journal"].rank(method="average").astype(float)
    frame["ry"] = grouped["score"].rank(method="average").astype(float)
    by = frame.groupby(keys, observed=True)
    frame["dx"] = frame["rx"] - by["rx"].transform("mean")
    frame["dy"] = frame["ry"] - by["ry"].transform("mean")
    sums = frame.assign(xy=frame["dx"] * frame["dy"], xx=frame["dx"] ** 2, yy=frame["dy"] ** 2).groupby(keys, observed=True)
    result = sums[["xy", "xx", "yy"]].sum().join(sums.size().rename("pairs")).reset_index()
    result["varying"] = (result["xx"] > 0) & (result["yy"] > 0)
    denominator = np.sqrt(result["xx"] * result["yy"]).replace(0, np.nan)
    result["r_s"] = (result["xy"] / denominator).round(6)
    return result[[*keys, "pairs", "r_s", "varying"]]


def journal_mismatch(pairs: pd.DataFrame, schools: pd.Index, year: int) -> dict[str, list[Sign]]:
    """Negative Spearman correlation of journal mark and primary score within the school (SPEC §5, 4 signs)."""
    correlations = spearman(pairs)
    out: dict[str, list[Sign]] = {s: [] for s in schools}
    for assessment, subject, grade in JOURNAL:
        code = f"journal_mismatch:{subject}:{grade}"
        label = f"несоответствие отметкам по журналу ({_label(assessment, subject, grade)})"
        frame = _procedure(correlations, year, assessment, subject, grade).set_index("school_id")
        rows = frame[["pairs", "r_s", "varying"]].to_dict("index")
        for school in schools:
            row = rows.get(school)
            if row is None:
                out[school].append(Sign(code, label, NOT_COMPUTED, "нет пар «отметка по журналу — балл» (нужны данные по участникам)"))
                continue
            if row["pairs"] < MIN_PAIRS:
                out[school].append(Sign(code, label, NOT_COMPUTED, f"меньше {MIN_PAIRS} участников с отметкой по журналу", {"pairs": float(row["pairs"])}))
            elif not row["varying"]:
                out[school].append(Sign(code, label, NOT_COMPUTED, "все отметки по журналу или все баллы одинаковы", {"pairs": float(row["pairs"])}))
            else:
                status = PRESENT if row["r_s"] < 0 else ABSENT
                out[school].append(Sign(code, label, status, figures={"r_s": float(row["r_s"]), "pairs": float(row["pairs"])}))
    return out


def _completion(counts: pd.DataFrame, year: int, subject: str, grade: int) -> pd.Series:
    frame = _procedure(counts, year, "ВПР", subject, grade).set_index("school_id")
    return (frame["score_sum"] / frame["score_n"] / frame["max_score"]).astype("Float64")


def cohort_change(counts: pd.DataFrame, schools: pd.Index, year: int) -> dict[str, list[Sign]]:
    """K = S(grade 4, Y−1) / S(grade 5, Y) of one cohort; fall if K > Q75 + 3·IQR, rise if K < Q25 − 3·IQR."""
    out: dict[str, list[Sign]] = {s: [] for s in schools}
    for subject in COHORT:
        s4 = _completion(counts, year - 1, subject, 4)
        s5 = _completion(counts, year, subject, 5)
        both = pd.concat({"s4": s4, "s5": s5}, axis=1).dropna()
        both = both.loc[both["s5"] > 0]
        k = (both["s4"] / both["s5"]).astype(float)
        enough = len(k) >= MIN_COHORT_SCHOOLS
        q25, q75 = (float(np.percentile(k, 25)), float(np.percentile(k, 75))) if enough else (math.nan, math.nan)
        fall_cut, rise_cut = q75 + IQR_FACTOR * (q75 - q25), q25 - IQR_FACTOR * (q75 - q25)
        for direction, label_word in (("fall", "резкое снижение"), ("rise", "резкий рост")):
            code = f"cohort_{direction}:{subject}"
            label = f"{label_word} результатов того же класса ({subject.lower()}, 4 класс {year - 1} → 5 класс {year})"
            values = k.to_dict()
            for school in schools:
                if school not in values:
                    reason = "нет результатов 4 класса прошлого года и 5 класса этого года с баллами и шкалой"
                    out[school].append(Sign(code, label, NOT_COMPUTED, reason))
                    continue
                if not enough:
                    out[school].append(Sign(code, label, NOT_COMPUTED, f"в регионе меньше {MIN_COHORT_SCHOOLS} школ с обоими годами"))
                    continue
                value = float(values[school])
                present = value > fall_cut if direction == "fall" else value < rise_cut
                figures = {"K": round(value, 6), "q25": round(q25, 6), "q75": round(q75, 6),
                           "cutoff": round(fall_cut if direction == "fall" else rise_cut, 6)}
                out[school].append(Sign(code, label, PRESENT if present else ABSENT, figures=figures))
    return out


def markers(counts: pd.DataFrame, histogram: pd.DataFrame, schools: pd.Index, year: int) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Not among the 14: peaks at mark boundaries, journal gaps of 2+ marks, a +10 pp rise of «2»."""
    details: dict[str, list[str]] = {}
    peaks = _boundary_peaks(counts, histogram, year, details)
    latest = counts.loc[counts["year"] == year]
    compared = latest[["lowered", "confirmed", "raised"]].sum(axis=1, min_count=1)
    gaps = latest.assign(compared=compared).groupby("school_id", observed=True)[["journal_gap2", "compared"]].sum(min_count=1)
    gap_share = (gaps["journal_gap2"] / gaps["compared"]).where(gaps["compared"] >= MIN_GROUP)
    rises = _fail_rises(counts, year, details)
    frame = pd.DataFrame(
        {
            "boundary_peaks": peaks.reindex(schools, fill_value=0),
            "journal_gap2_share": gap_share.reindex(schools).astype("Float64"),
            "fail_rise": rises.reindex(schools, fill_value=0),
        },
        index=schools,
    )
    for school, share in frame["journal_gap2_share"].dropna().items():
        if share >= GAP_SHARE:
            details.setdefault(school, []).append(f"расхождение с журналом на 2 и более отметки у {share * 100:.1f} % участников ВПР".replace(".", ","))
    return frame, details


def _boundary_peaks(counts: pd.DataFrame, histogram: pd.DataFrame, year: int, details: dict[str, list[str]]) -> pd.Series:
    """Participants at each mark boundary against those one point below, for every procedure of the year at once."""
    keys = ["year", "assessment", "subject", "grade", "school_id"]
    latest = histogram.loc[histogram["year"] == year, [*keys, "score", "count"]]
    if latest.empty:
        return pd.Series(dtype="Int64")
    latest = latest.astype({"score": float, "count": float})
    # the participants with a score: the histogram itself holds only the scores around the boundaries
    scales = counts.loc[counts["year"] == year, [*keys, "score_n", "mark3", "mark4", "mark5"]].dropna(subset=["mark3"])
    scales = scales.loc[scales["score_n"].fillna(0) >= MIN_GROUP].drop(columns="score_n")
    bounds = scales.melt(id_vars=keys, value_vars=["mark3", "mark4", "mark5"], value_name="boundary")
    bounds = bounds.astype({"boundary": float})
    at = latest.rename(columns={"score": "boundary", "count": "here"})
    below = latest.assign(boundary=latest["score"] + 1).drop(columns="score").rename(columns={"count": "below"})
    table = bounds.merge(at, on=[*keys, "boundary"], how="left").merge(below, on=[*keys, "boundary"], how="left")
    table = table.fillna({"here": 0.0, "below": 0.0})
    spread = np.sqrt(table["here"] + table["below"]).replace(0, np.nan)
    z = ((table["here"] - table["below"]) / spread).fillna(0.0)
    peaks = table.loc[(z >= PEAK_Z) & (table["here"] >= PEAK_RATIO * table["below"])]
    for row in peaks.sort_values([*keys, "boundary"]).itertuples(index=False):
        details.setdefault(row.school_id, []).append(
            f"пик на границе отметки: {_label(row.assessment, row.subject, row.grade)}, балл {row.boundary:g} — "
            f"{row.here:g} уч., на балл ниже — {row.below:g}"
        )
    return peaks.groupby("school_id", observed=True).size().astype("Int64")


def _fail_rises(counts: pd.DataFrame, year: int, details: dict[str, list[str]]) -> pd.Series:
    procedure = ["school_id", "assessment", "subject", "grade"]
    share = counts.assign(share=counts["fail"] / counts["participants"]).loc[counts["participants"] >= MIN_GROUP]
    now = share.loc[share["year"] == year, [*procedure, "share"]]
    before = share.loc[share["year"] == year - 1, [*procedure, "share"]]
    joined = now.merge(before, on=procedure, suffixes=("", "_before"))
    rising = joined.loc[(joined["share"] - joined["share_before"]) >= FAIL_RISE - 1e-9]
    for row in rising.itertuples(index=False):
        details.setdefault(row.school_id, []).append(
            f"рост доли «2» на {(row.share - row.share_before) * 100:.1f} п. п.: {_label(row.assessment, row.subject, row.grade)}".replace(".", ",", 1)
        )
    return rising.groupby("school_id", observed=True).size().astype("Int64")


def compute(counts: pd.DataFrame, pairs: pd.DataFrame, histogram: pd.DataFrame, schools: pd.Index, year: int) -> Objectivity:
    signs: dict[str, list[Sign]] = {s: [] for s in schools}
    for part in (inflated_mean(counts, schools, year), journal_mismatch(pairs, schools, year), cohort_change(counts, schools, year)):
        for school, found in part.items():
            signs[school].extend(found)
    count = pd.Series({s: sum(x.status == PRESENT for x in v) for s, v in signs.items()}, dtype="Int64").reindex(schools)
    computed = pd.Series({s: sum(x.status != NOT_COMPUTED for x in v) for s, v in signs.items()}, dtype="Int64").reindex(schools)
    marker_frame, marker_details = markers(counts, histogram, schools, year)
    return Objectivity(year, signs, count, computed, marker_frame, marker_details)


def objectivity_index(objectivity: Objectivity, groups: pd.Series | None = None) -> dict[str, dict[str, float | int | None]]:
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
