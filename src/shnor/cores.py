"""How many cores this process may use: the read ahead, the procedures packed beside and the workbook rendered by a
second process each ask before taking one more."""

from __future__ import annotations

import os


def usable() -> int:
    """The cores this process may use (``taskset``, a container's limit); on Windows and macOS, the machine's."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
