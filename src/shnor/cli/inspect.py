"""``shnor inspect``: how each file and sheet was understood, without computing anything."""

from __future__ import annotations

from pathlib import Path

import typer

from shnor.cli.app import run_guarded
from shnor.errors import UserError


def inspect(
    files: list[Path] = typer.Argument(..., help="Файлы результатов или папки с ними.", show_default=False,
                                       metavar="ФАЙЛЫ..."),
    scales: Path | None = typer.Option(None, "--scales", metavar="ФАЙЛ",
                                       help="Шкалы перевода первичного балла в отметку."),
    procedure: str | None = typer.Option(None, "--procedure", metavar="ПРОЦЕДУРА",
                                         help="Процедура, год, предмет и класс для файлов, в которых их нет, "
                                         "например \"ВПР 2021 математика 4\"."),
    debug: bool = typer.Option(False, "--debug", metavar="", help="Показывать трассировку внутренних ошибок."),
) -> None:
    """Показать, как прочитан каждый файл и лист: макет, строка заголовка, столбцы, строки прочитаны и пропущены."""

    def action() -> int:
        from shnor.ingest.ahead import display_names, expand_inputs, skipped_note
        from shnor.ingest.base import ReadOptions
        from shnor.ingest.reading import read_file
        from shnor.ingest.scales import load_scales, shipped_scales
        from shnor.ingest.titles import FACTS, parse_procedure

        given = parse_procedure(procedure) if procedure else None
        options = ReadOptions(scales=load_scales(scales) if scales else shipped_scales(), procedure=given)
        failed = 0
        found, not_tables = expand_inputs(files)
        if not found and not not_tables:
            raise UserError("не найдено ни одного файла.", hint="Укажите файлы .csv, .xlsx, .parquet или папку с ними.")
        names = display_names(files, [*found, *not_tables])
        for path in not_tables:
            typer.echo(f"{names[path]}\n  {skipped_note(path)}")
        for path in found:
            try:
                _, logs = read_file(path, options, in_folder=path not in files, name=names[path])
            except UserError as error:
                typer.echo(f"{names[path]}\n  не прочитан: {error}")
                failed += 1
                continue
            for log in logs:
                where = names[path] if log.sheet is None else f"{names[path]} — лист «{log.sheet}»"
                typer.echo(f"{where}\n  макет: {log.layout}")
                for fact, value in log.procedure.items():
                    typer.echo(f"  {FACTS[fact]}: {value}")
                if log.header_row is not None:
                    typer.echo(f"  строка заголовка: {log.header_row}")
                    for column, header in log.columns.items():
                        typer.echo(f"    {column} ← «{header}»")
                typer.echo(f"  прочитано строк: {log.rows_read}; пропущено: {log.rows_skipped}")
                for issue in log.issues:
                    typer.echo(f"    {issue.text}")
                for note in log.notes:
                    typer.echo(f"  {note}")
        return 2 if failed else 0

    run_guarded(action, debug)
