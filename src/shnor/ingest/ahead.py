"""Input files opened ahead of reading, on the other cores.

Parsing a spreadsheet runs outside Python's lock, so while one file is turned into cube counts the next ones are
already being parsed; and since this module imports nothing heavy, the command can start opening the files
before pandas has finished importing. Files are still handed over in the order given, so errors and logs are too.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

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


def workers() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 4))


class ReadAhead:
    """The sheets of each input file, opened up to one file per core ahead of the one being read.

    Used as a context manager: on leaving it (an error in a file, in the rules, anywhere), the files not yet
    started are not opened. On one core nothing is opened ahead and each file is opened when it is read."""

    def __init__(self, files: list[Path]) -> None:
        self.files = list(files)
        self._ahead = workers()
        self._pool: ThreadPoolExecutor | None = None
        self._pending: list[Future | None] = []

    def __enter__(self) -> ReadAhead:
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

    return open_sheets(path)
