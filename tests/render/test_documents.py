"""Documents of a small region against golden files; hostile names render as text in every format.

Regenerate the golden files after an intended change: ``SHNOR_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/render``.
"""

from __future__ import annotations

import csv
import json
import os
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from docx import Document

from shnor.render import DOCUMENTS, render_all
from shnor.report.build import IdentifyRequest, identify
from shnor.report.model import Report

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
UPDATE = os.environ.get("SHNOR_UPDATE_GOLDEN") == "1"
HOSTILE = "=cmd|' /C calc'!A0 <script>alert(1)</script> «ёлки» \"q\" & *жирный* | ячейка"


@pytest.fixture(scope="module")
def report() -> Report:
    request = IdentifyRequest(
        inputs=[GOLDEN / "region.csv"], history=[GOLDEN / "history.csv"], today=date(2026, 1, 15)
    )
    return identify(request)


def compare(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {name}: run with SHNOR_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def docx_text(path: Path) -> str:
    """What a reader of the Word file sees: paragraphs, then every table row, cells separated by « | »."""
    document = Document(str(path))
    lines = [p.text for p in document.paragraphs if p.text.strip()]
    for table in document.tables:
        lines.append("---")
        lines.extend(" | ".join(cell.text for cell in row.cells) for row in table.rows)
    return "\n".join(lines) + "\n"


def without_images(html: str) -> str:
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:image/png;base64,…", html)


def test_report_model_golden(report):
    compare("result.json", report.to_json())


@pytest.mark.parametrize("name", ["appendix.md", "appendix.html", "cards.html", "note.html"])
def test_text_documents_golden(report, tmp_path, name):
    (written,) = DOCUMENTS[name](report, tmp_path, None)
    compare(f"{name}.golden", without_images(written.read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", ["appendix.docx", "note.docx", "cards.docx"])
def test_docx_documents_golden(report, tmp_path, name):
    (written,) = DOCUMENTS[name](report, tmp_path, None)
    compare(f"{name}.txt", docx_text(written))


def test_note_has_its_charts(report, tmp_path):
    # school-level totals give no signs of non-objective marking: two charts, and the third section says why
    html = DOCUMENTS["note.html"](report, tmp_path, None)[0].read_text(encoding="utf-8")
    assert len(re.findall(r'<img alt="[^"]+" src="data:image/png;base64,', html)) == 2
    assert "Признаки необъективности не рассчитаны" in html
    docx = DOCUMENTS["note.docx"](report, tmp_path, None)[0]
    assert len(Document(str(docx)).inline_shapes) == 2


def test_example_note_has_three_charts(tmp_path):
    from tests.conftest import EXAMPLES

    request = IdentifyRequest(inputs=[EXAMPLES / "region"], scales=EXAMPLES / "scales.csv", today=date(2026, 1, 15))
    example = identify(request)
    html = DOCUMENTS["note.html"](example, tmp_path, None)[0].read_text(encoding="utf-8")
    assert len(re.findall(r'<img alt="[^"]+" src="data:image/png;base64,', html)) == 3
    assert len(Document(str(DOCUMENTS["note.docx"](example, tmp_path, None)[0])).inline_shapes) == 3


def test_appendix_table_repeats_its_header_row(report, tmp_path):
    (written,) = DOCUMENTS["appendix.docx"](report, tmp_path, None)
    table = Document(str(written)).tables[0]
    assert table.rows[0]._tr.xpath("./w:trPr/w:tblHeader")
    assert [c.text for c in table.rows[0].cells] == ["№ п/п", "АТЕ", "Наименование ОО", "Выполненные критерии"]


def test_hostile_school_name_renders_as_text_everywhere(report, tmp_path):
    schools = [replace(s, school_name=HOSTILE, status="shnor") if i == 0 else s for i, s in enumerate(report.schools)]
    hostile = replace(report, schools=schools)
    written = render_all(hostile, tmp_path, tuple(DOCUMENTS))
    by_name = {p.name: p for p in written}
    for name in ("Приложение к приказу.html", "Аналитическая справка.html", "Карточки школ.html"):
        html = by_name[name].read_text(encoding="utf-8")
        assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    markdown = by_name["Приложение к приказу.md"].read_text(encoding="utf-8")
    assert "<script>" not in markdown and "&lt;script&gt;" in markdown and "\\| ячейка" in markdown
    for name in ("Приложение к приказу.docx", "Аналитическая справка.docx", "Карточки школ.docx"):
        assert HOSTILE in docx_text(by_name[name])
    with by_name["schools.csv"].open(encoding="utf-8") as handle:
        cell = next(row["school_name"] for row in csv.DictReader(handle) if row["school_name"].startswith("'"))
    assert cell == "'" + HOSTILE
    from openpyxl import load_workbook

    sheet = load_workbook(by_name["indicators.xlsx"])["Школы"]
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert HOSTILE in values and not [v for v in values if isinstance(v, str) and v.startswith("=") and v != HOSTILE]


def test_render_command_rebuilds_documents_from_result_json(report, tmp_path):
    from typer.testing import CliRunner

    from shnor.cli.app import app

    saved = tmp_path / "result.json"
    saved.write_text(report.to_json(), encoding="utf-8")
    assert Report.load(saved).to_json() == report.to_json()
    out = tmp_path / "docs"
    result = CliRunner().invoke(app, ["render", str(saved), "--out", str(out), "--format", "appendix.md", "--quiet"])
    assert result.exit_code == 0, result.output
    assert (out / "Приложение к приказу.md").read_text(encoding="utf-8") == (GOLDEN / "appendix.md.golden").read_text(encoding="utf-8")


def test_user_templates_override_and_are_sandboxed(report, tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "appendix.md.j2").write_text("Своё: {{ shnor | length }} {{ ''.__class__.__mro__ }}\n", encoding="utf-8")
    from shnor.errors import UserError

    with pytest.raises(UserError) as caught:
        DOCUMENTS["appendix.md"](report, tmp_path, folder)
    assert f"шаблон «{folder / 'appendix.md.j2'}», строка 1: обращение к «__class__» в шаблонах запрещено" in str(caught.value)
    (folder / "appendix.md.j2").write_text("Своё: {{ shnor | length }} школ на {{ date }}\n", encoding="utf-8")
    (written,) = DOCUMENTS["appendix.md"](report, tmp_path, folder)
    assert written.read_text(encoding="utf-8") == f"Своё: {len([s for s in report.schools if s.status == 'shnor'])} школ на 15.01.2026\n"


def test_russian_order_and_formats(report, tmp_path):
    text = DOCUMENTS["appendix.md"](report, tmp_path, None)[0].read_text(encoding="utf-8")
    assert "к приказу от 15.01.2026" in text
    assert re.search(r"\d+,\d %", text)
    first_table = text.split("# Перечень общеобразовательных организаций, функционирующих")[0]
    municipalities = [m for m in re.findall(r"^\| \d+ \| ([^|]+) \|", first_table, flags=re.M)]
    assert len(municipalities) >= 2
    assert municipalities == sorted(municipalities, key=lambda m: m.lower().replace("ё", "е\uffff"))
    assert json.loads(report.to_json())["generated"] == "2026-01-15"
