"""Applying the rules to the indicators: every leaf criterion per school (value in its unit, threshold, met), the
status of each school, the reasons in Russian, and the rules in words.

Rules only compare measures with thresholds; the measures come from ``shnor.indicators``; each kind evaluates itself
(``shnor.rules.base.Leaf``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from shnor.indicators.shares import Window
from shnor.rules.base import Context, LeafResult
from shnor.rules.kinds_other import NoResultsCriterion
from shnor.rules.model import Group, Rules
from shnor.vocabulary import STATUS_ORDER, Status

__all__ = ["Evaluation", "LeafResult", "evaluate", "rules_in_words"]


@dataclass
class Evaluation:
    status: pd.Series  # Status per school
    leaves: list[LeafResult]
    reasons: pd.Series  # str per school
    explanations: dict[str, list[LeafResult]]  # the leaves behind each school's status
    shnsu: pd.Series | None = None  # the ШНСУ flag, where the rules define it and context data was given
    words: list[str] | None = None  # the rules in words, one line per status


def evaluate(
    rules: Rules,
    indicators: pd.DataFrame,
    procedures: pd.DataFrame,
    window: Window,
    school_context: pd.DataFrame | None = None,
    *,
    municipalities: pd.Series | None = None,
    sign_counts: pd.DataFrame | None = None,
    years: tuple[int, ...] = (),
    other_years: Callable[[tuple[int, ...]], pd.DataFrame] | None = None,
) -> Evaluation:
    """``procedures``: the window's; ``other_years`` gives the procedures of years before it (dynamics)."""
    schools = indicators.index
    context = Context(
        indicators,
        procedures,
        window,
        pd.Series(True, index=schools),
        school_context,
        municipalities,
        sign_counts,
        years or window.years,
        other_years,
        rules.defaults.min_participants,
    )
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
    # each leaf's «met» as a dict once: a pandas lookup per school and leaf is most of the time on 40 000 schools
    met_of = {path: dict(zip(leaf.met.index.tolist(), leaf.met.tolist())) for path, leaf in by_path.items()}
    explanations = _explanations(trees, by_path, status, met_of)
    reasons = pd.Series(
        ["; ".join(leaf.reason(school) for leaf in explanations[school]) for school in schools],
        index=schools,
        dtype=object,
    )
    shnsu = None
    if rules.shnsu is not None and school_context is not None:
        shnsu = _evaluate(rules.shnsu, "shnsu", Status.RISK, context, [])
    words = rules_in_words(trees, by_path)
    return Evaluation(
        status=status, leaves=leaves, reasons=reasons, explanations=explanations, shnsu=shnsu, words=words
    )


def _evaluate(criterion, path: str, status: Status, context: Context, leaves: list[LeafResult]) -> pd.Series:
    if isinstance(criterion, Group):
        results = [_evaluate(child, f"{path}.of[{i}]", status, context, leaves) for i, child in enumerate(criterion.of)]
        count = sum(r.astype(int) for r in results)
        return count >= criterion.needed
    leaf = criterion.evaluate(context, path, status)
    leaves.append(leaf)
    return leaf.met


def _explanations(trees: dict, by_path: dict[str, LeafResult], status: pd.Series,
                  met_of: dict[str, dict]) -> dict[str, list[LeafResult]]:
    """``_explain`` of every school's status. Which leaves explain a status depends only on which leaves of its tree
    hold: schools that hold alike share one walk of the tree (a country: 40 000 schools, a few dozen patterns), each
    given its own list."""
    schools = status.index
    patterns: dict[Status, np.ndarray] = {}
    for tree_status in list(trees):
        paths = [path for path in by_path if path == tree_status.value or path.startswith(f"{tree_status.value}.")]
        if not all(by_path[path].met.index.equals(schools) for path in paths):  # not aligned: a walk per school
            return {school: _explain(trees[s], s.value, by_path, school, met_of) if s in trees else []
                    for school, s in status.items()}
        if not paths or not len(schools):
            patterns[tree_status] = np.zeros(len(schools), dtype=np.int64)
            continue
        held = np.column_stack([by_path[path].met.to_numpy(dtype=bool) for path in paths])
        patterns[tree_status] = np.unique(held, axis=0, return_inverse=True)[1].reshape(-1)
    walked: dict[tuple[Status, int], list[LeafResult]] = {}
    explanations = {}
    for row, (school, s) in enumerate(zip(schools.tolist(), status.tolist())):
        if s not in trees:
            explanations[school] = []
            continue
        key = (s, int(patterns[s][row]))
        found = walked.get(key)
        if found is None:
            found = walked[key] = _explain(trees[s], s.value, by_path, school, met_of)
        explanations[school] = list(found)
    return explanations


def _explain(
    criterion, path: str, by_path: dict[str, LeafResult], school: str, met_of: dict[str, dict] | None = None
) -> list[LeafResult]:
    """The leaves that make a criterion true for one school, or [] when it is not met (``met_of``: each leaf's
    ``met`` by school, where made already).

    For ``any`` and ``at_least`` only the branches that hold are given; for ``all``, every branch. «No results» is
    the whole reason where it holds.
    """
    if not isinstance(criterion, Group):
        leaf = by_path[path]
        return [leaf] if (met_of[path][school] if met_of is not None else leaf.met[school]) else []
    held = [_explain(child, f"{path}.of[{i}]", by_path, school, met_of) for i, child in enumerate(criterion.of)]
    held = [leaves for leaves in held if leaves]
    if len(held) < criterion.needed:
        return []
    found = [leaf for leaves in held for leaf in leaves]
    guard = [leaf for leaf in found if isinstance(leaf.criterion, NoResultsCriterion)]
    return guard or found


_STATUS_WORDS = {Status.INSUFFICIENT: "недостаточно данных", Status.SHNOR: "ШНОР", Status.RISK: "зона риска"}


def rules_in_words(trees: dict, by_path: dict[str, LeafResult]) -> list[str]:
    """One line per status: «ШНОР: (доля «2» … ≥ 25 % и … ≤ 30 %) или (…)»."""
    return [
        f"{_STATUS_WORDS[status]}: {_words(tree, status.value, by_path, top=True)}" for status, tree in trees.items()
    ]


def _words(node, path: str, by_path: dict[str, LeafResult], top: bool = False) -> str:
    if isinstance(node, Group):
        joiner = {"any": " или ", "all": " и "}.get(node.mode, "; ")
        text = joiner.join(_words(child, f"{path}.of[{i}]", by_path) for i, child in enumerate(node.of))
        if node.mode == "at_least":
            text = f"не менее {node.at_least} из: {text}"
        return text if top else f"({text})"
    leaf = by_path[path]
    threshold = leaf.threshold if isinstance(leaf.threshold, (int, float)) else None
    return node.describe(threshold, getattr(node, "percentile", None))
