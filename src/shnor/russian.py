"""Russian number formatting shared by reasons and documents: «31,2 %», «0,25», «12», «+5,0 п. п.»."""

from __future__ import annotations

import math

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
