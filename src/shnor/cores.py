"""How many cores this process may use: the read ahead, the procedures packed beside, the input files' checksums and
the workbook rendered by a second process each ask before taking one more; and a function run on a thread of its own."""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future


def usable() -> int:
    """The cores this process may use (``taskset``, a container's limit); on Windows and macOS, the machine's."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def on_thread(function, *args, name: str = "shnor-beside") -> Future:
    """``function(*args)`` on a thread of its own; its result (or what it raised) is the future's."""
    future: Future = Future()

    def run() -> None:
        try:
            future.set_result(function(*args))
        except BaseException as error:  # noqa: BLE001 (raised again where the result is asked for)
            future.set_exception(error)

    threading.Thread(target=run, name=name, daemon=True).start()
    return future
