"""Renderers: the report model → files. Machine files always; documents by ``--format``, from a registry by name."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Self

from shnor import cores
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
    """«appendix.docx,note.html» → the names; «all» or no option → every document; «none» → machine files only.
    An empty value (``--format "$FORMATS"`` with the variable unset) is a mistake, not a choice of either."""
    if text is None or text.strip() == "all":
        return DEFAULT_FORMATS
    if text.strip() == "none":
        return ()
    names = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    if not names:
        raise UserError(
            "в --format не указано ни одного формата.",
            hint=f"Укажите форматы через запятую ({', '.join(DOCUMENTS)}), all — все документы, none — только "
                 "машинные файлы.",
        )
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
    too, so that ``shnor render`` words the documents the same way. Some documents of a big report are rendered by a
    second process meanwhile (``Beside``); the files and their order are the same either way."""
    if settings is not None:
        report = replace(report, document=settings.as_dict())
    written: list[Path] = []
    done: dict[str, list[Path]] = {}
    with Beside(beside(report, formats), report, folder, templates, settings) as second:
        for renderer in MACHINE.values():
            written.extend(renderer(report, folder))
        for name in formats:
            if name not in second.names:
                done[name] = DOCUMENTS[name](report, folder, templates, settings)
        done.update(second.result())
    for name in formats:
        written.extend(done[name])
    return written


# Documents rendered by a second process while this one renders the others: a region's indicators.xlsx takes about a
# third of all its documents' time, on one core. Worth it with two cores, other documents to overlap with, and a
# workbook big enough to pay for starting a process (≈ 0.5 s of a core: Python, imports, the report sent over).
BESIDE = ("indicators.xlsx",)
BESIDE_FROM_ROWS = 5_000  # rows of procedures.parquet (the «Процедуры» sheet); the example region has ≈ 900


def beside(report: Report, formats: tuple[str, ...]) -> tuple[str, ...]:
    """Which of ``formats`` a second process renders (none: everything here)."""
    names = tuple(name for name in formats if name in BESIDE)
    if not names or len(names) == len(formats) or report.procedures.rows < BESIDE_FROM_ROWS or cores.usable() < 2:
        return ()
    return names


def render_beside(payload: bytes, folder: Path) -> list[list[Path]]:
    """In the second process: the documents named in ``payload`` (the report, the names, templates and settings)."""
    report, names, templates, settings = pickle.loads(payload)
    return [DOCUMENTS[name](report, folder, templates, settings) for name in names]


class Beside:
    """A second process (``spawn``, as on Windows) rendering ``names`` into ``folder`` while the caller renders the
    rest. The report is sent as it is when the process starts (pickled here, before anything else is rendered), so
    the files are the bytes this process would write. An error of a document is raised here as it was raised there
    (the same message and exit code); if the process cannot start or dies (no memory, killed), the documents are
    rendered here instead. Leaving the block waits for the process: the caller's temporary folder is not removed
    under it."""

    def __init__(self, names: tuple[str, ...], report: Report, folder: Path, templates: Path | None,
                 settings: DocumentSettings | None) -> None:
        self.names = names
        self._call = (report, folder, templates, settings)
        self._executor = None
        self._future = None

    def __enter__(self) -> Self:
        if self.names:
            report, folder, templates, settings = self._call
            try:
                payload = pickle.dumps((replace(report, saved=None), self.names, templates, settings),
                                       protocol=pickle.HIGHEST_PROTOCOL)
                self._executor = start_process()
                self._future = self._executor.submit(task(), payload, folder)
            except (OSError, RuntimeError, TypeError, AttributeError, pickle.PicklingError):
                # no second process here (or the report does not travel): the documents are rendered by this one
                self._close()
        return self

    def result(self) -> dict[str, list[Path]]:
        if not self.names:
            return {}  # nothing beside (``--format none``): the process pool's modules are not loaded
        from concurrent.futures.process import BrokenProcessPool

        paths = None
        if self._future is not None:
            try:
                paths = self._future.result()
            except BrokenProcessPool:  # the process died without a word: rendered again here
                paths = None
        if paths is None:
            report, folder, templates, settings = self._call
            paths = [DOCUMENTS[name](report, folder, templates, settings) for name in self.names]
        return dict(zip(self.names, paths, strict=True))

    def __exit__(self, *_) -> None:
        self._close()

    def _close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None


def start_process():
    """One worker process, started the way Windows starts them (``spawn``) on every system."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))


def task() -> Callable[[bytes, Path], list[list[Path]]]:
    """What the second process runs (a test puts a process that dies here)."""
    return render_beside
