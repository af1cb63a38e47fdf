"""Parts of the report that documents show beside the list: results per procedure for each municipality and the
region (what a school card compares with), the movement against the previous list, the recommendations."""

from __future__ import annotations

from dataclasses import fields

import pandas as pd

from shnor.indicators.dynamics import Change, positive
from shnor.indicators.shares import share
from shnor.ingest.registry import History
from shnor.rules.evaluate import Evaluation
from shnor.rules.model import Rules, recommendation_key
from shnor.vocabulary import Status

_PROCEDURE = ["year", "assessment", "subject", "grade"]


def aggregates(window_procedures: pd.DataFrame, schools: pd.DataFrame) -> list[dict]:
    """Pooled shares per procedure for every municipality and for the region (sums of counts, not means of shares)."""
    municipality = schools.set_index("school_id")["municipality"]
    frame = window_procedures.assign(municipality=_mapped(window_procedures["school_id"], municipality).fillna(""))
    rows = []
    for scope, keys in (("region", _PROCEDURE), ("municipality", ["municipality", *_PROCEDURE])):
        pooled = (frame.groupby(keys, observed=True, sort=True)[["participants", "fail", "high"]]
                  .sum(min_count=1).reset_index())
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
                    "fail": _int(record["fail"]),
                    "high": _int(record["high"]),
                    "fail_share": _float(record["fail_share"]),
                    "high_share": _float(record["high_share"]),
                }
            )
    return rows


def overview(window_procedures: pd.DataFrame, schools: pd.DataFrame, years: list[int]) -> dict:
    """What the documents say about the data: every year given; per assessment and year of the window, the subjects,
    the schools with results and the participants (results, summed over procedures); per year of the window and
    over the whole window (``year`` null), the main indicators of the region (``municipality`` "") and of each
    municipality, pooled from counts."""
    columns = ["assessment", "year", "subject", "school_id", "group", "participants", "fail", "high"]
    frame = window_procedures.loc[window_procedures["participants"] > 0, columns]  # not every column of the counts
    data = frame.groupby(["assessment", "year"], observed=True, sort=True).agg(
        subjects=("subject", "nunique"), schools=("school_id", "nunique"), participants=("participants", "sum")
    )
    # The sums per school, year and group first (a country: 2.4 million procedures → 160 000 rows), every coarser
    # sum from them: sums of whole numbers, the same whichever way they are added up.
    counted = frame.assign(fail_base=frame["participants"].where(frame["fail"].notna()),
                           high_base=frame["participants"].where(frame["high"].notna()))
    sums = (counted.groupby(["school_id", "year", "group"], observed=True)[_OVERVIEW_SUMS].sum()
            .reset_index())
    municipality = schools.set_index("school_id")["municipality"]
    sums = sums.assign(municipality=_mapped(sums["school_id"], municipality).fillna(""), window=-1)
    parts = {group: sums.loc[sums["group"] == group] for group in ("core", "other")}  # once, not per key and measure
    rows = []
    for keys in (["window"], ["year"], ["municipality", "window"], ["municipality", "year"]):
        pooled = {
            f"{measure}_{group}": _pooled(parts[group], keys, measure)
            for measure, group in (("fail", "core"), ("high", "core"), ("fail", "other"))
        }
        participants = sums.groupby([*keys, "group"], observed=True)["participants"].sum().unstack("group")
        table = pd.DataFrame(pooled).join(participants.reindex(columns=["core", "other"]), how="outer")
        for key, record in zip(table.index, table.to_dict("records")):
            municipality_name, year = key if isinstance(key, tuple) else ("", key)
            rows.append({"municipality": municipality_name, "year": int(year) if year >= 0 else None,
                         "participants_core": _int(record["core"]), "participants_other": _int(record["other"]),
                         **{name: _float(record[name]) for name in pooled}})
    return {
        "years": [int(y) for y in years],
        "data": [{"assessment": a, "year": int(y), **{k: int(v) for k, v in r.items()}}
                 for (a, y), r in data.to_dict("index").items()],
        "by_year": rows,
    }


_OVERVIEW_SUMS = ["participants", "fail", "high", "fail_base", "high_base"]


def _pooled(sums: pd.DataFrame, keys: list[str], measure: str) -> pd.Series:
    """Σ count / Σ participants of the procedures where the count is known (``{measure}_base``), per group of
    ``keys``."""
    pooled = sums.groupby(keys, observed=True)[[measure, f"{measure}_base"]].sum()
    return share(pooled[measure], pooled[f"{measure}_base"])


def _mapped(keys: pd.Series, mapping: pd.Series) -> pd.Series:
    """``keys.map(mapping)`` with each distinct key looked up once, not once per row (a country: 2.4 million rows,
    40 000 schools)."""
    codes, distinct = pd.factorize(keys)
    return pd.Series(mapping.reindex(distinct).array.take(codes, allow_fill=True), index=keys.index, name=keys.name)


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
