"""Reading input files into the results cube.

Readers are listed here explicitly, in the order they are tried; each says whether it recognises a sheet.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from shnor.cube import Cube, CubePart, build_cube
from shnor.errors import UserError
from shnor.ingest.base import Reader, ReadOptions, Recognition, SheetLog
from shnor.ingest.fisoko_reports import JournalReportReader, MarksReportReader, ScoresReportReader
from shnor.ingest.fisoko_students import FisOkoStudentsReader
from shnor.ingest.headers import COLUMN_LABELS
from shnor.ingest.identity import resolve_derived_ids
from shnor.ingest.regional_table import RegionalTableReader
from shnor.ingest.tables import Sheet, open_sheets
from shnor.ingest.tidy import TidyReader

READERS: tuple[Reader, ...] = (
    TidyReader(),
    FisOkoStudentsReader(),
    RegionalTableReader(),
    MarksReportReader(),
    JournalReportReader(),
    ScoresReportReader(),
)

__all__ = ["READERS", "ReadOptions", "SheetLog", "expand_inputs", "read_results", "recognise"]

TABLE_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".parquet"}


def expand_inputs(arguments: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """Files as given; a folder → the tables inside it (sorted, not recursive, Excel's lock files left out).
    Returns the files to read and the files of the folders that are not tables (to be named, not dropped silently)."""
    files: list[Path] = []
    skipped: list[Path] = []
    for argument in map(Path, arguments):
        if argument.is_dir():
            for path in sorted(p for p in argument.iterdir() if p.is_file() and not p.name.startswith(("~$", "."))):
                (files if path.suffix.lower() in TABLE_SUFFIXES else skipped).append(path)
        else:
            files.append(argument)
    return files, skipped


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


def read_results(
    paths: Iterable[Path], options: ReadOptions, registry: pd.DataFrame | None = None
) -> tuple[Cube, list[SheetLog]]:
    """Every file into one cube; schools named without a login are matched to the registry (see ``identity``)."""
    parts: list[CubePart] = []
    logs: list[SheetLog] = []
    for path in paths:
        file_parts, file_logs = read_file(Path(path), options)
        for log in file_logs:
            log.path = str(Path(path))
        parts.extend(file_parts)
        logs.extend(file_logs)
    parts, notes = resolve_derived_ids(parts, registry)
    if notes:
        logs.append(SheetLog("(сопоставление школ)", None, "наименования без логина", notes=notes))
    return build_cube(parts), logs


def read_file(path: Path, options: ReadOptions) -> tuple[list[CubePart], list[SheetLog]]:
    """Every recognised sheet of one file; a file none of whose sheets holds results is an error."""
    parts, logs, failures = [], [], []
    for sheet in open_sheets(path):
        reader, found = recognise(sheet)
        if reader is None:
            if found:
                failures.append(_incomplete(sheet, found))
            elif any(cell not in (None, "") for row in sheet.probe for cell in row):
                logs.append(SheetLog(path.name, sheet.name, "не распознан", notes=["лист пропущен: не таблица результатов"]))
            else:
                logs.append(SheetLog(path.name, sheet.name, "пустой лист", notes=["лист пропущен: пустой"]))
            continue
        if found.skip:
            logs.append(SheetLog(path.name, sheet.name, reader.label, notes=[f"лист пропущен: {found.skip}"]))
            continue
        log = SheetLog(path.name, sheet.name, f"{reader.label} ({found.detail})" if found.detail else reader.label)
        parts.append(reader.read(sheet, found, options, log))
        logs.append(log)
    if failures:
        raise failures[0]
    if not parts:
        looked_for = "; ".join(reader.looks_for for reader in READERS)
        raise UserError(
            f"в файле «{path.name}» не найдено таблицы результатов.",
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
