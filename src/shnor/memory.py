"""Giving memory back to the system between the stages of a large run, and keeping it while reading.

Arrow keeps freed blocks for reuse, and so does the C library's allocator; Python's own objects come from neither.
Without this, a country's freed batches and counts stay in the process while its 40 000 schools' report objects are
made beside them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

# Counts rows from which what each stage frees is given back to the system (``give_back``) before the next: a
# country's (2.4 million rows) frees gigabytes. A region's stages free a few hundred megabytes at most, which the
# stages after it take again: given back, each of their pages would be a fault anew (a region CSV's 20 000 rows: 7 000
# faults, about a tenth of a second on a machine where a fault costs 15 µs), kept, they are reused.
GIVE_BACK_FROM = 200_000

# mallopt(3) parameters of the GNU C library
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3


def give_back() -> None:
    """Return to the system what Arrow's pool and the C library hold unused (GNU C library only; elsewhere the
    pool alone)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    trim()


def trim() -> None:
    """Return to the system what the C library holds unused, Arrow's pool left alone (GNU C library only)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


@contextmanager
def reusing_freed() -> Iterator[None]:
    """While reading, the arrays of a batch that numpy frees (megabytes each: a column of a million rows) are kept by
    the C library for the next batch, not given back to the system and taken anew: each new page is a fault, about
    20 000 of them (0.1–0.2 s) per million participant rows. Afterwards the library trims what is free above
    64 MB again, about where its own adaptive threshold stands after large blocks are freed; ``give_back`` returns the
    rest. GNU C library only; elsewhere nothing changes."""
    libc = _libc()
    if libc is None:
        yield
        return
    libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)  # the library's largest: blocks up to this come from the heap
    libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30)
    libc.mallopt(_M_TOP_PAD, 64 << 20)
    try:
        yield
    finally:
        libc.mallopt(_M_TRIM_THRESHOLD, 64 << 20)
        libc.mallopt(_M_TOP_PAD, 128 << 10)


def _libc():
    """The GNU C library, or None."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim, libc.mallopt  # noqa: B018  not the GNU C library without them
    except (OSError, AttributeError):
        return None
    return libc
