"""Build the Word templates in templates/ (appendix.docx, note.docx, cards.docx, mentors.docx) with python-docx.

The templates are ordinary .docx files with docxtpl tags over the template context (``shnor.render.context``); a user
may open one in Word, restyle it and pass the folder with --templates. Every template is in Russian (ru-RU, so that
Word checks Russian spelling and hyphenates), with heading styles, page numbers at the top from the second page,
table header rows repeated on each page, rows never split across pages and headings kept with what follows.
Run: ``.venv/bin/python tools/make_docx_templates.py`` (the files are committed).
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

HERE = Path(__file__).resolve().parents[1] / "templates"
LEFT, RIGHT, TOP, BOTTOM = 25, 15, 20, 20  # margins, mm
CENTER, RIGHT_ALIGN, JUSTIFY = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.JUSTIFY
EVEN_AFTER_FIRST = "even-after-first"  # a table whose columns after the first come from a loop: spread evenly


def _document(landscape: bool = False):
    document = Document()
    section = document.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    else:
        section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin, section.right_margin = Mm(LEFT), Mm(RIGHT)
    section.top_margin, section.bottom_margin = Mm(TOP), Mm(BOTTOM)
    _styles(document)
    _russian(document)
    _page_numbers(section)
    document.core_properties.language = "ru-RU"
    document.core_properties.author = ""
    return document


def _text_width(document) -> float:
    section = document.sections[0]
    return (section.page_width - section.left_margin - section.right_margin) / 36000


def _font(style, size: float, bold: bool = False) -> None:
    style.font.name = "Times New Roman"
    style.font.size = Pt(size)
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = RGBColor(0, 0, 0)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for name in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(name), "Times New Roman")
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)


def _styles(document) -> None:
    styles = document.styles
    normal = styles["Normal"]
    _font(normal, 12)
    normal.paragraph_format.space_after = Pt(3)
    normal.paragraph_format.line_spacing = 1.0
    for name, size, space_before in (("Title", 14, 0), ("Heading 1", 13, 12), ("Heading 2", 12, 10),
                                     ("Heading 3", 12, 8)):
        style = styles[name]
        _font(style, size, bold=True)
        style.paragraph_format.keep_with_next = True
        style.paragraph_format.space_before = Pt(space_before)
        style.paragraph_format.space_after = Pt(4)
    styles["Title"].paragraph_format.alignment = CENTER
    title = styles["Title"].element.find(qn("w:pPr"))
    for border in title.findall(qn("w:pBdr")) if title is not None else []:
        title.remove(border)  # python-docx's «Title» has a rule under it
    table_text = styles.add_style("Table Text", 1)
    table_text.base_style = normal
    _font(table_text, 10)
    table_text.paragraph_format.space_after = Pt(0)
    table_text.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    note = styles.add_style("Note", 1)
    note.base_style = normal
    _font(note, 10)


def _russian(document) -> None:
    """Russian everywhere: the default language of text, the theme, hyphenation on."""
    styles = document.styles.element
    for lang in styles.iter(qn("w:lang")):
        lang.set(qn("w:val"), "ru-RU")
        lang.set(qn("w:eastAsia"), "ru-RU")
    settings = document.settings.element
    for element in settings.iter(qn("w:themeFontLang")):
        element.set(qn("w:val"), "ru-RU")
    hyphenation = OxmlElement("w:autoHyphenation")
    settings.insert(0, hyphenation)


def _field(paragraph, code: str) -> None:
    """A Word field (PAGE) in a paragraph."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, code), ("separate", None), (None, "2"), ("end", None)):
        if kind is not None:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
            run._r.append(element)
        elif text == code:
            instruction = OxmlElement("w:instrText")
            instruction.set(qn("xml:space"), "preserve")
            instruction.text = f" {code} "
            run._r.append(instruction)
        else:
            element = OxmlElement("w:t")
            element.text = text
            run._r.append(element)


def _page_numbers(section) -> None:
    """The page number at the top centre, from the second page (the first page of a document has none)."""
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = CENTER
    _field(paragraph, "PAGE")


def _p(document, text: str, style: str | None = None, align=None, bold: bool = False, keep: bool = False,
       indent: float | None = None, break_before: bool = False, after: float | None = None):
    paragraph = document.add_paragraph(style=style)
    if text:
        paragraph.add_run(text).bold = bold or None
    if align is not None:
        paragraph.alignment = align
    form = paragraph.paragraph_format
    if keep:
        form.keep_with_next = True
    if indent is not None:
        form.left_indent = Mm(indent)
    if break_before:
        form.page_break_before = True
    if after is not None:
        form.space_after = Pt(after)
    return paragraph


def _tag(document, tag: str) -> None:
    """A docxtpl paragraph tag ({%p … %}): the paragraph itself disappears from the result."""
    document.add_paragraph(tag)


def _row_properties(row, header: bool = False) -> None:
    properties = row._tr.get_or_add_trPr()
    if header:
        element = OxmlElement("w:tblHeader")
        element.set(qn("w:val"), "true")
        properties.append(element)
    keep = OxmlElement("w:cantSplit")
    keep.set(qn("w:val"), "true")
    properties.append(keep)


def _table(document, headers: list[str], loop: str, cells: list[str], widths: list[float],
           caption: str | None = None, right: tuple[int, ...] = ()):
    """A table: a header row repeated on each page, then one row per item of ``loop`` (docxtpl row tags); no row
    split across pages; the columns ``right`` (numbers) aligned right. ``caption`` marks a table for the renderer
    (``EVEN_AFTER_FIRST``)."""
    table = document.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    table.rows[1].cells[0].text = "{%tr for " + loop + " %}"
    for cell, text in zip(table.rows[2].cells, cells):
        cell.text = text
    table.rows[3].cells[0].text = "{%tr endfor %}"
    table.autofit = False
    for index, row in enumerate(table.rows):
        _row_properties(row, header=index == 0)
        for number, (cell, width) in enumerate(zip(row.cells, widths)):
            cell.width = Mm(width)
            for paragraph in cell.paragraphs:
                paragraph.style = document.styles["Table Text"]
                paragraph.paragraph_format.keep_with_next = index == 0
                if number in right and index != 1 and index != 3:
                    paragraph.alignment = RIGHT_ALIGN
    for column, width in zip(table.columns, widths):
        column.width = Mm(width)
    if caption:
        properties = table._tbl.tblPr
        element = OxmlElement("w:tblCaption")
        element.set(qn("w:val"), caption)
        properties.append(element)
    return table


def _signature(document, position: str, name: str, text_width: float) -> None:
    """«Должность ____________ И.О. Фамилия»: the position at the left, the name at the right edge."""
    paragraph = _p(document, f"{position}\t{'_' * 16}\t{name}")
    paragraph.paragraph_format.space_before = Pt(18)
    paragraph.paragraph_format.tab_stops.add_tab_stop(Mm(text_width * 0.62), WD_TAB_ALIGNMENT.CENTER)
    paragraph.paragraph_format.tab_stops.add_tab_stop(Mm(text_width), WD_TAB_ALIGNMENT.RIGHT)


def _mark(document, first: str, rest: str, indent: float) -> None:
    """«Приложение № 1 / к приказу … / от … № …» at the top right; a new page before it unless it is the first."""
    _tag(document, "{%p if " + first + " %}")
    _p(document, "{{ " + rest + ".lines[0] }}", indent=indent, after=0)
    _tag(document, "{%p else %}")
    _p(document, "{{ " + rest + ".lines[0] }}", indent=indent, after=0, break_before=True)
    _tag(document, "{%p endif %}")
    _p(document, "{{ " + rest + ".lines[1] }}", indent=indent, after=0)
    _p(document, "{{ " + rest + ".lines[2] }}", indent=indent, after=12)


def appendix() -> None:
    document = _document(landscape=True)
    width = _text_width(document)
    _tag(document, "{%p for list in lists %}")
    _mark(document, "loop.first", "list.mark", width - 110)
    _p(document, "{{ list.title }}", style="Heading 1", align=CENTER)
    _p(document, "{{ list.subtitle }}", align=CENTER, keep=True, after=8)
    _tag(document, "{%p if list.rows %}")
    _table(document, ["№ п/п", "АТЕ", "Наименование ОО", "Число участников", "Выполненные критерии"],
           "row in list.rows",
           ["{{ row.n }}", "{{ row.municipality }}", "{{ row.school }}", "{{ row.participants }}",
            "{{ row.criteria }}"],
           [12, 46, 60, 26, width - 144], right=(0, 3))
    _tag(document, "{%p for note in list.notes %}")
    _p(document, "{{ note }}", style="Note", after=0, keep=True)  # with the signature below
    _tag(document, "{%p endfor %}")
    _tag(document, "{%p else %}")
    _p(document, "{{ list.empty }}", keep=True)
    _tag(document, "{%p endif %}")
    _signature(document, "{{ issuer.signer_position }}", "{{ issuer.signer }}", width)
    _tag(document, "{%p endfor %}")
    document.core_properties.title = "Перечни общеобразовательных организаций"
    document.save(HERE / "appendix.docx")


def mentors() -> None:
    document = _document(landscape=True)
    width = _text_width(document)
    _mark(document, "true", "mark", width - 110)
    _p(document, "{{ title }}", style="Heading 1", align=CENTER, after=8)
    _tag(document, "{%p if rows %}")
    _table(document, ["№ п/п", "ШНОР", "АТЕ", "Школа-наставник", "АТЕ наставника", "Предметы", "Основание"],
           "row in rows",
           ["{{ row.n }}", "{{ row.school if row.first else '' }}", "{{ row.municipality if row.first else '' }}",
            "{{ row.mentor }}", "{{ row.mentor_municipality }}", "{{ row.subjects }}", "{{ row.basis }}"],
           [10, 38, 30, 38, 30, 28, width - 174], right=(0,))
    _tag(document, "{%p else %}")
    _p(document, "{{ empty }}", keep=True)
    _tag(document, "{%p endif %}")
    _signature(document, "{{ issuer.signer_position }}", "{{ issuer.signer }}", width)
    document.save(HERE / "mentors.docx")


def _paragraphs(document, loop: str, text: str, style: str | None = None, align=JUSTIFY) -> None:
    _tag(document, "{%p for " + loop + " %}")
    _p(document, text, style=style, align=align)
    _tag(document, "{%p endfor %}")


def _chart(document, name: str, number: int) -> None:
    _tag(document, "{%p if " + name + " %}")
    _p(document, "{{ " + name + ".image }}", align=CENTER, keep=True, after=0)
    _p(document, f"Рис. {number}. {{{{ {name}.caption }}}}", style="Note", align=CENTER, after=8)
    _tag(document, "{%p endif %}")


def note() -> None:
    document = _document()
    width = _text_width(document)
    _p(document, "{{ issuer.authority | upper }}", align=CENTER, bold=True, after=12)
    _p(document, "{{ title }}", style="Title")
    _p(document, "{{ subtitle }}", align=CENTER, after=12)

    _p(document, "1. Использованные данные", style="Heading 1")
    _paragraphs(document, "text in data", "{{ text }}")
    _p(document, "Таблица 1. Результаты, по которым проведён отбор", style="Note", keep=True)
    _table(document, ["Процедура", "Год", "Предметов", "ОО", "Участников (по всем работам)"], "row in data_rows",
           ["{{ row.assessment }}", "{{ row.year }}", "{{ row.subjects }}", "{{ row.schools }}",
            "{{ row.participants }}"], [40, 25, 30, 30, width - 125], right=(1, 2, 3, 4))

    _p(document, "2. Методика", style="Heading 1")
    _paragraphs(document, "text in methodology", "{{ text }}")
    _tag(document, "{%p for status in statuses %}")
    _p(document, "{{ status.lead }}", align=JUSTIFY, keep=True)
    _tag(document, "{%p for condition in status.conditions %}")
    _p(document, "– {{ condition }}{{ ';' if not loop.last else '.' }}", align=JUSTIFY, indent=8)
    _tag(document, "{%p endfor %}")
    _tag(document, "{%p endfor %}")
    _p(document, "Основные понятия", style="Heading 2")
    _paragraphs(document, "term in glossary", "{{ term.term }} — {{ term.meaning }}")

    _p(document, "3. Результаты по муниципалитетам", style="Heading 1")
    _p(document, "Таблица 2. ОО по муниципалитетам; доли — по сумме результатов за {{ window }}", style="Note",
       keep=True)
    cells = ["{{ row.name }}", "{{ row.schools }}", "{{ row.shnor }}", "{{ row.risk }}", "{{ row.insufficient }}",
             "{{ row.fail }}", "{{ row.high }}"]
    headers = ["Муниципалитет", "Всего ОО", "ШНОР", "Зона риска", "Недост. данных", "{{ headings.fail_core }}",
               "{{ headings.high_core }}"]
    _tag(document, "{%p if with_index %}")
    _table(document, [*headers, "Индекс объективности"], "row in municipalities", [*cells, "{{ row.index }}"],
           [width - 126, 13, 13, 15, 17, 22, 22, 24], right=(1, 2, 3, 4, 5, 6, 7))
    _tag(document, "{%p else %}")
    _table(document, headers, "row in municipalities", cells, [width - 102, 13, 13, 15, 17, 22, 22],
           right=(1, 2, 3, 4, 5, 6))
    _tag(document, "{%p endif %}")
    _chart(document, "chart_municipalities", 1)
    _tag(document, "{%p if years %}")
    _p(document, "Основные показатели региона по годам", style="Heading 2")
    _table(document, ["Год", "Участников (рус. яз., мат.)", "{{ headings.fail_core }}", "{{ headings.high_core }}",
                      "{{ headings.fail_other }}"], "row in years",
           ["{{ row.year }}", "{{ row.participants }}", "{{ row.fail_core }}", "{{ row.high_core }}",
            "{{ row.fail_other }}"], [20, 35, (width - 55) / 3, (width - 55) / 3, (width - 55) / 3],
           right=(0, 1, 2, 3, 4))
    _tag(document, "{%p endif %}")
    _tag(document, "{%p if chart_scatter %}")
    _p(document, "Распределение ОО по основным показателям", style="Heading 2")
    _tag(document, "{%p endif %}")
    _chart(document, "chart_scatter", 2)
    _p(document, "Перечень ШНОР", style="Heading 2")
    _tag(document, "{%p if shnor %}")
    _table(document, ["№ п/п", "АТЕ", "Наименование ОО", "Участников", "Выполненные критерии"], "row in shnor",
           ["{{ row.n }}", "{{ row.municipality }}", "{{ row.school }}", "{{ row.participants }}",
            "{{ row.criteria }}"], [10, 28, 48, 22, width - 108], right=(0, 3))
    _tag(document, "{%p else %}")
    _p(document, "Школ, отвечающих критериям ШНОР, нет.")
    _tag(document, "{%p endif %}")
    _tag(document, "{%p if context %}")
    _p(document, "ОО по типу населённого пункта", style="Heading 2")
    _table(document, ["Тип населённого пункта", "ОО", "ШНОР", "Зона риска", "ШНСУ"], "row in context",
           ["{{ row.group }}", "{{ row.schools }}", "{{ row.shnor }}", "{{ row.risk }}", "{{ row.shnsu }}"],
           [width - 80, 20, 20, 20, 20], right=(1, 2, 3, 4))
    _tag(document, "{%p endif %}")
    _p(document, "Изменения по сравнению с прежним перечнем", style="Heading 2")
    _paragraphs(document, "text in movement", "{{ text }}")
    _tag(document, "{%p if targets %}")
    _table(document, ["Целевой показатель", "Факт", "Цель", "Достигнут"], "row in targets",
           ["{{ row.label }}", "{{ row.value }}", "{{ row.target }}", "{{ row.met }}"], [width - 66, 22, 22, 22],
           right=(1, 2))
    _tag(document, "{%p endif %}")
    _p(document, "Объективность оценивания", style="Heading 2")
    _paragraphs(document, "text in objectivity", "{{ text }}")
    _chart(document, "chart_objectivity", 3)
    _tag(document, "{%p if mentors %}")
    _p(document, "Школы-наставники", style="Heading 2")
    _table(document, ["№ п/п", "ШНОР", "Школа-наставник", "Предметы"], "row in mentors",
           ["{{ row.n }}", "{{ row.school ~ ' (' ~ row.municipality ~ ')' if row.first else '' }}",
            "{{ row.mentor }}{{ ' (' ~ row.mentor_municipality ~ ')' if row.mentor_municipality else '' }}",
            "{{ row.subjects }}"], [10, (width - 50) / 2, (width - 50) / 2, 40], right=(0,))
    _tag(document, "{%p endif %}")

    _p(document, "4. Выводы", style="Heading 1")
    _paragraphs(document, "text in conclusions", "{{ text }}")
    _p(document, "5. Рекомендации", style="Heading 1")
    _tag(document, "{%p for group in recommendations %}")
    _p(document, "{{ group.to }}:", bold=True, keep=True)
    _paragraphs(document, "item in group.items", "{{ loop.index }}. {{ item }}")
    _tag(document, "{%p endfor %}")
    _paragraphs(document, "text in notes", "{{ text }}", style="Note")
    _p(document, "Подготовил: {{ issuer.prepared_by_position }} {{ issuer.prepared_by }}",
       keep=True).paragraph_format.space_before = Pt(18)
    _p(document, "тел. {{ issuer.phone }}", keep=True, after=0)
    _p(document, "{{ issuer.date }}")
    document.save(HERE / "note.docx")


def cards() -> None:
    document = _document()
    width = _text_width(document)
    _p(document, "{{ title }}", style="Title")
    _p(document, "{{ subtitle }}", align=CENTER, after=6)
    _paragraphs(document, "text in notes", "{{ text }}", style="Note", align=None)
    _tag(document, "{%p for card in cards %}")
    _tag(document, "{%p if loop.first %}")
    _p(document, "{{ card.name }}", style="Heading 1")
    _tag(document, "{%p else %}")
    _p(document, "{{ card.name }}", style="Heading 1", break_before=True)
    _tag(document, "{%p endif %}")
    _p(document, "{{ card.about }} · {{ card.status }}", keep=True)
    _tag(document, "{%p if card.context %}")
    _p(document, "Контекст: {{ card.context }}.", style="Note")
    _tag(document, "{%p endif %}")
    _p(document, "Выполненные критерии", style="Heading 3")
    _paragraphs(document, "text in card.criteria", "– {{ text }}")
    _p(document, "Результаты по процедурам", style="Heading 3")
    table = document.add_table(rows=4, cols=4)
    table.style = "Table Grid"
    header, start, body, end = table.rows
    header.cells[0].text = "Процедура"
    header.cells[1].text = "{%tc for column in columns %}"
    header.cells[2].text = "{{ column }}"
    header.cells[3].text = "{%tc endfor %}"
    start.cells[0].text = "{%tr for row in card.rows %}"
    body.cells[0].text = "{{ row.procedure }}"
    body.cells[1].text = "{%tc for cell in row.cells %}"
    body.cells[2].text = "{{ cell }}"
    body.cells[3].text = "{%tc endfor %}"
    end.cells[0].text = "{%tr endfor %}"
    table.autofit = False
    for index, row in enumerate(table.rows):
        _row_properties(row, header=index == 0)
        for number, cell in enumerate(row.cells):
            cell.width = Mm(45 if number == 0 else (width - 45) / 3)
            for paragraph in cell.paragraphs:
                paragraph.style = document.styles["Table Text"]
                if number:
                    paragraph.alignment = RIGHT_ALIGN
                for run in paragraph.runs:
                    run.bold = index == 0 or None
    element = OxmlElement("w:tblCaption")
    element.set(qn("w:val"), EVEN_AFTER_FIRST)
    table._tbl.tblPr.append(element)
    _p(document, "Динамика к прошлому году", style="Heading 3")
    _tag(document, "{%p if card.dynamics %}")
    _table(document, ["Показатель", "Было", "Стало", "Изменение", "Оценка"], "row in card.dynamics",
           ["{{ row.indicator }}", "{{ row.before }}", "{{ row.after }}", "{{ row.change }}", "{{ row.verdict }}"],
           [48, 16, 16, 24, width - 104], right=(1, 2, 3))
    _tag(document, "{%p endif %}")
    _tag(document, "{%p if card.dynamics_note %}")
    _p(document, "{{ card.dynamics_note }}")
    _tag(document, "{%p endif %}")
    _p(document, "Признаки необъективности", style="Heading 3")
    _paragraphs(document, "text in card.signs", "– {{ text }}")
    _p(document, "{{ card.signs_note }}", align=JUSTIFY)
    _p(document, "Что нужно, чтобы выйти из перечня", style="Heading 3")
    _p(document, "При том же числе участников; школа выходит из перечня, когда не выполняется ни одно из условий "
                 "отнесения к нему.", style="Note", keep=True)
    _paragraphs(document, "text in card.exit", "– {{ text }}")
    _p(document, "Рекомендации", style="Heading 3")
    _paragraphs(document, "item in card.advice", "{{ loop.index }}. {{ item.topic }}. {{ item.text }}")
    _tag(document, "{%p endfor %}")
    _tag(document, "{%p if not cards %}")
    _p(document, "{{ empty }}")
    _tag(document, "{%p endif %}")
    document.save(HERE / "cards.docx")


if __name__ == "__main__":
    appendix()
    note()
    cards()
    mentors()
