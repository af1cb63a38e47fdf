"""``shnor compare A B``: which schools enter or leave the lists when the rules (or a threshold) change.

A and B are each a result.json of an earlier run, or rules (a preset name or a YAML file) applied to the given
inputs; ``--set`` changes a value of B's rules only.
"""

from __future__ import annotations

from pathlib import Path

import typer

from shnor.cli.app import run_guarded
from shnor.cli.options import CONTEXT_OPTION


def compare(
    first: str = typer.Argument(..., metavar="A",
                                help="result.json (или папка с ним) или правила (имя набора или файл YAML)."),
    second: str = typer.Argument(..., metavar="B", help="result.json или правила; к ним применяются --set."),
    inputs: list[Path] = typer.Argument(None, metavar="ФАЙЛЫ...", help="Файлы результатов, если A или B — правила.",
                                        show_default=False),
    overrides: list[str] = typer.Option([], "--set", metavar="КЛЮЧ=ЗНАЧЕНИЕ", help="Изменить значение в правилах B."),
    registry: Path | None = typer.Option(None, "--registry", metavar="ФАЙЛ", help="Реестр школ."),
    history: list[Path] = typer.Option([], "--history", metavar="ФАЙЛ", help="Прежние перечни."),
    context: Path | None = CONTEXT_OPTION,
    scales: Path | None = typer.Option(None, "--scales", metavar="ФАЙЛ", help="Шкалы."),
    year: int | None = typer.Option(None, "--year", metavar="ГОД", help="Последний год окна."),
    debug: bool = typer.Option(False, "--debug", metavar="", help="Показывать трассировку внутренних ошибок."),
) -> None:
    """Сравнить перечни при разных правилах или порогах: кто входит в перечни и кто выходит."""

    def action() -> int:
        from shnor.errors import UserError
        from shnor.report.build import IdentifyRequest, identify
        from shnor.report.compare import compare as diff
        from shnor.report.compare import different_data, entered_and_left
        from shnor.report.model import Report
        from shnor.vocabulary import Status

        def report_of(spec: str, sets: list[str]):
            if spec.endswith(".json") or Path(spec).is_dir():  # a result.json, or the folder identify wrote
                if sets:
                    raise UserError("--set меняет правила, а B — готовый result.json.", hint="Укажите B как правила.")
                return Report.load(Path(spec), procedures=False)  # statuses only
            if not inputs:
                raise UserError(f"«{spec}» — правила: укажите файлы результатов после A и B.")
            request = IdentifyRequest(inputs=list(inputs), rules=spec, registry=registry, history=list(history),
                                      scales=scales, context=context, year=year, overrides=tuple(sets))
            return identify(request)

        a, b = report_of(first, []), report_of(second, list(overrides))
        moves = diff(a, b)
        typer.echo(f"A: {a.rules['origin']} · B: {b.rules['origin']}")
        warning = different_data(a, b)
        if warning:
            typer.echo(f"Внимание: {warning}.")
        for status in (Status.SHNOR, Status.RISK):
            entered, left = entered_and_left(moves, status)
            count_a = a.summary["by_status"].get(status.value, 0)
            count_b = b.summary["by_status"].get(status.value, 0)
            typer.echo(f"\n{status.label}: {count_a} → {count_b}")
            for title, group in (("входят", entered), ("выходят", left)):
                for m in group:
                    typer.echo(f"  {title}: {m.school_name or m.school_id} ({m.municipality or '—'}) — "
                               f"{_label(m.before)} → {_label(m.after)}")
            if not entered and not left:
                typer.echo("  без изменений")
        return 0

    run_guarded(action, debug)


def _label(status: str) -> str:
    """«shnor» → «ШНОР»; a school that one of the two reports does not have is «нет в данных»."""
    from shnor.vocabulary import Status

    return Status(status).label if status in Status._value2member_map_ else "нет в данных"
