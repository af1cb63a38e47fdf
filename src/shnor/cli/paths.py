"""Expanding the input arguments: files as given, folders to the tables inside them (sorted, not recursive)."""

from __future__ import annotations

from pathlib import Path

TABLE_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".parquet"}


def expand_inputs(arguments: list[Path]) -> list[Path]:
    files: list[Path] = []
    for argument in arguments:
        if argument.is_dir():
            found = sorted(
                p for p in argument.iterdir()
                if p.is_file() and p.suffix.lower() in TABLE_SUFFIXES and not p.name.startswith(("~$", "."))
            )
            files.extend(found)
        else:
            files.append(argument)
    return files
