"""Documents from the report: each document's view (``shnor.render.context``) rendered with Jinja2 templates.

Templates live in ``templates/`` (shipped inside the package); ``--templates DIR`` puts the user's own first. Wherever
the user's templates may be used, every template is rendered in a sandboxed environment; the shipped ones alone — in
jinja2's own (the same output: the sandbox only checks each attribute a template looks up, 125 000 of them for a
region's documents, ≈ 0.5 s). HTML is autoescaped, Markdown escaped by its filter, DOCX by docxtpl.
"""

from __future__ import annotations

import base64
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import fields
from datetime import datetime
from importlib import resources
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from shnor.render.formatting import markdown_text
from shnor.render.settings import DocumentSettings
from shnor.render.template_errors import template_error
from shnor.report.model import Report


def templates_dir() -> Path:
    packaged = Path(str(resources.files("shnor"))) / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "templates"


def environment(user_dir: Path | None) -> Environment:
    """The user's templates (``user_dir``) first, sandboxed; the shipped templates alone need no sandbox."""
    folders = [str(user_dir)] if user_dir else []
    kind = SandboxedEnvironment if user_dir else Environment
    env = kind(
        loader=ChoiceLoader([FileSystemLoader(folders + [str(templates_dir())])]),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2", "xml"), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
    )
    env.filters.update(md=markdown_text)
    return env


def template_path(name: str, user_dir: Path | None) -> Path:
    if user_dir and (user_dir / name).is_file():
        return user_dir / name
    return templates_dir() / name


def views() -> dict[str, Callable]:
    """Each document's view (``shnor.render.context``), by the name of its context."""
    from shnor.render import view, view_cards, view_note

    return {"appendix": view.appendix, "note": view_note.note, "cards": view_cards.cards, "mentors": view.mentors}


def view_of(report: Report, kind: str, settings: DocumentSettings | None, images: Callable | None) -> object:
    """A document's view; one without pictures is built once per report and settings, for its HTML and its Word
    alike (a region's cards take a second to build)."""
    if kind == "note":
        return views()[kind](report, settings, images)
    cache = report.__dict__.setdefault("_views", {})
    key = (kind, settings.model_dump_json() if settings is not None else None)
    if key not in cache:
        cache[key] = views()[kind](report, settings, images)
    return cache[key]


def data_uri(png: bytes, width_mm: float, height_mm: float) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def names(context: object) -> dict:
    """The fields of a document's context as the names its templates see."""
    return {f.name: getattr(context, f.name) for f in fields(context)}


def render_text(report: Report, template: str, user_dir: Path | None, kind: str,
                settings: DocumentSettings | None = None, images: bool = False) -> str:
    env = environment(user_dir)
    context = view_of(report, kind, settings, data_uri if images else None)
    try:
        return env.get_template(template).render(**names(context))
    except Exception as error:  # a user's template may be wrong in any way jinja2 can say
        if user_dir is None:
            raise
        raise template_error(error, template_path(template, user_dir)) from None


_SPECIAL_TEXT = re.compile(r"<w:t(?: [^>]*)?>[^<]*[\t\a\n\f]")
_COLUMN_LOOP = re.compile(r"\{%-?\s*tc\b")
_BODY_TAG = re.compile(r"<w:body(?:\s+xmlns:\w+=\"[^\"]*\")*\s*(/?>)")
_DECLARATION = re.compile(r"xmlns:\w+=\"[^\"]*\"")


def _docx_template(path: Path):
    """docxtpl's template, with three of its steps made linear in the size of the document.

    docxtpl parses the rendered body on its own and moves it into the document node by node (lxml re-checks
    namespaces for every node: 4 s for 900 school cards), fixes table grids even when no column is looped over,
    and runs four regular expressions over every paragraph to turn tabs and line breaks in the data into Word's
    own (2 s). Here the rendered body is parsed inside the document's own root, which then replaces the old one;
    grids are fixed when the template loops over columns (``{%tc``), and paragraphs are rewritten only when some
    text holds such a character."""
    from docx.oxml.parser import oxml_parser
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError
    from lxml import etree

    class Template(DocxTemplate):
        def render_xml_part(self, src_xml, part, context, jinja_env=None):
            """docxtpl's, with its passes over the rendered text that find nothing made a search: a country's
            appendix is 17 000 rows, tens of megabytes of XML."""
            if jinja_env is None:
                return super().render_xml_part(src_xml, part, context, jinja_env)
            src_xml = re.sub(r"<w:p([ >])", r"\n<w:p\1", src_xml)
            self.current_rendering_part = part
            try:
                dst_xml = jinja_env.from_string(src_xml).render(context)
            except TemplateError as error:  # the template's lines around the error, as docxtpl gives them
                if getattr(error, "lineno", None) is not None:
                    start = max(error.lineno - 4, 0)
                    lines = src_xml.splitlines()[start:start + 7]
                    error.docx_context = [re.sub(r"<[^>]+>", "", line) for line in lines]
                raise
            # «\n<w:p» before « » or «>» (what the first line put there) taken away: as docxtpl's re.sub
            dst_xml = dst_xml.replace("\n<w:p ", "<w:p ").replace("\n<w:p>", "<w:p>")
            for escaped, tag in (("{_{", "{{"), ("}_}", "}}"), ("{_%", "{%"), ("%_}", "%}")):
                if escaped in dst_xml:
                    dst_xml = dst_xml.replace(escaped, tag)
            return self.resolve_listing(dst_xml)

        def fix_tables(self, xml: str):
            self._pictures = "docPr" in xml
            root = etree.tostring(self.docx._element, encoding="unicode")
            start, end = root.index("<w:body"), root.rindex("</w:body>") + len("</w:body>")
            document = root[:start] + _without_inherited_namespaces(xml, root[:start]) + root[end:]
            if _COLUMN_LOOP.search(re.sub(r"<[^>]+>", "", root)):
                document = etree.tostring(super().fix_tables(document), encoding="unicode")
            return etree.fromstring(document.encode(), oxml_parser)

        def fix_docpr_ids(self, tree) -> None:  # python-docx's own elements take no namespaces argument
            if not getattr(self, "_pictures", True):  # no picture in the body: nothing to look for in its tree
                return
            for element in tree.xpath("//wp:docPr"):
                self.docx_ids_index += 1
                element.attrib["id"] = str(self.docx_ids_index)

        def map_tree(self, tree) -> None:
            self.docx._part._element = tree
            self.docx._element = tree

        def resolve_listing(self, xml: str) -> str:
            if not any(character in xml for character in "\t\a\n\f"):  # one search each, before the expression
                return xml
            return super().resolve_listing(xml) if _SPECIAL_TEXT.search(xml) else xml

    return Template(str(path))


EVEN_AFTER_FIRST = "even-after-first"  # the caption of a table whose looped columns share the width evenly
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_COLUMN_FOR = re.compile(r"\{%-?\s*tc\s+for\s+(\w+)\s+in\s+(.+?)\s*-?%\}")


def _expand_column_loops(docx, context: dict, env: Environment) -> None:
    """Tables captioned ``EVEN_AFTER_FIRST`` (a card's results, a column per year) have their column loop
    (``{%tc for column in columns %}`` … ``{%tc endfor %}``) written out in the template itself, once: as many cells
    as the header's list has items, the first column at its width, the others sharing the rest evenly. Every card
    has the same columns, so this is done once per document rather than fixed in every rendered table (docxtpl's
    own fix of looped columns re-parses the whole rendered document)."""
    for table in docx.element.body.iter(_W + "tbl"):
        caption = table.find(f"{_W}tblPr/{_W}tblCaption")
        if caption is None or caption.get(_W + "val") != EVEN_AFTER_FIRST:
            continue
        rows = table.findall(_W + "tr")
        loops = [_column_loop(row) for row in rows]
        count = next((len(env.compile_expression(found[2])(**context)) for found in loops
                      if found is not None and found[2].split(".")[0] in context), None)
        if count is None:
            continue
        grid = table.find(_W + "tblGrid")
        widths = [int(float(column.get(_W + "w"))) for column in grid.findall(_W + "gridCol")]
        share = (sum(widths) - widths[0]) // count
        for row, found in zip(rows, loops):
            if found is not None:
                _write_out(row, *found, count, share)
        for column in grid.findall(_W + "gridCol"):
            grid.remove(column)
        for width in [widths[0]] + [share] * count:
            grid.append(_element("gridCol", w=str(width)))


def _column_loop(row) -> tuple[int, str, str] | None:
    """(the index of the cell that opens the loop, the loop's variable, its list) in a table row."""
    for index, cell in enumerate(row.findall(_W + "tc")):
        found = _COLUMN_FOR.search("".join(cell.itertext()))
        if found:
            return index, found[1], found[2]
    return None


def _write_out(row, index: int, name: str, items: str, count: int, width: int) -> None:
    """The row's loop cells (opening, body, closing) replaced by ``count`` copies of the body, item by item."""
    import copy

    cells = row.findall(_W + "tc")
    body = cells[index + 1]
    for cell in cells[index:index + 3]:
        row.remove(cell)
    anchor = cells[index - 1] if index else None
    variable = re.compile(r"\{\{\s*" + re.escape(name) + r"\s*\}\}")
    for number in range(count):
        cell = copy.deepcopy(body)
        for text in cell.iter(_W + "t"):
            text.text = variable.sub(f"{{{{ ({items})[{number}] }}}}", text.text or "")
        measure = cell.find(f"{_W}tcPr/{_W}tcW")
        if measure is not None:
            measure.set(_W + "w", str(width))
            measure.set(_W + "type", "dxa")
        if anchor is None:
            row.insert(row.index(row.find(_W + "tc")) if row.find(_W + "tc") is not None else len(row), cell)
        else:
            anchor.addnext(cell)
        anchor = cell


def _element(tag: str, **attributes: str):
    from lxml import etree

    element = etree.Element(_W + tag)
    for key, value in attributes.items():
        element.set(_W + key, value)
    return element


def _without_inherited_namespaces(body: str, head: str) -> str:
    """The body serialised on its own declares every namespace in scope; inside the root they are declared there."""
    tag = _BODY_TAG.match(body)
    if tag is None:
        return body
    kept = [d for d in _DECLARATION.findall(tag.group(0)) if d not in head]
    return "<w:body" + "".join(" " + d for d in kept) + tag.group(1) + body[tag.end():]


def render_docx(report: Report, template: str, user_dir: Path | None, kind: str,
                settings: DocumentSettings | None = None) -> bytes:
    from docx.shared import Mm
    from docxtpl import InlineImage

    document = _docx_template(template_path(template, user_dir))
    width, height = _text_area(document)

    def image(png: bytes, width_mm: float, height_mm: float):
        """The picture at its own size, or smaller to fit the text area (never wider or taller than it)."""
        scale = min(1.0, width / width_mm, height / height_mm)
        return InlineImage(document, io.BytesIO(png), width=Mm(width_mm * scale), height=Mm(height_mm * scale))

    context = view_of(report, kind, settings, image)
    env = environment(user_dir)
    try:
        _expand_column_loops(document.get_docx(), names(context), env)
        document.render(names(context), jinja_env=env, autoescape=True)
    except Exception as error:
        if user_dir is None:
            raise
        raise template_error(error, template_path(template, user_dir), with_line=False) from None
    when = datetime.fromisoformat(report.generated)
    properties = document.core_properties
    properties.created = properties.modified = when
    properties.last_printed = when
    properties.revision = 1
    properties.title = context.properties.title
    properties.language = context.properties.language
    properties.comments = context.properties.generator
    properties.author = properties.last_modified_by = ""
    buffer = io.BytesIO()
    if document.pics_to_replace or document.crc_to_new_media or document.crc_to_new_embedded or \
            document.zipname_to_replace:  # docxtpl's replacements (shnor makes none) work on the saved file
        document.save(buffer)
        return _stable_zip(buffer.getvalue())
    _save_stable(document.docx.part.package, buffer)
    return buffer.getvalue()


PICTURE_ROOM_MM = 30  # below a picture, room for its caption (and above it, the heading kept with it)


def _text_area(document) -> tuple[float, float]:
    """The width and height in mm a picture may take on the template's first page: within the margins."""
    section = document.get_docx().sections[0]
    width = (section.page_width - section.left_margin - section.right_margin) / 36000
    height = (section.page_height - section.top_margin - section.bottom_margin) / 36000 - PICTURE_ROOM_MM
    return width, height


def _save_stable(package, target: io.BytesIO) -> None:
    """python-docx's ``OpcPackage.save`` written straight as ``_stable_zip`` would make it again: the same entries in
    the same order, compressed once (a country's appendix: a fifth of a second less)."""
    from docx.opc.pkgwriter import PackageWriter

    for part in package.parts:
        part.before_marshal()
    writer = _StableWriter(target)
    PackageWriter._write_content_types_stream(writer, package.parts)
    PackageWriter._write_pkg_rels(writer, package.rels)
    PackageWriter._write_parts(writer, package.parts)
    writer.close()


class _StableWriter:
    """python-docx's zip writer (``PhysPkgWriter``) with every entry as ``_stable_zip`` writes it."""

    def __init__(self, target: io.BytesIO) -> None:
        self._archive = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED)

    def write(self, pack_uri, blob: bytes) -> None:
        self._archive.writestr(_stable_entry(pack_uri.membername), blob)

    def close(self) -> None:
        self._archive.close()


def _stable_entry(name: str) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    entry.compress_type = zipfile.ZIP_DEFLATED
    entry.external_attr = 0o600 << 16
    return entry


def _stable_zip(data: bytes) -> bytes:
    """The same document gives the same bytes: every entry with one fixed date, in the same order."""
    source = zipfile.ZipFile(io.BytesIO(data))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(_stable_entry(info.filename), source.read(info.filename))
    return target.getvalue()
