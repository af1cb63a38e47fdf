"""What it would take a listed school to leave the list, as a table of cases around the thresholds: the count at which
the share is on the other side, found with the rules' own comparison (27 of 108 is still «≥ 25 %»)."""

from __future__ import annotations

import pytest

from shnor.report.leaving import crossing, steps
from shnor.report.model import CriterionResult
from shnor.rules.kinds_results import IndicatorCriterion
from shnor.rules.words import Terms


@pytest.mark.parametrize(
    ("count", "participants", "op", "threshold", "target"),
    [
        (39, 108, ">=", 0.25, 26),  # 27/108 = 25,0 % still holds; 26/108 = 24,1 % does not
        (27, 108, ">=", 0.25, 26),  # right at the threshold: one fewer
        (28, 108, ">=", 0.25, 26),
        (3, 20, ">=", 0.15, 2),  # 3/20 = 0.15 in floating point too
        (5, 10, ">", 0.30, 3),  # «>»: 3/10 = 30 % no longer exceeds 30 %
        (12, 108, "<=", 0.30, 33),  # «≤»: 32/108 = 29,6 % holds, 33/108 = 30,6 % does not
        (30, 100, "<=", 0.30, 31),
        (0, 10, "<", 0.10, 1),
        (4, 10, ">=", 0.0, None),  # «≥ 0 %»: no count of 10 gets below it
        (10, 10, "<=", 1.0, None),  # «≤ 100 %»: no count of 10 gets above it
        (1, 1, ">=", 0.25, 0),
        (5, 0, ">=", 0.25, None),  # no participants, nothing to count
    ],
)
def test_crossing(count, participants, op, threshold, target):
    assert crossing(count, participants, op, threshold) == target
    if target is not None:
        holds = {">=": target / participants >= threshold, ">": target / participants > threshold,
                 "<=": target / participants <= threshold, "<": target / participants < threshold}[op]
        assert not holds, "the target is on the other side of the threshold"


def criterion(path: str, indicator: str, op: str, threshold: float, value: float, participants: int | None):
    leaf = IndicatorCriterion(kind="indicator", indicator=indicator, op=op, threshold=threshold)
    unit = "count" if indicator == "times_listed" else "share"
    result = CriterionResult(path, "shnor", leaf.text, op, value, threshold, True, unit=unit, participants=participants)
    return result, leaf


def test_steps_name_every_threshold_of_a_measure_and_what_cannot_change():
    found = steps([
        criterion("shnor.of[0].of[0]", "fail_core", ">=", 0.25, 39 / 108, 108),
        criterion("shnor.of[0].of[1]", "high_core", "<=", 0.30, 12 / 108, 108),
        criterion("shnor.of[1].of[0]", "times_listed", ">=", 1, 1, None),
        criterion("shnor.of[1].of[1]", "fail_core", ">=", 0.20, 39 / 108, 108),
    ], Terms())
    assert [(s.count, s.participants, s.targets) for s in found] == [
        (39, 108, (26, 21)), (12, 108, (33,)), (None, None, ())]
    assert found[0].text == ("доля «2» по русскому языку и математике — 36,1 % (39 из 108); чтобы доля стала ниже 25 % "
                             "— на 13 «2» меньше (26 из 108); ниже 20 % — на 18 «2» меньше (21 из 108)")
    assert found[1].text.endswith("выше 30 % — на 21 «4» и «5» больше (33 из 108)")
    assert found[2].text.startswith("включение в прежние перечни от результатов не зависит")


def test_steps_in_the_words_of_ege():
    (step,) = steps([criterion("shnor", "fail_core", ">=", 0.25, 10 / 29, 29)], Terms(("ЕГЭ",), 80))
    assert step.text == ("доля не преодолевших минимальный порог по русскому языку и математике — 34,5 % (10 из 29); "
                         "чтобы доля стала ниже 25 % — на 3 меньше участников, не преодолевших минимальный порог "
                         "(7 из 29)")
