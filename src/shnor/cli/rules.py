"""``shnor rules list`` and ``shnor rules show``."""

from __future__ import annotations

import typer

from shnor.cli.app import run_guarded

rules_app = typer.Typer(help="Наборы правил (критерии отнесения к ШНОР и зоне риска).", no_args_is_help=True)


@rules_app.command("list")
def list_rules() -> None:
    """Показать встроенные наборы правил."""

    def action() -> int:
        from shnor.rules.loader import load_rules, preset_names

        for name in preset_names():
            rules = load_rules(name).rules
            typer.echo(f"{name:20} {rules.title}")
        return 0

    run_guarded(action, debug=False)


@rules_app.command("show")
def show_rules(name: str = typer.Argument(..., metavar="ИМЯ", help="Имя встроенного набора или путь к файлу YAML.")) -> None:
    """Напечатать набор правил (YAML с комментариями) и справку по видам условий — его можно скопировать и изменить."""

    def action() -> int:
        from shnor.rules.loader import load_rules
        from shnor.rules.reference import reference

        text = load_rules(name).text
        typer.echo(text if text.endswith("\n") else text + "\n", nl=False)
        typer.echo(reference(), nl=False)
        return 0

    run_guarded(action, debug=False)
