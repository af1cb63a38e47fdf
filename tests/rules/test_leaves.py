"""Leaves evaluated on frames built directly (the readers' side of score bands may arrive separately): a share of a
score band, the selection of sign kinds, a context value compared without case and with ё = е."""

from __future__ import annotations

import pandas as pd
import pytest

from shnor.indicators.shares import Window
from shnor.rules.base import Context
from shnor.rules.loader import load_rules
from shnor.rules.model import Rules, bands
from shnor.vocabulary import Status

SCHOOLS = pd.Index(["a", "b", "c", "d"], name="school_id")


def leaf_of(yaml_flow: str):
    """A leaf as the loader makes it: ``risk: <yaml_flow>`` in a minimal rules file."""
    rules = Rules.model_validate({"name": "t", "title": "т", "source": "т", "statuses": {"risk": _yaml(yaml_flow)}})
    return rules.statuses.risk


def _yaml(text: str):
    from ruamel.yaml import YAML

    return YAML(typ="safe").load(text)


def context(procedures=None, **extra) -> Context:
    indicators = pd.DataFrame({"participants_core": 0, "participants_other": 0}, index=SCHOOLS)
    frame = procedures if procedures is not None else pd.DataFrame(columns=["school_id", "year"])
    return Context(indicators, frame, Window((2025,)), pd.Series(True, index=SCHOOLS), years=(2025,), **extra)


def ege_history(school, participants, **bands_given):
    row = {
        "school_id": school,
        "year": 2025,
        "assessment": "ЕГЭ",
        "subject": "История",
        "grade": 11,
        "group": "other",
        "participants": participants,
        "fail": 0,
        "high": 0,
    }
    return {**row, **bands_given}


BAND = '{kind: share, measure: {score_from: 61, score_to: 80}, subjects: [История], op: ">=", threshold: 0.2}'


@pytest.mark.parametrize(
    "rows, expected",
    [
        # a: its own 61–80 band, 2 of 10; b: 61–70 + 71–80 make it, 1 + 0 of 10; c: only 81–100 given; d: no results
        (
            [
                ege_history("a", 10, band_61_80=2),
                ege_history("b", 10, band_61_70=1, band_71_80=0),
                ege_history("c", 10, band_81_100=9),
            ],
            {"a": (0.2, True), "b": (0.1, False), "c": (None, False), "d": (None, False)},
        ),
        # pooled over two tables of one school: (2 + 3) / (10 + 10)
        (
            [ege_history("a", 10, band_61_80=2), ege_history("a", 10, band_61_70=1, band_71_80=2)],
            {"a": (0.25, True), "b": (None, False), "c": (None, False), "d": (None, False)},
        ),
    ],
)
def test_score_band_share(rows, expected):
    frame = pd.DataFrame(rows)
    band_columns = [c for c in frame.columns if c.startswith("band_")]
    frame = frame.astype(dict.fromkeys(["participants", "fail", "high", *band_columns], "Int64"))
    result = leaf_of(BAND).evaluate(context(frame), "risk", Status.RISK)
    got = {
        s: (None if pd.isna(v) else round(float(v), 6), bool(m)) for s, v, m in zip(SCHOOLS, result.value, result.met)
    }
    assert got == expected
    assert result.unit == "share"


def test_score_band_not_in_the_data_says_why():
    frame = pd.DataFrame([ege_history("a", 10, band_80_99=3, band_100_100=1)]).astype(
        {"participants": "Int64", "band_80_99": "Int64", "band_100_100": "Int64"}
    )
    result = leaf_of(BAND).evaluate(context(frame), "risk", Status.RISK)
    assert result.value.isna().all()
    assert result.note == "в данных нет полосы баллов 61–80 и её нельзя сложить из данных полос (80–99, 100)"


def test_bands_the_rules_ask_for_go_to_the_readers(tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text(
        f"name: t\ntitle: т\nsource: т\nstatuses:\n  risk:\n    any:\n      - {BAND}\n"
        "      - {kind: procedures, measure: {score_from: 81, score_to: 100}, op: '>=', threshold: 0.1}\n",
        encoding="utf-8",
    )
    assert bands(load_rules(str(path)).rules) == ((61, 80), (81, 100))


SIGNS = (
    "{kind: indicator, indicator: objectivity_signs, signs: [journal_mismatch, cohort_fall, cohort_rise], "
    'op: ">=", threshold: 1}'
)


@pytest.mark.parametrize(
    "counts, expected",
    [
        ({"inflated_mean": 2}, False),  # an inflated mean alone
        ({"journal_mismatch": 1}, True),
        ({"cohort_fall": 1}, True),
        ({"cohort_rise": 1, "inflated_mean": 3}, True),
        ({}, False),
    ],
)
def test_sign_kinds_selected(counts, expected):
    kinds = ["inflated_mean", "journal_mismatch", "cohort_fall", "cohort_rise"]
    frame = pd.DataFrame(0, index=SCHOOLS, columns=kinds)
    for kind, n in counts.items():
        frame.loc["a", kind] = n
    result = leaf_of(SIGNS).evaluate(context(sign_counts=frame), "risk", Status.RISK)
    assert bool(result.met["a"]) is expected and not result.met[["b", "c", "d"]].any()


@pytest.mark.parametrize(
    "equals, expected",
    [
        ("село", [1, 0, 0, None]),
        ("Село", [1, 0, 0, None]),
        ("СЕЛО", [1, 0, 0, None]),
        ("поселок", [0, 1, 0, None]),
        ("посёлок", [0, 1, 0, None]),
        ("деревня", [0, 0, 0, None]),
    ],
)
def test_context_equals_without_case_and_with_yo(equals, expected):
    school_context = pd.DataFrame({"settlement": ["село", "посёлок", "город", None]}, index=SCHOOLS)
    result = leaf_of(f"{{kind: context, field: settlement, equals: {equals}}}").evaluate(
        context(school_context=school_context), "risk", Status.RISK
    )
    assert [None if pd.isna(v) else int(v) for v in result.value] == expected
