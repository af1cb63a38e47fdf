"""Scheduled runs: personal data never leaves, --log-file, the lock on --out, shnor validate, exit codes."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

from typer.testing import CliRunner

from shnor.cli.app import app
from shnor.render.output import BusyError, output_lock
from tests.conftest import write_table

PUPILS = [("Иванова Мария Петровна", "ЖЕН-0001", "Ж"), ("Петров Иван Сергеевич", "МУЖ-0002", "М"),
          ("Сидорова Анна Олеговна", "ЖЕН-0003", "Ж")]


def pupils_file(tmp_path: Path, bad_mark: bool = False) -> Path:
    header = ["год", "процедура", "предмет", "класс", "логин ОО", "ФИО", "код обучающегося", "пол", "балл", "отметка",
              "отметка по журналу"]
    rows = []
    for k in range(36):
        name, code, sex = PUPILS[k % 3]
        mark = 2 + k % 4
        rows.append([2025, "ВПР", "Русский язык", 5, f"sch{k % 2}", f"{name} {k}", f"{code}{k}", sex, 5 + 3 * mark,
                     mark, 5 - k % 2])
    if bad_mark:
        rows[7][9] = "7"
    return write_table(tmp_path / "ученики.csv", header, rows, delimiter=";")


def every_text(folder: Path) -> str:
    texts = []
    for path in folder.rglob("*"):
        if path.suffix in (".docx", ".xlsx"):
            with zipfile.ZipFile(path) as archive:
                texts += [archive.read(n).decode("utf-8", "ignore") for n in archive.namelist() if n.endswith(".xml")]
        elif path.is_file():
            texts.append(path.read_text(encoding="utf-8", errors="ignore"))
    return "\n".join(texts)


def test_personal_data_reaches_no_output_log_or_message(tmp_path):
    log = tmp_path / "shnor.log"
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["identify", str(pupils_file(tmp_path)), "--out", str(out), "--log-file",
                                      str(log)])
    assert result.exit_code == 0, result.output
    failed = CliRunner().invoke(app, ["identify", str(pupils_file(tmp_path, bad_mark=True)), "--out", str(out),
                                      "--log-file", str(log)])
    assert failed.exit_code == 2 and "строка 9, столбец «отметка»: в ячейке «7»" in failed.output
    seen = every_text(out) + log.read_text(encoding="utf-8") + result.output + failed.output
    for name, code, _ in PUPILS:
        assert name.split()[0] not in seen and code not in seen
    assert "ФИО" not in every_text(out) and "код обучающегося" not in every_text(out)


def test_log_file_has_one_line_per_run(tmp_path):
    log = tmp_path / "logs" / "shnor.log"
    args = ["identify", str(pupils_file(tmp_path)), "--out", str(tmp_path / "out"), "--format", "none", "--quiet",
            "--log-file", str(log)]
    assert CliRunner().invoke(app, args).exit_code == 0
    assert CliRunner().invoke(app, [*args[:1], str(tmp_path / "нет.csv"), *args[2:]]).exit_code == 2
    first, second = log.read_text(encoding="utf-8").splitlines()
    assert " shnor identify ok inputs=ученики.csv rules=default " in first
    assert 'statuses="shnor=' in first and "duration=" in first
    assert " shnor identify error exit=2 " in second and "не найден" in second


def test_two_runs_on_one_output_never_interleave(tmp_path):
    out = tmp_path / "out"
    with output_lock(out, timeout=5):
        started = time.monotonic()
        try:
            with output_lock(out, timeout=0.5):
                raise AssertionError("a second holder got the lock")
        except BusyError as error:
            assert "занял другой запуск shnor" in str(error)
        assert time.monotonic() - started >= 0.5
    released = threading.Event()

    def hold():
        with output_lock(out, timeout=5):
            released.wait(30)

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.2)
    shnor = Path(sys.executable).with_name("shnor")
    busy = subprocess.run([str(shnor), "identify", str(pupils_file(tmp_path)), "--out", str(out), "--format", "none",
                           "--lock-timeout", "0.3"], capture_output=True, text=True, timeout=120, check=False)
    released.set()
    holder.join()
    assert busy.returncode == 3 and "занял другой запуск shnor" in busy.stderr
    assert not out.exists()


def test_validate_writes_nothing(tmp_path):
    result = CliRunner().invoke(app, ["validate", str(pupils_file(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "Проверено: файлов результатов 1, школ 2" in result.output and "Ошибок нет" in result.output
    bad = CliRunner().invoke(app, ["validate", str(pupils_file(tmp_path, bad_mark=True))])
    assert bad.exit_code == 2 and "в ячейке «7»" in bad.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ученики.csv"]
