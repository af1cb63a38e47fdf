"""What a second process runs in a test where that process dies without a word (killed, out of memory)."""

from __future__ import annotations

import os
from pathlib import Path


def die(payload: bytes, folder: Path) -> list:
    os._exit(3)
