"""Russian for the strings that Click and Typer print themselves (help headings, usage errors).

Both libraries look their strings up through ``gettext`` at the moment they print them; with no Russian catalogue
shipped by either, the lookup here returns our translation. Strings not listed stay as they are.

Typer's help and error panels (``typer.rich_utils``, which loads rich, markdown-it and pygments: a tenth of the start
of ``shnor identify``) are put in Russian when Typer first imports that module to print something, not before.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import re
import sys

_RUSSIAN = {
    "Show this message and exit.": "Показать эту справку и выйти.",
    "Error: {message}": "Ошибка: {message}",
    "Try '{command} {option}' for help.": "Справка: «{command} {option}».",
    "Invalid value: {message}": "Недопустимое значение: {message}",
    "Invalid value for {param_hint}: {message}": "Недопустимое значение {param_hint}: {message}",
    "Missing argument": "Не указан аргумент",
    "Missing option": "Не указан параметр",
    "Missing parameter": "Не указан параметр",
    "Missing parameter: {param_name}": "Не указан параметр: {param_name}",
    "No such option {name!r}.": "Нет параметра «{name}».",
    "No such command {name!r}.": "Нет команды «{name}».",
    "Missing command.": "Не указана команда.",
    "Aborted!": "Прервано.",
    "Options": "Параметры",
    "Arguments": "Аргументы",
    "Commands": "Команды",
    "required": "обязательно",
    "default: {default}": "по умолчанию: {default}",
    "Did you mean {possibility}?": "Возможно, имелось в виду {possibility}?",
    "Usage:": "Использование:",
}


def _translate(message: str) -> str:
    return _RUSSIAN.get(message, message)


# Typer carries its own copy of Click (``typer._click``).
_MODULES = (
    "typer.core", "typer.main",
    "typer._click.core", "typer._click.decorators", "typer._click.exceptions", "typer._click.formatting",
    "typer._click.parser",
)


_PHRASES = (
    (re.compile(r"^Missing argument '([^']+)'\.?"), r"Не указан аргумент «\1»."),
    (re.compile(r"^Missing option '([^']+)'\.?"), r"Не указан параметр «\1»."),
    (re.compile(r"^Missing parameter:? ?"), "Не указан параметр "),
    (re.compile(r"^No such option: (\S+)"), r"Нет параметра «\1»"),
    (re.compile(r"\(Possible options: ([^)]*)\)"), r"(возможно: \1)"),
    (re.compile(r"^No such command '([^']+)'\.?"), r"Нет команды «\1»."),
    (re.compile(r"^Invalid value for '([^']+)': "), r"Недопустимое значение «\1»: "),
    (re.compile(r"^Invalid value: "), "Недопустимое значение: "),
    (re.compile(r"Input should be a valid integer.*"), "ожидается целое число."),
    (re.compile(r"Input should be a valid number.*"), "ожидается число."),
    (re.compile(r"Input should be greater than or equal to (\S+?)\.?$"), r"ожидается число не меньше \1."),
    (re.compile(r"^Got unexpected extra arguments? \((.*)\)"), r"Лишние аргументы: \1"),
    (re.compile(r"^Option '([^']+)' requires an argument\.?"), r"У параметра «\1» нет значения."),
    (re.compile(r"^Missing command\.?"), "Не указана команда."),
)


def translate_message(text: str) -> str:
    """Click's usage errors, which this copy of Click writes in English without gettext, in Russian."""
    for pattern, russian in _PHRASES:
        text = pattern.sub(russian, text)
    return text


def _russian_messages(module) -> None:
    for cls in vars(module).values():
        if isinstance(cls, type) and "format_message" in vars(cls) and not vars(cls).get("_shnor_messages", False):
            original = cls.format_message

            def format_message(self, _original=original) -> str:
                return translate_message(_original(self))

            cls.format_message = format_message
            cls._shnor_messages = True


def _russian_usage(formatter: type) -> None:
    original = formatter.write_usage

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        original(self, prog, args, "Использование: " if prefix is None else prefix)

    formatter.write_usage = write_usage
    formatter._shnor_usage = True


def _russian_help_option(command: type) -> None:
    """Typer's copy of Click writes the help option's text in English without gettext: set it after creation."""
    original = command.get_help_option

    def get_help_option(self, ctx):
        option = original(self, ctx)
        if option is not None:
            option.help = _RUSSIAN["Show this message and exit."]
            option.metavar = ""
        return option

    command.get_help_option = get_help_option
    command._shnor_help = True


def install() -> None:
    for name in _MODULES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "_"):
            module._ = _translate  # type: ignore[attr-defined]
        if name.endswith("exceptions"):
            _russian_messages(module)
        formatter = getattr(module, "HelpFormatter", None)
        if name.endswith("_click.formatting") and formatter is not None and "_shnor_usage" not in vars(formatter):
            _russian_usage(formatter)
        command = getattr(module, "Command", None)
        if name.endswith("_click.core") and command is not None and not hasattr(command, "_shnor_help"):
            _russian_help_option(command)
    if "typer.rich_utils" in sys.modules:
        _russian_panels(sys.modules["typer.rich_utils"])
    elif not any(isinstance(finder, _PanelsOnImport) for finder in sys.meta_path):
        sys.meta_path.insert(0, _PanelsOnImport())
    # the argument's type («<list[Path]>») says nothing to an analyst: its name and help do
    import typer.core

    typer.core.TyperArgument.display_type_rich = lambda self, ctx: None
    typer.core.TyperArgument._usage_display_name = _usage_name


def _russian_panels(rich_utils) -> None:
    rich_utils._ = _translate  # type: ignore[attr-defined]
    rich_utils.ARGUMENTS_PANEL_TITLE = "Аргументы"
    rich_utils.OPTIONS_PANEL_TITLE = "Параметры"
    rich_utils.COMMANDS_PANEL_TITLE = "Команды"
    rich_utils.ERRORS_PANEL_TITLE = "Ошибка"
    rich_utils.DEFAULT_STRING = "[по умолчанию: {}]"
    rich_utils.REQUIRED_LONG_STRING = "[обязательно]"
    rich_utils.ABORTED_TEXT = "Прервано."
    rich_utils.RICH_HELP = "Справка: [blue]«{command_path} {help_option}»[/]."


class _PanelsOnImport(importlib.abc.MetaPathFinder):
    """Finds ``typer.rich_utils`` the usual way, once, and puts its panels in Russian right after it has loaded."""

    def find_spec(self, name, path, target=None):
        if name != "typer.rich_utils":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _LoadThenPatch(spec.loader)
        return spec


class _LoadThenPatch(importlib.abc.Loader):
    def __init__(self, loader) -> None:
        self._loader = loader

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        self._loader.exec_module(module)
        _russian_panels(module)

    def __getattr__(self, name: str):  # get_source and the rest, for tracebacks and inspect
        return getattr(self._loader, name)


def _usage_name(argument) -> str:
    """An argument in the usage line as a reader expects it: «ФАЙЛЫ...» when required, «[ФАЙЛЫ...]» when not (Typer
    writes «{ФАЙЛЫ...}...»)."""
    name = argument.display_name_raw
    if argument.nargs != 1 and not name.endswith("..."):
        name += "..."
    return name if argument.required else f"[{name}]"
