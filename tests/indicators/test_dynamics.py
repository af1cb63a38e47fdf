"""Dynamics: a change counts only outside the 95 % interval of the difference of two proportions."""

from __future__ import annotations

import math

import numpy as np
import pytest

from shnor.indicators import dynamics
from shnor.indicators.dynamics import IMPROVED, NONE, SAME, WORSE, verdict
from shnor.report.build import IdentifyRequest, identify
from tests.conftest import TODAY, school_row, write_table


def half_width(p1, n1, p2, n2):
    return 1.96 * math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)


@pytest.mark.parametrize(
    "p1, n1, p2, n2, lower_is_better, expected",
    [
        (0.30, 100, 0.10, 100, True, IMPROVED),  # −20 pp, interval ±10.8 pp
        (0.30, 100, 0.25, 100, True, SAME),  # −5 pp inside the interval
        (0.30, 10, 0.10, 10, True, SAME),  # −20 pp but ten pupils each year: ±34 pp
        (0.10, 100, 0.30, 100, True, WORSE),
        (0.40, 200, 0.60, 200, False, IMPROVED),  # more high results is better
        (None, 0, 0.2, 50, True, NONE),
    ],
)
def test_verdict(p1, n1, p2, n2, lower_is_better, expected):
    change = verdict(p1, n1, p2, n2, lower_is_better)
    assert change.verdict == expected
    if p1 is not None:
        assert change.change_pp == pytest.approx((p2 - p1) * 100)


def test_at_the_edge_of_the_interval():
    p1, n1, n2 = 0.3, 400, 400
    # find p2 just outside and just inside the interval (the interval itself moves with p2)
    inside = next(p / 10000 for p in range(3000, 0, -1)
                  if abs(p / 10000 - p1) > half_width(p1, n1, p / 10000, n2)) + 0.0001
    assert verdict(p1, n1, inside, n2, True).verdict == SAME
    assert verdict(p1, n1, inside - 0.0002, n2, True).verdict == IMPROVED


def test_listed_schools_with_positive_dynamics_and_targets(school_table, tmp_path):
    rows = []
    for school, (before, after) in {"a": (30, 0), "b": (40, 38), "c": (30, 30)}.items():
        rows.append(school_row(school, 2024, "ВПР", "Математика", 100, before, 20))
        rows.append(school_row(school, 2025, "ВПР", "Математика", 100, after, 20))
    history = write_table(tmp_path / "list.csv", ["Наименование ОО"], [["МБОУ «a»"], ["МБОУ «b»"], ["МБОУ «c»"]])
    report = identify(IdentifyRequest(inputs=[school_table(rows)], history=[history], today=TODAY))
    dynamics = report.dynamics
    assert dynamics["positive_dynamics"] == ["a"]
    assert dynamics["positive_dynamics_share"] == pytest.approx(1 / 3)
    school_a = next(s for s in report.schools if s.school_id == "a")
    assert school_a.dynamics["year"]["fail_core"]["verdict"] == IMPROVED
    assert school_a.dynamics["year"]["fail_core"]["change_pp"] == pytest.approx(-30.0)
    targets = {t["label"]: (round(t["value"], 4), t["met"]) for t in dynamics["targets"]}
    # b and c stay ШНОР (window 2024–2025: 39 % and 30 % of «2»), a (15 %) leaves: 3 → 2, a third fewer
    assert targets["снижение числа ШНОР к прежнему перечню"] == (round(1 - 2 / 3, 4), True)
    assert targets["доля ШНОР прежнего перечня с положительной динамикой"] == (round(1 / 3, 4), False)


@pytest.mark.parametrize("lower_is_better", [True, False])
def test_verdicts_over_arrays_are_the_verdicts_one_by_one(lower_is_better):
    """``verdicts`` (issue 18: the arithmetic over arrays) gives exactly what ``verdict`` gives school by school: the
    same changes, rounded the same, and the same words, with missing shares and empty groups among them."""
    rng = np.random.default_rng(5)
    size = 5000
    n1, n2 = rng.integers(0, 60, size).tolist(), rng.integers(0, 60, size).tolist()
    p1 = [None if rng.random() < 0.1 else round(float(rng.random()), int(rng.integers(1, 8))) for _ in range(size)]
    p2 = [None if rng.random() < 0.1 else float(rng.random()) for _ in range(size)]
    p2[:50] = p1[:50]  # no change at all
    found = dynamics.verdicts(p1, n1, p2, n2, lower_is_better)
    expected = [dynamics.verdict(*values, lower_is_better) for values in zip(p1, n1, p2, n2)]
    assert found == expected
    assert {c.verdict for c in found} == {dynamics.IMPROVED, dynamics.WORSE, dynamics.SAME, dynamics.NONE}
    assert dynamics.verdicts([], [], [], [], lower_is_better) == []
