"""An independent reading of the example region: the `default` preset computed by hand, with the csv module,
from the raw files, compared with every school's indicators and status in schools.csv (the signs of non-objective
marking are taken from result.json; they are checked by tests/indicators/test_objectivity.py)."""

from __future__ import annotations

import csv
import json
from collections import defaultdict

import pytest

from tests.conftest import EXAMPLES, identify_schools

CORE = {"Русский язык", "Математика", "Математика (профильная)", "Математика (базовая)"}


def hand_counts() -> dict[str, dict[str, int]]:
    """school → participants/fails/highs in core and other, over 2024–2025, straight from the files."""
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for year in (2024, 2025):
        with (EXAMPLES / "region" / f"vpr_{year}.csv").open(encoding="utf-8-sig") as handle:
            for row in csv.DictReader(handle, delimiter=";"):
                group = "core" if row["Предмет"] in CORE else "other"
                c = counts[row["Логин ОО"]]
                c[f"n_{group}"] += 1
                c[f"fail_{group}"] += row["Отметка"] == "2"
                c[f"high_{group}"] += row["Отметка"] in ("4", "5")
    import fastexcel  # the exam workbook, read cell by cell

    book = fastexcel.read_excel(EXAMPLES / "region" / "oge_ege_2024_2025.xlsx")
    for sheet_name in ("ОГЭ", "ЕГЭ"):
        rows = book.load_sheet(sheet_name, header_row=2).to_pandas().to_dict("records")
        for row in rows:
            if not isinstance(row["Логин ОО"], str):
                continue
            group = "core" if row["Предмет"] in CORE else "other"
            c = counts[row["Логин ОО"]]
            n = int(row["Количество участников"])
            c[f"n_{group}"] += n
            if sheet_name == "ОГЭ":
                c[f"fail_{group}"] += int(row["2"])
                c[f"high_{group}"] += int(row["4"]) + int(row["5"])
            else:
                c[f"fail_{group}"] += int(row["Не преодолели минимальный порог"])
                c[f"high_{group}"] += int(row["Высокие результаты"])
    return counts


def hand_status(c: dict[str, int], listed: bool, signs: int) -> str:
    if c["n_core"] + c["n_other"] == 0 or c["n_core"] < 10:
        return "insufficient"
    fail_core = c["fail_core"] / c["n_core"]
    high_core = c["high_core"] / c["n_core"]
    fail_other = c["fail_other"] / c["n_other"] if c["n_other"] >= 10 else None  # a share needs 10 participants
    if (fail_core >= 0.25 and high_core <= 0.30) or (listed and fail_core >= 0.20):
        return "shnor"
    # signs: of kinds journal mismatch, cohort fall or rise; an inflated mean alone does not put a school at risk
    if fail_core >= 0.15 or (fail_other is not None and fail_other >= 0.25) or signs >= 1:
        return "risk"
    return "ok"


@pytest.fixture(scope="module")
def schools(tmp_path_factory):
    out = tmp_path_factory.mktemp("oracle")
    rows = identify_schools(
        out, EXAMPLES / "region", "--registry", EXAMPLES / "registry.csv", "--history", EXAMPLES / "history_2024.csv",
    )
    report = json.loads((out / "result.json").read_text(encoding="utf-8"))
    for school in report["schools"]:
        # result.json format 2: a school's signs are the shared ones at the top, with what the school says over them
        said = {s["code"]: s for s in school["objectivity_signs"]}
        signs = [{**report["signs"][code], **said.get(code, {}), "code": code}
                 for code in school.get("sign_codes", report["signs"])]
        found = [s for s in signs if s["status"] == "есть"]
        rows[school["school_id"]]["risk_signs"] = sum(not s["code"].startswith("inflated_mean") for s in found)
        rows[school["school_id"]]["inflated_signs"] = sum(s["code"].startswith("inflated_mean") for s in found)
    return rows


def test_every_school_matches_the_hand_computation(schools):
    counts = hand_counts()
    assert set(counts) <= set(schools)
    mismatches = []
    for school_id, row in schools.items():
        c = counts.get(school_id, defaultdict(int))
        # the signs of non-objective marking are checked on their own in tests/indicators/test_objectivity.py
        expected_status = hand_status(c, row["times_listed"] == "1", row["risk_signs"])
        if c["n_core"]:
            assert row["fail_core"] == f"{c['fail_core'] / c['n_core']:.4f}", school_id
            assert row["high_core"] == f"{c['high_core'] / c['n_core']:.4f}", school_id
        if c["n_other"]:
            assert row["fail_other"] == f"{c['fail_other'] / c['n_other']:.4f}", school_id
        assert row["participants_core"] == str(c["n_core"])
        if row["status"] != expected_status:
            mismatches.append((school_id, row["status"], expected_status))
    assert mismatches == []
    assert {r["status"] for r in schools.values()} == {"shnor", "risk", "ok", "insufficient"}
