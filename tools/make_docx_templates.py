"""Build the Word templates in templates/ (appendix.docx, note.docx, cards.docx) with python-docx.

The templates are ordinary .docx files with docxtpl tags; a user may open one in Word, restyle it and pass the
folder with --templates. Run: ``.venv/bin/python tools/make_docx_templates.py`` (the files are committed).
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

HERE = Path(__file__).resolve().parents[1] / "templates"


def _document(landscape: bool = False):
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Times New Roman")
    section = document.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin = section.bottom_margin = Mm(15)
    document.core_properties.author = "shnor"
    return document


def _paragraph(document, text: str, bold: bool = False, align=None, size: int | None = None):
    paragraph = document.add_paragraph()
    run = paragraph.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    if align is not None:
        paragraph.alignment = align
    return paragraph


def _repeat_header(row) -> None:
    """Word repeats this row at the top of every page the table runs onto."""
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _table(document, headers: list[str], loop: str, cells: list[str], widths: list[int]):
    """A table: a header row repeated on each page, then one row per item of ``loop`` (docxtpl row tags)."""
    table = document.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headers):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    _repeat_header(table.rows[0])
    table.rows[1].cells[0].text = "{%tr for " + loop + " %}"
    for cell, text in zip(table.rows[2].cells, cells):
        cell.text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"
    table.autofit = False
    for column, width in zip(table.columns, widths):
        column.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = Mm(width)
    return table


def appendix() -> None:
    document = _document(landscape=True)
    _paragraph(document, "Приложение\nк приказу от {{ date }} № ____", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(document, "Перечень общеобразовательных организаций с низкими образовательными результатами",
               bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=14)
    _paragraph(document, "по итогам оценочных процедур {{ window }} гг.", align=WD_ALIGN_PARAGRAPH.CENTER)
    headers = ["№ п/п", "АТЕ", "Наименование ОО", "Выполненные критерии"]
    cells = ["{{ row.n }}", "{{ row.school.municipality }}", "{{ row.school.school_name }}", "{{ row.school.reasons }}"]
    _table(document, headers, "row in shnor", cells, [15, 55, 80, 107])
    _paragraph(document, "{% if not shnor %}Школ, отвечающих критериям, нет.{% endif %}")
    _paragraph(document, "Перечень общеобразовательных организаций, функционирующих в зоне риска снижения "
                         "образовательных результатов", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=14)
    _table(document, headers, "row in risk", cells, [15, 55, 80, 107])
    _paragraph(document, "{% if not risk %}Школ, отвечающих критериям, нет.{% endif %}")
    document.save(HERE / "appendix.docx")


def note() -> None:
    document = _document()
    _paragraph(document, "Аналитическая справка", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=14)
    _paragraph(document, "об итогах выявления общеобразовательных организаций с низкими образовательными результатами "
                         "и организаций, функционирующих в зоне риска, по итогам {{ window }} гг.",
               align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, "{{ date }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    _paragraph(document, "1. Методика", bold=True)
    _paragraph(document, "Отбор проведён по критериям «{{ rules.title }}» ({{ rules.source }}). Показатели рассчитаны "
                         "по результатам ВПР, ОГЭ и ЕГЭ за {{ window }} гг.: {{ methodology.pooling }}. "
                         "{{ methodology.fail }}; {{ methodology.high }}.")
    _paragraph(document, "{%p for line in criteria_text %}")
    _paragraph(document, "– {{ line }};")
    _paragraph(document, "{%p endfor %}")
    _paragraph(document, "2. Итоги по муниципалитетам", bold=True)
    _table(document, ["Муниципалитет", "ШНОР", "Зона риска", "Без признаков", "Недостаточно данных", "Всего ОО",
                      "Индекс объективности"], "row in municipalities",
           ["{{ row.municipality }}", "{{ row.shnor }}", "{{ row.risk }}", "{{ row.ok }}", "{{ row.insufficient }}",
            "{{ row.total }}", "{{ row.objectivity | number if row.objectivity is not none else '—' }}"],
           [50, 18, 20, 22, 24, 18, 24])
    _paragraph(document, "{{ charts.municipalities }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, "Рис. 1. Доля ШНОР и школ зоны риска по муниципалитетам", align=WD_ALIGN_PARAGRAPH.CENTER, size=10)
    _paragraph(document, "3. Распределение школ по основным показателям", bold=True)
    _paragraph(document, "{{ charts.scatter }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, "Рис. 2. Школы по доле «2» и доле «4» и «5» по русскому языку и математике; пунктир — пороги",
               align=WD_ALIGN_PARAGRAPH.CENTER, size=10)
    _paragraph(document, "4. Перечень ШНОР", bold=True)
    _table(document, ["№ п/п", "АТЕ", "Наименование ОО", "Доля «2»", "Доля «4» и «5»"], "row in shnor",
           ["{{ row.n }}", "{{ row.school.municipality }}", "{{ row.school.school_name }}",
            "{{ row.school.indicators.fail_core | percent }}", "{{ row.school.indicators.high_core | percent }}"],
           [14, 45, 70, 22, 25])
    _paragraph(document, "В зоне риска снижения образовательных результатов — {{ risk | length }} ОО.")
    _paragraph(document, "5. Динамика", bold=True)
    _paragraph(document, "{% if dynamics %}По сравнению с прежним перечнем («{{ dynamics.previous_list }}»): вошли в перечень — "
                         "{{ dynamics.entered | length }}, вышли — {{ dynamics.left | length }}, остались — "
                         "{{ dynamics.stayed | length }}. Доля школ прежнего перечня с положительной динамикой — "
                         "{{ dynamics.positive_share | percent }}.{% for t in dynamics.targets %} {{ t.label }}: "
                         "{{ t.value | percent }} при цели {{ t.target | percent(0) }} — {{ 'достигнут' if t.met else 'не достигнут' }}."
                         "{% endfor %}{% else %}Прежний перечень не указан: динамика не рассчитана.{% endif %}")
    _paragraph(document, "6. Признаки необъективности оценивания", bold=True)
    _paragraph(document, "{% if objectivity_index and objectivity_index.region %}По {{ objectivity_index.year }} году "
                         "признаки необъективности выявлены у {{ objectivity_index.region.with_signs }} из "
                         "{{ objectivity_index.region.schools }} ОО; индекс объективности по региону — "
                         "{{ objectivity_index.region.index | number }}. Это признаки, требующие анализа, а не "
                         "доказанная необъективность.{% else %}Признаки необъективности не рассчитаны.{% endif %}")
    _paragraph(document, "{%p if objectivity_index and objectivity_index.region %}")
    _paragraph(document, "{{ charts.objectivity }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, "Рис. 3. Индекс объективности по муниципалитетам", align=WD_ALIGN_PARAGRAPH.CENTER, size=10)
    _paragraph(document, "{%p endif %}")
    _paragraph(document, "7. Данные", bold=True)
    _paragraph(document, "{%p for sheet in report.reading %}")
    _paragraph(document, "«{{ sheet.file }}»{% if sheet.sheet %}, лист «{{ sheet.sheet }}»{% endif %} — {{ sheet.layout }}; "
                         "учтено строк: {{ sheet.rows_read }}.{% for line in sheet.issues + sheet.notes %} {{ line }}"
                         "{{ '.' if loop.last else ';' }}{% endfor %}")
    _paragraph(document, "{%p endfor %}")
    document.save(HERE / "note.docx")


def cards() -> None:
    document = _document(landscape=True)
    _paragraph(document, "Карточки общеобразовательных организаций", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=14)
    _paragraph(document, "ШНОР и школы зоны риска по итогам {{ window }} гг. · {{ date }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, "{%p for card in cards %}")
    _paragraph(document, "{{ card.school.school_name }}", bold=True, size=13)
    _paragraph(document, "{{ card.school.municipality }} · логин {{ card.school.school_id }} · {{ card.school.status_label }}")
    _paragraph(document, "Выполненные критерии: {{ card.school.reasons }}")
    _table(document, ["Процедура", "Год", "Участников", "Доля «2»: ОО", "МО", "регион", "Доля высоких: ОО", "МО", "регион"],
           "row in card.rows",
           ["{{ row.procedure }}", "{{ row.year }}", "{{ row.participants }}", "{{ row.fail | percent }}",
            "{{ row.fail_municipality | percent }}", "{{ row.fail_region | percent }}", "{{ row.high | percent }}",
            "{{ row.high_municipality | percent }}", "{{ row.high_region | percent }}"],
           [60, 15, 22, 25, 22, 22, 28, 22, 22])
    _paragraph(document, "Признаки необъективности: {% if card.signs %}{% for sign in card.signs %}{{ sign.label }}"
                         "{% if not loop.last %}; {% endif %}{% endfor %}"
                         "{% elif card.not_computed == card.signs_total %}не рассчитаны (нет данных по "
                         "участникам){% else %}не выявлены{% endif %}.")
    _paragraph(document, "Рекомендации:", bold=True)
    _paragraph(document, "{%p for text in card.school.recommendations %}")
    _paragraph(document, "– {{ text }}")
    _paragraph(document, "{%p endfor %}")
    _paragraph(document, "{%p endfor %}")
    document.save(HERE / "cards.docx")


if __name__ == "__main__":
    appendix()
    note()
    cards()
