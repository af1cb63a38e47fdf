"""Shared helpers: small result tables written the way analysts' files look, and the example region."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
TODAY = date(2026, 1, 15)

SCHOOL_HEADER = [
    "year", "assessment", "subject", "grade", "school_id", "school_name", "municipality",
    "participants", "n2", "n3", "n4", "n5", "below_min", "high",
]


def school_row(school, year, assessment, subject, participants, fail, high, grade=None, municipality="Тестовый район"):
    """One school-level row: ВПР/ОГЭ as marks (fail → «2», high split into «4»/«5»), ЕГЭ as below_min/high."""
    grade = grade if grade is not None else {"ОГЭ": 9, "ЕГЭ": 11}.get(assessment, 5)
    if assessment == "ЕГЭ" and "базов" not in subject:
        return [year, assessment, subject, grade, school, f"МБОУ «{school}»", municipality, participants, "", "", "",
                "", fail, high]
    n5 = high // 2
    n4 = high - n5
    n3 = participants - fail - high
    assert n3 >= 0, "fail + high must not exceed participants"
    return [year, assessment, subject, grade, school, f"МБОУ «{school}»", municipality, participants, fail, n3, n4, n5,
            "", ""]


def write_table(path: Path, header: list[str], rows: list[list], *, delimiter: str = ",",
                encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def school_table(tmp_path):
    """Write school-level rows (see ``school_row``) to a CSV and return its path."""

    def make(rows: list[list], name: str = "results.csv") -> Path:
        return write_table(tmp_path / name, SCHOOL_HEADER, rows)

    return make


@pytest.fixture
def example_inputs() -> list[Path]:
    return [EXAMPLES / "region"]


def identify_schools(out: Path, *args: object) -> dict[str, dict]:
    """Run `shnor identify ARGS --out OUT --quiet --format none` in-process; schools.csv by school id."""
    from typer.testing import CliRunner

    from shnor.cli.app import app

    result = CliRunner().invoke(app, ["identify", *map(str, args), "--out", str(out), "--quiet", "--format", "none"])
    assert result.exit_code == 0, result.output
    with (out / "schools.csv").open(encoding="utf-8", newline="") as handle:
        return {row["school_id"]: row for row in csv.DictReader(handle)}
