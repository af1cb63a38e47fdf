"""An independent computation of the 14 signs (SPEC §5) on the example region, straight from the participant rows
with the statistics module, against every school's objectivity_signs, and the `objectivity` preset's statuses."""

from __future__ import annotations

import csv
import math
import statistics
from collections import defaultdict

from tests.conftest import EXAMPLES, identify_schools

YEAR = 2025
MAX_SCORE = 19  # examples/scales.csv


def ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    result = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            result[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return result


def hand_signs() -> dict[str, int]:
    scores = defaultdict(list)  # (year, subject, grade, school) → scores
    pairs = defaultdict(list)
    for year in (2024, 2025):
        with (EXAMPLES / "region" / f"vpr_{year}.csv").open(encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle, delimiter=";"):
                if row["Предмет"] not in ("Русский язык", "Математика") or row["Класс"] not in ("4", "5"):
                    continue
                key = (year, row["Предмет"], int(row["Класс"]), row["Логин ОО"])
                scores[key].append(float(row["Балл"]))
                pairs[key].append((float(row["Балл"]), float(row["Отметка по журналу"])))
    signs: dict[str, int] = defaultdict(int)
    for subject in ("Русский язык", "Математика"):
        for grade in (4, 5):
            region = [v for (y, s, g, _), vs in scores.items() if (y, s, g) == (YEAR, subject, grade) for v in vs]
            region_high = statistics.mean(region) + 1.96 * statistics.stdev(region) / math.sqrt(len(region))
            for (y, s, g, school), vs in scores.items():
                if (y, s, g) != (YEAR, subject, grade):
                    continue
                if len(vs) >= 2 and (statistics.mean(vs) - 1.96 * statistics.stdev(vs) / math.sqrt(len(vs))
                                     > region_high):
                    signs[school] += 1  # inflated mean
                ps = pairs[(y, s, g, school)]
                if (len(ps) >= 5 and len({p[0] for p in ps}) > 1 and len({p[1] for p in ps}) > 1
                        and statistics.correlation(ranks([p[1] for p in ps]), ranks([p[0] for p in ps])) < 0):
                    signs[school] += 1  # journal mismatch
        ks = {}
        for (y, s, g, school), vs in scores.items():
            later = scores.get((YEAR, subject, 5, school))
            if (y, s, g) == (YEAR - 1, subject, 4) and later:
                ks[school] = (statistics.mean(vs) / MAX_SCORE) / (statistics.mean(later) / MAX_SCORE)
        q25, _, q75 = statistics.quantiles(ks.values(), n=4, method="inclusive")
        for school, k in ks.items():
            signs[school] += (k > q75 + 3 * (q75 - q25)) + (k < q25 - 3 * (q75 - q25))
    return signs


def run(tmp_path, rules):
    return identify_schools(
        tmp_path / rules, EXAMPLES / "region", "--registry", EXAMPLES / "registry.csv",
        "--scales", EXAMPLES / "scales.csv", "--rules", rules,
    )


def test_signs_and_objectivity_preset_match_the_hand_computation(tmp_path):
    expected = hand_signs()
    schools = run(tmp_path, "objectivity")
    assert {s: int(r["objectivity_signs"]) for s, r in schools.items()} == {s: expected.get(s, 0) for s in schools}
    assert sum(expected.values()) >= 3, "the example region shows signs"
    for school, row in schools.items():
        if row["participants_core"] == "0" and row["participants_other"] == "0":
            assert row["status"] == "insufficient"
        else:
            assert row["status"] == ("risk" if expected.get(school, 0) >= 1 else "ok"), school
