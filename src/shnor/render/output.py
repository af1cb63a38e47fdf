"""Atomic output folders: everything is written into a temporary sibling, then swapped into place.

A run that fails before the swap leaves an earlier output folder exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from shnor.errors import UserError


class BusyError(UserError):
    """Another run holds the output folder; exit code 3."""


@contextmanager
def output_lock(folder: Path, timeout: float) -> Iterator[None]:
    """One run at a time per output folder: an exclusive lock on a file beside it, waited for up to ``timeout`` s."""
    import fcntl

    folder = folder.resolve()
    folder.parent.mkdir(parents=True, exist_ok=True)
    path = folder.parent / f".{folder.name}.lock"
    with path.open("a+") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise BusyError(
                        f"папку «{folder}» занял другой запуск shnor, ожидание {timeout:g} с истекло.",
                        hint="Дождитесь окончания того запуска или увеличьте --lock-timeout.",
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _is_shnor_output(folder: Path) -> bool:
    """A folder shnor wrote before: its result.json names the tool, and nothing in it is a folder."""
    result = folder / "result.json"
    if not result.is_file() or any(p.is_dir() for p in folder.iterdir()):
        return False
    with result.open(encoding="utf-8", errors="ignore") as handle:
        head = handle.read(300)
    return '"name": "shnor"' in head


def write_atomically(folder: Path, write: Callable[[Path], list[Path]]) -> list[Path]:
    folder = folder.resolve()
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"не удалось создать папку «{parent}»: {error.strerror}.", hint="Проверьте путь в --out.") from None
    if folder.exists() and not folder.is_dir():
        raise UserError(f"«{folder}» — файл, а не папка.", hint="Укажите в --out папку.")
    if folder.is_dir() and any(folder.iterdir()) and not _is_shnor_output(folder):
        raise UserError(
            f"папка «{folder}» не пуста и не похожа на результаты shnor: она была бы заменена целиком.",
            hint="Укажите в --out новую папку или папку прежних результатов shnor (с result.json).",
        )
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.tmp-", dir=parent))
    try:
        written = write(staging)
        os.chmod(staging, 0o755)
        retired = None
        if folder.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{folder.name}.old-", dir=parent))
            os.rename(folder, retired / folder.name)
        os.rename(staging, folder)
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [folder / path.relative_to(staging) for path in written]
