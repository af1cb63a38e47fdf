"""``shnor inspect``: how each file and sheet was understood, without computing anything."""

from __future__ import annotations

from pathlib import Path

import typer

from shnor.cli.app import run_guarded
from shnor.errors import UserError


def inspect(
    files: list[Path] = typer.Argument(..., help="Файлы результатов или папки с ними.", show_default=False, metavar="ФАЙЛЫ..."),
    scales: Path | None = typer.Option(None, "--scales", metavar="ФАЙЛ", help="Шкалы перевода первичного балла в отметку."),
    debug: bool = typer.Option(False, "--debug", metavar="", help="Показывать трассировку внутренних ошибок."),
) -> None:
    """Показать, как прочитан каждый файл и лист: макет, строка заголовка, столбцы, строки прочитаны и пропущены."""

    def action() -> int:
        from shnor.ingest.ahead import expand_inputs
        from shnor.ingest.base import ReadOptions
        from shnor.ingest.reading import read_file
        from shnor.ingest.scales import load_scales, shipped_scales

        options = ReadOptions(scales=load_scales(scales) if scales else shipped_scales())
        failed = 0
        found, not_tables = expand_inputs(files)
        if not found and not not_tables:
            raise UserError("не найдено ни одного файла.", hint="Укажите файлы .csv, .xlsx, .parquet или папку с ними.")
        for path in not_tables:
            typer.echo(f"{path.name}\n  пропущен: не таблица")
        for path in found:
            try:
                _, logs = read_file(path, options)
            except UserError as error:
                typer.echo(f"{path.name}\n  не прочитан: {error}")
                failed += 1
                continue
            for log in logs:
                where = path.name if log.sheet is None else f"{path.name} — лист «{log.sheet}»"
                typer.echo(f"{where}\n  макет: {log.layout}")
                if log.header_row is not None:
                    typer.echo(f"  строка заголовка: {log.header_row}")
                    for column, header in log.columns.items():
                        typer.echo(f"    {column:14} ← «{header}»")
                typer.echo(f"  прочитано строк: {log.rows_read}; пропущено: {log.rows_skipped}")
                for reason, rows in log.skipped.items():
                    shown = ", ".join(map(str, rows[:10])) + (" …" if len(rows) > 10 else "")
                    typer.echo(f"    {reason}: {len(rows)} (строки {shown})")
                for note in log.notes:
                    typer.echo(f"  {note}")
        return 2 if failed else 0

    run_guarded(action, debug)
