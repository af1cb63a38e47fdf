"""The reference that ``shnor rules show`` prints under a rules file: every criterion kind with its keys and an
example, the kinds of objectivity signs, the group forms — from the registries, so it is never out of date."""

from __future__ import annotations

import textwrap

from shnor.indicators.objectivity import SIGN_KINDS
from shnor.rules.model import KINDS, Defaults, Mentors

WIDTH = 116


def reference() -> str:
    lines = [
        "",
        "# ── Справка (печатает shnor rules show; в файл правил её копировать не нужно) ──",
        "# Условие — лист с ключом kind или группа: any: [...] (хотя бы одно), all: [...] (все),",
        "# mode: at_least + at_least: k + of: [...] (не менее k из списка). «Не» записывается через op (<, <=, >, >=).",
        "# Виды условий (kind) и их ключи:",
    ]
    for kind in KINDS:
        lines += _wrapped(f"kind: {kind.KIND} — {kind.HELP}.", "#   ")
        lines += _wrapped(f"ключи: {', '.join(kind.keys())}", "#     ")
        lines.append(f"#     пример: {kind.EXAMPLE}")
    signs = "; ".join(f"{kind.code} — {kind.label} ({kind.signs})" for kind in SIGN_KINDS)
    lines += _wrapped(f"Виды признаков необъективности для signs: {signs}.", "# ")
    lines += _wrapped(
        f"defaults: {', '.join(Defaults.model_fields)} (по умолчанию {Defaults().min_participants}); "
        f"mentors: {', '.join(f'{k}: {_shown(v)}' for k, v in Mentors().model_dump().items())}.",
        "# ",
    )
    return "\n".join(lines) + "\n"


def _wrapped(text: str, prefix: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=prefix, subsequent_indent=prefix + "  ", break_on_hyphens=False)


def _shown(value: object) -> str:
    return "не задан" if value is None else f"{value:g}" if isinstance(value, float) else str(value)
