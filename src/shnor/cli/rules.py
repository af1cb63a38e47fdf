"""``shnor rules list`` and ``shnor rules show``."""

from __future__ import annotations

from pathlib import Path

import typer

from shnor.cli.app import print_or_write, run_guarded

rules_app = typer.Typer(
    help="Наборы правил (критерии отнесения к ШНОР и зоне риска).",
    no_args_is_help=True,
    options_metavar="[ПАРАМЕТРЫ]",
    subcommand_metavar="КОМАНДА [АРГУМЕНТЫ]...",
)


@rules_app.command("list", options_metavar="[ПАРАМЕТРЫ]")
def list_rules() -> None:
    """Показать встроенные наборы правил."""

    def action() -> int:
        from shnor.rules.loader import load_rules, preset_names

        for name in preset_names():
            rules = load_rules(name).rules
            typer.echo(f"{name:20} {rules.title}")
        return 0

    run_guarded(action, debug=False)


@rules_app.command("show", options_metavar="[ПАРАМЕТРЫ]")
def show_rules(
    name: str = typer.Argument(..., metavar="ИМЯ", help="Имя встроенного набора или путь к файлу YAML."),
    out: Path | None = typer.Option(None, "--out", "-o", metavar="ФАЙЛ",
                                    help="Записать в файл (UTF-8), а не на экран: так надёжнее, чем «> файл» "
                                    "в PowerShell 5.1, который перекодирует вывод.", show_default=False),
) -> None:
    """Напечатать набор правил (YAML с комментариями) и справку по видам условий — его можно скопировать и изменить."""

    def action() -> int:
        from shnor.rules.loader import load_rules
        from shnor.rules.reference import reference

        loaded = load_rules(name)
        if loaded.encoding_note:
            typer.echo(f"Замечание: {loaded.encoding_note}.", err=True)
        text = loaded.text if loaded.text.endswith("\n") else loaded.text + "\n"
        print_or_write(text + reference(), out)
        return 0

    run_guarded(action, debug=False)
