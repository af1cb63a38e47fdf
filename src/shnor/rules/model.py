"""The rules model: what a YAML rules file may say (SPEC §6), validated when it is loaded.

A criterion is either a *leaf* — one of the kinds in ``KINDS``, each a class that declares its keys, evaluates and
describes itself — or a *group* that combines criteria with ``any``, ``all`` or ``mode: at_least``. A status is met
when its criterion is met; statuses are decided in the order insufficient → shnor → risk, and a school that meets
none is ``ok``. ``KINDS`` is the one registry: the YAML model, the loader's messages and ``shnor rules show`` read it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Discriminator, Field, Tag, model_validator

from shnor.rules.base import Leaf, Strict
from shnor.rules.kinds_other import ContextCriterion, DynamicsCriterion, NoResultsCriterion
from shnor.rules.kinds_procedures import ConsecutiveCriterion, ProceduresCriterion
from shnor.rules.kinds_results import IndicatorCriterion, MeanScoreCriterion, ShareCriterion

KINDS: tuple[type[Leaf], ...] = (
    IndicatorCriterion,
    ShareCriterion,
    MeanScoreCriterion,
    DynamicsCriterion,
    ProceduresCriterion,
    ConsecutiveCriterion,
    ContextCriterion,
    NoResultsCriterion,
)
KINDS_BY_NAME = {kind.KIND: kind for kind in KINDS}
GROUP_KEYS = ("any", "all", "mode", "of", "at_least", "label")


def kinds_having(key: str) -> list[str]:
    """The kinds that have ``key``: for a message about a key put on the wrong kind."""
    return [kind.KIND for kind in KINDS if key in kind.model_fields and key != "kind"]


class Group(Strict):
    """Criteria combined: ``mode: any`` (at least one), ``all`` (every one), ``at_least`` (k of them).

    ``any: [...]`` and ``all: [...]`` are shorthands for ``{mode: any, of: [...]}``; «k of n» is
    ``{mode: at_least, at_least: 2, of: [...]}``.
    """

    mode: Literal["any", "all", "at_least"]
    of: list[Criterion] = Field(min_length=1)
    at_least: Annotated[int, Field(ge=1)] | None = None
    label: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        if "not" in data:
            raise ValueError('«not» не поддерживается: используйте op (например, op: "<" вместо not с op: ">=")')
        shorthand = [mode for mode in ("any", "all") if mode in data]
        if len(shorthand) > 1:
            raise ValueError("any и all в одной группе: вложите одну группу в другую")
        if shorthand:
            mode = shorthand[0]
            extra = [key for key in data if key not in (mode, "label")]
            if extra:
                hint = (
                    " Для «не менее k из списка» напишите mode: at_least, at_least: k, of: [...]"
                    if "at_least" in extra
                    else ""
                )
                raise ValueError(
                    f"к {mode}: можно добавить только label; лишние ключи: {', '.join(map(str, extra))}.{hint}"
                )
            return {"mode": mode, "of": data[mode], **({"label": data["label"]} if "label" in data else {})}
        if "at_least" in data and data.get("mode") != "at_least":
            raise ValueError(
                f"at_least без mode: at_least (здесь mode: {data.get('mode', 'не задан')}): "
                "напишите mode: at_least, at_least: k, of: [...]"
            )
        return data

    @model_validator(mode="after")
    def _k(self) -> Group:
        if self.mode == "at_least" and self.at_least is None:
            raise ValueError("для mode: at_least нужен ключ at_least (сколько условий из списка должно выполниться)")
        if self.at_least is not None and self.at_least > len(self.of):
            raise ValueError(f"at_least: {self.at_least} больше числа условий в списке ({len(self.of)})")
        return self

    @property
    def needed(self) -> int:
        return {"any": 1, "all": len(self.of), "at_least": self.at_least or 1}[self.mode]


def criterion_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        if any(key in value for key in ("any", "all", "of", "mode", "not")):
            return "group"
        return value.get("kind")
    return "group" if isinstance(value, Group) else getattr(value, "kind", None)


Criterion = Annotated[
    Union[(Annotated[Group, Tag("group")], *(Annotated[kind, Tag(kind.KIND)] for kind in KINDS))],
    Discriminator(criterion_tag, custom_error_type="criterion_kind", custom_error_message="criterion kind"),
]
Group.model_rebuild()


class Statuses(Strict):
    insufficient: Criterion | None = None
    shnor: Criterion | None = None
    risk: Criterion | None = None


class Defaults(Strict):
    """What every leaf takes unless it says otherwise.

    ``min_participants: 10`` — a share, a mean score or a change computed from fewer than 10 participants does not
    hold (ФИОКО: N ≥ 10 for group analysis); a procedure of ``procedures`` counts from 10 participants.
    """

    min_participants: Annotated[int, Field(ge=0)] = 1


class Mentors(Strict):
    """Mentor schools for each ШНОР, per subject behind the criteria it met (core → Russian and maths).

    A mentor is `ok`, sat the same assessments in the subject with ``min_participants`` or more, has a share of «4»
    and «5» at least the region's + ``high_margin`` (or ``min_high_share``) and a share of «2» at most the region's
    (or ``max_fail_share``), and is stronger than its mentee in both; the strongest first, then the same
    municipality, then the same type; at most ``max_mentees`` schools per mentor.
    """

    per_subject: Annotated[int, Field(ge=1, le=5)] = 1
    max_mentees: Annotated[int, Field(ge=1)] = 3
    min_participants: Annotated[int, Field(ge=1)] = 10
    high_margin: Annotated[float, Field(ge=0, le=1)] = 0.10
    min_high_share: Annotated[float, Field(ge=0, le=1)] | None = None
    max_fail_share: Annotated[float, Field(ge=0, le=1)] | None = None


class Targets(Strict):
    """Targets of a road map, checked against the previous list (--history).

    Example (a municipal programme): ``{shnor_reduction: 0.30, positive_dynamics_share: 0.60}`` — a third fewer ШНОР
    a year, 60 % of listed schools with positive dynamics.
    """

    shnor_reduction: Annotated[float, Field(ge=0, le=1)] | None = None
    shnor_share_max: Annotated[float, Field(ge=0, le=1)] | None = None
    positive_dynamics_share: Annotated[float, Field(ge=0, le=1)] | None = None


class Rules(Strict):
    """A whole rules file."""

    name: str
    title: str
    source: str
    window_years: Annotated[int, Field(ge=1, le=5)] = 2
    ege_high_score: Annotated[float, Field(ge=0, le=100)] = 81
    defaults: Defaults = Field(default_factory=Defaults)
    statuses: Statuses
    # ШНСУ — школа в неблагоприятных социальных условиях: a flag beside the status, from the context data.
    shnsu: Criterion | None = None
    mentors: Mentors = Field(default_factory=Mentors)
    # Recommendations for the school card, by what a met criterion looks at: an indicator name (fail_core, …)
    # or a criterion kind (share, procedures, same_procedure_consecutive_years, dynamics, mean_score).
    recommendations: dict[str, str] = Field(default_factory=dict)
    targets: Targets | None = None
    # Why the criteria are what they are, for the analytical note's methodology (one paragraph each).
    notes: list[str] = Field(default_factory=list)


def recommendation_key(criterion: Leaf) -> str:
    """What a leaf criterion looks at, as the key of its recommendation."""
    return criterion.recommendation_key()


def leaves(criterion: Any) -> list[Leaf]:
    """The leaf criteria of a tree, in order."""
    if isinstance(criterion, Group):
        return [leaf for child in criterion.of for leaf in leaves(child)]
    return [criterion]


def bands(rules: Rules) -> tuple[tuple[int, int], ...]:
    """The score bands any leaf asks for, (low, high), in order: what participant rows are counted in."""
    found = set()
    trees = [rules.statuses.insufficient, rules.statuses.shnor, rules.statuses.risk, rules.shnsu]
    for tree in trees:
        for leaf in leaves(tree) if tree is not None else []:
            measure = getattr(leaf, "measure", None)
            if measure is not None and not isinstance(measure, str):
                found.add((measure.score_from, measure.score_to))
    return tuple(sorted(found))
