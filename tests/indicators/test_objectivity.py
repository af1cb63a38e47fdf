"""The 14 signs of SPEC §5 on small hand-built cases, at and around each cut-off, and the «не рассчитан» cases."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pytest

from shnor.indicators import objectivity as obj

KEYS = ["year", "assessment", "subject", "grade", "school_id"]


def counts_from_scores(rows):
    """rows: (year, assessment, subject, grade, school, [scores], max_score) → cube counts with moments."""
    records = []
    for year, assessment, subject, grade, school, scores, top in rows:
        records.append(
            {
                "year": year, "assessment": assessment, "subject": subject, "grade": grade, "school_id": school,
                "participants": len(scores), "fail": 0,
                "score_n": float(len(scores)), "score_sum": float(sum(scores)),
                "score_sumsq": float(sum(s * s for s in scores)) if scores is not None else np.nan,
                "max_score": float(top) if top else np.nan,
                "mark3": np.nan, "mark4": np.nan, "mark5": np.nan,
                "lowered": pd.NA, "confirmed": pd.NA, "raised": pd.NA, "journal_gap2": pd.NA,
            }
        )
    return pd.DataFrame(records)


def sign(signs, school, prefix):
    return next(s for s in signs[school] if s.code.startswith(prefix))


# --- inflated mean ---------------------------------------------------------------------------------------

REGION = [("ВПР", "Математика", 4, f"r{i}", [8, 10, 12, 9, 11, 10, 7, 13]) for i in range(6)]


def inflated_for(c: float, n: int = 2):
    rows = [(2025, a, s, g, school, scores, 20) for a, s, g, school, scores in REGION]
    rows.append((2025, "ВПР", "Математика", 4, "x", [c] * n, 20))
    counts = counts_from_scores(rows)
    return obj.inflated_mean(counts, pd.Index(["x", "r0"]), 2025)


def region_high(c: float) -> float:
    scores = [v for *_, sc in REGION for v in sc] + [c, c]
    return statistics.mean(scores) + 1.96 * statistics.stdev(scores) / math.sqrt(len(scores))


def test_inflated_mean_at_and_around_the_cut_off():
    low, high = 10.0, 20.0  # the school's interval is [c, c]; find c where it meets the region's upper bound
    for _ in range(60):
        middle = (low + high) / 2
        low, high = (middle, high) if middle <= region_high(middle) else (low, middle)
    cut = high
    below = sign(inflated_for(cut - 0.001), "x", "inflated_mean:ВПР:Математика:4")
    above = sign(inflated_for(cut + 0.001), "x", "inflated_mean:ВПР:Математика:4")
    assert (below.status, above.status) == ("нет", "есть")
    assert above.figures["region_high"] == pytest.approx(region_high(cut + 0.001))


def test_inflated_mean_not_computed():
    signs = inflated_for(15.0, n=1)
    assert sign(signs, "x", "inflated_mean:ВПР:Математика:4").reason == "меньше 2 участников"
    assert sign(signs, "x", "inflated_mean:ОГЭ:Русский язык").reason == "школа не участвовала в процедуре"
    counts = counts_from_scores([(2025, "ВПР", "Математика", 4, "x", [10, 12], 20)]).assign(score_sumsq=np.nan)
    reason = sign(obj.inflated_mean(counts, pd.Index(["x"]), 2025), "x", "inflated_mean:ВПР:Математика:4").reason
    assert reason.startswith("нет баллов участников")


# --- journal mismatch ------------------------------------------------------------------------------------


def pairs_of(school_pairs: dict[str, list[tuple[float, float]]], subject="Русский язык", grade=5):
    """(counts, pairs): a row of counts per school, and the pairs pointing into it by ``key``."""
    counts = pd.DataFrame([{"year": 2025, "assessment": "ВПР", "subject": subject, "grade": grade, "school_id": s}
                           for s in school_pairs],
                          columns=KEYS)
    rows = [{"key": key, "score": score, "journal": journal}
            for key, pairs in enumerate(school_pairs.values()) for score, journal in pairs]
    return counts, pd.DataFrame(rows, columns=["key", "score", "journal"])


def test_spearman_matches_the_textbook_definition():
    rng = np.random.default_rng(1)
    scores, journals = rng.integers(0, 20, 40).astype(float), rng.integers(2, 6, 40).astype(float)
    result = obj.spearman(pairs_of({"s": list(zip(scores, journals))})[1])
    expected = pd.Series(journals).rank().corr(pd.Series(scores).rank())
    assert result["r_s"].iloc[0] == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    "pairs, status, reason",
    [
        ([(10, 5), (12, 4), (14, 3), (16, 2), (18, 2)], "есть", ""),  # r_s < 0
        ([(10, 3), (12, 4), (14, 3), (16, 4), (11, 5), (13, 5)], "нет", ""),  # r_s = 0 exactly: not negative
        ([(10, 2), (12, 3), (14, 4), (16, 5), (18, 5)], "нет", ""),
        ([(10, 5), (12, 4), (14, 3), (16, 2)], "не рассчитан", "меньше 5 участников с отметкой по журналу"),
        ([(10, 4), (12, 4), (14, 4), (16, 4), (18, 4)], "не рассчитан",
         "все отметки по журналу или все баллы одинаковы"),
    ],
)
def test_journal_mismatch(pairs, status, reason):
    signs = obj.journal_mismatch(*pairs_of({"x": pairs}), pd.Index(["x"]), 2025)
    found = sign(signs, "x", "journal_mismatch:Русский язык:5")
    assert (found.status, found.reason) == (status, reason)


@pytest.mark.parametrize("seed", range(6))
def test_spearman_is_pandas_grouped_rank_to_the_last_bit(seed):
    """The array way (ranks counted or sorted, sums by bincount) gives pandas' grouped rank, mean and sum exactly:
    average ranks are halves, so every figure is exact in float64 whatever the order of the sums."""
    rng = np.random.default_rng(seed)
    size = int(rng.integers(50, 4000))
    score = rng.integers(0, int(rng.integers(2, 60)), size) / (2 if seed % 2 else 1)  # halves: sorted, not counted
    pairs = pd.DataFrame({"key": rng.integers(0, int(rng.integers(1, 300)), size) * 7, "score": score * 10,
                          "journal": rng.integers(2, 6, size).astype(float)})
    fast, grouped = obj.spearman(pairs), obj._spearman_grouped(pairs)
    pd.testing.assert_frame_equal(fast, grouped, check_exact=True)
    assert (fast["r_s"] < 0).any() and (fast["r_s"] > 0).any()


def test_spearman_with_a_missing_value_ranks_as_pandas():
    pairs = pd.DataFrame({"key": [0] * 6 + [1] * 5, "score": [10, 12, np.nan, 16, 11, 13, 1, 2, 3, 4, 5],
                          "journal": [3, 4, 3, 4, 5, 5, 5, 4, 3, 2, 2.0]})
    result = obj.spearman(pairs)
    pd.testing.assert_frame_equal(result, obj._spearman_grouped(pairs))
    assert result["pairs"].tolist() == [6, 5] and result["r_s"].iloc[1] < 0


def test_boundary_counts_look_up_what_a_merge_finds():
    """Each boundary's participants and those one point below, looked up by code, as the merge finds them: a
    missing score or count is none; a histogram that gives a (key, score) twice is merged, each row matched."""
    latest = pd.DataFrame({"key": [0, 0, 0, 1, 1, 2], "score": [6.0, 7.0, 12.0, 6.0, 6.5, np.nan],
                           "count": [2.0, 9.0, np.nan, 4.0, 5.0, 3.0]})
    key = np.array([0, 0, 1, 1, 2, 3])
    boundary = np.array([7.0, 12.0, 7.0, 6.5, np.nan, 7.0])
    for histogram in (latest, pd.concat([latest, latest.iloc[[1]]], ignore_index=True)):
        found = obj._boundary_counts(histogram, key, boundary)
        merged = obj._boundary_counts_merged(histogram, key, boundary)
        pd.testing.assert_frame_equal(found[["key", "boundary", "here", "below"]],
                                      merged[["key", "boundary", "here", "below"]])
    found = obj._boundary_counts(latest, key, boundary)
    assert found["here"].tolist() == [9.0, 0.0, 0.0, 5.0, 3.0, 0.0]
    assert found["below"].tolist() == [2.0, 0.0, 4.0, 0.0, 3.0, 0.0]  # NaN − 1 is NaN: met, as merged


def test_zero_correlation_case_is_zero():
    pairs = [(10, 3), (12, 4), (14, 3), (16, 4), (11, 5), (13, 5)]
    assert obj.spearman(pairs_of({"x": pairs})[1])["r_s"].iloc[0] == pytest.approx(0.0, abs=1e-9)


def test_journal_mismatch_without_pairs_is_not_computed():
    signs = obj.journal_mismatch(*pairs_of({}), pd.Index(["x"]), 2025)
    assert {s.status for s in signs["x"]} == {"не рассчитан"} and len(signs["x"]) == 4


# --- sharp rise / fall of the same cohort ---------------------------------------------------------------

OTHERS = [0.9, 0.95, 1.0, 1.0, 1.02, 1.05, 1.1, 1.1, 1.12]


def cohort_counts(ks: dict[str, float], max_score=20) -> pd.DataFrame:
    rows = []
    for school, k in ks.items():
        s5 = 0.5
        rows.append((2024, "ВПР", "Математика", 4, school, [s5 * k * max_score], max_score))
        rows.append((2025, "ВПР", "Математика", 5, school, [s5 * max_score], max_score))
    return counts_from_scores(rows)


def cut_offs(values):
    q25, _, q75 = statistics.quantiles(values, n=4, method="inclusive")  # linear interpolation, like numpy's
    return q75 + 3 * (q75 - q25), q25 - 3 * (q75 - q25)


@pytest.mark.parametrize("delta, expected", [(0.0, "нет"), (1e-6, "есть"), (-0.01, "нет")])
def test_sharp_fall_at_the_cut_off(delta, expected):
    fall_cut, _ = cut_offs(OTHERS + [5.0])  # the school is the largest K: the quartiles do not move with it
    ks = {f"s{i}": k for i, k in enumerate(OTHERS)} | {"x": fall_cut + delta}
    found = sign(obj.cohort_change(cohort_counts(ks), pd.Index(list(ks)), 2025), "x", "cohort_fall:Математика")
    assert found.status == expected
    assert found.figures["cutoff"] == pytest.approx(fall_cut, abs=1e-6)


@pytest.mark.parametrize("delta, expected", [(0.0, "нет"), (-1e-6, "есть")])
def test_sharp_rise_at_the_cut_off(delta, expected):
    _, rise_cut = cut_offs(OTHERS + [-5.0])
    ks = {f"s{i}": k for i, k in enumerate(OTHERS)} | {"x": rise_cut + delta}
    if ks["x"] <= 0:
        pytest.skip("cut-off below zero for these values")
    found = sign(obj.cohort_change(cohort_counts(ks), pd.Index(list(ks)), 2025), "x", "cohort_rise:Математика")
    assert found.status == expected


def test_cohort_not_computed():
    ks = {"a": 1.0, "b": 1.1, "c": 0.9}
    signs = obj.cohort_change(cohort_counts(ks), pd.Index([*ks, "absent"]), 2025)
    assert sign(signs, "a", "cohort_fall:Математика").reason == "в регионе меньше 4 школ с обоими годами"
    assert sign(signs, "absent", "cohort_fall:Математика").reason.startswith("нет результатов 4 класса прошлого года")
    no_scale = cohort_counts({f"s{i}": k for i, k in enumerate(OTHERS)}).assign(max_score=np.nan)
    rise = sign(obj.cohort_change(no_scale, pd.Index(["s0"]), 2025), "s0", "cohort_rise:Математика")
    assert rise.status == "не рассчитан"


def test_fourteen_signs_per_school():
    result = obj.compute(counts_from_scores([(2025, "ЕГЭ", "Физика", 11, "x", [50, 60], 100)]), pairs_of({})[1],
                         pd.DataFrame(columns=["key", "score", "count"]), pd.Index(["x"]), 2025)
    assert len(result.signs["x"]) == 14
    assert int(result.count["x"]) == 0 and int(result.computed["x"]) == 0


# --- markers and the index -------------------------------------------------------------------------------


def test_boundary_peak_marker():
    counts = pd.DataFrame([{**dict(zip(KEYS, (2025, "ВПР", "Математика", 5, s))), "participants": 30, "score_n": 30,
                            "fail": 3, "mark3": 7.0, "mark4": 12.0, "mark5": 16.0, "lowered": pd.NA, "confirmed": pd.NA,
                            "raised": pd.NA, "journal_gap2": pd.NA} for s in ("peak", "flat")])
    histogram = pd.DataFrame(  # key: the row of counts
        [{"key": 0, "score": sc, "count": c} for sc, c in ((6, 0), (7, 9), (10, 21))]
        + [{"key": 1, "score": sc, "count": c} for sc, c in ((6, 0), (7, 6), (10, 24))]
    )
    frame, details = obj.markers(counts, histogram, pd.Index(["peak", "flat"]), 2025)
    assert frame["boundary_peaks"].tolist() == [1, 0]  # z = 9/√9 = 3 ≥ 2.5; z = 6/√6 ≈ 2.45 < 2.5
    assert "балл 7 — 9 уч., на балл ниже — 0" in details["peak"][0]


@pytest.mark.parametrize("before, now, expected", [(20, 30, 1), (20, 29, 0)])
def test_fail_rise_marker(before, now, expected):
    rows = [{**dict(zip(KEYS, (y, "ВПР", "Русский язык", 6, "x"))), "participants": 100, "fail": f, "lowered": pd.NA,
             "confirmed": pd.NA, "raised": pd.NA, "journal_gap2": pd.NA} for y, f in ((2024, before), (2025, now))]
    frame, _ = obj.markers(pd.DataFrame(rows), pd.DataFrame(columns=["key", "score", "count"]), pd.Index(["x"]), 2025)
    assert int(frame.loc["x", "fail_rise"]) == expected


def test_index_counts_schools_with_a_computed_sign():
    result = obj.Objectivity(
        2025, {}, pd.Series({"a": 1, "b": 0, "c": 0, "d": 0}), pd.Series({"a": 3, "b": 3, "c": 1, "d": 0}),
        pd.DataFrame(), {},
    )
    assert obj.objectivity_index(result)["region"] == {"schools": 3, "with_signs": 1, "index": 66.7}
    by = obj.objectivity_index(result, pd.Series({"a": "М1", "b": "М1", "c": "М2", "d": "М2"}))
    assert by == {"М1": {"schools": 2, "with_signs": 1, "index": 50.0},
                  "М2": {"schools": 1, "with_signs": 0, "index": 100.0}}
