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
        ("threshold: 0.30", 'threshold: "25%"',
         'my.yaml:11 statuses.shnor.all[1].threshold: ожидалось число от 0 до 1, получено "25%"'),
        ("threshold: 0.30", "threshold: 30",
         "my.yaml:11 statuses.shnor.all[1].threshold: ожидалось число от 0 до 1 (доля, а не проценты), получено 30"),
        ("        op: \"<=\"", "        op: \"=<\"",
         'my.yaml:10 statuses.shnor.all[1].op: ожидалось одно из: ">=", ">", "<=" или "<", получено "=<"'),
        ("indicator: high_core", "indicator: high_cor", "my.yaml:9 statuses.shnor.all[1].indicator: ожидалось одно из"),
        ("        threshold: 0.30", "        threshold: 0.30\n        treshold: 0.3",
         "my.yaml:12 statuses.shnor.all[1].treshold: неизвестный ключ"),
        ("source: тест", "source: тест\nwindow_years: два",
         'my.yaml:4 window_years: ожидалось целое число, получено "два"'),
        ("      - kind: indicator\n", "      - kin: indicator\n",
         "my.yaml:8 statuses.shnor.all[1]: не понятно, что это за условие"),
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
    assert message.startswith(("my.yaml:10:", "my.yaml:9:")), message


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


RISK = """\
name: my
title: Мои правила
source: тест
statuses:
  risk:
{criterion}
"""

# (case, the criterion under «risk:» (indented), the start of the expected line)
REFUSALS = [
    ("at_least beside any: would silently be «any»",
     ("    any:\n      - {kind: indicator, indicator: fail_core, op: '>=', threshold: 0.2}\n"
      "      - {kind: indicator, indicator: fail_other, op: '>=', threshold: 0.2}\n    at_least: 2"),
     ("my.yaml:5 statuses.risk: к any: можно добавить только label; лишние ключи: at_least. Для «не менее k из списка» "
      "напишите mode: at_least")),
    ("at_least with mode: any",
     ("    mode: any\n    at_least: 1\n    of:\n"
      "      - {kind: indicator, indicator: fail_core, op: '>=', threshold: 0.2}"),
     "my.yaml:5 statuses.risk: at_least без mode: at_least (здесь mode: any)"),
    ("all: with an extra key",
     "    all:\n      - {kind: indicator, indicator: fail_core, op: '>=', threshold: 0.2}\n    years: 2",
     "my.yaml:5 statuses.risk: к all: можно добавить только label; лишние ключи: years"),
    ("a key of another kind",
     "    {kind: share, measure: fail, indicator: fail_core, op: '>=', threshold: 0.2}",
     ("my.yaml:6 statuses.risk.indicator: ключ «indicator» не применяется к kind: share; "
      "он есть у: indicator, dynamics")),
    ("a group's key on a leaf",
     "    {kind: indicator, indicator: fail_core, op: '>=', threshold: 0.2, at_least: 2}",
     "my.yaml:6 statuses.risk.at_least: ключ «at_least» не применяется к kind: indicator; он есть у: procedures"),
    ("not: as a group", "    not: {kind: indicator, indicator: fail_core, op: '>=', threshold: 0.2}",
     "my.yaml:5 statuses.risk: «not» не поддерживается: используйте op"),
    ("not: on a leaf", "    {kind: indicator, indicator: fail_core, op: '>=', threshold: 0.2, not: true}",
     "my.yaml:5 statuses.risk: «not» не поддерживается: используйте op"),
    ("an unknown kind lists the registry's", "    {kind: trend, indicator: fail_core}",
     ("my.yaml:5 statuses.risk: неизвестный kind «trend»; известны: indicator, share, mean_score, dynamics, "
      "procedures, "
      "same_procedure_consecutive_years, context, no_results")),
    ("each_year on a count", "    {kind: indicator, indicator: times_listed, op: '>=', threshold: 1, each_year: true}",
     ("my.yaml:5 statuses.risk: each_year применим только к долям fail_core, high_core, fail_other, "
      "а не к times_listed")),
    ("signs on a share", "    {kind: indicator, indicator: fail_core, op: '>=', threshold: 0.2, signs: [cohort_fall]}",
     "my.yaml:5 statuses.risk: signs применим только к indicator: objectivity_signs"),
    ("an unknown sign kind",
     "    {kind: indicator, indicator: objectivity_signs, op: '>=', threshold: 1, signs: [peak]}",
     ('my.yaml:6 statuses.risk.signs[0]: ожидалось одно из: "inflated_mean", "journal_mismatch", "cohort_fall" или '
      '"cohort_rise", получено "peak"')),
    ("a mean score of unnamed procedures", "    {kind: mean_score, op: '<', threshold: 50}",
     "my.yaml:5 statuses.risk: для mean_score укажите assessments и subjects списками"),
    ("dynamics of both an indicator and a measure",
     "    {kind: dynamics, indicator: fail_core, measure: fail, op: '>=', threshold: 0.05}",
     "my.yaml:5 statuses.risk: нужен ровно один из ключей indicator"),
    ("a percentile each year",
     "    {kind: indicator, indicator: fail_core, op: '>=', percentile: 90, each_year: true}",
     "my.yaml:5 statuses.risk: percentile нельзя сочетать с each_year или relative_to"),
    ("a band turned round", "    {kind: share, measure: {score_from: 80, score_to: 61}, op: '>=', threshold: 0.2}",
     "my.yaml:6 statuses.risk.measure: score_to (61) меньше score_from (80)"),
    ("a difference beyond −1",
     "    {kind: indicator, indicator: high_core, relative_to: region, op: '<=', threshold: -10}",
     "my.yaml:6 statuses.risk.threshold: ожидалось число от -1 до 1 (доля, а не проценты), получено -10"),
]


@pytest.mark.parametrize("case, criterion, expected", REFUSALS, ids=[c[0] for c in REFUSALS])
def test_loader_refuses_what_it_would_silently_ignore(tmp_path, case, criterion, expected):
    message = error_of(tmp_path, RISK.format(criterion=criterion))
    assert expected in message, message


def test_every_new_key_loads(tmp_path):
    criteria = [
        "{kind: indicator, indicator: fail_core, op: '>=', threshold: 0.25, each_year: true}",
        "{kind: dynamics, indicator: fail_core, compare: previous_year, op: '>=', threshold: 0.05, significant: true}",
        "{kind: indicator, indicator: high_core, relative_to: municipality, op: '<=', threshold: -0.10}",
        ("{kind: mean_score, assessments: [ЕГЭ], subjects: [Обществознание], relative_to: municipality, op: '<', "
         "threshold: 0}"),
        ("{kind: procedures, measure: fail, op: '>=', threshold: 0.30, years: latest, assessments: [ВПР], "
         "count: subjects, at_least: 2}"),
        "{kind: share, measure: {score_from: 61, score_to: 80}, assessments: [ЕГЭ], op: '>=', threshold: 0.2}",
        ("{kind: indicator, indicator: objectivity_signs, signs: [journal_mismatch, cohort_fall, cohort_rise], "
         "op: '>=', threshold: 1}"),
        "{kind: no_results}",
    ]
    body = "    any:\n" + "".join(f"      - {c}\n" for c in criteria)
    rules = load_text(tmp_path, "defaults: {min_participants: 10}\n" + RISK.format(criterion=body)).rules
    assert [leaf.kind for leaf in rules.statuses.risk.of] == [
        "indicator", "dynamics", "indicator", "mean_score", "procedures", "share", "indicator", "no_results"]
    assert rules.defaults.min_participants == 10


def test_rules_show_prints_every_kind_of_the_registry():
    from typer.testing import CliRunner

    from shnor.cli.app import app
    from shnor.rules.model import KINDS

    shown = CliRunner().invoke(app, ["rules", "show", "default"])
    assert shown.exit_code == 0, shown.output
    assert "mentors:" in shown.output and "max_mentees: 3" in shown.output
    for kind in KINDS:
        assert f"kind: {kind.KIND} — {kind.HELP}" in " ".join(shown.output.replace("#", " ").split())
        assert f"пример: {kind.EXAMPLE}" in shown.output
