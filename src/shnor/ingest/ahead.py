"""Input files opened ahead of reading, on the other cores.

Parsing a spreadsheet runs outside Python's lock, so while one file is turned into cube counts the next ones are
already being parsed; and since this module imports nothing heavy, the command can start opening the files
before pandas has finished importing. Files are still handed over in the order given, so errors and logs are too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Self

from shnor import cores

# What a folder's tables are; a file named on the command line is read whatever its name (a CSV saved as .txt).
TABLE_SUFFIXES = {".csv", ".tsv", ".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".parquet"}


def expand_inputs(arguments: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """Files as given; a folder → the tables inside it and in its sub-folders (…/2020/4/Математика.xlsx), sorted.
    Returns the files to read and the files of the folders that are not tables — notes, images, databases, Excel's
    lock files «~$…» — to be named, not dropped silently. Hidden files and folders («.git») are not looked at."""
    files: list[Path] = []
    skipped: list[Path] = []
    for argument in map(Path, arguments):
        if argument.is_dir():
            found = sorted(p for p in argument.rglob("*") if p.is_file() and not _hidden(p.relative_to(argument)))
            # an earlier run's output folder inside the data folder (``shnor identify . --out shnor-out``): its
            # schools.csv is not results; the folder is named once, by its result.json
            # (a result.json copied among the data does not make the data an output folder: only a folder that
            # holds no tables but shnor's own, and is not the folder given)
            outputs = {p.parent for p in found if is_shnor_result(p) and _output_folder(p.parent, argument, found)}
            found = [p for p in found if not outputs.intersection(p.parents) or is_shnor_result(p)]
            for path in found:
                table = path.suffix.lower() in TABLE_SUFFIXES and not path.name.startswith("~$")
                (files if table else skipped).append(path)
        else:
            files.append(argument)
    return files, skipped


# The tables shnor writes beside result.json (SPEC §7 and the analysts' workbook)
_OWN_TABLES = {"schools.csv", "procedures.parquet", "indicators.xlsx"}


def _output_folder(folder: Path, argument: Path, found: list[Path]) -> bool:
    if folder == argument:
        return False
    return not any(
        p.parent == folder and p.suffix.lower() in TABLE_SUFFIXES and p.name not in _OWN_TABLES for p in found
    )


def is_shnor_result(path: Path) -> bool:
    """A result.json that shnor wrote (its first bytes name the tool)."""
    if path.name != "result.json":
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(200)
    except OSError:
        return False
    return b'"tool"' in head and b'"shnor"' in head


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def skipped_note(path: Path) -> str:
    """Why a file of a folder was not read."""
    if path.name.startswith("~$"):
        return "файл блокировки Excel (книга открыта), пропущен"
    if is_shnor_result(path):
        return "папка результатов shnor (прежний запуск), не входные данные — пропущена"
    return "не таблица результатов, в папке пропущен"


def display_names(arguments: Iterable[Path], files: Iterable[Path]) -> dict[Path, str]:
    """How each file is named to the user: as given, or, when found in a folder, by its path under that folder
    («2020/4/Математика.xlsx»: two files of one name in different sub-folders stay apart)."""
    folders = [Path(a) for a in arguments if Path(a).is_dir()]
    names = {}
    for path in map(Path, files):
        under = next((f for f in folders if f in path.parents), None)
        names[path] = path.relative_to(under).as_posix() if under is not None else path.name
    return names


def workers() -> int:
    return max(1, min(cores.usable(), 4))


class ReadAhead:
    """The sheets of each input file, opened up to one file per core ahead of the one being read.

    Used as a context manager: on leaving it (an error in a file, in the rules, anywhere), the files not yet
    started are not opened. On one core nothing is opened ahead and each file is opened when it is read."""

    def __init__(self, files: list[Path]) -> None:
        self.files = list(files)
        self._ahead = workers()
        self._pool: ThreadPoolExecutor | None = None
        self._pending: list[Future | None] = []

    def __enter__(self) -> Self:
        if self.files and self._ahead > 1:
            self._pool = ThreadPoolExecutor(max_workers=self._ahead, thread_name_prefix="shnor-read")
            for path in self.files[: self._ahead]:
                self._submit(path)
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._pending.clear()

    def _submit(self, path: Path) -> None:
        self._pending.append(self._pool.submit(_open, path))

    def opened(self) -> Iterator[Future | None]:
        """One item per file, in order: the future of its sheets, or None where the reader is to open it."""
        for index in range(len(self.files)):
            if self._pool is None:
                yield None
                continue
            if index + self._ahead < len(self.files):
                self._submit(self.files[index + self._ahead])
            yield self._pending[index]
            self._pending[index] = None  # the file's sheets go once it is read


def _open(path: Path):
    """``open_sheets`` imported on the worker's thread: the spreadsheet modules load there, not in the way."""
    from shnor.ingest.tables import open_sheets

    return open_sheets(path, ahead=True)
