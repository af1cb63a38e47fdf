"""``shnor document show``: a commented template of the document settings (``--document FILE``)."""

from __future__ import annotations

from pathlib import Path

import typer

from shnor.cli.app import print_or_write, run_guarded

document_app = typer.Typer(
    help="Настройки документов: кто издаёт приказ и подписывает документы (--document ФАЙЛ).",
    no_args_is_help=True,
    options_metavar="[ПАРАМЕТРЫ]",
    subcommand_metavar="КОМАНДА [АРГУМЕНТЫ]...",
)


@document_app.command("show", options_metavar="[ПАРАМЕТРЫ]")
def show_document(
    out: Path | None = typer.Option(None, "--out", "-o", metavar="ФАЙЛ",
                                    help="Записать в файл (UTF-8), а не на экран: так надёжнее, чем «> файл» "
                                    "в PowerShell 5.1, который перекодирует вывод.", show_default=False),
) -> None:
    """Напечатать образец файла настроек документов (YAML с комментариями): скопируйте, заполните и укажите в --document."""  # noqa: E501  the help text: a line break would show in the command list

    def action() -> int:
        from shnor.render.settings import TEMPLATE

        print_or_write(TEMPLATE, out)
        return 0

    run_guarded(action, debug=False)


# The ``--document FILE`` option, the same for identify, validate and render.
DOCUMENT_OPTION = typer.Option(None, "--document", metavar="ФАЙЛ",
                               help="Настройки документов (YAML): орган, номер и дата приказа, кто подписывает "
                               "и готовит справку; образец — «shnor document show». Чего нет, остаётся строкой "
                               "для заполнения.")
