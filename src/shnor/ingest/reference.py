"""Shipped reference data: ЕГЭ minimum scores by year and subject (SPEC §3.2)."""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources


@cache
def ege_minimums() -> dict[tuple[int, str], float]:
    """(year, subject) → the minimum test score; the source is named in the data file's first line."""
    text = resources.files("shnor").joinpath("data/ege_minimums.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {(int(row["year"]), row["subject"]): float(row["min_score"]) for row in rows}
