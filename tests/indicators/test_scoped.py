"""Measures over a criterion's scope: score bands from the band columns a table gives (or that participant rows were
counted in), exactly or not at all; pooled ratios against a group."""

from __future__ import annotations

import pandas as pd
import pytest

from shnor.indicators import scoped


@pytest.mark.parametrize(
    "present, low, high, expected",
    [
        ([(61, 80)], 61, 80, [[(61, 80)]]),
        ([(80, 99), (100, 100)], 80, 100, [[(80, 99), (100, 100)]]),
        ([(61, 70), (71, 80), (61, 80)], 61, 80, [[(61, 80)], [(61, 70), (71, 80)]]),  # fewest bands first
        ([(61, 80), (81, 100)], 61, 100, [[(61, 80), (81, 100)]]),
        ([(80, 99), (100, 100)], 81, 100, []),  # 80–99 starts a point early: not 81–100
        ([(61, 80)], 61, 81, []),  # a point short
        ([(61, 75), (70, 80)], 61, 80, []),  # overlapping
        ([], 61, 80, []),
    ],
)
def test_tilings(present, low, high, expected):
    assert scoped.tilings(present, low, high) == expected


def _frame(**columns):
    return pd.DataFrame({name: pd.array(values, dtype="Int64") for name, values in columns.items()})


@pytest.mark.parametrize(
    "columns, low, high, expected, note",
    [
        ({"band_61_80": [3, None]}, 61, 80, [3, None], None),
        ({"band_61_70": [1, 2], "band_71_80": [2, None]}, 61, 80, [3, None], None),
        ({"band_61_80": [None, 4], "band_61_70": [1, 2], "band_71_80": [2, 2]}, 61, 80, [3, 4], None),
        ({"band_80_99": [5], "band_100_100": [1]}, 80, 100, [6], None),
        (
            {"band_80_99": [5], "band_100_100": [1]},
            81,
            100,
            [None],
            "в данных нет полосы баллов 81–100 и её нельзя сложить из данных полос (80–99, 100)",
        ),
        ({"participants": [10]}, 61, 80, [None], "в данных нет числа участников с баллами 61–80"),
    ],
)
def test_band_counts(columns, low, high, expected, note):
    counts, why = scoped.band_counts(_frame(**columns), low, high)
    assert [None if pd.isna(v) else int(v) for v in counts] == expected
    assert (why or "").startswith(note or "") and (why is None) == (note is None)


def test_ratio_pools_counts_and_subtracts_the_group():
    frame = pd.DataFrame(
        {"school_id": ["a", "a", "b", "c"], "fail": [1, 3, 10, None], "participants": [10, 10, 20, 50]}
    ).astype({"fail": "Float64"})
    schools = pd.Index(["a", "b", "c", "d"])
    plain = scoped.share(frame, schools, "fail")
    assert plain.value.tolist()[:2] == [0.2, 0.5] and plain.value.isna().tolist()[2:] == [True, True]
    assert plain.base.tolist() == [20, 20, 0, 0]  # c's 50 participants have no count of «2»: not in the base
    groups = pd.Series({"a": "M", "b": "M", "c": "M", "d": "N"})
    relative = scoped.share(frame, schools, "fail", groups)
    assert relative.value.tolist()[:2] == [pytest.approx(0.2 - 14 / 40), pytest.approx(0.5 - 14 / 40)]
    assert relative.reference.tolist()[:2] == [14 / 40, 14 / 40]
