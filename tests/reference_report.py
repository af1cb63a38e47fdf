"""The per-school report objects and their result.json lines as they were written first, one school at a time
(before issue 18 made them column by column): the reference that ``shnor.report.build._school_results``,
``shnor.indicators.objectivity.SignsBySchool`` and ``shnor.report.model``'s school lines must agree with exactly
(tests/report/test_school_results_reference.py); and the overview of the data pooled from every procedure row
(``shnor.report.sections.overview`` sums per school first); each school's dynamics, a lookup per school and
indicator (``shnor.indicators.dynamics.school_dynamics`` makes them per indicator, from arrays made once); the
aggregates and the overview as sorted ``groupby`` of the text keys (``shnor.report.sections`` sums per cell of
integer codes); the markers' journal gaps and rises of «2» as a ``groupby`` and a ``merge`` on the four text keys
(``shnor.indicators.objectivity.markers`` matches integer codes). Not used by shnor itself.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from shnor.cube import Cube
from shnor.indicators import objectivity as obj
from shnor.indicators.dynamics import _MEASURES, LOWER_IS_BETTER, _num, verdict
from shnor.indicators.objectivity import Objectivity
from shnor.indicators.shares import Window, pooled, procedures, select, share
from shnor.indicators.sign import Sign
from shnor.report.build import _by_school, _python_values, _scalar
from shnor.report.model import (
    _AFTER_SIGNS,
    _BEFORE_CRITERIA,
    _CRITERION_SHARED,
    _SIGN_SHARED,
    CriterionResult,
    SchoolResult,
    _compact,
)
from shnor.report.sections import _float, _int
from shnor.rules.evaluate import Evaluation
from shnor.vocabulary import Status


def signs_by_school(objectivity: Objectivity) -> dict[str, list[Sign]]:
    """Every school's signs, a new object for each (``SignsBySchool._all`` before issue 18)."""
    found = objectivity.signs
    schools = found._schools.tolist()
    built: dict[str, list[Sign]] = {school: [] for school in schools}
    for table in found._tables:
        names = list(table.figures)
        figures = [
            [None if math.isnan(v) else v for v in np.asarray(values, dtype=float).tolist()]
            for values in table.figures.values()
        ]
        rows = zip(schools, table.status.tolist(), table.reason.tolist(), *figures)
        for school, status, reason, *values in rows:
            own = {n: v for n, v in zip(names, values) if v is not None}
            built[school].append(Sign(table.code, table.label, status, reason, own))
    return built


def school_results(
    schools: pd.DataFrame, indicators: pd.DataFrame, evaluation: Evaluation, objectivity: Objectivity
) -> list[SchoolResult]:
    names = list(indicators.columns)
    columns = [_python_values(indicators[name]) for name in names]
    rows = dict(zip(indicators.index.tolist(), (dict(zip(names, values)) for values in zip(*columns))))
    statuses = _by_school(evaluation.status)
    reasons = _by_school(evaluation.reasons)
    signs = signs_by_school(objectivity)
    leaves = [
        (leaf.path, leaf.status.value, leaf.text, leaf.op, _by_school(leaf.value), _by_school(leaf.met),
         _by_school(leaf.threshold) if isinstance(leaf.threshold, pd.Series) else leaf.threshold,
         leaf.details, leaf.unit.value,
         _by_school(leaf.participants.round().astype("Int64")) if leaf.participants is not None else {})
        for leaf in evaluation.leaves
    ]
    results = []
    for row in schools.itertuples(index=False):
        sid = row.school_id
        status = Status(statuses[sid])
        values = {column: _scalar(value) for column, value in rows[sid].items()}
        criteria = [
            CriterionResult(
                path=path, status=leaf_status, label=label, op=op, value=_scalar(value_of[sid]),
                threshold=_scalar(threshold.get(sid)) if isinstance(threshold, dict) else threshold,
                met=bool(met_of[sid]), details=details.get(sid, []), unit=unit, participants=base_of.get(sid),
            )
            for path, leaf_status, label, op, value_of, met_of, threshold, details, unit, base_of in leaves
        ]
        results.append(
            SchoolResult(
                school_id=sid, school_name=row.school_name, municipality=row.municipality, school_type=row.type,
                status=status.value, status_label=status.label, indicators=values, reasons=reasons[sid],
                criteria=criteria, objectivity_signs=signs[sid],
                objectivity_markers=objectivity.marker_details.get(sid, []),
            )
        )
    return results


def shared(schools: list[SchoolResult]) -> tuple[dict[str, dict], dict[str, dict]]:
    criteria: dict[str, list[Counter]] = {}
    signs: dict[str, list[Counter]] = {}
    for school in schools:
        for c in school.criteria:
            counters = criteria.get(c.path) or criteria.setdefault(c.path, [Counter() for _ in _CRITERION_SHARED])
            for counter, name in zip(counters, _CRITERION_SHARED):
                counter[getattr(c, name)] += 1
        for sign in school.objectivity_signs:
            counters = signs.get(sign.code) or signs.setdefault(sign.code, [Counter() for _ in _SIGN_SHARED])
            for counter, name in zip(counters, _SIGN_SHARED):
                counter[getattr(sign, name)] += 1

    def modes(found: dict[str, list[Counter]], names: tuple[str, ...]) -> dict[str, dict]:
        return {key: {n: c.most_common(1)[0][0] for n, c in zip(names, counters)} for key, counters in found.items()}

    return modes(criteria, _CRITERION_SHARED), modes(signs, _SIGN_SHARED)


def school_line(school: SchoolResult, criteria: dict[str, dict], signs: dict[str, dict]) -> str:
    """A school's line of result.json: the entry made of raw values, then cleaned as a whole."""
    entry: dict[str, Any] = {name: getattr(school, name) for name in _BEFORE_CRITERIA}
    entry["criteria"] = [_criterion_entry(c, criteria[c.path]) for c in school.criteria]
    entry["objectivity_signs"] = [
        e for e in (_sign_entry(x, signs[x.code]) for x in school.objectivity_signs) if len(e) > 1
    ]
    codes = [x.code for x in school.objectivity_signs]
    if codes != list(signs):
        entry["sign_codes"] = codes
    for name in _AFTER_SIGNS:
        entry[name] = getattr(school, name)
    return _compact(entry)


def _criterion_entry(c: CriterionResult, shared_values: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"path": c.path, "value": c.value, "met": c.met}
    if c.participants is not None:
        entry["participants"] = c.participants
    if c.details:
        entry["details"] = c.details
    for name in _CRITERION_SHARED:
        value = getattr(c, name)
        if value != shared_values[name]:
            entry[name] = value
    return entry


def _sign_entry(sign: Sign, shared_values: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"code": sign.code}
    for name in _SIGN_SHARED:
        value = getattr(sign, name)
        if value != shared_values[name]:
            entry[name] = value
    if sign.figures:
        entry["figures"] = sign.figures
    return entry


def overview(window_procedures: pd.DataFrame, schools: pd.DataFrame, years: list[int]) -> dict:
    frame = window_procedures.loc[window_procedures["participants"] > 0]
    data = frame.groupby(["assessment", "year"], observed=True, sort=True).agg(
        subjects=("subject", "nunique"), schools=("school_id", "nunique"), participants=("participants", "sum")
    )
    municipality = schools.set_index("school_id")["municipality"]
    frame = frame.assign(municipality=frame["school_id"].map(municipality).fillna(""), window=-1)
    rows = []
    for keys in (["window"], ["year"], ["municipality", "window"], ["municipality", "year"]):
        pooled = {
            f"{measure}_{group}": _pooled(frame.loc[frame["group"] == group], keys, measure)
            for measure, group in (("fail", "core"), ("high", "core"), ("fail", "other"))
        }
        participants = frame.groupby([*keys, "group"], observed=True)["participants"].sum().unstack("group")
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


def _pooled(frame: pd.DataFrame, keys: list[str], measure: str) -> pd.Series:
    known = frame.assign(_base=frame["participants"].where(frame[measure].notna()))
    sums = known.groupby(keys, observed=True)[[measure, "_base"]].sum()
    return share(sums[measure], sums["_base"])


def school_dynamics(cube: Cube, window: Window, schools: pd.Index) -> dict:
    latest = window.latest
    comparisons = {"year": ((latest - 1,), (latest,))}
    length = len(window.years)
    previous = tuple(y - length for y in window.years)
    if set(previous) & set(cube.years):
        comparisons["window"] = (previous, window.years)
    result: dict = {s: {} for s in schools}
    for name, (before_years, after_years) in comparisons.items():
        before, after = _shares(cube, before_years, schools), _shares(cube, after_years, schools)
        before = {k: (_lookup(value), _lookup(n)) for k, (value, n) in before.items()}
        after = {k: (_lookup(value), _lookup(n)) for k, (value, n) in after.items()}
        for school in schools:
            changes = {}
            for indicator in _MEASURES:
                p1, n1 = before[indicator][0].get(school), before[indicator][1].get(school)
                p2, n2 = after[indicator][0].get(school), after[indicator][1].get(school)
                changes[indicator] = verdict(_num(p1), int(n1 or 0), _num(p2), int(n2 or 0), LOWER_IS_BETTER[indicator])
            result[school][name] = changes
    return result


def _lookup(values: pd.Series) -> dict:
    return dict(zip(values.index.tolist(), values.astype(object).where(values.notna(), None).tolist()))


def _shares(cube: Cube, years: tuple[int, ...], schools: pd.Index) -> dict[str, tuple[pd.Series, pd.Series]]:
    frame = procedures(cube, Window(years), ["school_id", "year"])
    result = {}
    for name, (group, measure) in _MEASURES.items():
        value, _, participants = pooled(select(frame, subjects=group), schools, measure)
        result[name] = (value, participants)
    return result


_PROCEDURE = ["year", "assessment", "subject", "grade"]


def aggregates(window_procedures: pd.DataFrame, schools: pd.DataFrame) -> list[dict]:
    municipality = schools.set_index("school_id")["municipality"]
    frame = window_procedures.assign(municipality=window_procedures["school_id"].map(municipality).fillna(""))
    rows = []
    for scope, keys in (("region", _PROCEDURE), ("municipality", ["municipality", *_PROCEDURE])):
        pooled_rows = (frame.groupby(keys, observed=True, sort=True)[["participants", "fail", "high"]]
                       .sum(min_count=1).reset_index())
        pooled_rows["fail_share"] = share(pooled_rows["fail"], pooled_rows["participants"])
        pooled_rows["high_share"] = share(pooled_rows["high"], pooled_rows["participants"])
        for record in pooled_rows.to_dict("records"):
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


def markers(counts: pd.DataFrame, histogram: pd.DataFrame, schools: pd.Index,
            year: int) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    details: dict[str, list[str]] = {}
    peaks = obj._boundary_peaks(counts, histogram, year, details)
    latest = counts.loc[counts["year"] == year, ["school_id", "lowered", "confirmed", "raised", "journal_gap2"]]
    compared = latest[["lowered", "confirmed", "raised"]].sum(axis=1, min_count=1)
    gaps = (latest.assign(compared=compared).groupby("school_id", observed=True)[["journal_gap2", "compared"]]
            .sum(min_count=1))
    gap_share = (gaps["journal_gap2"] / gaps["compared"]).where(gaps["compared"] >= obj.MIN_GROUP)
    rises = _fail_rises(counts, year, details)
    frame = pd.DataFrame(
        {
            "boundary_peaks": peaks.reindex(schools, fill_value=0),
            "journal_gap2_share": gap_share.reindex(schools).astype("Float64"),
            "fail_rise": rises.reindex(schools, fill_value=0),
        },
        index=schools,
    )
    for school, gap in frame["journal_gap2_share"].dropna().items():
        if gap >= obj.GAP_SHARE:
            details.setdefault(school, []).append(
                f"расхождение с журналом на 2 и более отметки у {gap * 100:.1f} % участников ВПР".replace(".", ",")
            )
    return frame, details


def _fail_rises(counts: pd.DataFrame, year: int, details: dict[str, list[str]]) -> pd.Series:
    procedure = ["school_id", "assessment", "subject", "grade"]
    both_years = counts.loc[
        counts["year"].isin([year, year - 1]) & (counts["participants"] >= obj.MIN_GROUP),
        ["year", *procedure, "fail", "participants"]
    ]
    shares = both_years[["year", *procedure]].assign(share=both_years["fail"] / both_years["participants"])
    now = shares.loc[shares["year"] == year, [*procedure, "share"]]
    before = shares.loc[shares["year"] == year - 1, [*procedure, "share"]]
    joined = now.merge(before, on=procedure, suffixes=("", "_before"))
    rising = joined.loc[(joined["share"] - joined["share_before"]) >= obj.FAIL_RISE - 1e-9]
    columns = [rising[c].tolist() for c in (*procedure, "share", "share_before")]
    for school, assessment, subject, grade, now_share, before_share in zip(*columns):
        details.setdefault(school, []).append(
            f"рост доли «2» на {(now_share - before_share) * 100:.1f} п. п.: "
            f"{obj._label(assessment, subject, grade)}".replace(".", ",", 1)
        )
    return rising.groupby("school_id", observed=True).size().astype("Int64")
