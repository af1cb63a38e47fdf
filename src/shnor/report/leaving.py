"""What it would take a listed school to leave the list: for each criterion behind its status, how many fewer «2»
(or more «4» and «5») at its current number of participants would put its share on the other side of the threshold.

Counts, not percentages: a share is a count over the participants, and the count that crosses the threshold is found
with the same comparison the rules made (``op`` on ``count / participants``), so that 27 of 108 against «≥ 25 %» is
still met and 26 of 108 is not.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass

from shnor.report.model import CriterionResult
from shnor.rules.words import Terms
from shnor.russian import format_percent, format_value
from shnor.vocabulary import Unit

_COMPARE = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}
_OTHER_SIDE = {">=": "ниже", ">": "не выше", "<=": "выше", "<": "не ниже"}


def crossing(count: int, participants: int, op: str, threshold: float) -> int | None:
    """The count nearest to ``count`` at which ``count / participants`` no longer meets ``op threshold`` — fewer for
    «≥» and «>», more for «≤» and «<» — or None where no count of ``participants`` would do (a threshold of 0 % for
    «≥»)."""
    holds = _COMPARE[op]
    if participants <= 0:
        return None
    if op in (">=", ">"):
        candidate = min(count, math.floor(threshold * participants) + 1)
        while candidate >= 0 and holds(candidate / participants, threshold):
            candidate -= 1
        return candidate if candidate >= 0 else None
    candidate = max(count, math.ceil(threshold * participants) - 1)
    while candidate <= participants and holds(candidate / participants, threshold):
        candidate += 1
    return candidate if candidate <= participants else None


@dataclass(frozen=True)
class Step:
    """One measure behind a status: its share now (``count`` of ``participants``), for each threshold the count that
    would put it on the other side (None where none would), and the sentence a card shows."""

    count: int | None
    participants: int | None
    targets: tuple[int | None, ...]
    text: str


def steps(criteria: list[tuple[CriterionResult, object]], terms: Terms) -> list[Step]:
    """For the criteria behind a status (with the rules' criterion of each), what would end each: criteria on one
    measure together, every threshold named — a school listed on «≥ 25 %» or on «≥ 20 %» after an earlier listing
    has to fall below both."""
    groups: dict[str, list[tuple[CriterionResult, object]]] = {}
    for criterion, leaf in criteria:
        words = leaf.words(terms) if leaf is not None else criterion.label
        groups.setdefault(words, []).append((criterion, leaf))
    return [_step(words, items, terms) for words, items in groups.items()]


def _step(words: str, items: list[tuple[CriterionResult, object]], terms: Terms) -> Step:
    criterion, leaf = items[0]
    measure = measure_of(leaf)
    if measure is not None and all(_plain_share(c, l) for c, l in items):
        n = int(criterion.participants)
        count = round(criterion.value * n)
        ordered = sorted(items, key=lambda item: item[0].threshold, reverse=criterion.op in (">=", ">"))
        parts, targets = [], []
        for each, _ in ordered:
            target = crossing(count, n, each.op, each.threshold)
            targets.append(target)
            limit = f"{_OTHER_SIDE[each.op]} {format_value(each.threshold, Unit.SHARE, threshold=True)}"
            if target is None:
                parts.append(f"{limit} — недостижимо при {n} участниках")
            else:
                fewer = "меньше" if target < count else "больше"
                change = (f"{fewer} {terms.counted(measure)}" if terms.ege_only  # «на 3 меньше участников, …»
                          else f"{terms.counted(measure)} {fewer}")  # «на 13 «2» меньше»
                parts.append(f"{limit} — на {abs(count - target)} {change} ({target} из {n})")
        now = f"{words} — {format_percent(count / n)} ({count} из {n})"
        return Step(count, n, tuple(targets), f"{now}; чтобы доля стала {'; '.join(parts)}")
    texts = list(dict.fromkeys(_other(words, c, l) for c, l in items))
    return Step(None, None, (), "; ".join(texts))


def _plain_share(criterion: CriterionResult, leaf: object) -> bool:
    """A share of the school's own results over the window: what a count of results can move."""
    return bool(
        criterion.unit == Unit.SHARE and criterion.participants and criterion.value is not None
        and criterion.threshold is not None and criterion.op in _COMPARE
        and not getattr(leaf, "relative_to", None) and not getattr(leaf, "each_year", False)
    )


def _other(words: str, criterion: CriterionResult, leaf: object) -> str:
    indicator = getattr(leaf, "indicator", None)
    if indicator == "times_listed":
        return ("включение в прежние перечни от результатов не зависит: школа выйдет из перечня, когда перестанут "
                "выполняться условия по результатам")
    if indicator == "objectivity_signs":
        return "признаки необъективности: условие перестанет выполняться, когда в следующей процедуре их не будет"
    if criterion.unit == Unit.COUNT and criterion.value is not None and criterion.threshold is not None:
        fewer = int(criterion.value) - math.ceil(criterion.threshold) + 1
        return (f"{words} — {format_value(criterion.value, Unit.COUNT)}: условие перестанет выполняться, если их "
                f"станет на {fewer} меньше")
    limit = format_value(criterion.threshold, criterion.unit, threshold=True)
    return (f"{words} — {format_value(criterion.value, criterion.unit)}: условие перестанет выполняться, когда "
            f"значение станет {_OTHER_SIDE.get(criterion.op, '')} {limit}")


def measure_of(leaf: object) -> str | None:
    """«fail» or «high» for a share of marks; None for anything else (bands, counts, scores)."""
    measure = getattr(leaf, "measure", None)
    if measure is None:
        from shnor.rules.kinds_results import INDICATORS

        spec = INDICATORS.get(getattr(leaf, "indicator", None) or "")
        measure = spec.measure if spec is not None else None
    return measure if measure in ("fail", "high") else None
