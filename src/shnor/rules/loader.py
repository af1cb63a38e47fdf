"""Loading a rules file: YAML (safe, with line numbers) → the validated ``Rules`` model.

Every mistake is reported as ``file:line key.path: what was expected`` in Russian.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from shnor.errors import UserError
from shnor.rules.encoding import NOTEWORTHY, UTF8, decode_rules
from shnor.rules.model import GROUP_KEYS, KINDS_BY_NAME, Rules, criterion_tag, kinds_having


@dataclass(frozen=True)
class LoadedRules:
    rules: Rules
    origin: str  # preset name or the file's name
    text: str
    encoding: str = UTF8  # what the user's file was read in (see ``shnor.rules.encoding``)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def encoding_note(self) -> str | None:
        """Said to the user when the file was not UTF-8: read all the same, but worth knowing."""
        if self.encoding not in NOTEWORTHY:
            return None
        return f"файл правил прочитан в кодировке {self.encoding} (не UTF-8)"


def presets_dir() -> Path:
    """Shipped presets: inside the installed package, or ``rules/`` of a source checkout."""
    packaged = Path(str(resources.files("shnor"))) / "presets"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "rules"


def preset_names() -> list[str]:
    return sorted(path.stem for path in presets_dir().glob("*.yaml"))


def load_rules(name_or_path: str, overrides: list[str] | tuple[str, ...] = ()) -> LoadedRules:
    """A shipped preset by name, or a user's YAML file by path; ``overrides`` («KEY=VALUE», see ``apply_override``)
    change single values before validation."""
    candidate = Path(name_or_path)
    if candidate.suffix.lower() in {".yaml", ".yml"} or candidate.exists():
        if candidate.is_dir():
            raise UserError(f"«{name_or_path}» — папка, а не файл правил.", hint="Укажите в --rules файл .yaml.")
        if not candidate.is_file():
            raise UserError(f"файл правил «{name_or_path}» не найден.", hint="Проверьте путь в --rules.")
        text, encoding = decode_rules(candidate.read_bytes(), candidate.name)
        loaded = _load(text, candidate.name, overrides)
        return LoadedRules(loaded.rules, loaded.origin, loaded.text, encoding)
    preset = presets_dir() / f"{name_or_path}.yaml"
    if not preset.is_file():
        raise UserError(
            f"нет набора правил «{name_or_path}».",
            hint=f"Встроенные наборы: {', '.join(preset_names())}; или укажите путь к своему файлу .yaml.",
        )
    return _load(preset.read_text(encoding="utf-8"), name_or_path, overrides)


def _load(text: str, origin: str, overrides: list[str] | tuple[str, ...] = ()) -> LoadedRules:
    try:
        return _load_tree(text, origin, overrides)
    except RecursionError:  # hundreds of nested any/all: no document has them
        raise UserError(
            f"{origin}: условия вложены слишком глубоко (any/all внутри any/all сотни раз).",
            hint="Упростите условия: вложенность больше десятка уровней не нужна ни одному документу.",
        ) from None


def _load_tree(text: str, origin: str, overrides: list[str] | tuple[str, ...]) -> LoadedRules:
    yaml = YAML(typ="rt")  # round-trip: plain data only (no Python objects), with line numbers kept
    yaml.allow_duplicate_keys = False
    try:
        tree = yaml.load(text)
    except MarkedYAMLError as error:
        raise UserError(_yaml_message(origin, error)) from None
    except ValueError:  # an integer of thousands of digits: Python refuses to convert it
        line = next((n for n, t in enumerate(text.splitlines(), 1) if re.search(r"\d{100}", t)), 1)
        raise UserError(f"{origin}:{line}: число из сотен цифр — так не записывают ни порог, ни число участников.",
                        hint="Исправьте значение и запустите снова.") from None
    if not isinstance(tree, CommentedMap):
        raise UserError(f"{origin}:1: файл правил должен быть отображением YAML (ключ: значение).")
    added = {}  # keys that --set put in, which the file does not have: KEY → (their section, the override)
    for override in overrides:
        new = apply_override(tree, override)
        if new is not None:
            added[new[1]] = (new[0], override)
    if overrides:
        origin = f"{origin} (с --set {', '.join(overrides)})"
    try:
        rules = Rules.model_validate(_plain(tree, [_MAX_NODES], origin))
    except ValidationError as error:
        for detail in error.errors():
            key = _refused_key(detail, added)
            if key is not None:
                for name, (section, _) in added.items():  # the nearest keys are the file's own
                    section.pop(name, None)
                override = added[key][1]
                raise UserError(_unknown_key(tree, override, override.partition("=")[0].strip())) from None
        raise UserError(_validation_message(origin, tree, error)) from None
    return LoadedRules(rules, origin, text)


def _refused_key(detail: dict, added: dict) -> str | None:
    """The key put in by --set that a validation error refuses: an extra key of a section, or one that a group's own
    check names («к any: можно добавить только label; лишние ключи: thresold»)."""
    key = detail["loc"][-1] if detail["loc"] else None
    if detail["type"] == "extra_forbidden":
        return key if key in added else None
    message = str(detail.get("msg", ""))
    return next((name for name in added if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", message)), None)


def apply_override(tree: CommentedMap, override: str) -> tuple[CommentedMap, str] | None:
    """«statuses.shnor.of[0].of[0].threshold=0.2» (or «criteria.shnor…», or «…of.0…»): one value replaced.

    The value is read as YAML: «0.2» is a number, «[ВПР]» a list, «any» a word. Returns the section and the
    key when the key is new there (an optional key the file leaves out, or a mistyped one, which validation names).
    """
    key, separator, raw = override.partition("=")
    if not separator or not key.strip():
        raise UserError(f"--set «{override}»: нужно КЛЮЧ=ЗНАЧЕНИЕ, например statuses.shnor.of[0].of[0].threshold=0.2.")
    steps = [int(s) if s.isdigit() else s for s in re.split(r"\.|\[|\]\.?", key.strip()) if s != ""]
    if steps and steps[0] == "criteria":
        steps[0] = "statuses"
    node: Any = tree
    for depth, step in enumerate(steps[:-1]):
        if isinstance(node, CommentedMap) and step == "of" and "of" not in node:
            step = next((k for k in ("any", "all") if k in node), step)
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            raise UserError(_unknown_key(tree, override, key.strip())) from None
    last = steps[-1]
    if isinstance(node, CommentedSeq) and not (isinstance(last, int) and last < len(node)):
        raise UserError(f"--set «{override}»: в списке нет элемента {last}.")
    if not isinstance(node, (CommentedMap, CommentedSeq)):
        raise UserError(f"--set «{override}»: «{'.'.join(map(str, steps[:-1]))}» — не раздел правил.")
    value = YAML(typ="safe").load(raw) if raw.strip() else ""
    new = isinstance(node, CommentedMap) and last not in node
    node[last] = value
    return (node, str(last)) if new else None


def _unknown_key(tree: CommentedMap, override: str, key: str) -> str:
    """«--set «…»: в правилах нет ключа «…»; похожие: …» — the nearest keys that the rules do have."""
    # compared in one spelling: «criteria.» is «statuses.», «of[0]» is «any[0]» or «all[0]»
    def spelled(path: str) -> str:
        return re.sub(r"\b(?:any|all)(?=\[|\.\d)", "of", re.sub(r"^criteria\.", "statuses.", path))

    paths = {spelled(path): path for path in _key_paths(tree)}
    nearest = [paths[p] for p in difflib.get_close_matches(spelled(key), list(paths), n=3, cutoff=0.6)]
    if nearest:
        return f"--set «{override}»: в правилах нет ключа «{key}»; похожие: {', '.join(nearest)}."
    return f"--set «{override}»: в правилах нет ключа «{key}»; ключи верхнего уровня: {', '.join(map(str, tree))}."


def _key_paths(node: Any, prefix: str = ""):
    """Every key path of the rules as --set takes it: «statuses.shnor.any[0].all[1].threshold»."""
    if isinstance(node, CommentedMap):
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield path
            yield from _key_paths(value, path)
    elif isinstance(node, CommentedSeq):
        for index, value in enumerate(node):
            yield from _key_paths(value, f"{prefix}[{index}]")


# A rules file of any document has hundreds of values; YAML aliases (``*a``) repeated inside each other can make
# billions of them from a few lines, which would hang the run: counted as they are copied, and refused.
_MAX_NODES = 100_000


def _plain(node: Any, left: list[int], origin: str) -> Any:
    left[0] -= 1
    if left[0] < 0:
        raise UserError(
            f"{origin}: в правилах больше {_MAX_NODES} значений — ссылки YAML (*имя) повторены одна в другой.",
            hint="Запишите условия без вложенных ссылок &имя/*имя: ни одному документу не нужно столько значений.",
        )
    if isinstance(node, dict):
        return {str(k): _plain(v, left, origin) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v, left, origin) for v in node]
    return node


def _yaml_message(origin: str, error: MarkedYAMLError) -> str:
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark is not None else 1
    problem = f"{error.problem or ''} {error.context or ''}"
    if "\t" in problem or "\\t" in problem or "tab" in problem.lower():
        what = "символ табуляции: в YAML отступы делаются только пробелами"
    elif "duplicate" in problem.lower():
        what = "ключ повторяется"
    elif "indent" in problem.lower() or "mapping values are not allowed" in problem or "block" in problem.lower():
        what = "неверный отступ или структура: проверьте, что вложенные ключи сдвинуты одинаково"
    else:
        what = f"ошибка синтаксиса YAML ({problem.strip()})"
    return f"{origin}:{line}: {what}."


def _validation_message(origin: str, tree: CommentedMap, error: ValidationError) -> str:
    lines = []
    for detail in error.errors():
        line, path, node = _locate(tree, detail["loc"])
        lines.append(f"{origin}:{line} {path or '(корень)'}: {_explain(detail, node)}")
    return "ошибка в файле правил:\n" + "\n".join(dict.fromkeys(lines))


_TAGS = {"group", *KINDS_BY_NAME, "band", "outcome"}  # union tags, not keys


def _locate(tree: Any, loc: tuple) -> tuple[int, str, Any]:
    """The YAML line and the dotted key path of a pydantic error location (tags of unions skipped), and the mapping
    that holds the key in error (to name its kind)."""
    node, line, path = tree, 1, ""
    holder = tree
    tagged = None  # the node whose union tag has been stepped over
    for step in loc:
        if isinstance(node, CommentedMap) and node is not tagged and step == criterion_tag(node):
            tagged = node
            continue
        if isinstance(node, CommentedMap):
            key = step
            if key == "of" and key not in node:
                key = next((k for k in ("any", "all") if k in node), key)
            if key not in node:
                if step in _TAGS:
                    continue
                if isinstance(step, str):
                    path = f"{path}.{step}" if path else step
                break
            try:
                line = node.lc.key(key)[0] + 1
            except (KeyError, TypeError):  # put in by --set: no line of its own
                pass
            path = f"{path}.{key}" if path else str(key)
            holder, node = node, node[key]
        elif isinstance(node, CommentedSeq) and isinstance(step, int) and step < len(node):
            line = node.lc.item(step)[0] + 1
            path = f"{path}[{step}]"
            holder, node = node, node[step]
        elif step in _TAGS:
            continue
        else:
            break
    return line, path, holder


_MESSAGES = {
    "missing": "обязательный ключ не задан",
    "extra_forbidden": (
        "неизвестный ключ; проверьте написание (допустимые ключи описаны в README и во встроенных наборах)"
    ),
    "float_parsing": "ожидалось число, получено {input!r}",
    "float_type": "ожидалось число, получено {input!r}",
    "int_parsing": "ожидалось целое число, получено {input!r}",
    "int_type": "ожидалось целое число, получено {input!r}",
    "int_from_float": "ожидалось целое число, получено {input!r}",
    "string_type": "ожидалась строка текста",
    "list_type": "ожидался список (строки, начинающиеся с «- »)",
    "model_type": "ожидалось отображение (ключ: значение)",
    "dict_type": "ожидалось отображение (ключ: значение)",
    "literal_error": "ожидалось одно из: {expected}, получено {input!r}",
    "enum": "ожидалось одно из: {expected}, получено {input!r}",
    "greater_than_equal": "ожидалось число не меньше {ge}, получено {input!r}",
    "less_than_equal": "ожидалось число не больше {le}, получено {input!r}",
    "too_short": "список не должен быть пустым",
}


def _explain(detail: dict, holder: Any = None) -> str:
    kind = detail["type"]
    if kind == "value_error":
        return str(detail["msg"]).removeprefix("Value error, ")
    if kind == "criterion_kind":
        return _kind_message(detail.get("input"))
    if kind == "extra_forbidden" and isinstance(holder, dict) and ("kind" in holder or "not" in holder):
        return _misplaced_key(str(detail["loc"][-1]), holder)
    template = _MESSAGES.get(kind)
    if template is None:
        return str(detail["msg"])
    context = {**(detail.get("ctx") or {}), "input": detail.get("input")}
    return template.format(**context).replace("'", '"').replace(" or ", " или ")


def _kind_message(given: Any) -> str:
    known = ", ".join(KINDS_BY_NAME)
    if isinstance(given, dict) and given.get("kind") is not None:
        return f"неизвестный kind «{given['kind']}»; известны: {known}"
    return f"не понятно, что это за условие: нужен ключ kind ({known}) или группа any / all / mode+of"


def _misplaced_key(key: str, holder: dict) -> str:
    """A key put on a kind that does not have it: which kinds do."""
    if key == "not":
        return '«not» не поддерживается: используйте op (например, op: "<" вместо not с op: ">=")'
    kind = holder.get("kind")
    having = kinds_having(key)
    group = " (в группе — any / all / mode+of)" if key in GROUP_KEYS else ""
    if having:
        return f"ключ «{key}» не применяется к kind: {kind}; он есть у: {', '.join(having)}{group}"
    if group:
        return f"ключ «{key}» — ключ группы (any / all / mode+of), а не условия kind: {kind}"
    known = ", ".join(KINDS_BY_NAME[kind].keys()) if kind in KINDS_BY_NAME else ""
    return f"неизвестный ключ «{key}» у kind: {kind}" + (f"; допустимые ключи: {known}" if known else "")
