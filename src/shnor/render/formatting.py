"""Russian formatting for documents: «31,2 %», «21.11.2022», Russian alphabetical and natural order, no-break
spaces where a line must not break («36,1 %», «№ 7», «5,0 п. п.», «2024–2025 гг.»)."""

from __future__ import annotations

import math
import re
from datetime import date

from shnor.russian import OPERATOR_SIGNS, format_number, format_percent, natural_key

__all__ = ["OPERATOR_SIGNS", "count", "date_ru", "format_number", "markdown_text", "natural_key", "percent",
           "ru_key", "unbreakable"]

NBSP = "\u00a0"
_UNBREAKABLE = (
    (re.compile(r"(?<=\d) (?=%|п\. п\.|гг?\.|балл|км\b|кл\.)"), NBSP),  # «36,1 %», «5 п. п.», «2025 г.»
    (re.compile(r"п\. п\."), f"п.{NBSP}п."),
    (re.compile(r"(?<=№) (?=\d)"), NBSP),  # «№ 7»
    (re.compile(r"(?<=\S) (?=[—–] )"), NBSP),  # a dash never starts a line
    (re.compile(r"(?<=\b[А-ЯЁ]\.) (?=[А-ЯЁ]\.|[А-ЯЁ][а-яё])"), NBSP),  # «Т. В. Краснобаева»
)


def unbreakable(text: str) -> str:
    """No-break spaces where Word or a browser must not break a line."""
    if " " not in text:  # most table cells: a number, a share already unbreakable
        return text
    text = text.replace(" %", NBSP + "%")
    if " " not in text:  # a share: «25,0 %»
        return text
    for pattern, replacement in _UNBREAKABLE:
        text = pattern.sub(replacement, text)
    return text


def percent(value: float | None, digits: int = 1) -> str:
    """0.312 → «31,2 %»; nothing → «—»."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return format_percent(value, digits)


def count(value: float | None) -> str:
    """12 → «12», 10679 → «10 679» (a no-break space between thousands from 10 000); nothing → «—»."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    number = int(value)
    return f"{number:,}".replace(",", NBSP) if abs(number) >= 10_000 else str(number)


def date_ru(iso: str) -> str:
    """«2022-11-21» → «21.11.2022»."""
    return date.fromisoformat(iso).strftime("%d.%m.%Y")


def ru_key(text: object) -> str:
    """Russian alphabetical order: case ignored, «ё» right after «е», quotes and legal forms not ignored."""
    return str(text or "").lower().replace("ё", "е\uffff")


def markdown_text(text: object) -> str:
    """Text that Markdown shows as it is: no HTML, no table breaks, no emphasis."""
    escaped = str(text if text is not None else "")
    for old, new in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"),
                     ("|", "\\|"), ("*", "\\*"), ("_", "\\_"), ("`", "\\`"), ("[", "\\[")):
        escaped = escaped.replace(old, new)
    return escaped.replace("\n", " ")
