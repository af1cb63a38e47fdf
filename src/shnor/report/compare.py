"""What-if: how the lists change between two reports (two rules, a moved threshold, two years)."""

from __future__ import annotations

from dataclasses import dataclass

from shnor.report.model import Report
from shnor.vocabulary import Status


@dataclass
class Movement:
    school_id: str
    school_name: str
    municipality: str
    before: str
    after: str


def compare(a: Report, b: Report) -> list[Movement]:
    """Every school whose status differs between ``a`` and ``b`` (schools in only one report count as absent)."""
    before = {s.school_id: s for s in a.schools}
    after = {s.school_id: s for s in b.schools}
    moves = []
    for school_id in sorted(set(before) | set(after)):
        old, new = before.get(school_id), after.get(school_id)
        old_status, new_status = (old.status if old else "—"), (new.status if new else "—")
        if old_status != new_status:
            named = new or old
            moves.append(Movement(school_id, named.school_name, named.municipality, old_status, new_status))
    return moves


def different_data(a: Report, b: Report) -> str | None:
    """Two reports that share fewer than half the schools of the smaller one were made from different data (another
    region, another assessment): every school would show as entering or leaving. Said, not listed silently."""
    first, second = {s.school_id for s in a.schools}, {s.school_id for s in b.schools}
    shared = len(first & second)
    if not first or not second or shared * 2 >= min(len(first), len(second)):
        return None
    return (
        f"в A и B общих школ {shared} из {len(first)} и {len(second)}: похоже, они рассчитаны по разным данным "
        "(другой регион, другие файлы); школы, которых нет в одном из них, показаны как «нет в данных»"
    )


def entered_and_left(moves: list[Movement], status: Status) -> tuple[list[Movement], list[Movement]]:
    return [m for m in moves if m.after == status], [m for m in moves if m.before == status]
