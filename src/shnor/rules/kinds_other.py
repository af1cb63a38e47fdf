"""Criterion kinds beyond one measure of the window: the change of a share between years or windows, a condition of
the school's context, and «no results in the window» (the guard of the ``insufficient`` status)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import pandas as pd
from pydantic import Field, ValidationInfo, field_validator, model_validator

from shnor.indicators.dynamics import significant
from shnor.indicators.shares import select
from shnor.rules.base import (
    COMPARE,
    Context,
    Leaf,
    LeafResult,
    Measure,
    Operator,
    Scope,
    measure_words,
    number,
    share_threshold,
)
from shnor.rules.kinds_results import INDICATORS, POOLED, ContextField, context_column, share_of, too_few
from shnor.rules.words import Terms, bound, scope_phrase, subjects_phrase
from shnor.russian import OPERATOR_SIGNS, format_value
from shnor.vocabulary import Status, Unit, normalize_text

PooledName = Literal[POOLED]  # type: ignore[valid-type]


class DynamicsCriterion(Scope, Leaf):
    """The change of a share: over the latest year minus over the previous year (``compare: previous_year``), or over
    the window minus over the window before it (``compare: previous_window``), as a fraction (0.05 = 5 п. п.).

    Example: ``{kind: dynamics, indicator: fail_core, compare: previous_year, op: ">=", threshold: 0.05}`` — the share
    of «2» in Russian and maths rose by 5 percentage points or more. ``significant: true`` also requires the 95 %
    interval of the difference of the two proportions to exclude 0 (small schools do not «worsen» by one pupil).
    Instead of ``indicator`` (``fail_core``, ``high_core``, ``fail_other``): ``measure`` with ``assessments``,
    ``subjects``, ``grades``, as in ``share``. Both shares need ``min_participants``.
    """

    KIND: ClassVar[str] = "dynamics"
    HELP: ClassVar[str] = (
        "изменение доли к прошлому году или прошлому окну (0.05 = 5 п. п.); significant: true — только значимое "
        "(вне 95 % интервала)"
    )
    EXAMPLE: ClassVar[str] = '{kind: dynamics, indicator: fail_core, compare: previous_year, op: ">=", threshold: 0.05}'
    kind: Literal["dynamics"]
    indicator: PooledName | None = None
    measure: Measure | None = None
    compare: Literal["previous_year", "previous_window"] = "previous_year"
    significant: bool = False
    op: Operator
    threshold: float
    min_participants: Annotated[int, Field(ge=0)] | None = None

    _check_threshold = field_validator("threshold", mode="before")(lambda cls, v: share_threshold(v, -1))

    @model_validator(mode="after")
    def _indicator_or_measure(self) -> DynamicsCriterion:
        if (self.indicator is None) == (self.measure is None):
            raise ValueError(
                f"нужен ровно один из ключей indicator ({', '.join(POOLED)}) или measure (с assessments, "
                "subjects, grades)"
            )
        if self.indicator is not None and (self.assessments or self.subjects or self.grades):
            raise ValueError("assessments, subjects и grades задаются с measure; indicator уже определяет предметы")
        return self

    def default_text(self) -> str:
        what = INDICATORS[self.indicator].label if self.indicator else measure_words(self.measure) + self.scope_words()
        when = "к прошлому году" if self.compare == "previous_year" else "к прошлому окну"
        return f"изменение: {what}, {when}" + (" (значимое)" if self.significant else "")

    def unit(self) -> Unit:
        return Unit.SHARE_CHANGE

    def document_text(self, terms: Terms) -> str:
        if self.indicator:
            spec = INDICATORS[self.indicator]
            what = f"{terms.outcome(spec.measure)} {subjects_phrase(spec.subjects)}"
        else:
            what = terms.outcome(self.measure) + scope_phrase(self.assessments, self.subjects, self.grades)
        when = "к прошлому году" if self.compare == "previous_year" else "к прошлому окну"
        return f"изменение {what.replace('доля ', 'доли ', 1)} {when}"

    def condition(self, terms: Terms, threshold: float | None) -> str:
        text = (f"{self.words(terms)} — "
                f"{bound(self.op, format_value(self.threshold, Unit.SHARE_CHANGE, threshold=True))}")
        return text + (", и изменение значимо (не укладывается в 95 % интервал)" if self.significant else "")

    def recommendation_key(self) -> str:
        return self.KIND

    def spans(self, context: Context) -> tuple[tuple[int, ...], tuple[int, ...]]:
        window = context.window
        if self.compare == "previous_year":
            return (window.latest - 1,), (window.latest,)
        return tuple(y - len(window.years) for y in window.years), window.years

    def evaluate(self, context: Context, path: str, status: Status) -> LeafResult:
        before_years, after_years = self.spans(context)
        missing = [y for y in before_years if y not in (context.years or context.window.years)]
        if missing:
            value = pd.Series(pd.NA, index=context.schools, dtype="Float64")
            return LeafResult(
                path,
                status,
                self,
                value,
                float(self.threshold),
                value.notna(),
                Unit.SHARE_CHANGE,
                note=f"в данных нет {', '.join(map(str, missing))} года для сравнения",
            )
        before, after = (self._share(context, years) for years in (before_years, after_years))
        value = (after.value - before.value).round(10).astype("Float64")  # 0.25 − 0.20 is 0.05, not 0.04999…
        base = pd.concat([before.base, after.base], axis=1).min(axis=1)
        minimum = context.minimum(self)
        few = (base < minimum) & value.notna()
        met = COMPARE[self.op](value, float(self.threshold)).fillna(False) & ~few
        if self.significant:
            met &= significant(before.value, before.base, after.value, after.base).fillna(False)
        details = _changes(before.value, after.value, before.base, after.base) | too_few(base, few, minimum)
        return LeafResult(
            path,
            status,
            self,
            value,
            float(self.threshold),
            met.astype(bool),
            Unit.SHARE_CHANGE,
            details,
            base,
            minimum,
            before.note or after.note,
        )

    def _share(self, context: Context, years: tuple[int, ...]):
        if self.indicator is not None:
            spec = INDICATORS[self.indicator]
            key = ("indicator", self.indicator, years, None)
            frame = lambda: select(context.frame(years), subjects=spec.subjects)
            return context.cached(key, lambda: share_of(frame(), context.schools, spec.measure, None))
        key = ("dynamics", self.model_dump_json(include={"measure", "assessments", "subjects", "grades"}), years)
        frame = lambda: select(context.frame(years), self.assessments, self.subjects, self.grades)
        return context.cached(key, lambda: share_of(frame(), context.schools, self.measure, None))


def _changes(p1: pd.Series, p2: pd.Series, n1: pd.Series, n2: pd.Series) -> dict[str, list[str]]:
    """«20,0 % (40 уч.) → 26,0 % (38 уч.)» for each school with both shares."""
    rows = zip(p1.index, *(s.astype(object).where(s.notna(), None).tolist() for s in (p1, p2, n1, n2)))
    return {
        school: [f"{format_value(a, Unit.SHARE)} ({int(m)} уч.) → {format_value(b, Unit.SHARE)} ({int(n)} уч.)"]
        for school, a, b, m, n in rows
        if a is not None and b is not None
    }


CONTEXT_FIELDS = {
    "settlement": ("тип населённого пункта", Unit.FLAG),
    "students": ("численность обучающихся", Unit.COUNT),
    "remoteness_km": ("удалённость от районного центра, км", Unit.NUMBER),
    "teacher_shortage": ("дефицит педагогов", Unit.SHARE),
    "special_needs": ("доля обучающихся с ОВЗ", Unit.SHARE),
}


class ContextCriterion(Leaf):
    """A condition of the school's context (``--context``), for the ШНСУ flag.

    Example: ``{kind: context, field: remoteness_km, op: ">=", threshold: 50}`` — 50 km or more from the district
    centre; ``{kind: context, field: settlement, equals: село}`` — a village school (case and ё/е do not matter).
    """

    KIND: ClassVar[str] = "context"
    HELP: ClassVar[str] = (
        "условие по контекстным данным школы (--context), для отметки ШНСУ; equals — без учёта регистра и ё/е"
    )
    EXAMPLE: ClassVar[str] = "{kind: context, field: settlement, equals: село}"
    kind: Literal["context"]
    field: ContextField
    op: Operator | None = None
    threshold: float | None = None
    equals: str | None = None

    @field_validator("threshold", mode="before")
    @classmethod
    def _threshold(cls, value: Any, info: ValidationInfo) -> Any:
        if value is not None and CONTEXT_FIELDS.get(info.data.get("field"), ("", None))[1] is Unit.SHARE:
            return share_threshold(value)
        return value if value is None else number(value)

    @model_validator(mode="after")
    def _either(self) -> ContextCriterion:
        if (self.equals is None) == (self.threshold is None or self.op is None):
            raise ValueError("нужно либо equals (значение), либо op и threshold (сравнение с числом)")
        return self

    def default_text(self) -> str:
        return CONTEXT_FIELDS[self.field][0]

    def unit(self) -> Unit:
        return Unit.FLAG if self.equals is not None else CONTEXT_FIELDS[self.field][1]

    def condition(self, terms: Terms, threshold: float | None) -> str:
        if self.equals is not None:
            return f"{self.words(terms)} — {self.equals}"
        return super().condition(terms, threshold)

    def describe(self, threshold: float | None, percentile: float | None = None) -> str:
        if self.equals is not None:
            return f"{self.text}: {self.equals}"
        return f"{self.text} {OPERATOR_SIGNS[self.op]} {format_value(self.threshold, self.unit(), threshold=True)}"

    def evaluate(self, context: Context, path: str, status: Status) -> LeafResult:
        column = context_column(context, self.field)
        if self.equals is not None:
            wanted = normalize_text(self.equals)
            same = column.map(lambda value: normalize_text(value) == wanted, na_action="ignore")
            value = same.astype("Float64")
            met = (value == 1).fillna(False).astype(bool)
            return LeafResult(path, status, self, value, None, met, Unit.FLAG, reasoner=self._reason)
        value = pd.to_numeric(column, errors="coerce").astype("Float64")
        met = COMPARE[self.op](value, self.threshold).fillna(False).astype(bool)
        return LeafResult(path, status, self, value, float(self.threshold), met, self.unit())

    def _reason(self, result: LeafResult, school: str) -> str:
        return self.describe(None)


class NoResultsCriterion(Leaf):
    """The school has no results in the window (it is in the registry or in earlier years only): the guard of the
    ``insufficient`` status. Where it holds, it is the whole reason.

    Example: ``insufficient: {any: [{kind: no_results}, {kind: indicator, indicator: participants_core, op: "<",
    threshold: 10}]}`` — no results, or fewer than 10 participants in Russian and maths.
    """

    KIND: ClassVar[str] = "no_results"
    HELP: ClassVar[str] = "у школы нет результатов за окно (для статуса insufficient)"
    EXAMPLE: ClassVar[str] = "{kind: no_results}"
    kind: Literal["no_results"]

    def default_text(self) -> str:
        return "нет результатов за окно"

    def unit(self) -> Unit:
        return Unit.COUNT

    def evaluate(self, context: Context, path: str, status: Status) -> LeafResult:
        value = (context.indicators["participants_core"] + context.indicators["participants_other"]).astype("Float64")
        met = (value == 0).fillna(True).astype(bool)
        label = context.window.label
        return LeafResult(
            path,
            status,
            self,
            value,
            0.0,
            met,
            Unit.COUNT,
            reasoner=lambda result, school: f"нет результатов за {label}",
        )
