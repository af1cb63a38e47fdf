"""What an analyst reads in the terminal: the ШНОР list after the table, which file to open in Excel, Russian help."""

from __future__ import annotations

import errno
import importlib
import io
import os
import re
import subprocess
import sys
from unittest import mock

import pytest
from typer.testing import CliRunner

from shnor.cli.app import app
from tests.conftest import SCHOOL_HEADER, school_row, write_table

cli_app = importlib.import_module("shnor.cli.app")  # the module (``app`` is also its Typer application)


def test_summary_names_the_shnor_schools_and_the_file_for_excel(tmp_path):
    rows = [school_row(f"s{k:02}", 2025, "ВПР", "Математика", 20, 6, 4, municipality=f"Район {'БА'[k % 2]}")
            for k in range(23)]
    table = write_table(tmp_path / "r.csv", SCHOOL_HEADER, rows)
    result = CliRunner().invoke(app, ["identify", str(table), "--out", str(tmp_path / "out"), "--format",
                                      "indicators.xlsx"])
    assert result.exit_code == 0, result.output
    after_table = result.output.split("Итого", 1)[1]
    assert "ШНОР (23):\n  1. МБОУ «s01» — Район А\n  2. МБОУ «s03» — Район А\n" in after_table, (
        "by municipality, then name"
    )
    assert "  20. МБОУ «s16» — Район Б\n  … и ещё 3: весь перечень — в indicators.xlsx и schools.csv\n" in after_table
    assert "Для Excel откройте indicators.xlsx" in after_table


COMMANDS = [[], ["identify"], ["compare"], ["validate"], ["render"], ["inspect"], ["rules"], ["rules", "list"],
            ["rules", "show"]]


@pytest.mark.parametrize("command", COMMANDS, ids=[" ".join(c) or "shnor" for c in COMMANDS])
def test_help_is_russian(command):
    result = CliRunner().invoke(app, [*command, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "Использование: shnor" in result.output
    english = re.findall(
        r"\b(?:Usage|OPTIONS|COMMAND|ARGS|Options|Arguments|Commands|Show this message)\b|\[default|[{}]", result.output
    )
    assert english == []


def test_help_panels_are_russian_when_typer_loads_them_late():
    """Typer's panels (rich) load only to print help or an error, not on every run; they are Russian then too."""
    probe = "import sys, shnor.cli.app; print(sorted({'rich', 'typer.rich_utils', 'pandas'} & set(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
    wide = {**os.environ, "COLUMNS": "100"}
    shown = subprocess.run([sys.executable, "-m", "shnor", "identify", "--bogus"], capture_output=True,
                           encoding="utf-8", env=wide, check=False)
    assert shown.returncode == 2
    assert "─ Ошибка ─" in shown.stderr and "Нет параметра «--bogus»" in shown.stderr
    assert "Error" not in shown.stderr and "Usage" not in shown.stderr
    helped = subprocess.run([sys.executable, "-m", "shnor", "--help"], capture_output=True, encoding="utf-8",
                            env=wide, check=True)
    assert "─ Параметры ─" in helped.stdout and "─ Команды ─" in helped.stdout and "Options" not in helped.stdout


def test_the_command_ends_with_its_code_and_all_it_printed(tmp_path):
    """``python -m shnor`` ends the process at once when the command is done (``entry``): what it printed is all there,
    through a pipe too, and the exit code is the command's."""
    shown = subprocess.run([sys.executable, "-m", "shnor", "rules", "show", "default"], capture_output=True,
                           check=False)
    assert shown.returncode == 0
    in_process = CliRunner().invoke(app, ["rules", "show", "default"])
    assert len(shown.stdout) > 10_000 and shown.stdout.decode("utf-8") == in_process.stdout
    saved = tmp_path / "my.yaml"
    written = subprocess.run([sys.executable, "-m", "shnor", "rules", "show", "default", "--out", str(saved)],
                             capture_output=True, encoding="utf-8", check=False)
    assert written.returncode == 0 and "Записано в UTF-8" in written.stderr
    assert saved.read_text(encoding="utf-8") == shown.stdout.decode("utf-8")
    missing = subprocess.run([sys.executable, "-m", "shnor", "identify", str(tmp_path / "нет.csv"), "--out",
                              str(tmp_path / "out")], capture_output=True, encoding="utf-8", check=False)
    assert missing.returncode == 2 and missing.stderr.startswith("Ошибка: ")


class _Ended(Exception):
    """``os._exit`` called: the code it was given."""


def _ending(code: int) -> None:
    raise _Ended(code)


class _ClosedPipe(io.StringIO):
    """A Windows pipe whose reader went away: flushing it is an «invalid argument»."""

    def flush(self) -> None:
        raise OSError(errno.EINVAL, "Invalid argument")


def test_the_command_ends_without_a_console_as_under_pythonw(monkeypatch):
    """Under ``pythonw`` (a shortcut, the Task Scheduler) there is no stdout or stderr: the command still ends with
    its own code, not with an error about flushing nothing."""
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    monkeypatch.setattr(cli_app, "app", mock.Mock(side_effect=SystemExit(2)))
    monkeypatch.setattr(cli_app.os, "_exit", _ending)
    monkeypatch.setattr(cli_app, "_WHOLE_PROCESS", [])  # ``entry`` marks the process as the command's: not this one
    with pytest.raises(_Ended) as ended:
        cli_app.entry()
    assert ended.value.args == (2,)


def test_a_closed_pipe_on_windows_ends_as_a_broken_pipe(monkeypatch):
    """On Windows a pipe whose reader went away (`shnor inspect … | more`, closed) is an «invalid argument», not a
    broken pipe: the command ends as it does for a broken pipe (141), without a traceback."""
    monkeypatch.setattr(sys, "stdout", _ClosedPipe())
    monkeypatch.setattr(cli_app.sys, "platform", "win32")
    monkeypatch.setattr(cli_app, "app", mock.Mock(side_effect=SystemExit(0)))
    monkeypatch.setattr(cli_app.os, "_exit", _ending)
    monkeypatch.setattr(cli_app, "_WHOLE_PROCESS", [])  # ``entry`` marks the process as the command's: not this one
    with pytest.raises(SystemExit) as ended:
        cli_app.entry()
    assert ended.value.code == cli_app.EXIT_PIPE
    monkeypatch.setattr(cli_app.sys, "platform", "linux")  # elsewhere the same error is not a closed pipe
    with pytest.raises(OSError):
        cli_app.entry()
