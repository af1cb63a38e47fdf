"""The one exception class for user errors.

Findings about the data are values (see ``ingest.ReadLog``); bugs propagate. A ``UserError`` carries a
Russian message that names the place (file, sheet, row, column or YAML line) and says what to do; the CLI
prints it and exits with code 2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class Place:
    """Where in an input something happened. Rows are 1-based, as a spreadsheet shows them.

    ``lines`` turns a reader's row number into the line a text editor shows (CSV files with blank lines)."""

    file: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    lines: Callable[[int], int] | None = field(default=None, compare=False, repr=False)

    def at(self, row: int, column: str | None = None) -> Place:
        """The same file and sheet, another cell."""
        line = self.lines(row) if self.lines is not None else row
        return replace(self, row=line, column=column if column is not None else self.column, lines=None)

    def __str__(self) -> str:
        parts = [f"файл «{self.file}»"]
        if self.sheet is not None:
            parts.append(f"лист «{self.sheet}»")
        if self.row is not None:
            parts.append(f"строка {self.row}")
        if self.column is not None:
            parts.append(f"столбец «{self.column}»")
        return ", ".join(parts)


class UserError(Exception):
    """A problem with the user's inputs or rules: reported in Russian, exit code 2, nothing written."""

    def __init__(self, message: str, place: Place | None = None, hint: str | None = None) -> None:
        self.place = place
        self.hint = hint
        text = f"{place}: {message}" if place is not None else message
        if hint:
            text = f"{text}\n{hint}"
        super().__init__(text)
