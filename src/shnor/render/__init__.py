"""Renderers: the report model → files. Machine files always; documents by ``--format``, from a registry by name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from shnor.errors import UserError
from shnor.render.machine import write_procedures_parquet, write_result_json, write_schools_csv
from shnor.report.model import Report

if TYPE_CHECKING:
    from shnor.render.settings import DocumentSettings

Renderer = Callable[[Report, Path, Path | None, "DocumentSettings | None"], list[Path]]


def _text(template: str, name: str, kind: str, images: bool, report: Report, folder: Path, templates: Path | None,
          settings: DocumentSettings | None = None) -> list[Path]:
    from shnor.render.documents import render_text

    path = folder / name
    text = render_text(report, template, templates, kind, settings, images=images)
    path.write_text(text, encoding="utf-8", newline="\n")
    return [path]


def _docx(template: str, name: str, kind: str, report: Report, folder: Path, templates: Path | None,
          settings: DocumentSettings | None = None) -> list[Path]:
    from shnor.render.documents import render_docx

    path = folder / name
    path.write_bytes(render_docx(report, template, templates, kind, settings))
    return [path]


def _xlsx(report: Report, folder: Path, templates: Path | None, settings: DocumentSettings | None = None) -> list[Path]:
    from shnor.render.xlsx import write_indicators_xlsx

    return write_indicators_xlsx(report, folder)


MACHINE: dict[str, Callable[[Report, Path], list[Path]]] = {
    "schools.csv": write_schools_csv,
    "result.json": write_result_json,
    "procedures.parquet": write_procedures_parquet,
}

# The file each document is written to: fixed names, so that shnor knows its own files in an output folder.
FILE_NAMES = {
    "appendix.docx": "Приложение к приказу.docx",
    "appendix.html": "Приложение к приказу.html",
    "appendix.md": "Приложение к приказу.md",
    "note.docx": "Аналитическая справка.docx",
    "note.html": "Аналитическая справка.html",
    "cards.docx": "Карточки школ.docx",
    "cards.html": "Карточки школ.html",
    "mentors.docx": "Закрепление школ-наставников.docx",
    "mentors.html": "Закрепление школ-наставников.html",
    "mentors.md": "Закрепление школ-наставников.md",
    "indicators.xlsx": "indicators.xlsx",
}

DOCUMENTS: dict[str, Renderer] = {
    "appendix.docx": partial(_docx, "appendix.docx", FILE_NAMES["appendix.docx"], "appendix"),
    "appendix.html": partial(_text, "appendix.html.j2", FILE_NAMES["appendix.html"], "appendix", False),
    "appendix.md": partial(_text, "appendix.md.j2", FILE_NAMES["appendix.md"], "appendix", False),
    "note.docx": partial(_docx, "note.docx", FILE_NAMES["note.docx"], "note"),
    "note.html": partial(_text, "note.html.j2", FILE_NAMES["note.html"], "note", True),
    "cards.docx": partial(_docx, "cards.docx", FILE_NAMES["cards.docx"], "cards"),
    "cards.html": partial(_text, "cards.html.j2", FILE_NAMES["cards.html"], "cards", False),
    "mentors.docx": partial(_docx, "mentors.docx", FILE_NAMES["mentors.docx"], "mentors"),
    "mentors.html": partial(_text, "mentors.html.j2", FILE_NAMES["mentors.html"], "mentors", False),
    "mentors.md": partial(_text, "mentors.md.j2", FILE_NAMES["mentors.md"], "mentors", False),
    "indicators.xlsx": _xlsx,
}
DEFAULT_FORMATS = tuple(DOCUMENTS)
# Every file shnor writes into an output folder: anything else there is the user's and is never deleted.
OUTPUT_FILES = frozenset(MACHINE) | frozenset(FILE_NAMES.values())


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


def render_all(
    report: Report,
    folder: Path,
    formats: tuple[str, ...] = (),
    templates: Path | None = None,
    settings: DocumentSettings | None = None,
) -> list[Path]:
    """Machine files, then the documents of ``formats``; ``settings`` (who issues and signs) go into result.json
    too, so that ``shnor render`` words the documents the same way."""
    if settings is not None:
        report = replace(report, document=settings.as_dict())
    written: list[Path] = []
    for renderer in MACHINE.values():
        written.extend(renderer(report, folder))
    for name in formats:
        written.extend(DOCUMENTS[name](report, folder, templates, settings))
    return written
