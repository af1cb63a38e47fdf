"""Parts of the report that documents show beside the list: results per procedure for each municipality and the
region (what a school card compares with), the movement against the previous list, the recommendations."""

from __future__ import annotations

import pandas as pd

from shnor.indicators.shares import share
from shnor.ingest.registry import History
from shnor.rules.evaluate import Evaluation
from shnor.rules.model import Rules, recommendation_key
from shnor.vocabulary import Status

_PROCEDURE = ["year", "assessment", "subject", "grade"]


def aggregates(window_procedures: pd.DataFrame, schools: pd.DataFrame) -> list[dict]:
    """Pooled shares per procedure for every municipality and for the region (sums of counts, not means of shares)."""
    municipality = schools.set_index("school_id")["municipality"]
    frame = window_procedures.assign(municipality=window_procedures["school_id"].map(municipality).fillna(""))
    rows = []
    for scope, keys in (("region", _PROCEDURE), ("municipality", ["municipality", *_PROCEDURE])):
        pooled = frame.groupby(keys, observed=True, sort=True)[["participants", "fail", "high"]].sum(min_count=1).reset_index()
        pooled["fail_share"] = share(pooled["fail"], pooled["participants"])
        pooled["high_share"] = share(pooled["high"], pooled["participants"])
        for record in pooled.to_dict("records"):
            rows.append(
                {
                    "scope": scope,
                    "municipality": record.get("municipality", "") if scope == "municipality" else "",
                    "year": int(record["year"]),
                    "assessment": record["assessment"],
                    "subject": record["subject"],
                    "grade": int(record["grade"]),
                    "participants": _int(record["participants"]),
                    "fail_share": _float(record["fail_share"]),
                    "high_share": _float(record["high_share"]),
                }
            )
    return rows


def dynamics(history: History, status: pd.Series) -> dict | None:
    """Against the last list given with --history: who entered, left and stayed on the ШНОР list."""
    if not history.files:
        return None
    previous = set(history.files[-1].listed)
    current = set(status.index[status == Status.SHNOR])
    return {
        "previous_list": history.files[-1].file,
        "entered": sorted(current - previous),
        "left": sorted(previous - current),
        "stayed": sorted(current & previous),
    }


def recommendations(rules: Rules, evaluation: Evaluation, school: str) -> list[str]:
    """The texts of the rules file for the criteria behind the school's status, each once, in rule order."""
    keys = dict.fromkeys(recommendation_key(leaf.criterion) for leaf in evaluation.explanations.get(school, []))
    return [rules.recommendations[key] for key in keys if key in rules.recommendations]


def _int(value) -> int | None:
    return None if pd.isna(value) else int(value)


def _float(value) -> float | None:
    return None if pd.isna(value) else float(value)
