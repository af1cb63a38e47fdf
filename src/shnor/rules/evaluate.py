"""Applying the rules to the indicators: every leaf criterion per school (value, threshold, met), the status
of each school, and the reasons in Russian.

Rules only compare measures with thresholds; the measures come from ``shnor.indicators``.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field

import pandas as pd

from shnor.errors import UserError
from shnor.indicators.shares import Window, pooled, select
from shnor.rules.model import (
    SHARE_INDICATORS,
    ConsecutiveCriterion,
    ContextCriterion,
    Group,
    IndicatorCriterion,
    ProceduresCriterion,
    Rules,
    ShareCriterion,
)
from shnor.russian import OPERATOR_SIGNS, format_number, format_percent
from shnor.vocabulary import STATUS_ORDER, Status

_COMPARE = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}


@dataclass
class LeafResult:
    """One leaf criterion evaluated for every school."""

    path: str
    status: Status
    criterion: object
    value: pd.Series  # Float64, missing where not computable
    threshold: float | None
    met: pd.Series  # bool
    is_share: bool
    details: dict[str, list[str]] = field(default_factory=dict)

    def threshold_of(self, school: str) -> float | None:
        """The threshold this school was held to (percentiles within a context group differ by school)."""
        if isinstance(self.threshold, pd.Series):
            return _float(self.threshold.get(school))
        return self.threshold

    def reason(self, school: str) -> str:
        c = self.criterion
        value = self.value.get(school)
        if isinstance(c, ContextCriterion):
            return f"{c.text}: {c.equals}" if c.equals is not None else (
                f"{c.text} {format_number(_float(value))} {OPERATOR_SIGNS[c.op]} {format_number(c.threshold)}"
            )
        sign = OPERATOR_SIGNS[c.op]
        if isinstance(c, (ProceduresCriterion, ConsecutiveCriterion)):
            listed = "; ".join(self.details.get(school, []))
            need = c.at_least if isinstance(c, ProceduresCriterion) else 1
            return f"{c.text} {sign} {_percent_threshold(c.threshold)}: {format_number(value)} ≥ {need} ({listed})"
        threshold = self.threshold_of(school)
        relative = ""
        if getattr(c, "percentile", None) is not None:
            scope = "по школам того же контекста" if getattr(c, "within", None) else "по региону"
            relative = f" ({c.percentile:g}-й процентиль {scope})"
        if self.is_share:
            return f"{c.text} {format_percent(_float(value))} {sign} {_percent_threshold(threshold)}{relative}"
        return f"{c.text} {format_number(_float(value))} {sign} {format_number(threshold)}{relative}"


@dataclass
class Evaluation:
    status: pd.Series  # Status per school
    leaves: list[LeafResult]
    reasons: pd.Series  # str per school
    explanations: dict[str, list[LeafResult]]  # the leaves behind each school's status
    shnsu: pd.Series | None = None  # the ШНСУ flag, where the rules define it and context data was given


def _float(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _percent_threshold(threshold: float | None) -> str:
    if threshold is None:
        return "—"
    digits = 0 if round(threshold * 100, 6).is_integer() else 1
    return format_percent(threshold, digits)


def evaluate(
    rules: Rules,
    indicators: pd.DataFrame,
    procedures: pd.DataFrame,
    window: Window,
    school_context: pd.DataFrame | None = None,
) -> Evaluation:
    schools = indicators.index
    context = _Context(indicators, procedures, window, pd.Series(True, index=schools), school_context)
    leaves: list[LeafResult] = []
    met: dict[Status, pd.Series] = {}
    trees = {}
    for status in STATUS_ORDER:
        criterion = getattr(rules.statuses, status.value)
        if criterion is None:
            continue
        trees[status] = criterion
        met[status] = _evaluate(criterion, status.value, status, context, leaves)
        if status is Status.INSUFFICIENT:
            context.population = ~met[status]
    status = pd.Series(Status.OK, index=schools, dtype=object)
    decided = pd.Series(False, index=schools)
    for candidate in STATUS_ORDER:
        if candidate in met:
            newly = met[candidate] & ~decided
            status[newly] = candidate
            decided |= newly
    by_path = {leaf.path: leaf for leaf in leaves}
    explanations = {
        school: _explain(trees[s], s.value, by_path, school) if s in trees else [] for school, s in status.items()
    }
    reasons = pd.Series(
        ["; ".join(leaf.reason(school) for leaf in explanations[school]) for school in schools], index=schools, dtype=object
    )
    shnsu = None
    if rules.shnsu is not None and school_context is not None:
        shnsu = _evaluate(rules.shnsu, "shnsu", Status.RISK, context, [])
    return Evaluation(status=status, leaves=leaves, reasons=reasons, explanations=explanations, shnsu=shnsu)


@dataclass
class _Context:
    indicators: pd.DataFrame
    procedures: pd.DataFrame
    window: Window
    population: pd.Series  # schools that define region percentiles (not insufficient)
    school_context: pd.DataFrame | None = None  # --context: settlement, size, remoteness, shortage, special needs


def _evaluate(criterion, path: str, status: Status, context: _Context, leaves: list[LeafResult]) -> pd.Series:
    if isinstance(criterion, Group):
        results = [
            _evaluate(child, f"{path}.of[{i}]", status, context, leaves) for i, child in enumerate(criterion.of)
        ]
        count = sum(r.astype(int) for r in results)
        needed = {"any": 1, "all": len(results), "at_least": criterion.at_least}[criterion.mode]
        return count >= needed
    leaf = _leaf(criterion, path, status, context)
    leaves.append(leaf)
    return leaf.met


def _leaf(criterion, path: str, status: Status, context: _Context) -> LeafResult:
    schools = context.indicators.index
    details: dict[str, list[str]] = {}
    if isinstance(criterion, IndicatorCriterion):
        value = context.indicators[criterion.indicator].astype("Float64")
        is_share = criterion.indicator in SHARE_INDICATORS
        threshold = _threshold(criterion, value, context)
    elif isinstance(criterion, ShareCriterion):
        scoped = select(context.procedures, criterion.assessments, criterion.subjects, criterion.grades)
        value, _, participants = pooled(scoped, schools, criterion.measure)
        value = value.where(participants >= max(criterion.min_participants, 1))
        is_share = True
        threshold = _threshold(criterion, value, context)
    elif isinstance(criterion, ProceduresCriterion):
        value, details = _count_procedures(criterion, context)
        is_share, threshold = False, criterion.threshold
        met = (value >= criterion.at_least).fillna(False).astype(bool)
        return LeafResult(path, status, criterion, value, threshold, met, is_share, details)
    elif isinstance(criterion, ContextCriterion):
        return _context_leaf(criterion, path, status, context)
    else:
        value, details = _count_consecutive(criterion, context)
        is_share, threshold = False, criterion.threshold
        met = (value >= 1).fillna(False).astype(bool)
        return LeafResult(path, status, criterion, value, threshold, met, is_share, details)
    met = _COMPARE[criterion.op](value, threshold).fillna(False).astype(bool)
    return LeafResult(path, status, criterion, value, threshold, met, is_share, details)


def _context_column(context: _Context, field: str) -> pd.Series:
    if context.school_context is None:
        raise UserError(
            f"правила сравнивают школы по контексту («{field}»), но контекстные данные не указаны.",
            hint="Укажите файл контекстных данных: --context ФАЙЛ.",
        )
    if field not in context.school_context:
        return pd.Series(pd.NA, index=context.indicators.index, dtype="object")
    return context.school_context[field].reindex(context.indicators.index)


def _context_leaf(criterion: ContextCriterion, path: str, status: Status, context: _Context) -> LeafResult:
    column = _context_column(context, criterion.field)
    if criterion.equals is not None:
        value = (column == criterion.equals).astype("Float64").where(column.notna())
        met = (value == 1).fillna(False).astype(bool)
        return LeafResult(path, status, criterion, value, None, met, False)
    value = pd.to_numeric(column, errors="coerce").astype("Float64")
    met = _COMPARE[criterion.op](value, criterion.threshold).fillna(False).astype(bool)
    return LeafResult(path, status, criterion, value, float(criterion.threshold), met, False)


def _threshold(criterion, value: pd.Series, context: _Context) -> float | pd.Series:
    if criterion.threshold is not None:
        return float(criterion.threshold)
    reference = value[context.population & value.notna()].astype(float)
    within = getattr(criterion, "within", None)
    if within is not None:
        groups = _context_column(context, within)
        by_group = reference.groupby(groups.reindex(reference.index)).quantile(criterion.percentile / 100)
        return groups.map(by_group).astype("Float64")
    if reference.empty:
        return float("nan")
    return float(reference.quantile(criterion.percentile / 100, interpolation="linear"))


def _meeting(criterion, frame: pd.DataFrame) -> pd.DataFrame:
    shares = frame[f"{criterion.measure}_share"]
    enough = frame["participants"] >= criterion.min_participants
    return frame.loc[(_COMPARE[criterion.op](shares, criterion.threshold).fillna(False) & enough).astype(bool)]


def _procedure_name(assessment: str, subject: str, grade: int) -> str:
    return f"{assessment} {subject}" + (f", {grade} кл." if assessment == "ВПР" else "")


def _count_procedures(criterion: ProceduresCriterion, context: _Context) -> tuple[pd.Series, dict[str, list[str]]]:
    scoped = select(context.procedures, criterion.assessments, criterion.subjects, criterion.grades)
    if criterion.years == "latest":
        scoped = scoped.loc[scoped["year"] == context.window.latest]
    meeting = _meeting(criterion, scoped)
    value = meeting.groupby("school_id", observed=True).size().reindex(context.indicators.index, fill_value=0)
    return value.astype("Float64"), _details(meeting, criterion.measure)


def _count_consecutive(criterion: ConsecutiveCriterion, context: _Context) -> tuple[pd.Series, dict[str, list[str]]]:
    schools = context.indicators.index
    latest = context.window.latest
    needed = list(range(latest - criterion.years + 1, latest + 1))
    if not set(needed) <= set(context.window.years):
        return pd.Series(pd.NA, index=schools, dtype="Float64"), {}  # not computable: the years are not in the data
    scoped = select(context.procedures, criterion.assessments, criterion.subjects, criterion.grades)
    meeting = _meeting(criterion, scoped.loc[scoped["year"].isin(needed)])
    procedure = ["school_id", "assessment", "subject", "grade"]
    years_met = meeting.groupby(procedure, observed=True)["year"].nunique()
    repeated = years_met[years_met == len(needed)].reset_index()[procedure]
    value = repeated.groupby("school_id", observed=True).size().reindex(schools, fill_value=0)
    kept = meeting.merge(repeated, on=procedure, how="inner")
    return value.astype("Float64"), _details(kept, criterion.measure)


def _details(meeting: pd.DataFrame, measure: str) -> dict[str, list[str]]:
    """Per school, the procedures behind a count: «ВПР Математика, 5 кл.: 2024 — 33,3 %, 2025 — 40,0 %»."""
    if meeting.empty:
        return {}
    ordered = meeting.sort_values(["school_id", "assessment", "subject", "grade", "year"])
    details: dict[str, list[str]] = {}
    procedure = ["school_id", "assessment", "subject", "grade"]
    for (school, assessment, subject, grade), rows in ordered.groupby(procedure, sort=False, observed=True):
        shares = ", ".join(f"{year} — {format_percent(float(share))}" for year, share in zip(rows["year"], rows[f"{measure}_share"]))
        details.setdefault(str(school), []).append(f"{_procedure_name(assessment, subject, grade)}: {shares}")
    return details


def _explain(criterion, path: str, by_path: dict[str, LeafResult], school: str) -> list[LeafResult]:
    """The leaves that make a criterion true for one school, or [] when it is not met.

    For ``any`` and ``at_least`` only the branches that hold are given; for ``all``, every branch.
    """
    if not isinstance(criterion, Group):
        leaf = by_path[path]
        return [leaf] if leaf.met[school] else []
    held = [_explain(child, f"{path}.of[{i}]", by_path, school) for i, child in enumerate(criterion.of)]
    held = [leaves for leaves in held if leaves]
    needed = {"any": 1, "all": len(criterion.of), "at_least": criterion.at_least}[criterion.mode]
    return [leaf for leaves in held for leaf in leaves] if len(held) >= needed else []
