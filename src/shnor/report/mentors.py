"""Mentor schools (школы-наставники): for each ШНОР, up to three schools with the `ok` status and high results in
the subjects where the ШНОР is weakest — from the same municipality first, then the nearest (other municipalities),
preferring the same type of school — each with the reason it was suggested.
"""

from __future__ import annotations

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
    result = []
    for school in sorted(status.index[status == Status.SHNOR]):
        own = subjects.loc[(subjects["school_id"] == school) & (subjects["participants"] >= MIN_PARTICIPANTS)]
        own = own.dropna(subset=["fail_share"])
        if own.empty:
            continue
        # weakest: the largest excess of «2» over the region in the subject
        own = own.assign(excess=own["fail_share"] - own["subject"].map(region_fail))
        weak = own.sort_values(["excess", "subject"], ascending=[False, True])["subject"].head(WEAK_SUBJECTS).tolist()
        candidates = subjects.loc[subjects["school_id"].isin(ok) & subjects["subject"].isin(weak)]
        candidates = candidates.loc[candidates["participants"] >= MIN_PARTICIPANTS]
        strength = candidates.groupby("school_id")["high"].sum() / candidates.groupby("school_id")["participants"].sum()
        covered = candidates.groupby("school_id")["subject"].nunique()
        table = pd.DataFrame({"strength": strength, "covered": covered}).dropna()
        if table.empty:
            result.append({"school_id": school, "weak_subjects": weak, "mentors": []})
            continue
        municipality, kind = info.at[school, "municipality"], info.at[school, "type"]
        table["same_municipality"] = table.index.map(lambda s: info.at[s, "municipality"] == municipality)
        table["same_type"] = table.index.map(lambda s: bool(kind) and info.at[s, "type"] == kind)
        ranked = table.sort_values(
            ["same_municipality", "covered", "same_type", "strength"], ascending=[False, False, False, False], kind="stable"
        ).head(MENTORS_PER_SCHOOL)
        mentors = []
        for mentor, row in ranked.iterrows():
            reason = [f"доля «4» и «5» по предметам «{', '.join(weak)}» — {row['strength'] * 100:.1f} %".replace(".", ",")]
            reason.append("тот же муниципалитет" if row["same_municipality"] else "другой муниципалитет (в своём нет подходящих)")
            if row["same_type"]:
                reason.append(f"тот же тип ({kind})")
            mentors.append(
                {
                    "school_id": mentor,
                    "school_name": info.at[mentor, "school_name"],
                    "municipality": info.at[mentor, "municipality"],
                    "reason": "; ".join(reason),
                }
            )
        result.append({"school_id": school, "weak_subjects": weak, "mentors": mentors})
    return result
