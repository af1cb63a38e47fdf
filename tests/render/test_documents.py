"""Documents of the example region with document settings against golden files (HTML and Markdown exactly; Word as
the text and tables python-docx extracts); what an official signs, and no program text in it; hostile names render as
text in every format.

Regenerate the golden files after an intended change (and read the diff):
``SHNOR_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/render``.
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
from shnor.render.settings import load_document_settings
from shnor.report.build import IdentifyRequest, identify
from shnor.report.model import Report
from tests.conftest import EXAMPLES

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
UPDATE = os.environ.get("SHNOR_UPDATE_GOLDEN") == "1"
HOSTILE = "=cmd|' /C calc'!A0 <script>alert(1)</script> «ёлки» \"q\" & *жирный* | ячейка"
TEXT_DOCUMENTS = ["appendix.md", "appendix.html", "mentors.md", "mentors.html", "cards.html", "note.html"]
WORD_DOCUMENTS = ["appendix.docx", "note.docx", "cards.docx", "mentors.docx"]


@pytest.fixture(scope="module")
def report() -> Report:
    """The small region of the golden result.json (school-level tables: no objectivity signs)."""
    request = IdentifyRequest(
        inputs=[GOLDEN / "region.csv"], history=[GOLDEN / "history.csv"], today=date(2026, 1, 15)
    )
    return identify(request)


@pytest.fixture(scope="module")
def example() -> Report:
    """The example region as README's first command runs it."""
    return identify(IdentifyRequest(
        inputs=[EXAMPLES / "region"], registry=EXAMPLES / "registry.csv", history=[EXAMPLES / "history_2024.csv"],
        scales=EXAMPLES / "scales.csv", context=EXAMPLES / "context.csv", today=date(2026, 1, 15),
    ))


@pytest.fixture(scope="module")
def settings():
    return load_document_settings(EXAMPLES / "document.yaml")


@pytest.fixture(scope="module")
def written(example, settings, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("documents")
    return {name: DOCUMENTS[name](example, folder, None, settings)[0] for name in DOCUMENTS}


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


def plain(text: str) -> str:
    return re.sub(r"<[^>]+>", " ", without_images(text)).replace("\u00a0", " ")


def test_report_model_golden(report):
    compare("result.json", report.to_json())


def test_procedures_golden(report, tmp_path):
    """procedures.parquet: fixed columns, rows sorted by school and reading order, the same bytes for the same
    report; its rows as CSV against the golden file."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        render_all(report, tmp_path / name)
    first = (tmp_path / "a" / "procedures.parquet").read_bytes()
    assert first == (tmp_path / "b" / "procedures.parquet").read_bytes()
    table = pq.read_table(tmp_path / "a" / "procedures.parquet")
    assert table.column_names == ["school_id", "year", "assessment", "subject", "grade", "participants", "fail",
                                  "high", "fail_share", "high_share", "mean_score"]
    assert pq.read_metadata(tmp_path / "a" / "procedures.parquet").metadata is None, "no pandas or Arrow metadata"
    pacsv.write_csv(table, tmp_path / "procedures.csv")
    compare("procedures.csv", (tmp_path / "procedures.csv").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", TEXT_DOCUMENTS)
def test_text_documents_golden(written, name):
    compare(f"{name}.golden", without_images(written[name].read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", WORD_DOCUMENTS)
def test_word_documents_golden(written, name):
    compare(f"{name}.txt", docx_text(written[name]))


def test_appendix_is_the_order_form(written):
    text = docx_text(written["appendix.docx"]).replace("\u00a0", " ")
    assert "Приложение № 1\nк приказу Министерства образования Учебной области\nот 15.01.2026 № 12-о" in text
    assert "Приложение № 2\nк приказу Министерства образования Учебной области" in text
    assert "Министр образования\t________________\tЕ.В. Соколова" in text
    shnor = Document(str(written["appendix.docx"])).tables[0]
    assert [c.text for c in shnor.rows[0].cells] == [
        "№ п/п", "АТЕ", "Наименование ОО", "Число участников", "Выполненные критерии"]
    row = [c.text.replace("\u00a0", " ") for c in shnor.rows[1].cells]
    assert row[:4] == ["1", "Озёрский муниципальный округ", "МБОУ «СОШ № 2»", "108"]
    # each measure once, in words, with its value and the threshold; the earlier list named by its year
    assert row[4] == ("доля «2» по русскому языку и математике — 36,1 % (порог 25 %); доля «4» и «5» по русскому "
                      "языку и математике — 11,1 % (порог 30 %); ранее в перечне ШНОР (2024)")


def test_mentors_are_the_third_appendix_with_municipalities(written):
    text = docx_text(written["mentors.docx"]).replace("\u00a0", " ")
    assert text.startswith("Приложение № 3\nк приказу Министерства образования Учебной области")
    table = Document(str(written["mentors.docx"])).tables[0]
    first = [c.text.replace("\u00a0", " ") for c in table.rows[1].cells]
    assert first[:5] == ["1", "МБОУ «СОШ № 2»", "Озёрский муниципальный округ", "МБОУ «Лицей № 12»",
                         "Северный городской округ"]


def test_lists_in_natural_order(written):
    text = written["appendix.md"].read_text(encoding="utf-8").replace("\u00a0", " ")
    first = text.split("Приложение № 2")[0]
    schools = re.findall(r"^\| \d+ \| Северный городской округ \| ([^|]+) \|", first, flags=re.MULTILINE)
    assert schools == ["МБОУ «СОШ № 7»", "МБОУ «СОШ № 9»", "МБОУ «СОШ № 14»"]  # not «№ 14» before «№ 7»


def test_percentages_and_numbers_do_not_break(written):
    for name in ("appendix.html", "note.html", "cards.html"):
        text = plain(written[name].read_text(encoding="utf-8"))
        raw = written[name].read_text(encoding="utf-8")
        assert re.search(r"\d \%", raw) is None and "36,1\u00a0%" in raw or "%" not in text, name
        assert not re.search(r"№ \d", raw) and " п. п." not in raw, name


def test_no_program_text_in_any_document(written):
    """No program name, version, option or file name on the pages; they go to the properties and result.json."""
    for name, path in written.items():
        if name == "indicators.xlsx":
            continue
        if path.suffix == ".docx":
            text = docx_text(path)
        else:
            text = plain(re.sub(r"<(title|meta)[^>]*>.*?(?=<)|<meta[^>]*>", "", path.read_text(encoding="utf-8")))
        tool_words = r"shnor|--\w|\.(csv|xlsx|json|yaml|docx)\b|history_2024|0\.1\.0"
        assert not re.search(tool_words, text, re.IGNORECASE), name
        assert "None" not in text and "nan" not in text.split(), name


def test_program_and_version_in_the_file_properties(written, example):
    properties = Document(str(written["note.docx"])).core_properties
    assert properties.language == "ru-RU"
    assert properties.comments == f"shnor {example.tool['version']}; правила «default»"
    assert '<meta name="generator" content="shnor ' in written["note.html"].read_text(encoding="utf-8")


def test_note_sections_and_signature(written):
    for text in (docx_text(written["note.docx"]), plain(written["note.html"].read_text(encoding="utf-8"))):
        text = re.sub(r"\s+", " ", text.replace("\u00a0", " "))
        for heading in ("1. Использованные данные", "2. Методика", "Основные понятия",
                        "3. Результаты по муниципалитетам", "Школы-наставники", "4. Выводы", "5. Рекомендации"):
            assert heading in text
        assert "МИНИСТЕРСТВО ОБРАЗОВАНИЯ УЧЕБНОЙ ОБЛАСТИ" in text or "Министерство образования Учебной области" in text
        assert "Подготовил: главный специалист отдела оценки качества образования О.Н. Петрова" in text
        assert "тел. (4012) 55-01-23" in text
        assert "Индекс объективности — 100 минус процент ОО" in text
        assert "Остались в перечне (5): МБОУ «СОШ № 2» (Озёрский муниципальный округ)" in text


@pytest.mark.parametrize("document", ["note", "cards", "appendix", "mentors"])
def test_word_and_html_carry_the_same_content(written, document):
    """One view feeds both: every paragraph and table cell of the Word document is in the HTML one."""
    html = plain(written[f"{document}.html"].read_text(encoding="utf-8")).replace("&quot;", '"')
    html = re.sub(r"\s+", " ", html.replace("&amp;", "&"))
    for line in docx_text(written[f"{document}.docx"]).replace("\t", " ").splitlines():
        for part in line.replace("\u00a0", " ").split(" | "):
            words = re.sub(r"\s+", " ", re.sub(r"^(\d+\. |– )", "", part.strip()).rstrip(":"))
            if words and words != "---" and not words.startswith("Рис.") and not set(words) <= {"_", " "}:
                assert words.lower() in html.lower(), words


def test_cards_name_a_login_only_where_it_is_one(written, example):
    derived = [s for s in example.schools if s.school_id.startswith("oo-")]
    text = docx_text(written["cards.docx"])
    assert "логин sch" in text
    assert not any(s.school_id in text for s in derived)


def test_cards_show_small_groups_as_counts_and_what_it_takes(written):
    text = docx_text(written["cards.docx"]).replace("\u00a0", " ")
    assert "ВПР Математика, 4 кл. | 3 | 1 | 0 | 7 | 3 | 0 | 8,9 % | 46,8 %" in text
    assert ("доля «2» по русскому языку и математике — 36,1 % (39 из 108); чтобы доля стала ниже 25 % — на 13 «2» "
            "меньше (26 из 108); ниже 20 % — на 18 «2» меньше (21 из 108)") in text
    assert "−12,8 п. п." in text and "-12,83" not in text
    assert "без значимых изменений: случайные колебания при 46 и 62 участниках" in text


def test_without_settings_the_lines_are_left_to_fill_in(example, tmp_path):
    (path,) = DOCUMENTS["appendix.md"](example, tmp_path, None, None)
    text = path.read_text(encoding="utf-8")
    assert "к приказу \\_\\_\\_\\_" in text and "от «\\_\\_\\_» \\_\\_\\_" in text
    (path,) = DOCUMENTS["note.docx"](example, tmp_path, None, None)
    assert "Подготовил: ____" in docx_text(path)


def test_settings_are_kept_for_render(example, settings, tmp_path):
    render_all(example, tmp_path, (), None, settings)
    saved = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    assert saved["document"]["order_date"] == "2026-01-15" and saved["document"]["signer"] == "Е.В. Соколова"
    (path,) = DOCUMENTS["appendix.md"](Report.load(tmp_path / "result.json"), tmp_path, None, None)
    assert "Министерства образования Учебной области" in path.read_text(encoding="utf-8")


def test_ege_only_data_is_worded_as_ege(tmp_path):
    """On ЕГЭ alone: «не преодолели минимальный порог» and «81–100 баллов», never «2» or «4» и «5»."""
    from tests.conftest import SCHOOL_HEADER, school_row, write_table

    rows = [school_row(f"s{n}", year, "ЕГЭ", subject, 20, fail, 2)
            for n, fail in enumerate((1, 2, 9, 12)) for year in (2024, 2025)
            for subject in ("Русский язык", "Математика (профильная)")]
    table = write_table(tmp_path / "ege.csv", SCHOOL_HEADER, rows)
    ege = identify(IdentifyRequest(inputs=[table], today=date(2026, 1, 15)))
    text = DOCUMENTS["appendix.md"](ege, tmp_path, None, None)[0].read_text(encoding="utf-8").replace("\u00a0", " ")
    assert ("доля не преодолевших минимальный порог по русскому языку и математике — 45,0 % (порог 25 %); доля "
            "получивших 81–100 баллов по русскому языку и математике — 10,0 % (порог 30 %)") in text
    assert "«2»" not in text and "«4»" not in text
    note = plain(DOCUMENTS["note.html"](ege, tmp_path, None, None)[0].read_text(encoding="utf-8"))
    assert "по результатам ЕГЭ за 2024–2025 гг." in note and "ВПР" not in note
    assert "Доля получивших 81–100 баллов" in note


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


def test_render_command_rebuilds_documents_from_result_json(example, settings, tmp_path, written):
    from typer.testing import CliRunner

    from shnor.cli.app import app

    render_all(example, tmp_path, (), None, settings)
    saved = tmp_path / "result.json"
    loaded = Report.load(saved)
    assert loaded.to_json() == replace(example, document=settings.as_dict()).to_json()
    assert all(loaded.procedures_of(s.school_id) == example.procedures_of(s.school_id) for s in example.schools)
    assert sum(len(loaded.procedures_of(s.school_id)) for s in example.schools) == loaded.procedures.table.num_rows
    out = tmp_path / "docs"
    result = CliRunner().invoke(app, ["render", str(saved), "--out", str(out), "--format", "appendix.md", "--quiet"])
    assert result.exit_code == 0, result.output
    assert (out / "Приложение к приказу.md").read_text(encoding="utf-8") == written["appendix.md"].read_text(
        encoding="utf-8")


def test_a_school_with_signs_of_its_own_reads_back_the_same(example, tmp_path):
    """result.json says a sign once at the top; a school with other codes, or with a sign unlike the shared one,
    names its own and reads back exactly."""
    first, second, *others = example.schools
    odd = [replace(first, objectivity_signs=first.objectivity_signs[:3]),
           replace(second, objectivity_signs=[replace(x, status="не рассчитан", reason="своя причина", figures={})
                                              for x in second.objectivity_signs]), *others]
    changed = replace(example, schools=odd)
    render_all(changed, tmp_path)
    saved = json.loads((tmp_path / "result.json").read_text(encoding="utf-8"))
    assert len(saved["schools"][0]["sign_codes"]) == 3 and "sign_codes" not in saved["schools"][1]
    loaded = Report.load(tmp_path)
    def said(school):
        return [(x.code, x.label, x.status, x.reason, bool(x.figures)) for x in school.objectivity_signs]

    assert [said(s) for s in loaded.schools[:2]] == [said(s) for s in odd[:2]]
    assert loaded.to_json() == changed.to_json()


def test_user_templates_override_and_are_sandboxed(report, tmp_path):
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "appendix.md.j2").write_text("Своё: {{ lists | length }} {{ ''.__class__.__mro__ }}\n", encoding="utf-8")
    from shnor.errors import UserError

    with pytest.raises(UserError) as caught:
        DOCUMENTS["appendix.md"](report, tmp_path, folder)
    said = f"шаблон «{folder / 'appendix.md.j2'}», строка 1: обращение к «__class__» в шаблонах запрещено"
    assert said in str(caught.value)
    (folder / "appendix.md.j2").write_text("Своё: {{ lists[0].rows | length }} школ на {{ issuer.date }}\n",
                                           encoding="utf-8")
    (written,) = DOCUMENTS["appendix.md"](report, tmp_path, folder)
    listed = len([s for s in report.schools if s.status == "shnor"])
    assert written.read_text(encoding="utf-8") == f"Своё: {listed} школ на 15.01.2026\n"


@pytest.mark.parametrize(("rules", "lists", "mentors"), [
    ("default", ["Приложение № 1", "Приложение № 2"], "Приложение № 3"),
    ("rosobrnadzor-2025", ["Приложение № 1"], "Приложение № 2"),  # no risk zone: the mentors come second
    ("objectivity", ["Приложение № 1"], "Приложение № 2"),  # the risk zone alone is the first list
])
def test_appendices_are_numbered_as_they_are_produced(tmp_path, rules, lists, mentors):
    numbered = identify(IdentifyRequest(inputs=[GOLDEN / "region.csv"], rules=rules, today=date(2026, 1, 15)))
    appendix = DOCUMENTS["appendix.md"](numbered, tmp_path, None, None)[0].read_text(encoding="utf-8")
    assert re.findall(r"^Приложение № \d", appendix.replace("\u00a0", " "), flags=re.MULTILINE) == lists
    assert DOCUMENTS["mentors.md"](numbered, tmp_path, None, None)[0].read_text(encoding="utf-8").replace(
        "\u00a0", " ").startswith(mentors)
