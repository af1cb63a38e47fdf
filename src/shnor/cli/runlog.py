"""``--log-file``: one line per run, appended, for cron. Counts and names of files only — never a pupil's data."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path


def append(log_file: Path | None, command: str, outcome: str, seconds: float, **fields: object) -> None:
    if log_file is None:
        return
    parts = [datetime.now().astimezone().isoformat(timespec="seconds"), f"shnor {command}", outcome]
    parts += [f"{key}={_quote(value)}" for key, value in fields.items() if value is not None]
    parts.append(f"duration={seconds:.1f}s")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("a", encoding="utf-8") as handle:
        handle.write(" ".join(parts) + "\n")


def _quote(value: object) -> str:
    text = " ".join(str(value).split())
    return f'"{text}"' if (" " in text or not text) else text
