"""The example region with history and context: dynamics, ШНСУ, context groups and mentors checked against the
definitions, computed here by hand from the files."""

from __future__ import annotations

import csv
import json
import math

import pytest
from typer.testing import CliRunner

from shnor.cli.app import app
from tests.conftest import EXAMPLES


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("beyond") / "out"
    args = ["identify", str(EXAMPLES / "region"), "--registry", str(EXAMPLES / "registry.csv"),
            "--history", str(EXAMPLES / "history_2024.csv"), "--scales", str(EXAMPLES / "scales.csv"),
            "--context", str(EXAMPLES / "context.csv"), "--out", str(out), "--quiet", "--format", "note.html"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    with (out / "schools.csv").open(encoding="utf-8") as handle:
        schools = {row["school_id"]: row for row in csv.DictReader(handle)}
    report = json.loads((out / "result.json").read_text(encoding="utf-8"))
    return schools, report, (out / "Аналитическая справка.html").read_text(encoding="utf-8")


def test_shnsu_follows_the_default_definition(run):
    schools, _, _ = run
    with (EXAMPLES / "context.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            def number(key: str, row: dict = row) -> float:
                return float(row[key].replace(",", "."))

            expected = (row["Тип населённого пункта"] == "село"
                        and number("Удалённость от районного центра, км") >= 50) \
                or number("Дефицит педагогов") >= 0.10 or number("Доля обучающихся с ОВЗ") >= 0.15
            assert schools[row["Логин ОО"]]["shnsu"] == str(int(expected)), row["Логин ОО"]


def test_entered_left_stayed_and_verdicts(run):
    schools, result, note = run
    dynamics = result["dynamics"]
    current = {s for s, row in schools.items() if row["status"] == "shnor"}
    assert set(dynamics["entered"]) | set(dynamics["stayed"]) == current
    assert len(dynamics["left"]) + len(dynamics["stayed"]) == dynamics["previous_shnor"] == 6
    for school in result["schools"]:
        change = school["dynamics"]["year"]["fail_core"]
        if change["before"] is None or change["after"] is None:
            continue
        p1, n1, p2, n2 = change["before"], change["n_before"], change["after"], change["n_after"]
        half = 1.96 * math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
        expected = "без значимых изменений" if abs(p2 - p1) <= half else ("улучшение" if p2 < p1 else "ухудшение")
        assert change["verdict"] == expected, school["school_id"]
    note = note.replace("\u00a0", " ")  # no-break spaces: «году — у», «№ 7»
    assert "Вошли в перечень (1): " in note and "Положительная динамика к прошлому году — у 0 из 6 ОО" in note


def test_context_groups_and_mentors(run):
    schools, result, note = run
    groups = {g["settlement"]: g for g in result["context_groups"]}
    assert sum(g["schools"] for g in groups.values()) == 44
    assert sum(g["shnsu"] for g in groups.values()) == sum(row["shnsu"] == "1" for row in schools.values())
    assert "ОО по типу населённого пункта" in note
    assert result["mentors"], "every ШНОР gets a mentor list"
    for entry in result["mentors"]:
        assert schools[entry["school_id"]]["status"] == "shnor"
        for mentor in entry["mentors"]:
            assert schools[mentor["school_id"]]["status"] == "ok"
            same = schools[mentor["school_id"]]["municipality"] == schools[entry["school_id"]]["municipality"]
            assert ("тот же муниципалитет" in mentor["reason"]) == same
    assert "Школы-наставники" in note
