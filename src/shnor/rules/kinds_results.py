"""Criterion kinds that compare one measure of a school's results with a threshold: a named indicator, a share over a
chosen scope, a mean score — over the window or in each of its years, as they are or against the municipality or the
region."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

import pandas as pd
from pydantic import Field, ValidationInfo, field_validator, model_validator

from shnor.indicators import scoped
from shnor.indicators.objectivity import SIGN_KIND_CODES, SIGN_KINDS
from shnor.indicators.shares import chosen, select
from shnor.rules.base import (
    COMPARE,
    RELATIVE_WORDS,
    BandMeasure,
    Context,
    Leaf,
    LeafResult,
    Measure,
    Operator,
    RelativeTo,
    Scope,
    exactly_one_threshold,
    measure_words,
    number,
    share_threshold,
)
from shnor.rules.words import Terms, scope_phrase, subjects_phrase
from shnor.russian import format_value
from shnor.vocabulary import Status, Unit

ContextField = Literal["settlement", "students", "remoteness_km", "teacher_shortage", "special_needs"]
SignKindCode = Literal[SIGN_KIND_CODES]  # type: ignore[valid-type]


@dataclass(frozen=True)
class IndicatorSpec:
    """A named indicator of SPEC §4: its words and unit; a share pooled over the window has its measure and subjects
    (and so can be taken per year, against the municipality or region, and needs ``min_participants``)."""

    label: str
    unit: Unit
    measure: str | None = None  # fail | high
    subjects: str | None = None  # core | other


INDICATORS = {
    "fail_core": IndicatorSpec("доля «2» по русскому языку и математике", Unit.SHARE, "fail", "core"),
    "high_core": IndicatorSpec("доля «4» и «5» по русскому языку и математике", Unit.SHARE, "high", "core"),
    "fail_other": IndicatorSpec("доля «2» по другим предметам", Unit.SHARE, "fail", "other"),
    "participants_core": IndicatorSpec("участников по русскому языку и математике", Unit.COUNT),
    "participants_other": IndicatorSpec("участников по другим предметам", Unit.COUNT),
    "times_listed": IndicatorSpec("включений в прежние перечни", Unit.COUNT),
    "objectivity_signs": IndicatorSpec("признаков необъективности", Unit.COUNT),
    "boundary_peaks": IndicatorSpec("пиков распределения баллов на границах отметок", Unit.COUNT),
    "journal_gap2_share": IndicatorSpec("доля расхождений с отметкой по журналу на 2 и более", Unit.SHARE),
    "fail_rise": IndicatorSpec("процедур с ростом доли «2» на 10 п. п. и более", Unit.COUNT),
}
IndicatorName = Literal[tuple(INDICATORS)]  # type: ignore[valid-type]
POOLED = tuple(name for name, spec in INDICATORS.items() if spec.measure)
Percentile = Annotated[float, Field(ge=0, le=100)]


class _Measured:
    """What measured leaves share (each declares the keys ``each_year``, ``relative_to``, ``op``, ``threshold``,
    ``percentile``, ``min_participants`` itself, in the order its validators read them)."""

    def _check_measured(self) -> None:
        exactly_one_threshold(self.threshold, self.percentile)
        if self.percentile is not None and (self.each_year or self.relative_to):
            raise ValueError("percentile нельзя сочетать с each_year или relative_to: укажите threshold")

    def measured_text(self, what: str) -> str:
        text = what + (f" относительно {RELATIVE_WORDS[self.relative_to]}" if self.relative_to else "")
        return text + (" в каждом году окна" if self.each_year else "")

    def measured_words(self, what: str) -> str:
        """«… относительно муниципалитета», «… в каждом году окна» — as ``measured_text``, for documents."""
        text = what + (f" относительно {RELATIVE_WORDS[self.relative_to]}" if self.relative_to else "")
        return text + (" в каждом году" if self.each_year else "")

    def measured_unit(self, unit: Unit) -> Unit:
        if self.relative_to is None:
            return unit
        return Unit.SHARE_CHANGE if unit is Unit.SHARE else Unit.SCORE_CHANGE


class IndicatorCriterion(Leaf, _Measured):
    """A named school indicator (SPEC §4) against a fixed threshold or a region percentile.

    Example: ``{kind: indicator, indicator: fail_core, op: ">=", threshold: 0.25}`` — the share of «2» (and ЕГЭ below
    the minimum) in Russian and maths, pooled over the window, is 25 % or more. ``percentile: 90`` instead of
    ``threshold`` compares with the 90th percentile over the region's schools (``within: settlement`` — among schools
    of the same context). The shares ``fail_core``, ``high_core``, ``fail_other`` also take ``each_year: true``
    (the condition holds in every year of the window), ``relative_to: municipality | region`` (the school's share
    minus the share pooled over its municipality or the region: ``{kind: indicator, indicator: high_core,
    relative_to: municipality, op: "<=", threshold: -0.10}``) and ``min_participants``. ``objectivity_signs`` takes
    ``signs: [journal_mismatch, cohort_fall, cohort_rise]`` to count only those kinds of signs.
    """

    KIND: ClassVar[str] = "indicator"
    HELP: ClassVar[str] = (
        "показатель школы за окно против порога или процентиля по региону; доли fail_core, high_core, fail_other — "
        "также по каждому году (each_year) и относительно муниципалитета или региона (relative_to); "
        "objectivity_signs — только выбранные виды признаков (signs)"
    )
    EXAMPLE: ClassVar[str] = '{kind: indicator, indicator: fail_core, op: ">=", threshold: 0.25}'
    kind: Literal["indicator"]
    indicator: IndicatorName
    each_year: bool = False
    relative_to: RelativeTo | None = None
    signs: list[SignKindCode] | None = Field(default=None, min_length=1)
    op: Operator
    threshold: float | None = None
    percentile: Percentile | None = None
    within: ContextField | None = None
    min_participants: Annotated[int, Field(ge=0)] | None = None

    @field_validator("threshold", mode="before")
    @classmethod
    def _threshold(cls, value: Any, info: ValidationInfo) -> Any:
        spec = INDICATORS.get(info.data.get("indicator"))
        if value is not None and spec is not None and spec.unit is Unit.SHARE:
            return share_threshold(value, -1 if info.data.get("relative_to") else 0)
        return number(value) if value is not None else value

    @model_validator(mode="after")
    def _keys_fit_the_indicator(self) -> IndicatorCriterion:
        self._check_measured()
        pooled = ", ".join(POOLED)
        spec = INDICATORS[self.indicator]
        for key in ("each_year", "relative_to", "min_participants"):
            if getattr(self, key) not in (None, False) and spec.measure is None:
                raise ValueError(f"{key} применим только к долям {pooled}, а не к {self.indicator}")
        if self.signs is not None and self.indicator != "objectivity_signs":
            raise ValueError(f"signs применим только к indicator: objectivity_signs, а не к {self.indicator}")
        return self

    def default_text(self) -> str:
        text = INDICATORS[self.indicator].label
        if self.signs:
            labels = {kind.code: kind.label for kind in SIGN_KINDS}
            text += f" ({', '.join(labels[code] for code in self.signs)})"
        return self.measured_text(text)

    def unit(self) -> Unit:
        return self.measured_unit(INDICATORS[self.indicator].unit)

    def document_text(self, terms: Terms) -> str:
        spec = INDICATORS[self.indicator]
        if spec.measure is not None:
            return self.measured_words(f"{terms.outcome(spec.measure)} {subjects_phrase(spec.subjects)}")
        if self.indicator == "times_listed":
            return "включение в прежние перечни ШНОР"
        if self.indicator == "objectivity_signs":
            return "признаки необъективности" + (f" ({self._sign_words()})" if self.signs else "")
        return spec.label

    def _sign_words(self) -> str:
        labels = {kind.code: kind.label for kind in SIGN_KINDS}
        return ", ".join(labels[code] for code in self.signs or ())

    def condition(self, terms: Terms, threshold: float | None) -> str:
        if self.label is None and self.threshold is not None and self.op in (">=", ">"):
            times = int(self.threshold) + (self.op == ">")
            if self.indicator == "times_listed":
                return "школа уже была в перечне ШНОР" + (f" не менее {times} раз" if times > 1 else "")
            if self.indicator == "objectivity_signs":
                kinds = f" ({self._sign_words()})" if self.signs else ""
                return (f"выявлено не менее {times} признаков необъективности{kinds}" if times > 1
                        else f"выявлен хотя бы один признак необъективности{kinds}")
        return super().condition(terms, threshold)

    def finding(self, terms: Terms, value: float | None, threshold: float | None, details: list[str] = ()) -> str:
        """«ранее в перечне (2024)» — ``details``: the years of the lists naming the school; «признаки
        необъективности: …» — ``details``: the signs found."""
        if self.label is None and self.indicator == "times_listed":
            return "ранее в перечне ШНОР" + (f" ({', '.join(details)})" if details else "")
        if self.label is None and self.indicator == "objectivity_signs":
            return f"признаки необъективности ({format_value(value, Unit.COUNT)})" + (
                f": {'; '.join(details)}" if details else ""
            )
        return super().finding(terms, value, threshold, details)

    def evaluate(self, context: Context, path: str, status: Status) -> LeafResult:
        spec = INDICATORS[self.indicator]
        if spec.measure is not None:

            def measure(years: tuple[int, ...], groups: pd.Series | None) -> scoped.Ratio:
                # the rows in scope as flags over the years' frame, each row's school as its position, made once for
                # every indicator: a country's half of 2.4 million rows is not copied out per indicator
                frame = context.frame(years)
                where = context.cached(("positions", years), lambda: scoped.positions(frame, context.schools))
                return scoped.share(frame, context.schools, spec.measure, groups, chosen(frame, subjects=spec.subjects),
                                    where)

            return judge(self, context, path, status, ("indicator", self.indicator), measure)
        if self.signs is not None and context.sign_counts is not None:
            value = context.sign_counts[list(self.signs)].sum(axis=1).astype("Float64")
        else:
            value = context.indicators[self.indicator].astype("Float64")
        threshold = threshold_for(self, value, context)
        met = COMPARE[self.op](value, threshold).fillna(False).astype(bool)
        return LeafResult(path, status, self, value, threshold, met, self.unit())


class ShareCriterion(Scope, Leaf, _Measured):
    """A share pooled over the window for chosen procedures.

    Example: ``{kind: share, measure: fail, assessments: [ВПР], subjects: [Математика], grades: [5], op: ">=",
    threshold: 0.3}`` — «2» in ВПР maths, grade 5, over both years, in 30 % of papers or more. ``measure`` is
    ``fail``, ``high`` or a score band: ``{score_from: 61, score_to: 80}`` (from pupils' scores, or from a table's
    bands when they make exactly this band: 80–99 and 100 make 80–100). Takes ``each_year``, ``relative_to`` and
    ``min_participants`` as ``indicator`` does.
    """

    KIND: ClassVar[str] = "share"
    HELP: ClassVar[str] = "доля «2», «4» и «5» или участников в полосе баллов по выбранным процедурам за окно"
    EXAMPLE: ClassVar[str] = (
        '{kind: share, measure: {score_from: 61, score_to: 80}, assessments: [ЕГЭ], subjects: [История], '
        'op: ">=", threshold: 0.2}'
    )
    kind: Literal["share"]
    measure: Measure
    each_year: bool = False
    relative_to: RelativeTo | None = None
    op: Operator
    threshold: float | None = None
    percentile: Percentile | None = None
    min_participants: Annotated[int, Field(ge=0)] | None = None

    @field_validator("threshold", mode="before")
    @classmethod
    def _threshold(cls, value: Any, info: ValidationInfo) -> Any:
        return value if value is None else share_threshold(value, -1 if info.data.get("relative_to") else 0)

    @model_validator(mode="after")
    def _one_threshold(self) -> ShareCriterion:
        self._check_measured()
        return self

    def default_text(self) -> str:
        return self.measured_text(measure_words(self.measure) + self.scope_words())

    def unit(self) -> Unit:
        return self.measured_unit(Unit.SHARE)

    def document_text(self, terms: Terms) -> str:
        return self.measured_words(terms.outcome(self.measure)
                                   + scope_phrase(self.assessments, self.subjects, self.grades))

    def evaluate(self, context: Context, path: str, status: Status) -> LeafResult:
        def measure(years: tuple[int, ...], groups: pd.Series | None) -> scoped.Ratio:
            frame = select(context.frame(years), self.assessments, self.subjects, self.grades)
            return share_of(frame, context.schools, self.measure, groups)

        return judge(self, context, path, status, ("share", self.model_dump_json()), measure)


def share_of(frame: pd.DataFrame, schools: pd.Index, measure: Measure, groups: pd.Series | None) -> scoped.Ratio:
    """The share of ``measure`` (fail, high or a band) over the rows of ``frame``, with why it is missing."""
    if not isinstance(measure, BandMeasure):
        return scoped.share(frame, schools, measure, groups)
    counts, note = scoped.band_counts(frame, measure.score_from, measure.score_to)
    result = scoped.share(frame.assign(_band=counts), schools, "_band", groups)
    return scoped.Ratio(result.value, result.base, result.reference, note)


class MeanScoreCriterion(Scope, Leaf, _Measured):
    """The participant-weighted mean score over the leaf's scope, from pupils' scores or a table's mean score.

    Example: ``{kind: mean_score, assessments: [ЕГЭ], subjects: [Обществознание], relative_to: municipality, op: "<",
    threshold: 0}`` — the school's mean ЕГЭ score in social studies is below its municipality's. ``assessments`` and
    ``subjects`` are required: mean scores of different procedures are not comparable. «не рассчитан» where the data
    has neither pupils' scores nor mean scores.
    """

    KIND: ClassVar[str] = "mean_score"
    HELP: ClassVar[str] = (
        "средний балл по выбранным процедурам (взвешенный по участникам), в том числе относительно муниципалитета "
        "или региона"
    )
    EXAMPLE: ClassVar[str] = (
        '{kind: mean_score, assessments: [ЕГЭ], subjects: [Обществознание], relative_to: municipality, '
        'op: "<", threshold: 0}'
    )
    kind: Literal["mean_score"]
    each_year: bool = False
    relative_to: RelativeTo | None = None
    op: Operator
    threshold: float | None = None
    percentile: Percentile | None = None
    min_participants: Annotated[int, Field(ge=0)] | None = None

    @field_validator("threshold", mode="before")
    @classmethod
    def _threshold(cls, value: Any) -> Any:
        return value if value is None else number(value)

    @model_validator(mode="after")
    def _scope_given(self) -> MeanScoreCriterion:
        self._check_measured()
        if not self.assessments or not isinstance(self.subjects, list):
            raise ValueError(
                "для mean_score укажите assessments и subjects списками: средние баллы разных процедур "
                "несопоставимы (например, assessments: [ЕГЭ], subjects: [Обществознание])"
            )
        return self

    def default_text(self) -> str:
        return self.measured_text("средний балл" + self.scope_words())

    def document_text(self, terms: Terms) -> str:
        return self.measured_words("средний балл" + scope_phrase(self.assessments, self.subjects, self.grades))

    def unit(self) -> Unit:
        return self.measured_unit(Unit.SCORE)

    def evaluate(self, context: Context, path: str, status: Status) -> LeafResult:
        def measure(years: tuple[int, ...], groups: pd.Series | None) -> scoped.Ratio:
            frame = select(context.frame(years), self.assessments, self.subjects, self.grades)
            result = scoped.mean_score(frame, context.schools, groups)
            if result.value.notna().any():
                return result
            note = "в данных нет баллов: нужны баллы участников или средний балл в таблице по школам"
            return scoped.Ratio(result.value, result.base, result.reference, note)

        return judge(self, context, path, status, ("mean_score", self.model_dump_json()), measure)


def judge(
    leaf: Any,
    context: Context,
    path: str,
    status: Status,
    key: tuple,
    measure: Callable[[tuple[int, ...], pd.Series | None], scoped.Ratio],
) -> LeafResult:
    """A measured leaf over the window or in each of its years: the value (the least favourable year's, with
    ``each_year``), too few participants → does not hold, the threshold, whether it holds."""
    groups = context.groups(leaf.relative_to)
    spans = [(year,) for year in context.window.years] if leaf.each_year else [context.window.years]
    results = [
        context.cached((*key, span, leaf.relative_to), lambda span=span: measure(span, groups)) for span in spans
    ]
    unit = leaf.unit()
    details: dict[str, list[str]] = {}
    if leaf.each_year:
        values = pd.concat([r.value for r in results], axis=1)
        worst = values.min(axis=1) if leaf.op in (">=", ">") else values.max(axis=1)
        value = worst.where(values.notna().all(axis=1)).astype("Float64")
        base = pd.concat([r.base for r in results], axis=1).min(axis=1)
        details = _by_year(values, context.window.years, unit)
    else:
        value, base = results[0].value, results[0].base
        if results[0].reference is not None:
            details = _against(value, results[0].reference, leaf.relative_to, unit)
    minimum = context.minimum(leaf)
    few = (base < minimum) & value.notna()
    details.update(too_few(base, few, minimum))
    threshold = threshold_for(leaf, value.where(~few), context)
    met = (COMPARE[leaf.op](value, threshold).fillna(False) & ~few).astype(bool)
    note = next((r.note for r in results if r.note), None)
    return LeafResult(path, status, leaf, value, threshold, met, unit, details, base, minimum, note)


def too_few(base: pd.Series, few: pd.Series, minimum: int) -> dict[str, list[str]]:
    """«мало участников (1 < 10)» for each school whose value rests on fewer than ``minimum`` participants."""
    return {school: [f"мало участников ({int(n)} < {minimum})"] for school, n in base[few].items()}


def _by_year(values: pd.DataFrame, years: tuple[int, ...], unit: Unit) -> dict[str, list[str]]:
    """«2024 — 30,0 %, 2025 — 27,0 %» for each school with a value in some year."""
    texts = [
        [f"{year} — {format_value(v, unit)}" if v is not None else f"{year} — нет данных" for v in column]
        for year, column in zip(
            years, (values[c].astype(object).where(values[c].notna(), None).tolist() for c in values)
        )
    ]
    shown = values.notna().any(axis=1).tolist()
    return {school: [", ".join(parts)] for school, keep, *parts in zip(values.index, shown, *texts) if keep}


def _against(value: pd.Series, reference: pd.Series, relative_to: str, unit: Unit) -> dict[str, list[str]]:
    """«школа 20,0 %, муниципалитет 32,0 %» for each school with a value."""
    plain = Unit.SHARE if unit is Unit.SHARE_CHANGE else Unit.SCORE
    own = (value + reference).astype(object).where(value.notna(), None).tolist()
    group = reference.astype(object).where(reference.notna(), None).tolist()
    word = {"municipality": "муниципалитет", "region": "регион"}[relative_to]
    return {
        school: [f"школа {format_value(a, plain)}, {word} {format_value(b, plain)}"]
        for school, a, b in zip(value.index, own, group)
        if a is not None
    }


def threshold_for(criterion: Any, value: pd.Series, context: Context) -> float | pd.Series:
    """The fixed threshold, or the percentile of the values of the region's judged schools (within a context group)."""
    if criterion.threshold is not None:
        return float(criterion.threshold)
    reference = value[context.population & value.notna()].astype(float)
    within = getattr(criterion, "within", None)
    if within is not None:
        groups = context_column(context, within)
        by_group = reference.groupby(groups.reindex(reference.index)).quantile(criterion.percentile / 100)
        return groups.map(by_group).astype("Float64")
    if reference.empty:
        return float("nan")
    return float(reference.quantile(criterion.percentile / 100, interpolation="linear"))


def context_column(context: Context, name: str) -> pd.Series:
    from shnor.errors import UserError

    if context.school_context is None:
        raise UserError(
            f"правила сравнивают школы по контексту («{name}»), но контекстные данные не указаны.",
            hint="Укажите файл контекстных данных: --context ФАЙЛ.",
        )
    if name not in context.school_context:
        return pd.Series(pd.NA, index=context.schools, dtype="object")
    return context.school_context[name].reindex(context.schools)
