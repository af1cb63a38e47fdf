"""Russian number formatting shared by reasons and documents: «31,2 %», «0,25», «12», «+5,0 п. п.»."""

from __future__ import annotations

import math
import re

OPERATOR_SIGNS = {">=": "≥", ">": ">", "<=": "≤", "<": "<"}


def format_percent(share: float | None, digits: int = 1) -> str:
    """0.3125 → «31,2 %» (a narrow no-break space before the sign is replaced by a plain one for CSV)."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "—"
    return f"{share * 100:.{digits}f}".replace(".", ",") + " %"


def format_number(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").replace(".", ",")


def rows_phrase(rows: list[int], count: int | None = None, shown: int = 5) -> str:
    """Spreadsheet rows as a user reads them: «строка 424», «строки 2–4», «строки 2–4, 9»,
    «строки 7053, 8120 … (16)». ``rows`` are the first rows met (in order), ``count`` how many there are in all;
    runs of three or more rows are written as a range, and at most ``shown`` items are listed."""
    count = len(rows) if count is None else count
    if count == 1 and rows:
        return f"строка {rows[0]}"
    runs: list[list[int]] = []
    for row in sorted(set(rows)):
        if runs and row == runs[-1][-1] + 1:
            runs[-1].append(row)
        else:
            runs.append([row])
    items = []
    for run in runs:
        items.extend([f"{run[0]}–{run[-1]}"] if len(run) >= 3 else map(str, run))
    listed = ", ".join(items[:shown])
    if count > len(rows) or len(items) > shown:
        return f"строки {listed} … ({count})"
    return f"строки {listed}"


def format_signed(value: float, digits: int = 1) -> str:
    """«+5,0», «−3,2», «0,0» (a true minus sign)."""
    text = f"{abs(value):.{digits}f}".replace(".", ",")
    if round(value, digits) == 0:
        return text
    return ("+" if value > 0 else "−") + text


def format_value(value: float | None, unit: str, threshold: bool = False) -> str:
    """A value in its unit (``shnor.vocabulary.Unit``): share «31,2 %», change «+5,0 п. п.», count «3», score «54,3»,
    score change «−3,2 балла». A threshold that is a whole percent is shown without decimals («25 %»)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    value = float(value)
    if unit == "share":
        digits = 0 if threshold and round(value * 100, 6).is_integer() else 1
        return format_percent(value, digits)
    if unit == "pp":
        digits = 0 if threshold and round(value * 100, 6).is_integer() else 1
        return f"{format_signed(value * 100, digits)} п. п."
    if unit == "score":
        return f"{value:.1f}".replace(".", ",") if not value.is_integer() else str(int(value))
    if unit == "points":
        digits = 0 if threshold and value.is_integer() else 1
        return f"{format_signed(value, digits)} балла"
    return format_number(value)


_QUOTES = re.compile(r"[\"'«»“”„‟`]")
_SPACES = re.compile(r"\s+")
_DIGITS = re.compile(r"(\d+)")


def natural_key(text: object) -> tuple:
    """Order of names as people read them: Russian alphabetical (case ignored, «ё» right after «е»), quotes and
    spaces after «№» ignored, numbers as numbers — «СОШ № 2» before «СОШ №10», «№ 13» before «№ 50»."""
    plain = _QUOTES.sub("", str(text or "")).lower().replace("ё", "е\uffff").replace("№ ", "№")
    parts = _DIGITS.split(_SPACES.sub(" ", plain).strip())
    return tuple(int(part) if index % 2 else part for index, part in enumerate(parts))


def capital(text: str) -> str:
    """The first letter in upper case, the rest as it is («школа в … (ШНСУ)» → «Школа в … (ШНСУ)»)."""
    return text[:1].upper() + text[1:]
