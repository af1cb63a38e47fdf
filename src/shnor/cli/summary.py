"""The terminal summary of a run: counts by status and municipality, the ШНОР schools, warnings, what was written
and which file to open in Excel."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.table import Table

from shnor.cli.terminal import console as terminal
from shnor.render.formatting import natural_key
from shnor.report.model import Report
from shnor.vocabulary import Status

_WARNINGS_SHOWN = 15
_SCHOOLS_SHOWN = 20
EXCEL_FILE = "indicators.xlsx"


def print_summary(report: Report, written: list[Path], seconds: float) -> None:
    console = terminal()
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
        "[bold]Итого[/bold]", *(f"[bold]{totals[s.value]}[/bold]" for s in Status),
        f"[bold]{report.summary['total']}[/bold]"
    )
    console.print(table)
    _print_shnor(console, report)
    if report.warnings:
        err = terminal(stderr=True)
        err.print(f"[yellow]Замечания ({len(report.warnings)}):[/yellow]")
        for warning in report.warnings[:_WARNINGS_SHOWN]:
            err.print(f"  • {warning}", markup=False)
        if len(report.warnings) > _WARNINGS_SHOWN:
            err.print("  … остальные — в result.json (warnings)")
    print_written(console, written)
    console.print(f"Готово за {seconds:.1f} с.".replace(".", ",", 1))


def _print_shnor(console: Console, report: Report) -> None:
    """The list itself, as the order will have it: by municipality, then by name; the first twenty."""
    listed = sorted(
        (s for s in report.schools if s.status == Status.SHNOR),
        key=lambda s: (natural_key(s.municipality), natural_key(s.school_name), s.school_id),
    )
    if not listed:
        console.print("ШНОР не выявлено.")
        return
    console.print(f"[bold]ШНОР ({len(listed)}):[/bold]")
    for number, school in enumerate(listed[:_SCHOOLS_SHOWN], start=1):
        name = school.school_name or school.school_id
        console.print(f"  {number}. {name} — {school.municipality or '—'}", markup=False, soft_wrap=True)
    if len(listed) > _SCHOOLS_SHOWN:
        console.print(f"  … и ещё {len(listed) - _SCHOOLS_SHOWN}: весь перечень — в {EXCEL_FILE} и schools.csv")


def print_written(console: Console, written: list[Path]) -> None:
    """The folder once, the file names after it; which file an analyst opens in Excel."""
    if not written:
        return
    folder = written[0].parent
    console.print(f"Записано в «{folder}»: " + ", ".join(p.name for p in written), markup=False, soft_wrap=True)
    if any(p.name == EXCEL_FILE for p in written):
        console.print(f"Для Excel откройте {EXCEL_FILE} (schools.csv и result.json — для программ).", soft_wrap=True)
    elif any(p.name == "schools.csv" for p in written):
        hint = f"Для Excel добавьте --format {EXCEL_FILE} (schools.csv — в UTF-8, для программ)."
        console.print(hint, soft_wrap=True)
