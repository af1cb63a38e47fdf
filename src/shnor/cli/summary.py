"""The terminal summary of a run: counts by status and municipality, warnings, files written."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from shnor.report.model import Report
from shnor.vocabulary import Status

_WARNINGS_SHOWN = 15


def print_summary(report: Report, written: list[Path], seconds: float) -> None:
    console = Console(highlight=False)
    window = report.methodology["window"]
    span = f"{window[0]}–{window[-1]}" if len(window) > 1 else str(window[0])
    console.print(f"[bold]shnor {report.tool['version']}[/bold] · правила «{report.rules['name']}» · окно {span}")
    table = Table(title="Школы по статусам", title_justify="left")
    table.add_column("Муниципалитет")
    for status in Status:
        table.add_column(status.label, justify="right")
    table.add_column("всего", justify="right")
    for row in report.summary["by_municipality"]:
        table.add_row(row["municipality"] or "—", *(str(row[s.value]) for s in Status), str(row["total"]))
    totals = report.summary["by_status"]
    table.add_row(
        "[bold]Итого[/bold]", *(f"[bold]{totals[s.value]}[/bold]" for s in Status), f"[bold]{report.summary['total']}[/bold]"
    )
    console.print(table)
    if report.warnings:
        err = Console(stderr=True, highlight=False)
        err.print(f"[yellow]Замечания ({len(report.warnings)}):[/yellow]")
        for warning in report.warnings[:_WARNINGS_SHOWN]:
            err.print(f"  • {warning}", markup=False)
        if len(report.warnings) > _WARNINGS_SHOWN:
            err.print("  … остальные — в result.json (warnings)")
    console.print("Записано: " + ", ".join(str(p) for p in written), markup=False)
    console.print(f"Готово за {seconds:.1f} с.")
