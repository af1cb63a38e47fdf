"""``shnor validate``: read the inputs and the rules and apply them, writing nothing — for a cron job's dry run."""

from __future__ import annotations

from pathlib import Path

import typer

from shnor.cli.app import imports_begin, imports_done, run_guarded
from shnor.cli.document import DOCUMENT_OPTION
from shnor.cli.identify import load_settings
from shnor.cli.options import CONTEXT_OPTION, PROCEDURE_OPTION


def validate(
    inputs: list[Path] = typer.Argument(..., metavar="ФАЙЛЫ...", help="Файлы результатов или папки с ними.",
                                        show_default=False),
    rules: str = typer.Option("default", "--rules", "-r", metavar="ИМЯ|ФАЙЛ", help="Набор правил или файл YAML."),
    registry: Path | None = typer.Option(None, "--registry", metavar="ФАЙЛ", help="Реестр школ."),
    history: list[Path] = typer.Option([], "--history", metavar="ФАЙЛ", help="Прежние перечни."),
    context: Path | None = CONTEXT_OPTION,
    procedure: str | None = PROCEDURE_OPTION,
    scales: Path | None = typer.Option(None, "--scales", metavar="ФАЙЛ", help="Шкалы перевода баллов в отметки."),
    year: int | None = typer.Option(None, "--year", metavar="ГОД", help="Последний год окна."),
    document: Path | None = DOCUMENT_OPTION,
    debug: bool = typer.Option(False, "--debug", metavar="", help="Показывать трассировку внутренних ошибок."),
) -> None:
    """Проверить входные файлы и правила, ничего не записывая (код 0 — всё читается, 2 — есть ошибка)."""

    def action() -> int:
        imports_begin()
        from shnor.cli.progress import ReadingProgress
        from shnor.report.build import IdentifyRequest, identify

        load_settings(document)
        imports_done()
        request = IdentifyRequest(
            inputs=list(inputs), rules=rules, registry=registry, history=list(history), scales=scales, context=context,
            procedure=procedure, year=year
        )
        with ReadingProgress(enabled=True) as progress:
            report = identify(request, progress)
        files = [f for f in report.inputs if f.role == "results"]
        typer.echo(
            f"Проверено: файлов результатов {len(files)}, школ {report.summary['total']}, "
            f"правила «{report.rules['name']}», "
            f"замечаний {len(report.warnings)}. Ошибок нет."
        )
        for warning in report.warnings[:20]:
            typer.echo(f"  • {warning}")
        return 0

    run_guarded(action, debug)
