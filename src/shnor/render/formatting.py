"""Russian formatting for documents: «31,2 %», «21.11.2022», Russian alphabetical order."""

from __future__ import annotations

import math
from datetime import date

from shnor.russian import OPERATOR_SIGNS, format_number, format_percent

__all__ = ["OPERATOR_SIGNS", "date_ru", "format_number", "percent", "ru_key", "markdown_text"]


def percent(value: float | None, digits: int = 1) -> str:
    """0.312 → «31,2 %»; nothing → «—»."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return format_percent(value, digits)


def date_ru(iso: str) -> str:
    """«2022-11-21» → «21.11.2022»."""
    return date.fromisoformat(iso).strftime("%d.%m.%Y")


def ru_key(text: object) -> str:
    """Russian alphabetical order: case ignored, «ё» right after «е», quotes and legal forms not ignored."""
    return str(text or "").lower().replace("ё", "е\uffff")


def markdown_text(text: object) -> str:
    """Text that Markdown shows as it is: no HTML, no table breaks, no emphasis."""
    escaped = str(text if text is not None else "")
    for old, new in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|"), ("*", "\\*"), ("_", "\\_"), ("`", "\\`"), ("[", "\\[")):
        escaped = escaped.replace(old, new)
    return escaped.replace("\n", " ")
