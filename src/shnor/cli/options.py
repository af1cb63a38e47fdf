"""Options that several commands take with the same words (one definition, one help text)."""

from __future__ import annotations

import typer

CONTEXT_OPTION = typer.Option(None, "--context", metavar="ФАЙЛ",
                              help="Контекстные данные ОО (логин, тип населённого пункта, численность, "
                              "удалённость, дефицит педагогов, доля ОВЗ).")
PROCEDURE_OPTION = typer.Option(None, "--procedure", metavar="ПРОЦЕДУРА",
                                help="Процедура, год, предмет и класс для файлов, в названии, папках "
                                "и заголовках которых их нет, например \"ВПР 2021 математика 4\".")
