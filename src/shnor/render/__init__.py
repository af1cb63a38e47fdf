"""Renderers: the report model → files. Machine files always; documents by ``--format``, from a registry by name."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from shnor.errors import UserError
from shnor.render.machine import write_result_json, write_schools_csv
from shnor.report.model import Report

Renderer = Callable[[Report, Path, Path | None], list[Path]]


def _text(template: str, name: str, images: bool, report: Report, folder: Path, templates: Path | None) -> list[Path]:
    from shnor.render.documents import render_text

    path = folder / name
    path.write_text(render_text(report, template, templates, images=images), encoding="utf-8")
    return [path]


def _docx(template: str, name: str, report: Report, folder: Path, templates: Path | None) -> list[Path]:
    from shnor.render.documents import render_docx

    path = folder / name
    path.write_bytes(render_docx(report, template, templates))
    return [path]


def _xlsx(report: Report, folder: Path, templates: Path | None) -> list[Path]:
    from shnor.render.xlsx import write_indicators_xlsx

    return write_indicators_xlsx(report, folder)


MACHINE: dict[str, Callable[[Report, Path], list[Path]]] = {
    "schools.csv": write_schools_csv,
    "result.json": write_result_json,
}

DOCUMENTS: dict[str, Renderer] = {
    "appendix.docx": partial(_docx, "appendix.docx", "Приложение к приказу.docx"),
    "appendix.html": partial(_text, "appendix.html.j2", "Приложение к приказу.html", False),
    "appendix.md": partial(_text, "appendix.md.j2", "Приложение к приказу.md", False),
    "note.docx": partial(_docx, "note.docx", "Аналитическая справка.docx"),
    "note.html": partial(_text, "note.html.j2", "Аналитическая справка.html", True),
    "cards.html": partial(_text, "cards.html.j2", "Карточки школ.html", False),
    "cards.docx": partial(_docx, "cards.docx", "Карточки школ.docx"),
    "mentors.md": partial(_text, "mentors.md.j2", "Закрепление школ-наставников.md", False),
    "indicators.xlsx": _xlsx,
}
DEFAULT_FORMATS = tuple(DOCUMENTS)


def parse_formats(text: str | None) -> tuple[str, ...]:
    """«appendix.docx,note.html» → the names; «all» or nothing → every document; «none» → machine files only."""
    if text is None or text.strip() in ("", "all"):
        return DEFAULT_FORMATS
    if text.strip() == "none":
        return ()
    names = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [n for n in names if n not in DOCUMENTS]
    if unknown:
        raise UserError(
            f"неизвестный формат «{unknown[0]}».", hint=f"Доступны: {', '.join(DOCUMENTS)}, all, none (через запятую)."
        )
    return names


def render_all(report: Report, folder: Path, formats: tuple[str, ...] = (), templates: Path | None = None) -> list[Path]:
    written: list[Path] = []
    for renderer in MACHINE.values():
        written.extend(renderer(report, folder))
    for name in formats:
        written.extend(DOCUMENTS[name](report, folder, templates))
    return written
