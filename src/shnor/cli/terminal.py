"""The consoles the commands print through (rich), ending on a broken pipe as every other output of shnor does."""

from __future__ import annotations

import errno
import os

from rich.console import Console


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """The reader went away (`shnor identify … | head`). rich would end the process there with code 1; raised
        as the broken pipe it is, it ends the command as any other does (``run_guarded``: 141, what a shell shows
        for `git log | head`). The summary prints once the outputs are written; the progress bar, printed while
        reading, lets the error go and reading goes on without it (``ReadingProgress``)."""
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))


def console(stderr: bool = False, highlight: bool = False) -> Console:
    """A console on stdout (or stderr)."""
    return _Console(stderr=stderr, highlight=highlight)
