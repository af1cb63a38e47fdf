"""Documents from the report: one view of it (sorted and grouped for reading) rendered with Jinja2 templates.

Templates live in ``templates/`` (shipped inside the package); ``--templates DIR`` puts the user's own first. Every
template is rendered in a sandboxed environment; HTML is autoescaped, Markdown escaped by its filter, DOCX by docxtpl.
"""

from __future__ import annotations

import base64
import io
import re
import zipfile
from collections.abc import Callable
from datetime import datetime
from importlib import resources
from pathlib import Path

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from shnor.render import charts
from shnor.render.formatting import date_ru, format_number, markdown_text, percent, ru_key
from shnor.render.template_errors import template_error
from shnor.report.model import Report, SchoolResult

FLAGGED = ("shnor", "risk")


def templates_dir() -> Path:
    packaged = Path(str(resources.files("shnor"))) / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "templates"


def environment(user_dir: Path | None) -> SandboxedEnvironment:
    folders = [str(user_dir)] if user_dir else []
    env = SandboxedEnvironment(
        loader=ChoiceLoader([FileSystemLoader(folders + [str(templates_dir())])]),
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2", "xml"), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
    )
    env.filters.update(percent=percent, date_ru=date_ru, number=format_number, md=markdown_text)
    return env


def template_path(name: str, user_dir: Path | None) -> Path:
    if user_dir and (user_dir / name).is_file():
        return user_dir / name
    return templates_dir() / name


def view(report: Report, images: Callable[[str, bytes], object] | None = None) -> dict:
    """What every document shows, in reading order: Russian alphabetical by municipality, then by school name."""
    ordered = sorted(report.schools, key=lambda s: (ru_key(s.municipality), ru_key(s.school_name), s.school_id))
    by_id = {s.school_id: s for s in report.schools}
    window = report.methodology["window"]
    context = {
        "report": report,
        "date": date_ru(report.generated),
        "window": f"{window[0]}–{window[-1]}" if len(window) > 1 else str(window[0]),
        "latest_year": report.methodology["latest_year"],
        "rules": report.rules,
        "methodology": report.methodology,
        "shnor": _numbered([s for s in ordered if s.status == "shnor"]),
        "risk": _numbered([s for s in ordered if s.status == "risk"]),
        "shnor_groups": _groups([s for s in ordered if s.status == "shnor"]),
        "risk_groups": _groups([s for s in ordered if s.status == "risk"]),
        "municipalities": _municipality_rows(report),
        "criteria_text": _criteria_text(report),
        "cards": [_card(report, s) for s in ordered if s.status in FLAGGED],
        "dynamics": _dynamics(report, by_id),
        "objectivity_index": report.summary.get("objectivity_index"),
        "warnings": report.warnings,
        "mentors": _mentors(report, by_id),
    }
    if images is not None:
        context["charts"] = {name: images(name, draw(report)) for name, draw in charts.CHARTS.items()}
    return context


def data_uri(_: str, png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _numbered(schools: list[SchoolResult]) -> list[dict]:
    return [{"n": n, "school": s} for n, s in enumerate(schools, start=1)]


def _groups(schools: list[SchoolResult]) -> list[dict]:
    groups: dict[str, list[SchoolResult]] = {}
    for school in schools:
        groups.setdefault(school.municipality, []).append(school)
    return [{"municipality": m, "schools": items} for m, items in groups.items()]


def _municipality_rows(report: Report) -> list[dict]:
    index = (report.summary.get("objectivity_index") or {}).get("by_municipality") or {}
    rows = sorted(report.summary["by_municipality"], key=lambda r: ru_key(r["municipality"]))
    result = [{**r, "objectivity": (index.get(r["municipality"]) or {}).get("index")} for r in rows]
    totals = {**report.summary["by_status"], "municipality": "Итого", "total": report.summary["total"]}
    region = (report.summary.get("objectivity_index") or {}).get("region") or {}
    return result + [{**totals, "objectivity": region.get("index")}]


def _criteria_text(report: Report) -> list[str]:
    """The rules in words, one line per status (as the rules put them), then the rules' notes on the methodology."""
    return [*report.methodology.get("criteria", []), *report.methodology.get("notes", [])]


def _card(report: Report, school: SchoolResult) -> dict:
    """The school against its municipality and the region, per procedure and year."""
    region = {(a["year"], a["assessment"], a["subject"], a["grade"]): a for a in report.aggregates if a["scope"] == "region"}
    local = {
        (a["year"], a["assessment"], a["subject"], a["grade"]): a
        for a in report.aggregates
        if a["scope"] == "municipality" and a["municipality"] == school.municipality
    }
    rows = []
    for p in report.procedures_of(school.school_id):
        key = (p.year, p.assessment, p.subject, p.grade)
        rows.append(
            {
                "procedure": f"{p.assessment} {p.subject}" + (f", {p.grade} кл." if p.assessment == "ВПР" else ""),
                "year": p.year,
                "participants": p.participants,
                "fail": p.fail_share,
                "fail_municipality": (local.get(key) or {}).get("fail_share"),
                "fail_region": (region.get(key) or {}).get("fail_share"),
                "high": p.high_share,
                "high_municipality": (local.get(key) or {}).get("high_share"),
                "high_region": (region.get(key) or {}).get("high_share"),
            }
        )
    signs = [s for s in school.objectivity_signs if s.status == "есть"]
    not_computed = sum(1 for s in school.objectivity_signs if s.status == "не рассчитан")
    return {"school": school, "rows": rows, "signs": signs, "not_computed": not_computed,
            "signs_total": report.methodology.get("signs_total", len(school.objectivity_signs)),
            "met": [c for c in school.criteria if c.met and c.status == school.status]}


def _mentors(report: Report, by_id: dict[str, SchoolResult]) -> list[dict]:
    rows = []
    for item in report.mentors:
        school = by_id.get(item["school_id"])
        if school is None:
            continue
        rows.append({"school": school, "weak": ", ".join(item["weak_subjects"]), "mentors": item["mentors"],
                     "not_found": item.get("not_found", [])})
    rows.sort(key=lambda r: (ru_key(r["school"].municipality), ru_key(r["school"].school_name)))
    return [{**r, "n": n} for n, r in enumerate(rows, start=1)]


def _dynamics(report: Report, by_id: dict[str, SchoolResult]) -> dict | None:
    if not report.dynamics or "previous_list" not in report.dynamics:
        return None

    def names(ids: list[str]) -> list[str]:
        return sorted((by_id[i].school_name if i in by_id else i for i in ids), key=ru_key)

    return {
        "previous_list": report.dynamics["previous_list"],
        "entered": names(report.dynamics["entered"]),
        "left": names(report.dynamics["left"]),
        "stayed": names(report.dynamics["stayed"]),
        "positive": names(report.dynamics.get("positive_dynamics", [])),
        "positive_share": report.dynamics.get("positive_dynamics_share"),
        "targets": report.dynamics.get("targets", []),
    }


def render_text(report: Report, template: str, user_dir: Path | None, images: bool = False) -> str:
    env = environment(user_dir)
    try:
        return env.get_template(template).render(**view(report, data_uri if images else None))
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
    from lxml import etree

    class Template(DocxTemplate):
        def fix_tables(self, xml: str):
            root = etree.tostring(self.docx._element, encoding="unicode")
            start, end = root.index("<w:body"), root.rindex("</w:body>") + len("</w:body>")
            document = root[:start] + _without_inherited_namespaces(xml, root[:start]) + root[end:]
            if _COLUMN_LOOP.search(re.sub(r"<[^>]+>", "", root)):
                document = etree.tostring(super().fix_tables(document), encoding="unicode")
            return etree.fromstring(document.encode(), oxml_parser)

        def fix_docpr_ids(self, tree) -> None:  # python-docx's own elements take no namespaces argument
            for element in tree.xpath("//wp:docPr"):
                self.docx_ids_index += 1
                element.attrib["id"] = str(self.docx_ids_index)

        def map_tree(self, tree) -> None:
            self.docx._part._element = tree
            self.docx._element = tree

        def resolve_listing(self, xml: str) -> str:
            return super().resolve_listing(xml) if _SPECIAL_TEXT.search(xml) else xml

    return Template(str(path))


def _without_inherited_namespaces(body: str, head: str) -> str:
    """The body serialised on its own declares every namespace in scope; inside the root they are declared there."""
    tag = _BODY_TAG.match(body)
    if tag is None:
        return body
    kept = [d for d in _DECLARATION.findall(tag.group(0)) if d not in head]
    return "<w:body" + "".join(" " + d for d in kept) + tag.group(1) + body[tag.end():]


def render_docx(report: Report, template: str, user_dir: Path | None) -> bytes:
    from docx.shared import Mm
    from docxtpl import InlineImage

    document = _docx_template(template_path(template, user_dir))

    def image(_: str, png: bytes):
        return InlineImage(document, io.BytesIO(png), width=Mm(160))

    try:
        document.render(view(report, image), jinja_env=environment(user_dir), autoescape=True)
    except Exception as error:
        if user_dir is None:
            raise
        raise template_error(error, template_path(template, user_dir), with_line=False) from None
    when = datetime.fromisoformat(report.generated)
    properties = document.core_properties
    properties.created = properties.modified = when
    properties.last_printed = when
    properties.revision = 1
    buffer = io.BytesIO()
    document.save(buffer)
    return _stable_zip(buffer.getvalue())


def _stable_zip(data: bytes) -> bytes:
    """The same document gives the same bytes: every entry with one fixed date, in the same order."""
    source = zipfile.ZipFile(io.BytesIO(data))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            archive.writestr(entry, source.read(info.filename))
    return target.getvalue()
