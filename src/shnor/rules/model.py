"""The rules model: what a YAML rules file may say (SPEC §6), validated when it is loaded.

A criterion is either a *leaf* that compares one measure of a school with a threshold, or a *group* that
combines criteria with ``any``, ``all`` or ``at_least: k``. A status is met when its criterion is met;
statuses are decided in the order insufficient → shnor → risk, and a school that meets none is ``ok``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, ValidationInfo, field_validator, model_validator

from shnor.vocabulary import SUBJECTS, Assessment, parse_assessment, parse_subject

Operator = Literal[">=", ">", "<=", "<"]
Measure = Literal["fail", "high"]

SHARE_INDICATORS = ("fail_core", "high_core", "fail_other", "journal_gap2_share")
COUNT_INDICATORS = (
    "participants_core", "participants_other", "times_listed", "objectivity_signs", "boundary_peaks", "fail_rise"
)
IndicatorName = Literal[
    "fail_core", "high_core", "fail_other", "participants_core", "participants_other", "times_listed",
    "objectivity_signs", "boundary_peaks", "journal_gap2_share", "fail_rise",
]

INDICATOR_LABELS = {
    "fail_core": "доля «2» по русскому языку и математике",
    "high_core": "доля «4» и «5» по русскому языку и математике",
    "fail_other": "доля «2» по другим предметам",
    "participants_core": "участников по русскому языку и математике",
    "participants_other": "участников по другим предметам",
    "times_listed": "включений в прежние перечни",
    "objectivity_signs": "признаков необъективности",
    "boundary_peaks": "пиков распределения баллов на границах отметок",
    "journal_gap2_share": "доля расхождений с отметкой по журналу на 2 и более",
    "fail_rise": "процедур с ростом доли «2» на 10 п. п. и более",
}
MEASURE_LABELS = {"fail": "доля «2» (ЕГЭ — ниже минимального балла)", "high": "доля «4» и «5» (ЕГЭ — высоких баллов)"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _share_threshold(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f'ожидалось число от 0 до 1, получено "{value}"')
    if not 0 <= value <= 1:
        raise ValueError(f"ожидалось число от 0 до 1 (доля, а не проценты), получено {value}")
    return value


class _Scope(_Strict):
    """Which procedures a leaf looks at. ``subjects``: ``core``, ``other`` or a list of subject names."""

    assessments: list[Assessment] | None = None
    subjects: Literal["core", "other"] | list[str] | None = None
    grades: list[Annotated[int, Field(ge=1, le=11)]] | None = None

    @field_validator("assessments", mode="before")
    @classmethod
    def _assessments(cls, value: Any) -> Any:
        if isinstance(value, list):
            parsed = [parse_assessment(v) or v for v in value]
            return parsed
        return value

    @field_validator("subjects", mode="before")
    @classmethod
    def _subjects(cls, value: Any) -> Any:
        if isinstance(value, list):
            unknown = [v for v in value if parse_subject(v) is None]
            if unknown:
                raise ValueError(f"неизвестный предмет «{unknown[0]}»; известны: {', '.join(SUBJECTS)}")
            return [parse_subject(v) for v in value]
        return value


class IndicatorCriterion(_Strict):
    """A named school indicator against a fixed threshold or a region percentile.

    Example: ``{kind: indicator, indicator: fail_core, op: ">=", threshold: 0.25}`` — the share of «2» (and
    ЕГЭ below the minimum) in Russian and maths, pooled over the window, is 25 % or more.
    ``percentile: 90`` instead of ``threshold`` compares with the 90th percentile over the region's schools.
    """

    kind: Literal["indicator"]
    indicator: IndicatorName
    op: Operator
    threshold: float | None = None
    percentile: Annotated[float, Field(ge=0, le=100)] | None = None
    within: ContextField | None = None  # percentiles among schools of the same context (needs --context)
    label: str | None = None

    @field_validator("threshold", mode="before")
    @classmethod
    def _threshold(cls, value: Any, info: ValidationInfo) -> Any:
        if value is not None and info.data.get("indicator") in SHARE_INDICATORS:
            return _share_threshold(value)
        if isinstance(value, str):
            raise ValueError(f'ожидалось число, получено "{value}"')
        return value

    @model_validator(mode="after")
    def _one_threshold(self) -> IndicatorCriterion:
        _exactly_one_threshold(self.threshold, self.percentile)
        return self

    @property
    def text(self) -> str:
        return self.label or INDICATOR_LABELS[self.indicator]


class ShareCriterion(_Scope):
    """A share pooled over the window for chosen procedures.

    Example: ``{kind: share, measure: fail, assessments: [ВПР], subjects: [Математика], grades: [5],
    op: ">=", threshold: 0.3}`` — «2» in ВПР maths, grade 5, over both years, in 30 % of papers or more.
    """

    kind: Literal["share"]
    measure: Measure
    op: Operator
    threshold: float | None = None
    percentile: Annotated[float, Field(ge=0, le=100)] | None = None
    min_participants: Annotated[int, Field(ge=0)] = 0
    label: str | None = None

    _check_threshold = field_validator("threshold", mode="before")(lambda cls, v: v if v is None else _share_threshold(v))

    @model_validator(mode="after")
    def _one_threshold(self) -> ShareCriterion:
        _exactly_one_threshold(self.threshold, self.percentile)
        return self

    @property
    def text(self) -> str:
        return self.label or MEASURE_LABELS[self.measure]


class ProceduresCriterion(_Scope):
    """Count the procedures in which a school's share crosses the threshold.

    Example (Рособрнадзор, 2025): ``{kind: procedures, measure: fail, op: ">=", threshold: 0.3, years: latest,
    at_least: 2}`` — at least 30 % of participants got «2» or fell below the minimum in two or more
    procedures of the latest year.
    """

    kind: Literal["procedures"]
    measure: Measure
    op: Operator
    threshold: float
    years: Literal["latest", "window"] = "latest"
    at_least: Annotated[int, Field(ge=1)] = 1
    min_participants: Annotated[int, Field(ge=1)] = 1
    label: str | None = None

    _check_threshold = field_validator("threshold", mode="before")(lambda cls, v: _share_threshold(v))

    @property
    def text(self) -> str:
        return self.label or f"процедур, где {MEASURE_LABELS[self.measure]}"


class ConsecutiveCriterion(_Scope):
    """The same procedure (assessment, subject, grade) crosses the threshold in each of the last ``years`` years.

    Example: ``{kind: same_procedure_consecutive_years, measure: fail, op: ">=", threshold: 0.3, years: 2}`` —
    ВПР maths grade 5 had ≥ 30 % of «2» both in 2024 and in 2025.
    """

    kind: Literal["same_procedure_consecutive_years"]
    measure: Measure
    op: Operator
    threshold: float
    years: Annotated[int, Field(ge=2, le=5)] = 2
    min_participants: Annotated[int, Field(ge=1)] = 1
    label: str | None = None

    _check_threshold = field_validator("threshold", mode="before")(lambda cls, v: _share_threshold(v))

    @property
    def text(self) -> str:
        return self.label or f"процедур, где {MEASURE_LABELS[self.measure]}"


ContextField = Literal["settlement", "students", "remoteness_km", "teacher_shortage", "special_needs"]
CONTEXT_LABELS = {
    "settlement": "тип населённого пункта",
    "students": "численность обучающихся",
    "remoteness_km": "удалённость от районного центра, км",
    "teacher_shortage": "дефицит педагогов",
    "special_needs": "доля обучающихся с ОВЗ",
}


class ContextCriterion(_Strict):
    """A condition of the school's context (``--context``), for the ШНСУ flag.

    Example: ``{kind: context, field: remoteness_km, op: ">=", threshold: 50}`` — 50 km or more from the district
    centre; ``{kind: context, field: settlement, equals: село}`` — a village school.
    """

    kind: Literal["context"]
    field: ContextField
    op: Operator | None = None
    threshold: float | None = None
    equals: str | None = None
    label: str | None = None

    @model_validator(mode="after")
    def _either(self) -> ContextCriterion:
        if (self.equals is None) == (self.threshold is None or self.op is None):
            raise ValueError("нужно либо equals (значение), либо op и threshold (сравнение с числом)")
        return self

    @property
    def text(self) -> str:
        return self.label or CONTEXT_LABELS[self.field]


class Group(_Strict):
    """Criteria combined: ``mode: any`` (at least one), ``all`` (every one), ``at_least`` (k of them).

    ``any: [...]`` and ``all: [...]`` are shorthands for ``{mode: any, of: [...]}``.
    """

    mode: Literal["any", "all", "at_least"]
    of: list[Criterion] = Field(min_length=1)
    at_least: Annotated[int, Field(ge=1)] | None = None
    label: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for mode in ("any", "all"):
                if mode in data and "of" not in data:
                    rest = {k: v for k, v in data.items() if k != mode}
                    return {"mode": mode, "of": data[mode], **rest}
        return data

    @model_validator(mode="after")
    def _k(self) -> Group:
        if self.mode == "at_least" and self.at_least is None:
            raise ValueError("для mode: at_least нужен ключ at_least (сколько условий из списка должно выполниться)")
        if self.at_least is not None and self.at_least > len(self.of):
            raise ValueError(f"at_least: {self.at_least} больше числа условий в списке ({len(self.of)})")
        return self


def criterion_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        if any(key in value for key in ("any", "all", "of", "mode")):
            return "group"
        return value.get("kind")
    return "group" if isinstance(value, Group) else getattr(value, "kind", None)


Leaf = IndicatorCriterion | ShareCriterion | ProceduresCriterion | ConsecutiveCriterion | ContextCriterion
Criterion = Annotated[
    Union[
        Annotated[Group, Tag("group")],
        Annotated[IndicatorCriterion, Tag("indicator")],
        Annotated[ShareCriterion, Tag("share")],
        Annotated[ProceduresCriterion, Tag("procedures")],
        Annotated[ConsecutiveCriterion, Tag("same_procedure_consecutive_years")],
        Annotated[ContextCriterion, Tag("context")],
    ],
    Discriminator(
        criterion_tag,
        custom_error_type="criterion_kind",
        custom_error_message="criterion kind",
    ),
]
Group.model_rebuild()


def _exactly_one_threshold(threshold: float | None, percentile: float | None) -> None:
    if (threshold is None) == (percentile is None):
        raise ValueError("нужен ровно один из ключей threshold (порог) или percentile (процентиль по региону)")


class Statuses(_Strict):
    insufficient: Criterion | None = None
    shnor: Criterion | None = None
    risk: Criterion | None = None


class Targets(_Strict):
    """Targets of a road map, checked against the previous list (--history).

    Example (seed 003): ``{shnor_reduction: 0.30, positive_dynamics_share: 0.60}`` — a third fewer ШНОР a year,
    60 % of listed schools with positive dynamics.
    """

    shnor_reduction: Annotated[float, Field(ge=0, le=1)] | None = None
    shnor_share_max: Annotated[float, Field(ge=0, le=1)] | None = None
    positive_dynamics_share: Annotated[float, Field(ge=0, le=1)] | None = None


class Rules(_Strict):
    """A whole rules file."""

    name: str
    title: str
    source: str
    window_years: Annotated[int, Field(ge=1, le=5)] = 2
    ege_high_score: Annotated[float, Field(ge=0, le=100)] = 81
    statuses: Statuses
    # ШНСУ — школа в неблагоприятных социальных условиях: a flag beside the status, from the context data.
    shnsu: Criterion | None = None
    # Recommendations for the school card, by what a met criterion looks at: an indicator name (fail_core, …)
    # or a criterion kind (share, procedures, same_procedure_consecutive_years).
    recommendations: dict[str, str] = Field(default_factory=dict)
    targets: Targets | None = None


def recommendation_key(criterion: Any) -> str:
    """What a leaf criterion looks at, as the key of its recommendation."""
    return getattr(criterion, "indicator", None) or criterion.kind


def leaves(criterion: Any) -> list[Any]:
    """The leaf criteria of a tree, in order."""
    if isinstance(criterion, Group):
        return [leaf for child in criterion.of for leaf in leaves(child)]
    return [criterion]
