"""Mentor schools (школы-наставники): for each ШНОР, up to three schools with the `ok` status and high results in
the subjects where the ШНОР is weakest — from the same municipality first, then the nearest (other municipalities),
preferring the same type of school — each with the reason it was suggested.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from shnor.indicators.shares import share
from shnor.vocabulary import Status

MENTORS_PER_SCHOOL = 3
WEAK_SUBJECTS = 2
MIN_PARTICIPANTS = 10  # a mentor's share must rest on at least this many participants in the subject


def _by_subject(window_procedures: pd.DataFrame) -> pd.DataFrame:
    sums = window_procedures.groupby(["school_id", "subject"], observed=True)[["participants", "fail", "high"]].sum(min_count=1)
    sums["fail_share"] = share(sums["fail"], sums["participants"])
    sums["high_share"] = share(sums["high"], sums["participants"])
    return sums.reset_index()


def suggest(window_procedures: pd.DataFrame, schools: pd.DataFrame, status: pd.Series) -> list[dict]:
    subjects = _by_subject(window_procedures)
    info = schools.set_index("school_id")
    region_fail = subjects.groupby("subject")["fail"].sum() / subjects.groupby("subject")["participants"].sum()
    ok = set(status.index[status == Status.OK])
    pool = subjects.loc[subjects["school_id"].isin(ok) & (subjects["participants"] >= MIN_PARTICIPANTS)]
    # ok schools × subjects, as arrays: each ШНОР is then scored against all of them at once
    high = pool.pivot_table(index="school_id", columns="subject", values="high", aggfunc="sum", fill_value=0)
    taken = pool.pivot_table(index="school_id", columns="subject", values="participants", aggfunc="sum", fill_value=0)
    names = taken.index.to_numpy()
    municipalities = info["municipality"].reindex(names).to_numpy()
    kinds = info["type"].reindex(names).to_numpy()
    # plain matrices (schools × subjects), built once: a column pick per ШНОР is then a cheap numpy slice
    position = {subject: k for k, subject in enumerate(taken.columns)}
    high = high.reindex(index=taken.index, columns=taken.columns, fill_value=0).to_numpy(dtype=float, na_value=0.0)
    taken = taken.to_numpy(dtype=float, na_value=0.0)
    weakest = _weakest_subjects(subjects, set(status.index[status == Status.SHNOR]), region_fail)
    result = []
    for school in sorted(weakest):
        weak = weakest[school]
        columns = [position[subject] for subject in weak if subject in position]
        mentors = _mentors(school, weak, columns, high, taken, names, municipalities, kinds, info) if columns else []
        result.append({"school_id": school, "weak_subjects": weak, "mentors": mentors})
    return result


def _weakest_subjects(subjects: pd.DataFrame, listed: set[str], region_fail: pd.Series) -> dict[str, list[str]]:
    """Each ШНОР's weakest subjects: the largest excess of «2» over the region, on enough participants."""
    own = subjects.loc[
        subjects["school_id"].isin(listed) & (subjects["participants"] >= MIN_PARTICIPANTS) & subjects["fail_share"].notna()
    ]
    own = own.assign(excess=own["fail_share"] - own["subject"].map(region_fail).astype("Float64"))
    own = own.sort_values(["school_id", "excess", "subject"], ascending=[True, False, True])
    own = own.loc[own.groupby("school_id", sort=False).cumcount() < WEAK_SUBJECTS]
    weakest: dict[str, list[str]] = {}
    for school, subject in zip(own["school_id"].tolist(), own["subject"].tolist()):
        weakest.setdefault(school, []).append(subject)
    return weakest


def _mentors(school, weak, columns, high, taken, names, municipalities, kinds, info) -> list[dict]:
    counts = taken[:, columns]
    participants = counts.sum(axis=1)
    highs = high[:, columns].sum(axis=1)
    strength = np.divide(highs, participants, out=np.full(len(names), np.nan), where=participants > 0)
    covered = (counts > 0).sum(axis=1)
    municipality, kind = info.at[school, "municipality"], info.at[school, "type"]
    same_municipality = municipalities == municipality
    same_type = (kinds == kind) & bool(kind)
    usable = ~np.isnan(strength)
    # best first: same municipality, more weak subjects covered, same type, stronger; ties by school id (names
    # sorted). One number orders the first four (strength ≤ 1 < the step of the others); the few best are sorted fully.
    rank = same_municipality * 100.0 + covered * 10.0 + same_type * 2.0 + np.nan_to_num(strength, nan=-1.0)
    rank[~usable] = -np.inf
    keep = min(MENTORS_PER_SCHOOL, int(usable.sum()))
    if keep == 0:
        return []
    cut = np.partition(rank, len(rank) - keep)[len(rank) - keep]
    best = np.flatnonzero(rank >= cut)
    chosen = best[np.lexsort((best, -rank[best]))][:keep]
    mentors = []
    for index in chosen:
        mentor = names[index]
        reason = [f"доля «4» и «5» по предметам «{', '.join(weak)}» — {strength[index] * 100:.1f} %".replace(".", ",")]
        reason.append("тот же муниципалитет" if same_municipality[index] else "другой муниципалитет (в своём нет подходящих)")
        if same_type[index]:
            reason.append(f"тот же тип ({kind})")
        mentors.append(
            {
                "school_id": mentor,
                "school_name": info.at[mentor, "school_name"],
                "municipality": info.at[mentor, "municipality"],
                "reason": "; ".join(reason),
            }
        )
    return mentors
