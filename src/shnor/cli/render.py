"""``shnor render result.json``: the documents again from a saved result, without reading or computing anything."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from shnor.cli.app import run_guarded
from shnor.cli.document import DOCUMENT_OPTION
from shnor.cli.identify import check_templates, load_settings

SUFFIX = "-документы"


def default_out(result: Path) -> Path:
    """A new folder beside the result: next to shnor's output folder («shnor-out/result.json» → «shnor-out-документы»),
    or beside the file itself where it lies among the user's own files («Рабочий стол/result.json» → «Рабочий
    стол/result-документы»)."""
    from shnor.render.output import foreign_files

    folder = (result if result.is_dir() else result.parent).resolve()
    if result.is_dir() or not foreign_files(folder) or not folder.name:
        return folder.parent / f"{folder.name or 'shnor'}{SUFFIX}"
    return folder / f"{result.stem}{SUFFIX}"


@contextmanager
def no_collector() -> Iterator[None]:
    """No garbage collector while a saved report is rendered: a country's report is millions of objects that live to
    the end, and every full collection the documents set off would go through them all again (a second and more).
    What the documents leave behind is freed as it goes out of use all the same: the collector only finds cycles
    (the example region's documents: ≈ 20 MB more at the peak). Then what is left is frozen (as ``imports_done``
    does) rather than looked at once more: by the first collection after this (half a second for a country), and by
    the last one, as the process ends. Only where the command is the whole process: in one that goes on (tests,
    ``CliRunner``, a script), the cycles the documents left while the collector was off would be frozen with the rest
    and never freed (≈ 30 MB a render of the example region)."""
    from shnor.cli.app import whole_process
    from shnor.report.model import collector_paused

    with collector_paused():
        try:
            yield
        finally:
            if whole_process():
                gc.freeze()


def render(
    result: Path = typer.Argument(..., metavar="RESULT.JSON",
                                  help="result.json прежнего запуска shnor identify (или папка с ним)."),
    out: Path | None = typer.Option(None, "--out", "-o", metavar="ПАПКА",
                                    help=f"Папка документов (по умолчанию — новая папка «…{SUFFIX}» рядом с папкой "
                                    "результатов или рядом с result.json); заменяется атомарно. В папку самого "
                                    "result.json документы пишутся, только если указать её здесь: тогда остальные "
                                    "файлы shnor в ней сохраняются.", show_default=False),
    formats: str | None = typer.Option(None, "--format", "-f", metavar="ФОРМАТЫ",
                                       help="Документы через запятую (как в identify); по умолчанию все."),
    templates: Path | None = typer.Option(None, "--templates", metavar="ПАПКА",
                                          help="Папка со своими шаблонами документов."),
    document: Path | None = DOCUMENT_OPTION,
    force: bool = typer.Option(False, "--force", metavar="",
                               help="Заменить папку --out, даже если в ней есть файлы, записанные не shnor "
                               "(они будут удалены)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", metavar="", help="Ничего не печатать, кроме ошибок."),
    debug: bool = typer.Option(False, "--debug", metavar="", help="Показывать трассировку внутренних ошибок."),
) -> None:
    """Отрисовать документы заново по result.json (например, со своими шаблонами)."""

    def action() -> int:
        from shnor.render import parse_formats, render_all
        from shnor.render.output import check_output, output_lock, write_atomically
        from shnor.report.model import Report

        chosen = parse_formats(formats)
        check_templates(templates)
        settings = load_settings(document)
        with no_collector():
            report = Report.load(result)
            report.procedures.check()  # a damaged procedures.parquet is named before the folder is touched
            target = out if out is not None else default_out(result)
            own_folder = target.resolve() == (result if result.is_dir() else result.parent).resolve()
            with output_lock(target, timeout=600):
                check_output(target, force)
                written = write_atomically(
                    target, lambda folder: render_all(report, folder, chosen, templates, settings),
                    force=force, keep_others=own_folder,
                )
        if not quiet:
            from shnor.cli.summary import print_written
            from shnor.cli.terminal import console

            print_written(console(), written)
        return 0

    run_guarded(action, debug)
