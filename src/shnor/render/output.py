"""Atomic output folders: everything is written into a temporary sibling, then swapped into place.

A run that fails before the swap leaves an earlier output folder exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from shnor.errors import UserError


def write_atomically(folder: Path, write: Callable[[Path], list[Path]]) -> list[Path]:
    folder = folder.resolve()
    parent = folder.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"не удалось создать папку «{parent}»: {error.strerror}.", hint="Проверьте путь в --out.") from None
    if folder.exists() and not folder.is_dir():
        raise UserError(f"«{folder}» — файл, а не папка.", hint="Укажите в --out папку.")
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
