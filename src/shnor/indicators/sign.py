"""One sign of non-objective marking for one school, as computed and as the report keeps it (the same object: a
country has half a million of them). Apart from ``objectivity`` so that reading a saved report needs no pandas."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Sign:
    """One sign of one school: «есть», «нет» or «не рассчитан» (with why), and the figures it was decided on."""

    code: str
    label: str
    status: str
    reason: str = ""
    figures: dict[str, float | None] = field(default_factory=dict)
