"""The template context is a contract: every shipped template (HTML, Markdown and the Word ones, as docxtpl sees them)
uses only the names of its document's context and the fields of the documented dataclasses, and README lists them
all for users of --templates."""

from __future__ import annotations

import re
from dataclasses import fields

import pytest
from docxtpl import DocxTemplate
from jinja2 import meta, nodes

from shnor.render.context import CONTEXTS, ITEMS, TEMPLATES
from shnor.render.documents import environment, templates_dir
from tests.conftest import ROOT

FIELDS = {f.name for kind in (*ITEMS, *CONTEXTS.values()) for f in fields(kind)}
LOOP = {"first", "last", "index", "length"}


def source(name: str) -> str:
    """The template as Jinja2 parses it: a Word template after docxtpl's own rewriting of its tags."""
    path = templates_dir() / name
    if not name.endswith(".docx"):
        return path.read_text(encoding="utf-8")
    template = DocxTemplate(str(path))
    template.init_docx()
    return template.patch_xml(template.get_xml())


def test_every_shipped_template_has_a_context():
    shipped = {p.name for p in templates_dir().iterdir() if not p.name.startswith("_")}
    assert shipped == set(TEMPLATES)


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_templates_use_only_the_documented_context(name):
    env = environment(None)
    tree = env.parse(source(name))
    top = meta.find_undeclared_variables(tree) - set(env.globals)
    allowed = {f.name for f in fields(CONTEXTS[TEMPLATES[name]])}
    assert top <= allowed, f"{name} uses {sorted(top - allowed)}, not in {CONTEXTS[TEMPLATES[name]].__name__}"
    attributes = {
        node.attr for node in tree.find_all(nodes.Getattr)
        if not (isinstance(node.node, nodes.Name) and node.node.name == "loop")
    }
    assert attributes <= FIELDS, f"{name} uses {sorted(attributes - FIELDS)}, not a field of the template context"
    assert top, "a template that uses no context at all is not checked by this test"


def test_readme_documents_every_class_and_field():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Контекст шаблонов", 1)[1].split("\n## ", 1)[0]
    paragraphs = {p.split("`")[1]: p for p in section.split("\n\n") if p.startswith("`")}
    for kind in (*CONTEXTS.values(), *ITEMS):
        assert kind.__name__ in paragraphs, f"README describes {kind.__name__} in a paragraph of its own"
        described = paragraphs[kind.__name__]
        for field in fields(kind):
            assert re.search(rf"`{field.name}`", described), f"{kind.__name__}.{field.name}"
