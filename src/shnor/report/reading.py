"""How the inputs were read, for the report: per sheet, the rows taken, set aside and left out (the note's data
section and result.json), and where a table's score bands made the ЕГЭ «high» boundary of the rules impossible —
so that the methodology and the reasons name the boundary actually used, or say the measure is not computed."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from shnor.ingest.base import SheetLog
from shnor.rules.evaluate import Evaluation
from shnor.rules.words import points
from shnor.vocabulary import Assessment


@dataclass(frozen=True)
class HighBoundary:
    """A sheet whose score bands have no edge at the rules' boundary: per subject, the boundary used (None: «high»
    not computed)."""

    where: str
    year: int
    threshold: float
    bands: str
    used: dict[str, int | None]

    @property
    def text(self) -> str:
        taken = sorted({b for b in self.used.values() if b is not None})
        what = (
            f"высокие результаты ЕГЭ взяты от {', '.join(map(str, taken))} баллов"
            if taken else "высокие результаты ЕГЭ не рассчитаны"
        )
        boundary = points(int(self.threshold)) if self.threshold == int(self.threshold) else f"{self.threshold:g} балла"
        return f"{self.where}: в таблице нет границы {boundary} ЕГЭ (её полосы: {self.bands}) — {what}"


def high_boundaries(logs: list[SheetLog], threshold: float) -> list[HighBoundary]:
    found = []
    for log in logs:
        if log.high_boundary:
            where = log.file if log.sheet is None else f"{log.file} [{log.sheet}]"
            found.append(HighBoundary(where, log.high_boundary["year"], threshold, log.high_boundary["bands"],
                                      log.high_boundary["used"]))
    return found


def boundaries_text(boundaries: list[HighBoundary]) -> str:
    """The methodology's words for the tables where another boundary was used (or none could be)."""
    if not boundaries:
        return ""
    return "; где в таблице нет этой границы, — так: " + "; ".join(b.text for b in boundaries)


def qualify_high_reasons(evaluation: Evaluation, window_procedures: pd.DataFrame,
                         boundaries: list[HighBoundary]) -> None:
    """A school whose status rests on a share of high results that counts ЕГЭ from another boundary (or leaves a
    subject out) says so in its reasons."""
    keys = {(b.year, subject): (b, used) for b in boundaries for subject, used in b.used.items()}
    if not keys:
        return
    ege = window_procedures.loc[window_procedures["assessment"] == Assessment.EGE, ["school_id", "year", "subject"]]
    said: dict[str, dict[str, list[str]]] = {}
    for school, year, subject in ege.itertuples(index=False, name=None):
        found = keys.get((int(year), subject))
        leaves = evaluation.explanations.get(school, [])
        if found is None or not any("high" in str(getattr(leaf.criterion, "indicator", "")) for leaf in leaves):
            continue
        boundary, used = found
        how = f"от {used} баллов" if used is not None else "не рассчитаны"
        said.setdefault(school, {}).setdefault(f"{how}: в таблице нет границы {boundary.threshold:g}", []).append(
            f"«{subject}» {year}"
        )
    for school, by_how in said.items():
        notes = "; ".join(f"{how} — {', '.join(which)}" for how, which in by_how.items())
        evaluation.reasons[school] += f" (высокие результаты ЕГЭ {notes})"


def reading_section(logs: list[SheetLog]) -> list[dict]:
    """Per sheet that was read or passed over: its layout, rows read, and each kind of row issue as a line."""
    return [
        {
            "file": log.file,
            "sheet": log.sheet,
            "layout": log.layout,
            "rows_read": log.rows_read,
            "issues": [issue.text for issue in log.issues],
            "notes": [note for note in log.notes if note.startswith(("лист пропущен", "файл пропущен"))],
        }
        for log in logs
        if log.path
    ]
