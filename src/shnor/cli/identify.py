"""``shnor identify``: read results, apply the rules, write schools.csv and result.json, print a summary."""

from __future__ import annotations

import os
import re
import time
from datetime import UTC, date, datetime
from pathlib import Path

import typer

from shnor.cli import runlog
from shnor.cli.app import imports_begin, imports_done, run_guarded
from shnor.cli.document import DOCUMENT_OPTION
from shnor.cli.options import CONTEXT_OPTION, PROCEDURE_OPTION
from shnor.errors import UserError


def _today(value: str | None) -> date:
    if value:
        text = value.strip()
        russian = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)  # 15.01.2026, as the order's date is written
        try:
            if russian:
                return date(int(russian[3]), int(russian[2]), int(russian[1]))
            return date.fromisoformat(text)
        except ValueError:
            said = "такой даты нет" if russian or re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else "дата не распознана"
            raise UserError(f"--date «{value}»: {said}.", hint="Например: --date 2026-01-15 или --date 15.01.2026.") \
                from None
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC).date()
    return date.today()


def load_settings(document: Path | None):
    """The document settings (--document), read before any data: a wrong file stops the run with its line."""
    if document is None:
        return None
    from shnor.render.settings import load_document_settings

    return load_document_settings(document)


def check_templates(templates: Path | None) -> None:
    if templates is not None and not templates.is_dir():
        raise UserError(f"папка шаблонов «{templates}» не найдена.", hint="Укажите в --templates существующую папку.")


def identify(
    inputs: list[Path] = typer.Argument(..., help="Файлы результатов (csv, xlsx, parquet) или папки с ними.",
                                        show_default=False, metavar="ФАЙЛЫ..."),
    rules: str = typer.Option("default", "--rules", "-r", metavar="ИМЯ|ФАЙЛ",
                              help="Встроенный набор правил (см. «shnor rules list») или путь к файлу YAML."),
    overrides: list[str] = typer.Option([], "--set", metavar="КЛЮЧ=ЗНАЧЕНИЕ",
                                        help="Изменить значение в правилах, например "
                                        "--set statuses.shnor.of[0].of[0].threshold=0.2 (можно несколько раз)."),
    registry: Path | None = typer.Option(None, "--registry", metavar="ФАЙЛ",
                                         help="Реестр школ: логин, наименование, муниципалитет, тип."),
    history: list[Path] = typer.Option([], "--history", metavar="ФАЙЛ",
                                       help="Прежние перечни ШНОР (можно несколько раз)."),
    context: Path | None = CONTEXT_OPTION,
    procedure: str | None = PROCEDURE_OPTION,
    scales: Path | None = typer.Option(None, "--scales", metavar="ФАЙЛ",
                                       help="Шкалы перевода первичного балла в отметку (ВПР, ОГЭ): год, процедура, "
                                       "предмет, класс, максимум, «3», «4», «5»."),
    year: int | None = typer.Option(None, "--year", metavar="ГОД",
                                    help="Последний год окна (по умолчанию — последний год в данных)."),
    out: Path = typer.Option(Path("shnor-out"), "--out", "-o", metavar="ПАПКА",
                             help="Папка результатов; заменяется целиком и атомарно, но файлы, записанные не shnor, "
                             "не удаляются (запуск останавливается, см. --force)."),
    force: bool = typer.Option(False, "--force", metavar="",
                               help="Заменить папку --out, даже если в ней есть файлы, записанные не shnor "
                               "(они будут удалены)."),
    formats: str | None = typer.Option(None, "--format", "-f", metavar="ФОРМАТЫ",
                                       help="Документы через запятую: appendix.docx, appendix.html, appendix.md, "
                                       "note.docx, note.html, cards.docx, cards.html, mentors.docx, mentors.html, "
                                       "mentors.md, indicators.xlsx; all (по умолчанию) или none."),
    templates: Path | None = typer.Option(None, "--templates", metavar="ПАПКА",
                                          help="Папка со своими шаблонами документов (заменяют встроенные "
                                          "с тем же именем)."),
    document: Path | None = DOCUMENT_OPTION,
    today: str | None = typer.Option(None, "--date", metavar="ДАТА",
                                     help="Дата отчёта ГГГГ-ММ-ДД или ДД.ММ.ГГГГ (по умолчанию — сегодня или "
                                          "SOURCE_DATE_EPOCH)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", metavar="", help="Ничего не печатать, кроме ошибок (для cron)."),
    log_file: Path | None = typer.Option(None, "--log-file", metavar="ФАЙЛ",
                                         help="Дописывать в файл строку о каждом запуске: входы, правила, итоги, "
                                         "время."),
    lock_timeout: float = typer.Option(600, "--lock-timeout", metavar="СЕКУНДЫ", min=0,
                                       help="Сколько ждать, если папку --out занял другой запуск."),
    debug: bool = typer.Option(False, "--debug", metavar="", help="Показывать трассировку внутренних ошибок."),
) -> None:
    """Выявить ШНОР и школы в зоне риска и записать schools.csv и result.json."""

    def action() -> int:
        imports_begin()
        from shnor.ingest.ahead import ReadAhead, expand_inputs
        from shnor.render import parse_formats
        from shnor.render.output import check_output, output_lock, write_atomically

        chosen = parse_formats(formats)
        check_templates(templates)
        settings = load_settings(document)
        day = _today(today)
        runlog.check(log_file)
        with output_lock(out, lock_timeout):
            check_output(out, force)
            # The input files start opening on the other cores while the rest of the program imports.
            with ReadAhead(expand_inputs(inputs)[0]) as ahead:
                from shnor.cli.progress import ReadingProgress
                from shnor.render import render_all
                from shnor.report.build import IdentifyRequest
                from shnor.report.build import identify as build_report

                imports_done()
                request = IdentifyRequest(
                    inputs=list(inputs), rules=rules, registry=registry, history=list(history), year=year,
                    scales=scales, context=context, procedure=procedure, overrides=tuple(overrides), today=day,
                )
                with ReadingProgress(enabled=not quiet) as progress:
                    report = build_report(request, progress, ahead)
            written = write_atomically(out, lambda folder: render_all(report, folder, chosen, templates, settings),
                                       force=force)
        seconds = time.monotonic() - started
        counts = " ".join(f"{k}={v}" for k, v in report.summary["by_status"].items())
        names = ",".join(f.file for f in report.inputs if f.role == "results")
        runlog.append(log_file, "identify", "ok", seconds, inputs=names, rules=rules, out=out, statuses=counts)
        if not quiet:
            from shnor.cli.summary import print_summary

            print_summary(report, written, seconds)
        return 0

    def failed(code: int, message: str) -> None:
        runlog.append(log_file, "identify", f"error exit={code}", time.monotonic() - started, warn=False, rules=rules,
                      out=out, message=message)

    started = time.monotonic()
    run_guarded(action, debug, failed)
