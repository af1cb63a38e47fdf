"""``--log-file``: one line per run, appended, for cron. Counts and names of files only — never a pupil's data."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from shnor.errors import UserError


def check(log_file: Path | None) -> None:
    """Before any reading starts: the journal can be appended to (made, with its folder, if missing)."""
    if log_file is None:
        return
    from shnor.render.output import why

    if log_file.is_dir():
        raise UserError(f"--log-file «{log_file}» — папка, а не файл.", hint="Укажите файл, например shnor.log.")
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("a", encoding="utf-8", newline="\n"):
            pass
    except OSError as error:
        raise UserError(
            f"в журнал «{log_file}» нельзя писать: {why(error)}.", hint="Укажите в --log-file другой файл."
        ) from None


def append(
    log_file: Path | None, command: str, outcome: str, seconds: float, *, warn: bool = True, **fields: object
) -> None:
    """``warn``: say on stderr when the line cannot be written (not after an error, which has been said already)."""
    if log_file is None:
        return
    parts = [datetime.now().astimezone().isoformat(timespec="seconds"), f"shnor {command}", outcome]
    parts += [f"{key}={_quote(value)}" for key, value in fields.items() if value is not None]
    parts.append(f"duration={seconds:.1f}s")
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("a", encoding="utf-8", newline="\n") as handle:
            handle.write(" ".join(parts) + "\n")
    except OSError as error:  # checked before the run; it may have gone since: the run's outcome stands
        if not warn:
            return
        from shnor.render.output import why

        print(f"Замечание: строка не дописана в журнал «{log_file}»: {why(error)}.", file=sys.stderr)


def _quote(value: object) -> str:
    text = " ".join(str(value).split())
    return f'"{text}"' if (" " in text or not text) else text
