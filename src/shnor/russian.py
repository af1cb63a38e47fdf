"""Russian number formatting shared by reasons and documents: «31,2 %», «0,25», «12»."""

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
