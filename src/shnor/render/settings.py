"""Document settings (``--document FILE``): who issues the order and signs the documents. Every key is optional; what
is not given is left in the documents as a line to fill in by hand.

The file is YAML, read as the rules are (UTF-8 with or without BOM, UTF-16, Windows-1251; safely, with line numbers),
and a mistake names the line: ``бланк.yaml:3 order_date: дата «31.02.2026» не распознана …``.
"""

from __future__ import annotations

import difflib
import re
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import MarkedYAMLError

from shnor.errors import UserError
from shnor.rules.encoding import decode_rules

_HINT = "Укажите в --document файл YAML (образец: shnor document show)."
_DATE = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$")


class DocumentSettings(BaseModel):
    """What the documents say about who issues and signs them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    authority: str | None = None  # the issuing body: «Управление образования администрации … округа»
    authority_genitive: str | None = None  # after «к приказу»: made from ``authority`` unless given
    order_number: str | None = None
    order_date: date | None = None
    signer: str | None = None  # «Т.В. Краснобаева»
    signer_position: str | None = None  # «Начальник управления образования»
    prepared_by: str | None = None  # «И.С. Васильева»
    prepared_by_position: str | None = None  # «ведущий специалист отдела образования»
    phone: str | None = None

    @field_validator("order_number", "phone", mode="before")
    @classmethod
    def _number_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("order_date", mode="before")
    @classmethod
    def _russian_date(cls, value: Any) -> Any:
        if isinstance(value, str):
            found = _DATE.match(value)
            try:
                if found:
                    day, month, year = (int(part) for part in found.groups())
                    return date(year, month, day)
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
            raise ValueError(f"дата «{value}» не распознана: напишите её как 15.01.2026")
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _no_blank(cls, value: Any) -> Any:
        return value.strip() or None if isinstance(value, str) else value

    def as_dict(self) -> dict[str, str]:
        """For result.json: the keys given, as text (dates as ISO)."""
        return {k: v.isoformat() if isinstance(v, date) else v for k, v in self.model_dump(exclude_none=True).items()}


KEYS = tuple(DocumentSettings.model_fields)

TEMPLATE = """\
# Настройки документов shnor: кто издаёт приказ и подписывает документы (shnor identify … --document этот_файл).
# Все ключи необязательны: чего нет, то в документах останется строкой для заполнения от руки.
# Файл можно сохранить в UTF-8 (с BOM или без), UTF-16 или Windows-1251.

# Орган, издающий приказ, — в шапке справки и в приложениях («Приложение № 1 к приказу <органа> от … № …»)
authority: Управление образования администрации Партизанского городского округа
# Тот же орган в родительном падеже, если составленный автоматически («Управления образования …») неверен
# authority_genitive: Управления образования администрации Партизанского городского округа

# Реквизиты приказа, к которому прилагаются перечни
order_number: 12
order_date: 15.01.2026

# Подписывает приложения
signer: Т.В. Краснобаева
signer_position: Начальник управления образования

# Готовит аналитическую справку (блок «Подготовил» в конце справки)
prepared_by: И.С. Васильева
prepared_by_position: ведущий специалист отдела общего образования
phone: (42363) 6-12-34
"""


def load_document_settings(path: Path) -> DocumentSettings:
    """The settings in a YAML file; a mistake is a ``UserError`` naming the file, the line and the key."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"файл настроек документов «{path}» не найден.", hint=_HINT)
    text, _encoding = decode_rules(path.read_bytes(), path.name, "файл настроек документов", _HINT)
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        tree = yaml.load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise UserError(f"{path.name}:{line}: ошибка синтаксиса YAML ({(error.problem or '').strip()}).",
                        hint=_HINT) from None
    if tree is None:
        return DocumentSettings()
    if not isinstance(tree, CommentedMap):
        raise UserError(f"{path.name}:1: файл настроек документов должен быть отображением YAML (ключ: значение).",
                        hint=_HINT)
    try:
        return DocumentSettings.model_validate({str(k): v for k, v in tree.items()})
    except ValidationError as error:
        raise UserError(_message(path.name, tree, error), hint=_HINT) from None


def _message(name: str, tree: CommentedMap, error: ValidationError) -> str:
    detail = error.errors()[0]
    key = str(detail["loc"][0]) if detail["loc"] else ""
    line = tree.lc.key(key)[0] + 1 if key in tree else 1
    if detail["type"] == "extra_forbidden":
        near = difflib.get_close_matches(key, KEYS, n=1, cutoff=0.6)
        what = f"неизвестный ключ «{key}»" + (f" (может быть, {near[0]}?)" if near else "")
        return f"{name}:{line} {key}: {what}; допустимые ключи: {', '.join(KEYS)}."
    if detail["type"] == "value_error":
        return f"{name}:{line} {key}: {str(detail['msg']).removeprefix('Value error, ')}."
    if key == "order_date":
        return f"{name}:{line} {key}: дата «{detail.get('input')}» не распознана: напишите её как 15.01.2026."
    return f"{name}:{line} {key}: ожидался текст, получено {detail.get('input')!r}."

