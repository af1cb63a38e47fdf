"""Everyday mistakes are the user's to fix: exit 2 and one Russian sentence saying what to do — never «Внутренняя
ошибка», never a traceback, and the earlier results untouched."""

from __future__ import annotations

import errno
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shnor import render
from shnor.cli.app import app
from tests.conftest import SCHOOL_HEADER, school_row, write_table

ROWS = [school_row("s1", 2025, "ВПР", "Математика", 20, 2, 8), school_row("s2", 2025, "ВПР", "Математика", 20, 6, 4)]


@pytest.fixture(scope="module")
def earlier_run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("earlier")
    write_table(folder / "results.csv", SCHOOL_HEADER, ROWS)
    assert CliRunner().invoke(app, ["identify", str(folder / "results.csv"), "--out", str(folder / "out"),
                                    "--format", "none", "--quiet"]).exit_code == 0
    return folder


@pytest.fixture
def place(tmp_path, earlier_run):
    """A working folder: a results table, an earlier run's output, a plain file, a JSON that is not a result."""
    shutil.copy(earlier_run / "results.csv", tmp_path)
    shutil.copytree(earlier_run / "out", tmp_path / "out")
    (tmp_path / "файл.txt").write_text("не папка", encoding="utf-8")
    (tmp_path / "настройки.json").write_text('{"theme": "dark"}', encoding="utf-8")
    (tmp_path / "письмо.json").write_text("Добрый день!", encoding="utf-8")
    (tmp_path / "шаблоны").mkdir()
    # result.json without the procedures.parquet written beside it; with a damaged one; with one whose footer reads
    # but whose rows do not; of the format before 2
    for name in ("без таблицы", "битая таблица", "битые строки", "прежний"):
        (tmp_path / name).mkdir()
        shutil.copy(earlier_run / "out" / "result.json", tmp_path / name)
    (tmp_path / "битая таблица" / "procedures.parquet").write_bytes(b"PAR1 not really")
    damaged = _rows_zeroed(earlier_run / "out" / "procedures.parquet")
    (tmp_path / "битые строки" / "procedures.parquet").write_bytes(damaged)
    old = (tmp_path / "прежний" / "result.json").read_text(encoding="utf-8").replace('"format": 2,', '', 1)
    (tmp_path / "прежний" / "result.json").write_text(old, encoding="utf-8")
    (tmp_path / "шаблоны" / "appendix.md.j2").write_text("# Перечень\n\n{{ shnor_list | length }}\n", encoding="utf-8")
    return tmp_path


def _rows_zeroed(path: Path) -> bytes:
    """The file with every byte between the leading «PAR1» and the footer zeroed: the columns read, the rows not."""
    import struct

    data = bytearray(path.read_bytes())
    footer = struct.unpack("<i", data[-8:-4])[0]
    data[4 : len(data) - 8 - footer] = bytes(len(data) - 12 - footer)
    return bytes(data)


MISTAKES = [
    (["identify", "results.csv", "--set", "statuses.shnor.thresold=0.2"],
     "--set «statuses.shnor.thresold=0.2»: в правилах нет ключа «statuses.shnor.thresold»; похожие: statuses.shnor."),
    (["identify", "results.csv", "--set", "foo=1"], "нет ключа «foo»; ключи верхнего уровня: name, title"),
    (["compare", "default", "default", "results.csv", "--set", "statuses.shnr.any[0].all[0].threshold=0.2"],
     "похожие: statuses.shnor.any[0].all[0].threshold"),
    (["identify", "results.csv", "--log-file", "out"], "--log-file «out» — папка, а не файл."),
    (["identify", "results.csv", "--log-file", "файл.txt/shnor.log"], "в журнал «файл.txt/shnor.log» нельзя писать"),
    (["identify", "results.csv", "--out", "файл.txt/результаты"], "файл.txt» — файл, а не папка."),
    (["identify", "results.csv", "--out", "файл.txt"], "файл.txt» — файл, а не папка."),
    (["render", "настройки.json"], "«настройки.json» — не результат shnor: в нём нет разделов tool и schools."),
    (["render", "письмо.json"], "«письмо.json» — не result.json shnor: строка 1, столбец 1 — не JSON."),
    (["render", "шаблоны"], "в папке «шаблоны» нет result.json."),
    (["render", "без таблицы"], "рядом с result.json нет файла «procedures.parquet»"),
    (["render", "битая таблица/result.json"], "procedures.parquet» повреждён: это не таблица Parquet."),
    (["render", "битые строки"], "procedures.parquet» повреждён: строки таблицы не читаются."),
    (["compare", "прежний/result.json", "out/result.json"], "«result.json» записан shnor 0.1.0 в прежнем формате"),
    (["render", "out", "--templates", "шаблоны", "--format", "appendix.md"],
     "appendix.md.j2», строка 3: нет переменной «shnor_list»."),
    (["render", "out", "--out", "файл.txt"], "файл.txt» — файл, а не папка."),
    (["identify", "results.csv", "--document", "файл.txt"],
     "файл.txt:1: файл настроек документов должен быть отображением YAML (ключ: значение)."),
    (["render", "out", "--document", "бланк.yaml"], "файл настроек документов «бланк.yaml» не найден."),
    (["identify", "results.csv", "--procedure", "ПВР 2025 алхимия 99"],
     "в --procedure «ПВР 2025 алхимия 99» число «99» — не год и не класс (1–11)."),
    (["identify", "results.csv", "--procedure", "ВПР 2025 алхимия 4"],
     "в --procedure «ВПР 2025 алхимия 4» не распознан предмет или процедура: «алхимия»."),
    (["identify", "results.csv", "--rules", "шаблоны"], "«шаблоны» — папка, а не файл правил."),
    (["identify", "results.csv", "--date", "31.02.2026"], "--date «31.02.2026»: такой даты нет."),
]


@pytest.mark.parametrize("args, message", MISTAKES, ids=[" ".join(a) for a, _ in MISTAKES])
def test_mistake_is_one_russian_sentence_and_exit_2(place, monkeypatch, args, message):
    monkeypatch.chdir(place)
    before = {p.name: p.read_bytes() for p in (place / "out").iterdir()}
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    first, *rest = result.output.strip().splitlines()
    assert first.startswith("Ошибка: ") and message in first, result.output
    assert len(rest) <= 1 and "Traceback" not in result.output and "Внутренняя ошибка" not in result.output
    assert re.search("[а-я]", first.removeprefix("Ошибка: ")), "said in Russian"
    assert {p.name: p.read_bytes() for p in (place / "out").iterdir()} == before


def test_a_damaged_procedures_table_is_named_before_any_folder_is_made(place, monkeypatch):
    monkeypatch.chdir(place)
    result = CliRunner().invoke(app, ["render", "битые строки", "--format", "appendix.md", "--out", "документы"])
    assert result.exit_code == 2 and "строки таблицы не читаются" in result.output
    assert not (place / "документы").exists()


def test_the_log_file_is_checked_before_anything_is_read(place, monkeypatch):
    monkeypatch.chdir(place)
    result = CliRunner().invoke(app, ["identify", "нет такого.csv", "--log-file", "out", "--out", "новая"])
    assert result.exit_code == 2 and "--log-file «out» — папка, а не файл." in result.output
    assert not (place / "новая").exists()


def test_a_folder_without_the_right_to_write(place, monkeypatch):
    """As root (CI) every folder is writable: the lock file that cannot be made stands for a folder of another user."""
    import filelock

    class Denied:
        def __init__(self, path, *args, **kwargs):
            self.path = path

        def acquire(self, **_):
            raise PermissionError(errno.EACCES, "Permission denied", str(self.path))

    monkeypatch.setattr(filelock, "FileLock", Denied)
    monkeypatch.chdir(place)
    result = CliRunner().invoke(app, ["identify", "results.csv", "--out", "/srv/чужая/out"])
    assert result.exit_code == 2
    assert result.output.startswith("Ошибка: не удалось записать в папку «/srv/чужая»: нет прав доступа.")


def test_a_full_disk_is_said_as_such(place, monkeypatch):
    def no_space(*_):
        raise OSError(errno.ENOSPC, "No space left on device", "out/result.json")

    monkeypatch.setattr(render, "render_all", no_space)
    monkeypatch.chdir(place)
    result = CliRunner().invoke(app, ["identify", "results.csv", "--out", "out", "--format", "none"])
    assert result.exit_code == 2 and result.output.startswith("Ошибка: «out/result.json»: нет места на диске.")


def test_an_error_in_a_word_template_names_the_template(place, monkeypatch):
    from docx import Document

    document = Document()
    document.add_paragraph("Перечень: {{ nothing.here }}")
    document.save(place / "шаблоны" / "appendix.docx")
    monkeypatch.chdir(place)
    result = CliRunner().invoke(app, ["render", "out", "--templates", "шаблоны", "--format", "appendix.docx"])
    assert result.exit_code == 2
    assert result.output.startswith("Ошибка: шаблон «шаблоны/appendix.docx»: нет переменной «nothing».")


@pytest.mark.parametrize(
    "template, said",
    [
        ("{% for s in lists %}\n{{ s.title }\n", "строка 2: лишнее «}»"),
        ("{% if lists %}\nесть\n",
         "строка 2: шаблон кончился, а блок «if» не закрыт (нужен «elif» или «else» или «endif»)"),
        ("{% endfo %}", "строка 1: неизвестный тег «endfo»"),
        ("{{ lists | total }}", "строка 1: нет фильтра «total»"),
        ("\n{{ issuer.__class__ }}", "строка 2: обращение к «__class__» в шаблонах запрещено (песочница)"),
        ("{% for s in lists %}{{ s.nope }}{% endfor %}", "строка 1: у «SchoolList» нет поля «nope»"),
        ("{% include 'шапка.j2' %}",
         "строка 1: шаблон «шапка.j2» не найден ни в папке --templates, ни среди встроенных"),
    ],
)
def test_template_errors_are_said_in_russian_with_the_line(place, monkeypatch, template, said):
    (place / "шаблоны" / "appendix.md.j2").write_text(template, encoding="utf-8")
    monkeypatch.chdir(place)
    result = CliRunner().invoke(app, ["render", "out", "--templates", "шаблоны", "--format", "appendix.md"])
    assert result.exit_code == 2
    assert result.output.startswith(f"Ошибка: шаблон «шаблоны/appendix.md.j2», {said}."), result.output
