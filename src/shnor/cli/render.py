"""``shnor render result.json``: the documents again from a saved result, without reading or computing anything."""

from __future__ import annotations

from pathlib import Path

import typer

from shnor.cli.app import run_guarded
from shnor.cli.identify import check_templates


def render(
    result: Path = typer.Argument(..., metavar="RESULT.JSON", help="result.json прежнего запуска shnor identify."),
    out: Path = typer.Option(Path("shnor-out"), "--out", "-o", metavar="ПАПКА", help="Папка документов; заменяется целиком и атомарно."),
    formats: str | None = typer.Option(None, "--format", "-f", metavar="ФОРМАТЫ", help="Документы через запятую (как в identify); по умолчанию все."),
    templates: Path | None = typer.Option(None, "--templates", metavar="ПАПКА", help="Папка со своими шаблонами документов."),
    quiet: bool = typer.Option(False, "--quiet", "-q", metavar="", help="Ничего не печатать, кроме ошибок."),
    debug: bool = typer.Option(False, "--debug", metavar="", help="Показывать трассировку внутренних ошибок."),
) -> None:
    """Отрисовать документы заново по result.json (например, со своими шаблонами)."""

    def action() -> int:
        from shnor.render import parse_formats, render_all
        from shnor.render.output import write_atomically
        from shnor.report.model import Report

        chosen = parse_formats(formats)
        check_templates(templates)
        report = Report.load(result)
        written = write_atomically(out, lambda folder: render_all(report, folder, chosen, templates))
        if not quiet:
            typer.echo("Записано: " + ", ".join(str(p) for p in written))
        return 0

    run_guarded(action, debug)
