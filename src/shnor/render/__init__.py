"""Renderers: the report model → files. Machine files always; documents by ``--format`` (a registry by name)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from shnor.render.machine import write_result_json, write_schools_csv
from shnor.report.model import Report

Renderer = Callable[[Report, Path], list[Path]]

MACHINE_RENDERERS: dict[str, Renderer] = {
    "schools.csv": write_schools_csv,
    "result.json": write_result_json,
}


def render_all(report: Report, folder: Path) -> list[Path]:
    written: list[Path] = []
    for renderer in MACHINE_RENDERERS.values():
        written.extend(renderer(report, folder))
    return written
