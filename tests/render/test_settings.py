"""The document settings file (--document): read as Windows programs save it, and every mistake a user error that
names the file, the line and the key (exit 2, nothing written), as the rules loader does; «shnor document show»."""

from __future__ import annotations

from datetime import date

import pytest
from typer.testing import CliRunner

from shnor.cli.app import app
from shnor.errors import UserError
from shnor.render.settings import TEMPLATE, DocumentSettings, load_document_settings
from tests.conftest import EXAMPLES


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("authority: Управление\nsinger: Т.В. Краснобаева\n",
         "бланк.yaml:2 singer: неизвестный ключ «singer» (может быть, signer?); допустимые ключи: authority,"),
        ("order_number: 12\norder_date: 31.02.2026\n",
         "бланк.yaml:2 order_date: дата «31.02.2026» не распознана: напишите её как 15.01.2026."),
        ("signer:\n  - Т.В. Краснобаева\n", "бланк.yaml:1 signer: ожидался текст, получено ["),
        ("authority: Управление\n  signer: Т.В.\n", "бланк.yaml:2: ошибка синтаксиса YAML"),
        ("- authority\n", "бланк.yaml:1: файл настроек документов должен быть отображением YAML"),
    ],
)
def test_mistakes_name_the_line_and_the_key(tmp_path, text, message):
    path = tmp_path / "бланк.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as caught:
        load_document_settings(path)
    assert str(caught.value).startswith(message), str(caught.value)


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        ("order_number: 12\norder_date: 2026-01-15\n", "utf-8",
         {"order_number": "12", "order_date": date(2026, 1, 15)}),
        ("order_date: 15.01.2026\nsigner: ' '\n", "utf-8-sig", {"order_date": date(2026, 1, 15), "signer": None}),
        ("signer: Т.В. Краснобаева\n", "cp1251", {"signer": "Т.В. Краснобаева"}),
        ("signer: Т.В. Краснобаева\n", "utf-16", {"signer": "Т.В. Краснобаева"}),
        ("# только комментарий\n", "utf-8", {}),
    ],
)
def test_read_as_windows_programs_save_it(tmp_path, text, encoding, expected):
    path = tmp_path / "бланк.yaml"
    path.write_bytes(text.encode(encoding))
    settings = load_document_settings(path)
    assert {k: getattr(settings, k) for k in expected} == expected


def test_a_table_is_not_a_settings_file(tmp_path):
    path = tmp_path / "бланк.xlsx"
    path.write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(UserError, match="файл настроек документов «бланк.xlsx» — не текст YAML"):
        load_document_settings(path)


def test_the_template_is_a_valid_settings_file(tmp_path):
    path = tmp_path / "образец.yaml"
    path.write_text(TEMPLATE, encoding="utf-8")
    settings = load_document_settings(path)
    assert settings.order_date == date(2026, 1, 15) and settings.signer == "Т.В. Краснобаева"
    assert set(DocumentSettings.model_fields) - set(settings.model_dump(exclude_none=True)) == {"authority_genitive"}
    assert "# authority_genitive:" in TEMPLATE  # every key is in the template, this one as a comment


def test_document_show_prints_and_writes_the_template(tmp_path):
    result = CliRunner().invoke(app, ["document", "show"])
    assert result.exit_code == 0 and result.stdout == TEMPLATE
    out = tmp_path / "бланк.yaml"
    result = CliRunner().invoke(app, ["document", "show", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == TEMPLATE.encode("utf-8")
    result = CliRunner().invoke(app, ["document", "show", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.startswith(f"Ошибка: файл «{tmp_path}» не записан:")


def test_identify_with_a_wrong_settings_file_stops_before_anything_is_written(tmp_path):
    settings = tmp_path / "бланк.yaml"
    settings.write_text("order_date: вчера\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["identify", str(EXAMPLES / "region"), "--scales", str(EXAMPLES / "scales.csv"),
                                      "--document", str(settings), "--out", str(out), "--quiet"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert lines[0] == "Ошибка: бланк.yaml:1 order_date: дата «вчера» не распознана: напишите её как 15.01.2026."
    assert "Traceback" not in result.output and not out.exists()
    missing = CliRunner().invoke(app, ["render", str(tmp_path), "--document", str(tmp_path / "нет.yaml")])
    assert missing.exit_code == 2 and "файл настроек документов" in missing.output
