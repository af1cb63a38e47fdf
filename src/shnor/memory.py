"""Giving memory back to the system between the stages of a large run.

Arrow keeps freed blocks for reuse, and so does the C library's allocator; Python's own objects come from neither.
Without this, a country's freed batches and counts stay in the process while its 40 000 schools' report objects are
made beside them.
"""

from __future__ import annotations

import sys


def give_back() -> None:
    """Return to the system what Arrow's pool and the C library hold unused (GNU C library only; elsewhere the
    pool alone)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):  # not the GNU C library: nothing to trim
            pass
