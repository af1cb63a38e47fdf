"""Reading input files into the results cube.

Readers are listed here explicitly, in the order they are tried; each says whether it recognises a sheet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future
from functools import partial
from pathlib import Path

import pandas as pd

from shnor import memory
from shnor.cube import Cube, CubePart, build_cube
from shnor.errors import UserError
from shnor.ingest.ahead import ReadAhead
from shnor.ingest.base import Reader, ReadOptions, Recognition, SheetLog
from shnor.ingest.fisoko_export import FisOkoExportReader
from shnor.ingest.fisoko_reports import JournalReportReader, MarksReportReader, ScoresReportReader
from shnor.ingest.fisoko_students import FisOkoStudentsReader
from shnor.ingest.headers import COLUMN_LABELS
from shnor.ingest.identity import resolve_derived_ids
from shnor.ingest.not_results import SubjectSumsReader
from shnor.ingest.regional_table import RegionalTableReader
from shnor.ingest.tables import Sheet, open_sheets
from shnor.ingest.territories import unify_municipalities
from shnor.ingest.tidy import TidyReader
from shnor.ingest.upload_form import UploadFormReader
from shnor.memory import give_back, reusing_freed

READERS: tuple[Reader, ...] = (
    TidyReader(),
    UploadFormReader(),
    FisOkoExportReader(),
    FisOkoStudentsReader(),
    RegionalTableReader(),
    MarksReportReader(),
    JournalReportReader(),
    ScoresReportReader(),
    SubjectSumsReader(),
)


def recognise(sheet: Sheet) -> tuple[Reader, Recognition] | tuple[None, list[tuple[Reader, Recognition]]]:
    """The first reader that recognises the sheet completely, or the partial recognitions met on the way."""
    partial = []
    for reader in READERS:
        recognition = reader.recognise(sheet)
        if recognition is None:
            continue
        if not recognition.missing:
            return reader, recognition
        partial.append((reader, recognition))
    return None, partial


Progress = Callable[[int, int, str], None]
"""Told (bytes of input read, bytes in all, the file being read) as reading goes on."""


def read_results(
    paths: Iterable[Path],
    options: ReadOptions,
    registry: pd.DataFrame | None = None,
    progress: Progress | None = None,
    ahead: ReadAhead | None = None,
    names: dict[Path, str] | None = None,
    in_folders: frozenset[Path] = frozenset(),
) -> tuple[Cube, list[SheetLog]]:
    """Every file into one cube; schools named without a login are matched to the registry (see ``identity``), and
    municipalities to one name per territory (see ``territories``).

    Files are opened ahead on the other cores (``ahead``, when the caller has started it already for these files)
    and taken in the order given, so errors and logs are too. ``names`` are how files are named to the user; a file
    of ``in_folders`` that holds no results is noted and passed over (one named on the command line is an error)."""
    paths = [Path(p) for p in paths]
    if ahead is None or ahead.files != paths:
        with ReadAhead(paths) as own:
            return read_results(paths, options, registry, progress, own, names, in_folders)
    with reusing_freed():  # a batch's arrays reused by the next, not faulted in anew
        names = names or {}
        sizes = [_size(p) for p in paths]
        total = sum(sizes)
        parts: list[CubePart] = []
        logs: list[SheetLog] = []
        done = 0
        for path, size, sheets in zip(paths, sizes, ahead.opened()):
            within = partial(_within_file, progress, done, size, total, path.name) if progress else None
            file_parts, file_logs = read_file(path, options, sheets, within, path in in_folders, names.get(path))
            for log in file_logs:
                log.path = str(path)
            parts.extend(file_parts)
            logs.extend(file_logs)
            done += size
            if progress:
                progress(done, total, path.name)
        parts = unify_municipalities(parts, logs)
        parts, notes = resolve_derived_ids(parts, registry)
        if notes:
            logs.append(SheetLog("(сопоставление школ)", None, "наименования без логина", notes=notes))
    # What the batches freed and the C library kept for the next goes back before the counts are joined into the
    # cube (a country's: hundreds of megabytes, which the join would otherwise take anew beside them); a region's
    # stays, for the join to reuse (``memory.GIVE_BACK_FROM``)
    if sum(len(part.counts) for part in parts) >= memory.GIVE_BACK_FROM:
        give_back()
    return build_cube(parts), logs


def _within_file(progress: Progress, before: int, size: int, total: int, name: str, read: int) -> None:
    progress(before + min(read, size), total, name)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # a missing file is named by ``open_sheets`` in its turn


def read_file(
    path: Path,
    options: ReadOptions,
    sheets: list[Sheet] | Future | None = None,
    progress: Callable[[int], None] | None = None,
    in_folder: bool = False,
    name: str | None = None,
) -> tuple[list[CubePart], list[SheetLog]]:
    """Every recognised sheet of one file. A file none of whose sheets holds results is an error — unless it was
    found in a folder and is known to hold none (open data of another kind, a blank form): then it is noted."""
    try:
        return _read_file(path, options, sheets, progress, in_folder, name)
    except UserError as error:
        if not name or name == path.name:
            raise
        # a file found in a folder is named by its path under it: «2021/5/Математика.xlsx», not one of twenty
        # «Математика.xlsx»
        raise _renamed(error, path.name, name) from None


def _renamed(error: UserError, short: str, name: str) -> UserError:
    text = str(error).replace(f"«{short}»", f"«{name}»", 1)
    renamed = UserError.__new__(type(error))
    Exception.__init__(renamed, text)
    renamed.place, renamed.hint = error.place, error.hint
    return renamed


def _read_file(
    path: Path,
    options: ReadOptions,
    sheets: list[Sheet] | Future | None,
    progress: Callable[[int], None] | None,
    in_folder: bool,
    name: str | None,
) -> tuple[list[CubePart], list[SheetLog]]:
    if isinstance(sheets, Future):
        sheets = sheets.result()
    name = name or path.name
    parts, logs, failures, known = [], [], [], []
    for sheet in sheets if sheets is not None else open_sheets(path):
        sheet.progress = progress
        reader, found = recognise(sheet)
        if reader is None:
            if found:
                failures.append(_incomplete(sheet, found))
            elif any(cell not in (None, "") for row in sheet.probe for cell in row):
                logs.append(SheetLog(name, sheet.name, "не распознан", notes=["лист пропущен: не таблица результатов"]))
            else:
                logs.append(SheetLog(name, sheet.name, "пустой лист", notes=["лист пропущен: пустой"]))
            continue
        if found.skip:
            logs.append(SheetLog(name, sheet.name, reader.label, notes=[f"лист пропущен: {found.skip}"]))
            known.append((sheet, found.skip))
            continue
        log = SheetLog(name, sheet.name, f"{reader.label} ({found.detail})" if found.detail else reader.label)
        log.source = sheet.label
        if sheet.hidden:  # stale data kept on a hidden sheet would otherwise be counted unseen
            log.notes.append("лист скрыт в Excel, но прочитан, как остальные: если его данные не нужны, удалите лист")
        parts.append(reader.read(sheet, found, options, log))
        logs.append(log)
    if failures:
        raise failures[0]
    if not parts and known:
        reasons = "; ".join(f"лист «{s.name}» — {why}" if s.name else why for s, why in known)
        if in_folder:  # the file's note names every sheet passed over: their own notes would say it again
            passed = {s.name for s, _ in known}
            logs = [log for log in logs if log.sheet not in passed or not log.notes[0].startswith("лист пропущен")]
            logs.append(SheetLog(name, None, "нет результатов", notes=[f"файл пропущен: {reasons}"]))
            return parts, logs
        raise UserError(
            f"в файле «{name}» нет результатов, по которым выявляют ШНОР: {reasons}.",
            hint="Уберите этот файл из команды; если в папке он лежит рядом с результатами, папка читается без него.",
        )
    if not parts:
        looked_for = "; ".join(reader.looks_for for reader in READERS if reader.looks_for)
        raise UserError(
            f"в файле «{name}» не найдено таблицы результатов.",
            hint=f"Искали: {looked_for}. Команда «shnor inspect {path.name}» покажет, что найдено в файле.",
        )
    return parts, logs


def _incomplete(sheet: Sheet, found: list[tuple[Reader, Recognition]]) -> UserError:
    reader, recognition = max(found, key=lambda pair: len(pair[1].mapping))
    missing = ", ".join(f"«{COLUMN_LABELS[c]}» ({c})" for c in recognition.missing)
    return UserError(
        f"лист похож на макет «{reader.label}», но не найдены столбцы: {missing}.",
        sheet.place(recognition.header_row + 1),
        f"Ожидается {reader.looks_for}.",
    )
