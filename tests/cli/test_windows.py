"""An analyst's Windows desktop, as far as it can be reproduced here: no fcntl, a file held open by Excel (a replace
that fails), rules saved by Notepad or PowerShell, a console whose redirected output is cp1251, text files with
«\\n»."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shnor.cli.app import app
from shnor.render import output
from shnor.rules.loader import load_rules
from tests.conftest import ROOT, SCHOOL_HEADER, school_row, write_table

ROWS = [
    school_row("s1", 2025, "ВПР", "Математика", 20, 2, 8, municipality="Алданский район"),
    school_row("s2", 2025, "ВПР", "Математика", 20, 6, 4, municipality="Алданский район"),
]


def run(*args):
    return CliRunner().invoke(app, [*map(str, args)])


def shnor_command(*args, prelude: str = "") -> list[str]:
    """``python -m shnor ARGS``, as on a machine where the shnor script is not on PATH; ``prelude`` runs first."""
    code = (f"{prelude}\nimport runpy, sys\nsys.argv = ['shnor', *sys.argv[1:]]\n"
            "runpy.run_module('shnor', run_name='__main__')")
    return [sys.executable, "-c", code, *map(str, args)]


def shnor_process(*args, cwd: Path, env: dict | None = None, prelude: str = "") -> subprocess.CompletedProcess:
    """``shnor_command`` run to its end, its output captured."""
    return subprocess.run(shnor_command(*args, prelude=prelude), cwd=cwd, capture_output=True, timeout=120,
                          env={**os.environ, **(env or {})}, check=False)


@pytest.fixture
def table(tmp_path) -> Path:
    return write_table(tmp_path / "результаты.csv", SCHOOL_HEADER, ROWS)


def test_runs_where_there_is_no_fcntl(tmp_path, table):
    blocked = "import sys\nsys.modules['fcntl'] = None  # as on Windows: `import fcntl` fails"
    result = shnor_process("identify", table, "--out", "out", "--format", "appendix.md", "--quiet", cwd=tmp_path,
                           prelude=blocked)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b"", "no English warning from the lock library, no traceback"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "procedures.parquet", "result.json", "schools.csv", "Приложение к приказу.md"
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "результаты.csv"], "the marker lock is removed"


@pytest.fixture
def earlier(tmp_path, table) -> Path:
    out = tmp_path / "out"
    assert run("identify", table, "--out", out, "--format", "appendix.md", "--quiet").exit_code == 0
    return out


@pytest.fixture
def quick_retries(monkeypatch):
    monkeypatch.setattr(output, "RETRY_DELAYS", (0.0, 0.0))


def replace_failing(monkeypatch, fails) -> list[tuple[str, str]]:
    """``os.replace`` as Windows does it while Excel holds a file: PermissionError for the calls ``fails`` picks."""
    calls: list[tuple[str, str]] = []
    real = os.replace

    def replace(source, target):
        calls.append((Path(source).name, Path(target).name))
        if fails(Path(source), len(calls)):
            raise PermissionError(
                13, "Процесс не может получить доступ к файлу, так как этот файл занят другим процессом"
            )
        real(source, target)

    monkeypatch.setattr(output.os, "replace", replace)
    return calls


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def hidden(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(".") and not p.name.endswith(".lock"))


def test_a_file_held_open_stops_the_run_before_anything_is_touched(tmp_path, table, earlier, monkeypatch,
                                                                   quick_retries):
    (earlier / "~$indicators.xlsx").write_bytes(b"Excel's owner file")  # Excel has indicators.xlsx open
    before = snapshot(earlier)
    calls = replace_failing(monkeypatch, lambda source, _: source.name == "out")
    result = run("identify", table, "--out", earlier, "--format", "appendix.md")
    assert result.exit_code == 2, result.output
    assert "Ошибка: закройте файл «indicators.xlsx» (открыт в другой программе) и повторите" in result.output
    assert len(calls) == 1 + len(output.RETRY_DELAYS), "tried again before giving up"
    assert snapshot(earlier) == before and hidden(tmp_path) == [], "old results in place, nothing hidden left behind"


def test_a_held_file_is_found_before_reading(tmp_path, earlier, monkeypatch):
    monkeypatch.setattr(output, "_is_held", lambda path: path.name == "schools.csv")  # Windows: cannot open for writing
    result = run("identify", tmp_path / "нет такого файла.csv", "--out", earlier)
    assert result.exit_code == 2
    assert "закройте файл «schools.csv» (открыт в другой программе) и повторите" in result.output


def test_when_the_new_folder_cannot_take_its_place_the_old_one_is_put_back(tmp_path, table, earlier, monkeypatch,
                                                                           quick_retries):
    before = snapshot(earlier)
    replace_failing(monkeypatch, lambda source, _: source.name.startswith(".out.tmp-"))
    result = run("identify", table, "--out", earlier, "--format", "none")
    assert result.exit_code == 2 and "прежние результаты остались как были" in result.output
    assert snapshot(earlier) == before and hidden(tmp_path) == []


def test_an_antivirus_holding_a_new_file_for_a_moment_is_waited_out(tmp_path, table, earlier, monkeypatch,
                                                                    quick_retries):
    calls = replace_failing(monkeypatch, lambda _, number: number <= 2)
    result = run("identify", table, "--out", earlier, "--format", "none", "--quiet")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in earlier.iterdir()) == ["procedures.parquet", "result.json", "schools.csv"]
    assert len(calls) == 4
    assert hidden(tmp_path) == []


def test_a_run_killed_between_the_two_renames_gets_its_results_back(tmp_path, earlier):
    before = snapshot(earlier)
    retired = tmp_path / ".out.old-k1ll3d"
    retired.mkdir()
    earlier.rename(retired / "out")
    (tmp_path / ".out.tmp-k1ll3d").mkdir()
    result = run("identify", tmp_path / "нет такого файла.csv", "--out", earlier)
    assert result.exit_code == 2 and "не найден" in result.output
    assert snapshot(earlier) == before and hidden(tmp_path) == []


RULES = "default"


@pytest.mark.parametrize(
    "encoding, saved_as, told",
    [
        ("utf-8-sig", "Блокнот: UTF-8 с BOM", None),
        ("utf-16", "PowerShell 5.1: `shnor rules show default > my.yaml`", "UTF-16"),
        ("cp1251", "Блокнот: ANSI", "Windows-1251"),
    ],
)
def test_rules_saved_by_windows_programs_are_read(tmp_path, table, encoding, saved_as, told):
    text = load_rules(RULES).text.replace("\n", "\r\n")
    path = tmp_path / "мои правила.yaml"
    path.write_bytes(text.encode(encoding))
    loaded = load_rules(str(path))
    assert loaded.sha256 == load_rules(RULES).sha256, f"{saved_as}: the same rules, the same line ends"
    assert loaded.encoding_note == (f"файл правил прочитан в кодировке {told} (не UTF-8)" if told else None)
    result = run("identify", table, "--rules", path, "--out", tmp_path / "out", "--format", "none")
    assert result.exit_code == 0, result.output
    assert (f"прочитан в кодировке {told}" in result.output) == bool(told)


def test_a_workbook_given_as_rules_is_refused(tmp_path):
    path = tmp_path / "правила.yaml"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)))
    result = run("rules", "show", path)
    assert result.exit_code == 2 and "«правила.yaml» — не текст YAML (таблица или документ?)" in result.output


def test_rules_show_writes_a_utf8_file(tmp_path):
    result = run("rules", "show", "default", "--out", tmp_path / "my.yaml")
    assert result.exit_code == 0, result.output
    written = (tmp_path / "my.yaml").read_bytes()
    assert written == run("rules", "show", "default").stdout.encode("utf-8"), "the file is what the screen shows"
    assert written.startswith(load_rules("default").text.encode("utf-8")) and b"\r" not in written


def test_every_command_prints_utf8_through_a_cp1251_console(tmp_path, table):
    """A Russian Windows console redirected to a file or a pipe encodes in cp1251, which has no «→», «≥» or «…»."""
    assert run("identify", table, "--out", tmp_path / "earlier", "--format", "none", "--quiet").exit_code == 0
    commands = {
        ("--version",): "shnor ",
        ("--help",): "выявление школ с низкими образовательными результатами",
        ("rules", "list"): "default",
        ("rules", "show", "default"): "statuses:",
        ("inspect", table): "макет: каноническая таблица",
        ("validate", table): "Ошибок нет",
        ("identify", table, "--out", "out", "--format", "appendix.md"): "ШНОР (1):\n  1. МБОУ «s2» — Алданский район",
        ("render", "earlier", "--format", "appendix.md"): "earlier-документы",
        ("compare", "earlier/result.json", "earlier/result.json"): "ШНОР: 1 → 1",
    }
    console = {"PYTHONIOENCODING": "cp1251", "COLUMNS": "200"}
    with ThreadPoolExecutor(2) as pool:
        done = list(pool.map(lambda args: shnor_process(*args, cwd=tmp_path, env=console), commands))
    for (args, expected), result in zip(commands.items(), done):
        text, errors = result.stdout.decode("utf-8"), result.stderr.decode("utf-8")
        assert result.returncode == 0, (args, errors)
        assert expected in text, (args, text)
        assert "Traceback" not in errors and "Внутренняя ошибка" not in errors, (args, errors)


def test_a_closed_pipe_ends_quietly(tmp_path, table):
    """`shnor inspect … | head -1`: the reader goes away after the first line."""
    reader = subprocess.Popen(shnor_command("inspect", *[table] * 40), cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    reader.stdout.readline()
    reader.stdout.close()
    errors = reader.stderr.read().decode("utf-8")
    assert reader.wait(timeout=120) == 141
    assert errors == ""


def test_a_summary_into_a_closed_pipe_ends_as_a_broken_pipe_with_every_file_written(tmp_path, table):
    """`shnor identify … | head`, the reader gone before the summary: rich's console ended the process with code 1
    there; now it ends as every broken pipe of shnor does (141), quietly, the output folder complete."""
    reader = subprocess.Popen(shnor_command("identify", table, "--out", "out", "--format", "none"), cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader.stdout.close()
    errors = reader.stderr.read().decode("utf-8")
    assert reader.wait(timeout=120) == 141
    assert "Traceback" not in errors and "Внутренняя ошибка" not in errors
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["procedures.parquet", "result.json", "schools.csv"]


def _text_writers(tree: ast.AST):
    """Calls that open a file for writing text: ``write_text(…)``, ``open(…, "w"/"a")`` without "b"."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        modes = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        modes += [k.value.value for k in node.keywords if k.arg == "mode" and isinstance(k.value, ast.Constant)]
        if name == "write_text" or (name == "open" and any(set(m) & {"w", "a"} and "b" not in m for m in modes)):
            yield node


def test_text_files_are_written_with_unix_line_ends_on_every_system():
    """Windows turns «\\n» into «\\r\\n» in text mode unless told otherwise: every writer of a text output says
    ``newline="\\n"`` (csv, md, html, json, the log file, rules written by `rules show --out`)."""
    unsaid = []
    for path in sorted((ROOT / "src" / "shnor").rglob("*.py")):
        for call in _text_writers(ast.parse(path.read_text(encoding="utf-8"))):
            if not any(k.arg == "newline" for k in call.keywords):
                unsaid.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert unsaid == []
