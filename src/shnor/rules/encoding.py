"""The text of a rules file as Windows programs save it: UTF-8 with or without BOM (Notepad, VS Code), UTF-16 with
BOM (PowerShell 5.1's ``>`` and ``Out-File``), Windows-1251 (Notepad's «ANSI» and ``Set-Content`` on a Russian
Windows). Line ends become ``\\n``, so that the same rules give the same SHA-256 on every system."""

from __future__ import annotations

import codecs
import re

from shnor.errors import UserError

UTF8 = "UTF-8"
# Encodings worth a word to the user: the file is read, but another program may not read it the same way.
NOTEWORTHY = ("UTF-16", "Windows-1251")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


_RULES_HINT = "Укажите в --rules файл .yaml (см. «shnor rules show default») или имя встроенного набора."


def decode_rules(data: bytes, name: str, what: str = "файл правил", hint: str = _RULES_HINT) -> tuple[str, str]:
    """(text, the encoding it was read in); a table, a document or any other binary file is refused (``what`` and
    ``hint`` say which file and what to do: the document settings are read the same way)."""
    try:
        if data.startswith(codecs.BOM_UTF8):
            text, encoding = data[len(codecs.BOM_UTF8):].decode("utf-8"), UTF8
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text, encoding = data.decode("utf-16"), "UTF-16"
        elif b"\x00" in data:
            raise UnicodeError
        else:
            try:
                text, encoding = data.decode("utf-8"), UTF8
            except UnicodeDecodeError:
                text, encoding = data.decode("cp1251"), "Windows-1251"
    except UnicodeError:
        text = "\x00"
    if _CONTROL.search(text):
        raise UserError(f"{what} «{name}» — не текст YAML (таблица или документ?).", hint=hint)
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding
