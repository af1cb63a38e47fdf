"""Context data (--context): the ШНСУ flag defined in the rules, percentiles within groups of similar context."""

from __future__ import annotations

import pytest

from shnor.errors import UserError
from shnor.ingest.context import read_context
from shnor.report.build import IdentifyRequest, identify
from tests.conftest import TODAY, school_row, write_table

CONTEXT_HEADER = ["Логин ОО", "Тип населённого пункта", "Удалённость от районного центра, км", "Дефицит педагогов",
                  "Доля обучающихся с ОВЗ"]


def context_file(tmp_path, rows):
    return write_table(tmp_path / "context.csv", CONTEXT_HEADER, rows, delimiter=";")


def test_context_table_is_read(tmp_path):
    frame = read_context(context_file(tmp_path, [["a", "с. Ивановка", "62", "12%", "0,05"],
                                                 ["b", "г. Чита", "0", "0", ""]]))
    assert frame.loc["a"].to_dict() == {"settlement": "село", "remoteness_km": 62.0, "teacher_shortage": 0.12,
                                        "special_needs": 0.05}
    assert frame.loc["b", "settlement"] == "город"


def test_bad_context_cell_is_named(tmp_path):
    with pytest.raises(UserError) as caught:
        read_context(context_file(tmp_path, [["a", "село", "далеко", "0", "0"]]))
    assert ("файл «context.csv», строка 2, столбец «Удалённость от районного центра, км»: "
            "в ячейке «далеко»") in str(caught.value)


@pytest.mark.parametrize(
    "row, expected",
    [
        (["x", "село", "50", "0", "0"], True),  # a village 50 km away
        (["x", "село", "49", "0", "0"], False),
        (["x", "город", "80", "0", "0"], False),  # a town is not remote however far
        (["x", "город", "0", "0,10", "0"], True),  # teacher shortage of 10 %
        (["x", "город", "0", "0", "15%"], True),  # special needs 15 %
    ],
)
def test_shnsu_flag_of_the_default_preset(school_table, tmp_path, row, expected):
    path = school_table([school_row("x", 2025, "ВПР", "Математика", 40, 4, 20)])
    report = identify(IdentifyRequest(inputs=[path], context=context_file(tmp_path, [row]), today=TODAY))
    assert report.schools[0].shnsu is expected


def test_without_context_shnsu_is_not_computed(school_table):
    path = school_table([school_row("x", 2025, "ВПР", "Математика", 40, 4, 20)])
    assert identify(IdentifyRequest(inputs=[path], today=TODAY)).schools[0].shnsu is None


def test_percentiles_within_context_groups(school_table, tmp_path):
    # towns fail 0–40 %, villages 30–70 %: the worst decile is taken in each group separately
    rows, context = [], []
    for k in range(5):
        rows.append(school_row(f"t{k}", 2025, "ВПР", "Математика", 100, 10 * k, 10))
        rows.append(school_row(f"v{k}", 2025, "ВПР", "Математика", 100, 30 + 10 * k, 10))
        context += [[f"t{k}", "город", "0", "0", "0"], [f"v{k}", "село", "60", "0", "0"]]
    rules = tmp_path / "groups.yaml"
    rules.write_text(
        'name: groups\ntitle: внутри групп\nsource: тест\nstatuses:\n  shnor:\n'
        '    {kind: indicator, indicator: fail_core, op: ">=", percentile: 80, within: settlement}\n',
        encoding="utf-8",
    )
    report = identify(IdentifyRequest(inputs=[school_table(rows)], rules=str(rules),
                                      context=context_file(tmp_path, context), today=TODAY))
    flagged = sorted(s.school_id for s in report.schools if s.status == "shnor")
    assert flagged == ["t4", "v4"]  # P80 of 0..40 = 32 %, of 30..70 = 62 %: one school in each group
    t4 = next(s for s in report.schools if s.school_id == "t4")
    assert "(80-й процентиль по школам того же контекста)" in t4.reasons
    assert t4.criteria[0].threshold == pytest.approx(0.32)
    with pytest.raises(UserError) as caught:
        identify(IdentifyRequest(inputs=[school_table(rows)], rules=str(rules), today=TODAY))
    assert "--context" in str(caught.value)
