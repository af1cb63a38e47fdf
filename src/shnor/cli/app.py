"""The ``shnor`` command. Heavy libraries (pandas, pyarrow) are imported only inside commands that read data."""

from __future__ import annotations

import errno
import io
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import typer

from shnor import __version__
from shnor.cli import russian_help
from shnor.errors import UserError

russian_help.install()

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USER = 2
EXIT_BUSY = 3
EXIT_PIPE = 141  # what a shell shows for a program whose reader went away (128 + SIGPIPE), as `git log | head` does

# What the computer, not shnor, refused while writing: said in Russian as the user's to fix (exit 2), not as a bug.
_ENVIRONMENT_ERRORS = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, getattr(errno, "EDQUOT", errno.ENOSPC)}

app = typer.Typer(
    name="shnor",
    help=(
        "shnor — выявление школ с низкими образовательными результатами (ШНОР) и школ в зоне риска "
        "по результатам ВПР, ОГЭ и ЕГЭ."
    ),
    no_args_is_help=True,
    add_completion=False,
    options_metavar="[ПАРАМЕТРЫ]",
    subcommand_metavar="КОМАНДА [АРГУМЕНТЫ]...",
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"shnor {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, metavar="", help="Показать версию и выйти."
    ),
) -> None:
    """shnor — выявление ШНОР и школ в зоне риска по результатам ВПР, ОГЭ и ЕГЭ."""


def run_guarded(
    action: Callable[[], int | None], debug: bool, on_failure: Callable[[int, str], None] | None = None
) -> NoReturn:
    """Run a command body: a user error → its Russian message and exit 2 (3 if the output folder is busy);
    a bug → exit 1 (traceback with --debug). ``on_failure`` is told the code and the message (for --log-file)."""
    from shnor.render.output import BusyError

    try:
        try:
            code = action() or EXIT_OK
        finally:
            _collect_again()
    except UserError as error:
        typer.echo(f"Ошибка: {error}", err=True)
        code = EXIT_BUSY if isinstance(error, BusyError) else EXIT_USER
        if on_failure is not None:
            on_failure(code, str(error).splitlines()[0])
        raise typer.Exit(code) from None
    except KeyboardInterrupt:
        typer.echo("Прервано.", err=True)
        raise typer.Exit(130) from None
    except BrokenPipeError:
        _stdout_to_nowhere()
        raise typer.Exit(EXIT_PIPE) from None
    except OSError as error:
        if error.errno not in _ENVIRONMENT_ERRORS or debug:
            raise
        from shnor.render.output import why

        where = f"«{error.filename}»: " if error.filename else ""
        typer.echo(f"Ошибка: {where}{why(error)}.", err=True)
        if on_failure is not None:
            on_failure(EXIT_USER, why(error))
        raise typer.Exit(EXIT_USER) from None
    except Exception as error:
        if on_failure is not None:
            on_failure(EXIT_INTERNAL, type(error).__name__)
        if debug:
            raise
        typer.echo(
            f"Внутренняя ошибка shnor ({type(error).__name__}). Это ошибка программы, а не ваших данных; "
            "запустите команду с --debug и пришлите вывод разработчикам.",
            err=True,
        )
        raise typer.Exit(EXIT_INTERNAL) from None
    raise typer.Exit(code)


def print_or_write(text: str, out: Path | None) -> None:
    """A text for the user to copy (a rules file, the document settings): printed, or written to ``out`` in UTF-8 —
    safer than «> файл» in PowerShell 5.1, which re-encodes what a program prints."""
    from shnor.render.output import why

    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8", newline="\n")
    except OSError as error:
        raise UserError(f"файл «{out}» не записан: {why(error)}.", hint="Укажите в --out другой путь.") from None
    typer.echo(f"Записано в UTF-8: {out}", err=True)


def imports_begin() -> None:
    """Called before a command imports what it works with (pandas, pyarrow, the rules): the garbage collector is off
    until ``imports_done``. Importing makes hundreds of thousands of objects and no garbage, and the collections it
    would set off are 5–10 % of the import."""
    import gc

    if gc.isenabled():
        gc.disable()
        _paused.append(True)


_paused: list[bool] = []  # the collector was turned off by ``imports_begin`` and is not on again yet


def imports_done() -> None:
    """Called once a command has imported what it works with: those objects live to the end of the run, so the
    garbage collector stops looking at them (pandas and numpy are tens of thousands of objects, looked at again on
    every full collection that reading a region's files sets off, and once more at exit), and is on again."""
    import gc

    gc.freeze()
    _collect_again()


def _collect_again() -> None:
    """The collector on again if ``imports_begin`` turned it off (also when the command stops before its imports are
    done: a command run in-process, as the tests do, leaves the collector as it found it)."""
    import gc

    if _paused:
        _paused.clear()
        gc.enable()


def _register() -> None:
    from shnor.cli import compare, document, identify, inspect, render, rules, validate

    russian = {"options_metavar": "[ПАРАМЕТРЫ]"}
    app.command("identify", **russian)(identify.identify)
    app.command("compare", **russian)(compare.compare)
    app.command("validate", **russian)(validate.validate)
    app.command("render", **russian)(render.render)
    app.command("inspect", **russian)(inspect.inspect)
    app.add_typer(rules.rules_app, name="rules")
    app.add_typer(document.document_app, name="document")


_register()


def utf8_output() -> None:
    """UTF-8 on stdout and stderr whatever the console code page: a Windows console redirected to a file or a pipe
    would write cp1251, which has no «→», «≥» or «…» (UnicodeEncodeError) and is not what `rules show > my.yaml` should
    give. A console window itself is written in UTF-16 by Python already."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.encoding.replace("-", "").lower() != "utf8":
            stream.reconfigure(encoding="utf-8", errors=stream.errors)


def _stdout_to_nowhere() -> None:
    """The reader of stdout went away (`shnor inspect … | head`): what is still buffered goes nowhere, quietly."""
    try:
        nowhere = os.open(os.devnull, os.O_WRONLY)
        os.dup2(nowhere, sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


_WHOLE_PROCESS = []  # set by ``entry``: the process ends with the command (not so for CliRunner, tests, a script)


def whole_process() -> bool:
    """Whether the command is the whole process (the ``shnor`` command), not called in a process that goes on."""
    return bool(_WHOLE_PROCESS)


def entry() -> None:
    """The ``shnor`` command and ``python -m shnor``.

    Once the command has finished and said all it had to say, the process ends at once (``os._exit``) with the
    command's exit code: every file it wrote is closed and in place, and the interpreter's own ending — each object
    freed one by one, each module torn down — is work for nothing (a region CSV's run: 50–80 ms of the whole)."""
    _WHOLE_PROCESS.append(True)
    utf8_output()
    try:
        try:
            app(prog_name="shnor")
        except SystemExit as finished:
            code = finished.code
            if code is not None and not isinstance(code, int):
                raise  # a message to print (not what click gives): Python's own ending says it
            _flush(sys.stdout)
            _flush(sys.stderr)
            os._exit(code or EXIT_OK)
        finally:
            _flush(sys.stdout)
    except OSError as error:
        if not _reader_gone(error):
            raise
        _stdout_to_nowhere()
        sys.exit(EXIT_PIPE)


def _flush(stream) -> None:
    """A standard stream flushed; there is none under ``pythonw`` (a shortcut, the Task Scheduler)."""
    if stream is not None:
        stream.flush()


def _reader_gone(error: OSError) -> bool:
    """The reader of the output went away: a broken pipe, or on Windows the «invalid argument» a closed pipe gives."""
    return isinstance(error, BrokenPipeError) or (sys.platform == "win32" and error.errno == errno.EINVAL)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(entry())
