"""What every criterion kind shares: the strict YAML model, the scope of procedures, thresholds, and ``Leaf`` — the
base class of a kind, which declares its keys (pydantic fields), evaluates itself and describes itself.

A kind's evaluation gets a ``Context`` (the school indicators, the window's procedures, other years on demand, the
defaults of the rules) and returns a ``LeafResult``: per school the value in its unit, the threshold, whether it
holds, and what it rests on.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, field_validator, model_validator

from shnor.russian import OPERATOR_SIGNS, format_value
from shnor.vocabulary import SUBJECTS, Assessment, Status, Unit, parse_assessment, parse_subject

if TYPE_CHECKING:  # pandas is loaded only to evaluate, not to read or show a rules file
    import pandas as pd

    from shnor.indicators.scoped import Ratio
    from shnor.indicators.shares import Window
    from shnor.rules.words import Terms

Operator = Literal[">=", ">", "<=", "<"]
COMPARE = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}
RelativeTo = Literal["municipality", "region"]
RELATIVE_WORDS = {"municipality": "муниципалитета", "region": "региона"}


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def share_threshold(value: Any, low: float = 0) -> Any:
    """A fraction: 0..1, or −1..1 for a difference (``low=-1``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f'ожидалось число от {low:g} до 1, получено "{value}"')  # noqa: TRY004 (pydantic's error)
    if not low <= value <= 1:
        raise ValueError(f"ожидалось число от {low:g} до 1 (доля, а не проценты), получено {value}")
    return value


def number(value: Any) -> Any:
    if isinstance(value, (bool, str)):
        raise ValueError(f'ожидалось число, получено "{value}"')  # noqa: TRY004 (pydantic's error)
    return value


def exactly_one_threshold(threshold: float | None, percentile: float | None) -> None:
    if (threshold is None) == (percentile is None):
        raise ValueError("нужен ровно один из ключей threshold (порог) или percentile (процентиль по региону)")


class BandMeasure(Strict):
    """Participants with a score from ``score_from`` to ``score_to`` inclusive: ``{score_from: 61, score_to: 80}``."""

    score_from: Annotated[int, Field(ge=0, le=100)]
    score_to: Annotated[int, Field(ge=0, le=100)]

    @model_validator(mode="after")
    def _ordered(self) -> BandMeasure:
        if self.score_to < self.score_from:
            raise ValueError(f"score_to ({self.score_to}) меньше score_from ({self.score_from})")
        return self

    @property
    def words(self) -> str:
        return f"доля участников с баллами {self.score_from}–{self.score_to}"


def _measure_tag(value: Any) -> str:
    return "band" if isinstance(value, (dict, BandMeasure)) else "outcome"


# «fail», «high», or a band {score_from, score_to}: one branch is checked, so a mistake gets one message
Measure = Annotated[
    Union[Annotated[Literal["fail", "high"], Tag("outcome")], Annotated[BandMeasure, Tag("band")]],  # noqa: UP007
    Discriminator(_measure_tag),
]
MEASURE_LABELS = {"fail": "доля «2» (ЕГЭ — ниже минимального балла)", "high": "доля «4» и «5» (ЕГЭ — высоких баллов)"}


def measure_words(measure: Measure) -> str:
    return measure.words if isinstance(measure, BandMeasure) else MEASURE_LABELS[measure]


class Scope(Strict):
    """Which procedures a leaf looks at. ``subjects``: ``core``, ``other`` or a list of subject names."""

    assessments: list[Assessment] | None = None
    subjects: Literal["core", "other"] | list[str] | None = None
    grades: list[Annotated[int, Field(ge=1, le=11)]] | None = None

    @field_validator("assessments", mode="before")
    @classmethod
    def _assessments(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [parse_assessment(v) or v for v in value]
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

    def scope_words(self) -> str:
        """«ВПР, ОГЭ; Математика; 5 класс» — what the scope narrows to, or «» for everything."""
        parts = []
        if self.assessments:
            parts.append(", ".join(self.assessments))
        if self.subjects == "core":
            parts.append("русский язык и математика")
        elif self.subjects == "other":
            parts.append("другие предметы")
        elif self.subjects:
            parts.append(", ".join(self.subjects))
        if self.grades:
            parts.append(", ".join(map(str, self.grades)) + " кл.")
        return f" ({'; '.join(parts)})" if parts else ""


class Leaf(Strict):
    """The base of a criterion kind. A subclass declares its keys as fields, a ``kind`` literal and ``KIND``, and
    implements ``evaluate``; its docstring (with a worked example) is what ``shnor rules show`` prints about it."""

    KIND: ClassVar[str]
    HELP: ClassVar[str]  # what it is, in Russian, for «shnor rules show»
    EXAMPLE: ClassVar[str]  # a leaf of this kind in YAML
    label: str | None = None  # the words of the criterion in documents, instead of the generated ones

    @classmethod
    def keys(cls) -> list[str]:
        return [name for name in cls.model_fields if name != "kind"]

    @property
    def text(self) -> str:
        """What is compared, in words: «доля «2» по русскому языку и математике»."""
        return self.label or self.default_text()

    def default_text(self) -> str:
        raise NotImplementedError

    def unit(self) -> Unit:
        return Unit.SHARE

    def evaluate(self, context: Context, path: str, status: Status) -> LeafResult:
        raise NotImplementedError

    def describe(self, threshold: float | None, percentile: float | None = None) -> str:
        """The criterion in words, with its threshold: «доля «2» по русскому языку и математике ≥ 25 %»."""
        op = getattr(self, "op", None)
        if op is None:
            return self.text
        if percentile is not None:
            scope = "по школам того же контекста" if getattr(self, "within", None) else "по региону"
            return f"{self.text} {OPERATOR_SIGNS[op]} {percentile:g}-го процентиля {scope}"
        return f"{self.text} {OPERATOR_SIGNS[op]} {format_value(threshold, self.unit(), threshold=True)}"

    def recommendation_key(self) -> str:
        return getattr(self, "indicator", None) or self.KIND

    # ── in the words of a document (``shnor.rules.words``) ──────────────────────────────────────────────────────

    def words(self, terms: Terms) -> str:
        """What is compared, in the words of a document about the data the rules were applied to (the rules' own
        ``label`` where they give one): «доля «2» по русскому языку и математике»; on ЕГЭ alone «доля не
        преодолевших минимальный порог по русскому языку и математике»."""
        return self.label or self.document_text(terms)

    def document_text(self, terms: Terms) -> str:
        return self.default_text()

    def condition(self, terms: Terms, threshold: float | None) -> str:
        """The criterion as an order states it: «доля «2» по русскому языку и математике — 25 % и более»."""
        from shnor.rules.words import bound, percentile_bound

        op = getattr(self, "op", None)
        if op is None:
            return self.words(terms)
        percentile = getattr(self, "percentile", None)
        if percentile is not None:
            return f"{self.words(terms)} — {percentile_bound(op, percentile, bool(getattr(self, 'within', None)))}"
        return f"{self.words(terms)} — {bound(op, format_value(threshold, self.unit(), threshold=True))}"

    def finding(self, terms: Terms, value: float | None, threshold: float | None, details: list[str] = ()) -> str:
        """A criterion one school meets, each measure once: «доля «2» по русскому языку и математике — 36,1 %
        (порог 25 %)»; ``details`` (the years, the municipality's share) go in the brackets."""
        shown = format_value(value, self.unit())
        limit = f"порог {format_value(threshold, self.unit(), threshold=True)}"
        percentile = getattr(self, "percentile", None)
        if percentile is not None:
            scope = "по школам того же контекста" if getattr(self, "within", None) else "по региону"
            limit += f" — {percentile:g}-й процентиль {scope}"
        return f"{self.words(terms)} — {shown} ({'; '.join([limit, *details])})"


@dataclass
class LeafResult:
    """One leaf criterion evaluated for every school."""

    path: str
    status: Status
    criterion: Leaf
    value: pd.Series  # Float64, missing where not computable
    threshold: float | pd.Series | None
    met: pd.Series  # bool
    unit: Unit
    details: dict[str, list[str]] = field(default_factory=dict)
    participants: pd.Series | None = None  # what the value rests on, where it is a share or a mean
    minimum: int = 0  # participants below which the value does not hold
    note: str | None = None  # why the value could not be computed at all, where it could not
    threshold_unit: Unit | None = None  # where the threshold is not in the value's unit (a count of procedures)
    reasoner: Callable[[LeafResult, str], str] | None = None  # the kind's own wording of a school's reason
    subjects: dict[str, list[str]] | None = None  # per school, the subjects behind the value (counted procedures)

    @property
    def text(self) -> str:
        return self.criterion.text

    @property
    def op(self) -> str:
        return getattr(self.criterion, "op", None) or "="

    def threshold_of(self, school: str) -> float | None:
        """The threshold this school was held to (percentiles within a context group differ by school)."""
        if self.threshold is not None and not isinstance(self.threshold, (int, float)):
            return _float(self._of("threshold", school))
        return self.threshold

    def too_few(self, school: str) -> bool:
        if self.participants is None or not self.minimum:
            return False
        base = _float(self._of("participants", school))
        return base is not None and base < self.minimum and _float(self._of("value", school)) is not None

    def _of(self, name: str, school: str):
        """``getattr(self, name).get(school)``, through a dict made on the first look (the reasons of a country's
        17 000 listed schools would each walk pandas' index); the same number once through ``_float``."""
        lookups = vars(self).setdefault("_lookups", {})
        found = lookups.get(name)
        if found is None:
            series = getattr(self, name)
            found = lookups[name] = dict(zip(series.index.tolist(), series.tolist()))
        return found.get(school)

    def reason(self, school: str) -> str:
        if self.too_few(school):
            base = format_value(_float(self.participants.get(school)), "count")
            return f"{self.text} — мало участников ({base} < {self.minimum})"
        if self.reasoner is not None:
            return self.reasoner(self, school)
        threshold = self.threshold_of(school)
        relative = ""
        percentile = getattr(self.criterion, "percentile", None)
        if percentile is not None:
            scope = "по школам того же контекста" if getattr(self.criterion, "within", None) else "по региону"
            relative = f" ({percentile:g}-й процентиль {scope})"
        sign = OPERATOR_SIGNS.get(self.op, self.op)
        value = format_value(_float(self._of("value", school)), self.unit)
        shown = format_value(threshold, self.threshold_unit or self.unit, threshold=True)
        details = self.details.get(school)
        return f"{self.text} {value} {sign} {shown}{relative}" + (f" ({'; '.join(details)})" if details else "")


def _float(value) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


@dataclass
class Context:
    """What the leaves are evaluated on."""

    indicators: pd.DataFrame  # one row per school: the named indicators (SPEC §4)
    procedures: pd.DataFrame  # the window's procedures (``shnor.indicators.shares.procedures``)
    window: Window
    population: pd.Series  # schools that define region percentiles (not insufficient)
    school_context: pd.DataFrame | None = None  # --context: settlement, size, remoteness, shortage, special needs
    municipalities: pd.Series | None = None  # school → municipality, for ``relative_to: municipality``
    sign_counts: pd.DataFrame | None = None  # signs present per school and sign kind
    years: tuple[int, ...] = ()  # every year in the data (dynamics look before the window)
    other_years: Callable[[tuple[int, ...]], pd.DataFrame] | None = None  # procedures of years outside the window
    min_participants: int = 1  # ``defaults.min_participants`` of the rules
    _cache: dict = field(default_factory=dict)

    @property
    def schools(self) -> pd.Index:
        return self.indicators.index

    def minimum(self, leaf: Leaf) -> int:
        own = getattr(leaf, "min_participants", None)
        return max(int(own if own is not None else self.min_participants), 1)

    def frame(self, years: tuple[int, ...]) -> pd.DataFrame:
        """The procedures of ``years``: from the window's, or read from the cube for years before it."""
        key = ("frame", years)
        if key not in self._cache:
            if set(years) <= set(self.window.years):
                inside = self.procedures["year"].isin(list(years))
                # the whole window: the frame itself, not a copy of every column (pandas copies on write)
                frame = self.procedures if bool(inside.all()) else self.procedures.loc[inside]
            elif self.other_years is not None:
                frame = self.other_years(years)
            else:
                frame = self.procedures.iloc[:0]
            self._cache[key] = frame
        return self._cache[key]

    def groups(self, relative_to: str | None) -> pd.Series | None:
        from shnor.indicators.scoped import region_groups

        if relative_to is None:
            return None
        if relative_to == "region" or self.municipalities is None:
            return region_groups(self.schools)
        return self.municipalities.reindex(self.schools).fillna("")

    def cached(self, key: tuple, compute: Callable[[], Ratio]) -> Ratio:
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]
