"""The progress bar of reading: shown on a terminal once reading has taken a second, gone when reading ends."""

from __future__ import annotations

import threading
from typing import Self

DELAY = 1.0  # seconds of reading before the bar appears: short reads show nothing


class ReadingProgress:
    """Called by the readers with (bytes read, bytes in all, file); draws a rich bar on stderr.

    Nothing is drawn under --quiet or when stderr is not a terminal (cron, a pipe); the bar disappears when reading
    ends, so the summary that follows reads as before. A timer brings the bar up even while one large spreadsheet
    is being parsed and no byte count comes."""

    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled
        self._lock = threading.Lock()
        self._bar = None
        self._task = None
        self._timer: threading.Timer | None = None
        self._finished = False
        self._last = (0, 0, "")

    def __enter__(self) -> Self:
        if self._enabled:
            from shnor.cli.terminal import console

            self._console = console(stderr=True, highlight=True)
            if self._console.is_terminal:
                self._timer = threading.Timer(DELAY, self._show)
                self._timer.daemon = True
                self._timer.start()
        return self

    def __call__(self, done: int, total: int, name: str) -> None:
        with self._lock:
            self._last = (done, total, name)
            if self._bar is not None:
                self._bar.update(self._task, completed=done, total=total or None, description=_short(name))
            if total and done >= total:
                self._finish()

    def __exit__(self, *_) -> None:
        with self._lock:
            self._finish()

    def _show(self) -> None:
        from rich.progress import BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn

        with self._lock:
            if self._finished:
                return
            self._bar = Progress(
                SpinnerColumn(),
                TextColumn("Чтение: {task.description}"),
                BarColumn(),
                TaskProgressColumn(text_format="{task.percentage:>3.0f} %"),
                TimeElapsedColumn(),
                console=self._console,
                transient=True,
            )
            done, total, name = self._last
            self._task = self._bar.add_task(_short(name) if name else "файлы…", total=total or None, completed=done)
            try:
                self._bar.start()
            except OSError:  # stderr is gone (a closed pipe): reading goes on without a bar, the summary meets it
                self._bar = None
                self._finished = True

    def _finish(self) -> None:
        self._finished = True
        if self._timer is not None:
            self._timer.cancel()
        bar, self._bar = self._bar, None
        if bar is not None:
            try:
                bar.stop()
            except OSError:  # stderr went away while the bar was shown: nothing is left to clear
                pass


def _short(name: str, width: int = 48) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


