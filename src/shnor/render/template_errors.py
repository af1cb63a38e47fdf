"""A user's template that cannot be rendered, said in Russian with its file and line (Jinja2 says it in English).

«шаблон «мои/note.html.j2», строка 12: нет переменной «shnor_list»» — the line where the template fails: the
syntax error's own, or the template's line in the traceback of an error while rendering.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable
from pathlib import Path

from jinja2 import TemplateNotFound, TemplateSyntaxError

from shnor.errors import UserError

_TOKENS = {
    "end of print statement": "}}",
    "end of statement block": "%}",
    "begin of print statement": "{{",
    "begin of statement block": "{%",
    "end of template": "конец шаблона",
    "name": "имя",
}


def _token(text: str) -> str:
    return _TOKENS.get(text, text)


def _object(text: str) -> str:
    """«shnor.report.model.SchoolResult object» → «SchoolResult»."""
    return re.sub(r" object$", "", text).rsplit(".", 1)[-1]


def _tags(text: str | None) -> str:
    return " или ".join(f"«{tag}»" for tag in re.findall(r"'([^']+)'", text or ""))


def _end_of_template(match: re.Match) -> str:
    block, wanted = match.group("block"), _tags(match.group("wanted"))
    if block:
        return f"шаблон кончился, а блок «{block}» не закрыт" + (f" (нужен {wanted})" if wanted else "")
    return "шаблон неожиданно кончился"


def _unknown_tag(match: re.Match) -> str:
    wanted = _tags(match.group("wanted"))
    return f"неизвестный тег «{match.group('tag')}»" + (f"; здесь ожидался {wanted}" if wanted else "")


_MESSAGES: tuple[tuple[re.Pattern, Callable[[re.Match], str]], ...] = (
    (
        re.compile(r"^Unexpected end of template\.(?:.*following tags: (?P<wanted>.+?)\.)?"
                   r"(?:.*to be closed is '(?P<block>\w+)'\.)?", re.DOTALL),
        _end_of_template,
    ),
    (
        re.compile(
            r"^Encountered unknown tag '(?P<tag>[^']+)'\.(?:.*looking for (?:the following tags: )?(?P<wanted>.+?)\.)?",
            re.DOTALL,
        ),
        _unknown_tag,
    ),
    (
        re.compile(r"^expected token '(.+?)', got '(.+?)'"),
        lambda m: f"ожидалось «{_token(m[1])}», а стоит «{_token(m[2])}»",
    ),
    (re.compile(r"^unexpected '(.+?)'(?:, expected '(.+?)')?"), lambda m: f"лишнее «{_token(m[1])}»"
     + (f", ожидалось «{_token(m[2])}»" if m[2] else "")),
    (re.compile(r"^unexpected char '(.+?)'"), lambda m: f"недопустимый символ «{m[1]}»"),
    (re.compile(r"^tag name expected"), lambda m: "после «{%» нужно имя тега (for, if, set…)"),
    (re.compile(r"^'([^']+)' is undefined"), lambda m: f"нет переменной «{m[1]}»"),
    (re.compile(r"^'?(.+?)'? has no attribute '([^']+)'"), lambda m: f"у «{_object(m[1])}» нет поля «{m[2]}»"),
    (re.compile(r"^(.+?) has no element (.+)$"), lambda m: f"в «{_object(m[1])}» нет элемента {m[2]}"),
    (re.compile(r"^No (filter|test) named '([^']+)'"),
     lambda m: f"нет {'фильтра' if m[1] == 'filter' else 'проверки'} «{m[2]}»"),
    (re.compile(r"^access to attribute '([^']+)' of .* is unsafe"),
     lambda m: f"обращение к «{m[1]}» в шаблонах запрещено (песочница)"),
    (re.compile(r"^(.+) is not safely callable"), lambda m: f"вызов «{m[1]}» в шаблонах запрещён (песочница)"),
)


def explain(error: Exception) -> str:
    """What went wrong, in Russian; an unknown Jinja2 message is kept in English after a Russian word."""
    if isinstance(error, TemplateNotFound):
        return f"шаблон «{error.name}» не найден ни в папке --templates, ни среди встроенных"
    if isinstance(error, ZeroDivisionError):
        return "деление на ноль"
    message = str(getattr(error, "message", None) or error).strip()
    for pattern, russian in _MESSAGES:
        match = pattern.search(message)
        if match:
            return russian(match)
    if isinstance(error, TemplateSyntaxError):
        return f"ошибка синтаксиса Jinja2 ({message})"
    return f"ошибка в выражении ({type(error).__name__}: {message})"


def template_error(error: Exception, path: Path, with_line: bool = True) -> UserError:
    """The user error for a template at ``path`` that failed; ``with_line`` is off for Word templates, whose lines
    are lines of the document's XML."""
    where, line = str(path), None
    if isinstance(error, TemplateSyntaxError):
        where = error.filename or where
        line = error.lineno
    elif with_line:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.endswith((".j2", ".html", ".md"))]
        if frames:
            where, line = frames[-1].filename, frames[-1].lineno
    place = f"шаблон «{where}»" + (f", строка {line}" if line and with_line else "")
    return UserError(
        f"{place}: {explain(error)}.",
        hint="Исправьте шаблон в папке --templates или уберите его оттуда, чтобы взять встроенный.",
    )
