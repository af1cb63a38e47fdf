"""Criterion kinds that count procedures (or subjects) in which a school's share crosses a threshold: in the latest
year or the window, or in the same procedure year after year."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

import pandas as pd
from pydantic import Field, field_validator

from shnor.indicators.scoped import band_counts
from shnor.indicators.shares import select
from shnor.rules.base import (
    COMPARE,
    BandMeasure,
    Context,
    Leaf,
    LeafResult,
    Measure,
    Operator,
    Scope,
    measure_words,
    share_threshold,
)
from shnor.rules.words import Terms, bound, scope_phrase
from shnor.russian import OPERATOR_SIGNS, format_percent, format_value
from shnor.vocabulary import Status, Unit

PROCEDURE = ["school_id", "assessment", "subject", "grade"]


class _Counted(Scope, Leaf):
    """What both counting kinds share: the measure of each procedure and its threshold."""

    def unit(self) -> Unit:
        return Unit.COUNT

    def compared(self) -> str:
        return f"{self.text} {OPERATOR_SIGNS[self.op]} {format_value(self.threshold, Unit.SHARE, threshold=True)}"

    def describe(self, threshold: float | None, percentile: float | None = None) -> str:
        need = getattr(self, "at_least", 1)
        return self.compared() + (f" — не менее {need}" if need > 1 else "")

    def meeting(self, frame: pd.DataFrame, minimum: int) -> tuple[pd.DataFrame, str | None]:
        """The procedures (rows of ``frame``) where the share crosses the threshold on ``minimum`` participants or
        more, with their ``share``; and why no procedure has the measure, where none has."""
        note = None
        if isinstance(self.measure, BandMeasure):
            counts, note = band_counts(frame, self.measure.score_from, self.measure.score_to)
        else:
            counts = frame[self.measure].astype("Float64")
        shares = (counts / frame["participants"].astype("Float64")).where(frame["participants"] > 0)
        holds = COMPARE[self.op](shares, self.threshold).fillna(False) & (frame["participants"] >= minimum)
        return frame.loc[holds.astype(bool)].assign(share=shares[holds.astype(bool)]), note

    def crossing(self, terms: Terms) -> str:
        """«доля «2» по математике (ВПР) — 30 % и более»: the threshold each counted procedure crosses."""
        shown = format_value(self.threshold, Unit.SHARE, threshold=True)
        scope = scope_phrase(self.assessments, self.subjects, self.grades)
        return f"{terms.outcome(self.measure)}{scope} — {bound(self.op, shown)}"

    def reason_of(self, result: LeafResult, school: str) -> str:
        listed = "; ".join(result.details.get(school, []))
        value = format_value(result.value.get(school), Unit.COUNT)
        return f"{self.compared()}: {value} ≥ {format_value(result.threshold, Unit.COUNT)} ({listed})"


class ProceduresCriterion(_Counted):
    """Count the procedures (or the subjects) in which a school's share crosses the threshold.

    Example (Рособрнадзор, 2025): ``{kind: procedures, measure: fail, op: ">=", threshold: 0.3, years: latest,
    at_least: 2}`` — at least 30 % of participants got «2» or fell below the minimum in two or more procedures of the
    latest year. ``count: subjects`` counts distinct subjects instead (a subject met in grades 4 and 5 counts once):
    ``{kind: procedures, measure: fail, op: ">=", threshold: 0.30, years: latest, assessments: [ВПР], count: subjects,
    at_least: 2}``. ``measure`` may be a score band, ``{score_from: 61, score_to: 80}``.
    """

    KIND: ClassVar[str] = "procedures"
    HELP: ClassVar[str] = (
        "число процедур (или предметов: count: subjects), где доля переходит порог, за последний год или окно"
    )
    EXAMPLE: ClassVar[str] = (
        '{kind: procedures, measure: fail, op: ">=", threshold: 0.30, years: latest, count: subjects, at_least: 2}'
    )
    kind: Literal["procedures"]
    measure: Measure
    op: Operator
    threshold: float
    years: Literal["latest", "window"] = "latest"
    count: Literal["procedures", "subjects"] = "procedures"
    at_least: Annotated[int, Field(ge=1)] = 1
    min_participants: Annotated[int, Field(ge=0)] | None = None

    _check_threshold = field_validator("threshold", mode="before")(lambda cls, v: share_threshold(v))

    def default_text(self) -> str:
        counted = "предметов" if self.count == "subjects" else "процедур"
        year = " последнего года" if self.years == "latest" else " за окно"
        return f"{counted}{year}, где {measure_words(self.measure)}{self.scope_words()}"

    def _counted(self, number: int) -> str:
        """«в 2 процедурах последнего года», «хотя бы в одном предмете за окно»."""
        plural = "процедурах" if self.count == "procedures" else "предметах"
        single = "процедуре" if self.count == "procedures" else "предмете"
        when = "последнего года" if self.years == "latest" else "за окно"
        return f"хотя бы в одной {single} {when}" if number <= 1 else f"в {number} {plural} {when}"

    def document_text(self, terms: Terms) -> str:
        counted = "процедур" if self.count == "procedures" else "предметов"
        when = "последнего года" if self.years == "latest" else "за окно"
        return f"число {counted} {when}, где {self.crossing(terms)}"

    def condition(self, terms: Terms, threshold: float | None) -> str:
        if self.label is not None:
            return super().condition(terms, float(self.at_least))
        more = " и более" if self.at_least > 1 else ""
        return f"{self._counted(self.at_least)}{more}: {self.crossing(terms)}"

    def finding(self, terms: Terms, value: float | None, threshold: float | None, details: list[str] = ()) -> str:
        """«доля «2» — 30 % и более в 2 процедурах последнего года: ВПР Математика, 5 кл.: 2025 — 33,3 %; …»."""
        if self.label is not None:
            return super().finding(terms, value, threshold, details)
        listed = f": {'; '.join(details)}" if details else ""
        return f"{self.crossing(terms)} {self._counted(int(value or 0)).replace('хотя бы ', '')}{listed}"

    def evaluate(self, context: Context, path: str, status: Status) -> LeafResult:
        scoped = select(context.procedures, self.assessments, self.subjects, self.grades)
        if self.years == "latest":
            scoped = scoped.loc[scoped["year"] == context.window.latest]
        meeting, note = self.meeting(scoped, _minimum(context, self))
        counted = meeting.groupby("school_id", observed=True)
        counts = counted["subject"].nunique() if self.count == "subjects" else counted.size()
        value = counts.reindex(context.schools, fill_value=0).astype("Float64")
        if note is not None and not len(meeting):
            value = value.where(False)  # the measure is nowhere in the data: not computed, rather than 0
        met = (value >= self.at_least).fillna(False).astype(bool)
        return LeafResult(
            path,
            status,
            self,
            value,
            float(self.at_least),
            met,
            Unit.COUNT,
            details(meeting),
            note=note,
            reasoner=self.reason_of,
            subjects=subjects(meeting),
        )


class ConsecutiveCriterion(_Counted):
    """The same procedure (assessment, subject, grade) crosses the threshold in each of the last ``years`` years.

    Example: ``{kind: same_procedure_consecutive_years, measure: fail, op: ">=", threshold: 0.3, years: 2}`` — ВПР
    maths grade 5 had ≥ 30 % of «2» both in 2024 and in 2025.
    """

    KIND: ClassVar[str] = "same_procedure_consecutive_years"
    HELP: ClassVar[str] = "одна и та же процедура переходит порог несколько лет подряд"
    EXAMPLE: ClassVar[str] = (
        '{kind: same_procedure_consecutive_years, measure: fail, op: ">=", threshold: 0.30, years: 2}'
    )
    kind: Literal["same_procedure_consecutive_years"]
    measure: Measure
    op: Operator
    threshold: float
    years: Annotated[int, Field(ge=2, le=5)] = 2
    min_participants: Annotated[int, Field(ge=0)] | None = None

    _check_threshold = field_validator("threshold", mode="before")(lambda cls, v: share_threshold(v))

    def default_text(self) -> str:
        return f"процедур, где {measure_words(self.measure)}{self.scope_words()} {self.years} года подряд"

    def document_text(self, terms: Terms) -> str:
        return f"процедур, где {self.crossing(terms)} {self.years} года подряд"

    def condition(self, terms: Terms, threshold: float | None) -> str:
        if self.label is not None:
            return super().condition(terms, 1.0)
        return f"в одной и той же процедуре {self.years} года подряд: {self.crossing(terms)}"

    def finding(self, terms: Terms, value: float | None, threshold: float | None, details: list[str] = ()) -> str:
        if self.label is not None:
            return super().finding(terms, value, threshold, details)
        listed = f": {'; '.join(details)}" if details else ""
        return f"{self.crossing(terms)} {self.years} года подряд{listed}"

    def evaluate(self, context: Context, path: str, status: Status) -> LeafResult:
        schools = context.schools
        latest = context.window.latest
        needed = list(range(latest - self.years + 1, latest + 1))
        present = set(context.years or context.window.years)
        if not set(needed) <= present:
            note = f"в данных нет {', '.join(str(y) for y in needed if y not in present)} года"
            value = pd.Series(pd.NA, index=schools, dtype="Float64")
            return LeafResult(
                path, status, self, value, 1.0, value.notna(), Unit.COUNT, note=note, reasoner=self.reason_of
            )
        scoped = select(context.frame(tuple(needed)), self.assessments, self.subjects, self.grades)
        meeting, note = self.meeting(scoped, _minimum(context, self))
        years_met = meeting.groupby(PROCEDURE, observed=True)["year"].nunique()
        repeated = years_met[years_met == len(needed)].reset_index()[PROCEDURE]
        value = repeated.groupby("school_id", observed=True).size().reindex(schools, fill_value=0).astype("Float64")
        if note is not None and not len(meeting):
            value = value.where(False)
        kept = meeting.merge(repeated, on=PROCEDURE, how="inner")
        met = (value >= 1).fillna(False).astype(bool)
        return LeafResult(
            path,
            status,
            self,
            value,
            1.0,
            met,
            Unit.COUNT,
            details(kept),
            note=note,
            reasoner=self.reason_of,
            subjects=subjects(kept),
        )


def _minimum(context: Context, leaf: Any) -> int:
    """A procedure's own minimum: the leaf's ``min_participants``, or the rules' default."""
    return context.minimum(leaf)


def procedure_name(assessment: str, subject: str, grade: int) -> str:
    return f"{assessment} {subject}" + (f", {grade} кл." if assessment == "ВПР" else "")


def details(meeting: pd.DataFrame) -> dict[str, list[str]]:
    """Per school, the procedures behind a count: «ВПР Математика, 5 кл.: 2024 — 33,3 %, 2025 — 40,0 %»."""
    if meeting.empty:
        return {}
    ordered = meeting.sort_values(["school_id", "assessment", "subject", "grade", "year"])
    found: dict[str, list[str]] = {}
    for (school, assessment, subject, grade), rows in ordered.groupby(PROCEDURE, sort=False, observed=True):
        shares = ", ".join(
            f"{year} — {format_percent(float(share))}" for year, share in zip(rows["year"], rows["share"])
        )
        found.setdefault(str(school), []).append(f"{procedure_name(assessment, subject, grade)}: {shares}")
    return found


def subjects(meeting: pd.DataFrame) -> dict[str, list[str]]:
    """Per school, the subjects of the procedures behind a count (what its mentor is chosen for)."""
    return {str(school): sorted(set(rows)) for school, rows in meeting.groupby("school_id", observed=True)["subject"]}
