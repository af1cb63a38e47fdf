"""A wrong rules file fails at load with the file, the line, the key path and what was expected."""

from __future__ import annotations

import pytest

from shnor.errors import UserError
from shnor.rules.loader import load_rules, preset_names

VALID = """\
name: my
title: Мои правила
source: тест
statuses:
  shnor:
    all:
      - {kind: indicator, indicator: fail_core, op: ">=", threshold: 0.25}
      - kind: indicator
        indicator: high_core
        op: "<="
        threshold: 0.30
"""


def load_text(tmp_path, text):
    path = tmp_path / "my.yaml"
    path.write_text(text, encoding="utf-8")
    return load_rules(str(path))


def error_of(tmp_path, text) -> str:
    with pytest.raises(UserError) as caught:
        load_text(tmp_path, text)
    return str(caught.value)


def test_valid_file_loads(tmp_path):
    rules = load_text(tmp_path, VALID).rules
    assert rules.statuses.shnor.mode == "all" and len(rules.statuses.shnor.of) == 2


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("threshold: 0.30", 'threshold: "25%"', 'my.yaml:11 statuses.shnor.all[1].threshold: ожидалось число от 0 до 1, получено "25%"'),
        ("threshold: 0.30", "threshold: 30", "my.yaml:11 statuses.shnor.all[1].threshold: ожидалось число от 0 до 1 (доля, а не проценты), получено 30"),
        ("        op: \"<=\"", "        op: \"=<\"", 'my.yaml:10 statuses.shnor.all[1].op: ожидалось одно из: ">=", ">", "<=" или "<", получено "=<"'),
        ("indicator: high_core", "indicator: high_cor", "my.yaml:9 statuses.shnor.all[1].indicator: ожидалось одно из"),
        ("        threshold: 0.30", "        threshold: 0.30\n        treshold: 0.3", "my.yaml:12 statuses.shnor.all[1].treshold: неизвестный ключ"),
        ("source: тест", "source: тест\nwindow_years: два", 'my.yaml:4 window_years: ожидалось целое число, получено "два"'),
        ("      - kind: indicator\n", "      - kin: indicator\n", "my.yaml:8 statuses.shnor.all[1]: не понятно, что это за условие"),
        ("title: Мои правила\n", "", "my.yaml:1 title: обязательный ключ не задан"),
    ],
)
def test_wrong_value_names_line_and_key_path(tmp_path, old, new, expected):
    text = VALID.replace(old, new)
    assert text != VALID
    assert expected in error_of(tmp_path, text)


def test_tab_is_reported_with_its_line(tmp_path):
    message = error_of(tmp_path, VALID.replace("      - kind: indicator", "\t- kind: indicator"))
    assert message.startswith("my.yaml:8: символ табуляции")


def test_wrong_indentation_is_reported_with_its_line(tmp_path):
    message = error_of(tmp_path, VALID.replace("        op: \"<=\"", "      op: \"<=\""))
    assert message.startswith("my.yaml:10:") or message.startswith("my.yaml:9:"), message


def test_duplicate_key(tmp_path):
    message = error_of(tmp_path, VALID.replace("source: тест", "source: тест\nsource: ещё"))
    assert "my.yaml:4: ключ повторяется" in message


def test_unknown_preset_lists_the_shipped_ones():
    with pytest.raises(UserError) as caught:
        load_rules("defualt")
    assert "нет набора правил «defualt»" in str(caught.value)
    assert "default, objectivity, relative, rosobrnadzor-2025" in str(caught.value)


def test_presets_are_shipped_and_valid():
    assert {"default", "rosobrnadzor-2025"} <= set(preset_names())
    for name in preset_names():
        loaded = load_rules(name)
        assert loaded.rules.name == name
        assert loaded.text.startswith("#"), "each preset opens with a comment that cites its source"


def test_yaml_tags_are_not_executed(tmp_path):
    message = error_of(tmp_path, VALID.replace("name: my", "name: !!python/object/apply:os.system ['echo hacked']"))
    assert "my.yaml" in message
