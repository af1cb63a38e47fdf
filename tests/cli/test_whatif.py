"""What-if: --set moves a threshold; `shnor compare` names the schools that enter or leave the lists."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from shnor.cli.app import app
from shnor.errors import UserError
from shnor.rules.loader import load_rules
from tests.conftest import school_row


def table(school_table):
    return school_table([
        school_row("a", 2025, "ВПР", "Математика", 100, 22, 20),  # 22 % «2»: risk at 25 %, ШНОР at 20 %
        school_row("b", 2025, "ВПР", "Математика", 100, 30, 20),
        school_row("c", 2025, "ВПР", "Математика", 100, 5, 60),
    ])


def test_set_changes_one_value():
    rules = load_rules("default", ["criteria.shnor.any[0].all[0].threshold=0.2"]).rules
    assert rules.statuses.shnor.of[0].of[0].threshold == 0.2
    assert load_rules("rosobrnadzor-2025", ["statuses.shnor.mode=all"]).rules.statuses.shnor.mode == "all"


@pytest.mark.parametrize(
    "override, message",
    [
        ("statuses.shnor.of[7].threshold=0.2", "в правилах нет ключа «statuses.shnor.of[7].threshold»"),
        ("threshold", "нужно КЛЮЧ=ЗНАЧЕНИЕ"),
        ("statuses.shnor.of[0].of[0].threshold=25%", 'ожидалось число от 0 до 1, получено "25%"'),
    ],
)
def test_bad_set_is_named(override, message):
    with pytest.raises(UserError) as caught:
        load_rules("default", [override])
    assert message in str(caught.value)


def test_compare_names_schools_that_move(school_table, tmp_path):
    path = table(school_table)
    result = CliRunner().invoke(app, ["compare", "default", "default", str(path), "--set",
                                      "statuses.shnor.of[0].of[0].threshold=0.2"])
    assert result.exit_code == 0, result.output
    assert "ШНОР: 1 → 2" in result.output
    assert "входят: МБОУ «a» (Тестовый район) — зона риска → ШНОР" in result.output
    assert "зона риска: 1 → 0" in result.output


def test_compare_two_saved_results(school_table, tmp_path):
    path = table(school_table)
    for name, extra in (("a", []), ("b", ["--rules", "rosobrnadzor-2025"])):
        result = CliRunner().invoke(app, ["identify", str(path), "--out", str(tmp_path / name), "--format", "none",
                                          "--quiet", *extra])
        assert result.exit_code == 0, result.output
    result = CliRunner().invoke(app, ["compare", str(tmp_path / "a" / "result.json"),
                                      str(tmp_path / "b" / "result.json")])
    assert result.exit_code == 0, result.output
    assert "выходят: МБОУ «a» (Тестовый район) — зона риска → без признаков" in result.output


def two_regions(school_table, tmp_path):
    """Results of two regions that share no school: 3 schools in ``a``, 4 in ``b`` (machine files only)."""
    other = school_table([school_row(s, 2025, "ВПР", "Математика", 100, 30, 20) for s in ("x", "y", "z", "w")],
                         name="other.csv")
    for name, path in (("a", table(school_table)), ("b", other)):
        result = CliRunner().invoke(app, ["identify", str(path), "--out", str(tmp_path / name), "--format", "none",
                                          "--quiet"])
        assert result.exit_code == 0, result.output


def test_compare_of_results_from_different_data_says_so(school_table, tmp_path):
    """Two regions' results share no school: every school «moves», and the comparison says why first."""
    two_regions(school_table, tmp_path)
    result = CliRunner().invoke(app, ["compare", str(tmp_path / "a"), str(tmp_path / "b" / "result.json")])
    assert result.exit_code == 0, result.output
    assert "Внимание: в A и B общих школ 0 из 3 и 4: похоже, они рассчитаны по разным данным" in result.output
    alike = CliRunner().invoke(app, ["compare", str(tmp_path / "a" / "result.json"), str(tmp_path / "a")])
    assert alike.exit_code == 0 and "Внимание" not in alike.output


def test_a_result_without_a_version_is_named_as_another_versions(tmp_path):
    (tmp_path / "result.json").write_text('{"tool": {"name": "shnor"}, "schools": []}', encoding="utf-8")
    result = CliRunner().invoke(app, ["compare", str(tmp_path), str(tmp_path / "result.json")])
    assert result.exit_code == 2
    assert "«result.json» записан другой версией shnor в прежнем формате" in " ".join(result.output.split())


def test_compare_needs_only_the_result_json(school_table, tmp_path):
    """compare reads statuses: a result.json sent alone (by mail, without procedures.parquet) is enough."""
    result = CliRunner().invoke(app, ["identify", str(table(school_table)), "--out", str(tmp_path / "a"),
                                      "--format", "none", "--quiet"])
    assert result.exit_code == 0, result.output
    (tmp_path / "alone").mkdir()
    (tmp_path / "alone" / "result.json").write_bytes((tmp_path / "a" / "result.json").read_bytes())
    result = CliRunner().invoke(app, ["compare", str(tmp_path / "alone" / "result.json"), str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    assert "ШНОР: 1 → 1" in result.output


def test_a_result_of_this_version_without_its_sections_is_said_to_be_damaged(tmp_path):
    from shnor import __version__

    text = json.dumps({"tool": {"name": "shnor", "version": __version__}, "format": 2, "schools": []})
    (tmp_path / "result.json").write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["compare", str(tmp_path), str(tmp_path)])
    assert result.exit_code == 2
    assert "«result.json» повреждён или изменён вручную" in " ".join(result.output.split())


def test_a_procedures_table_of_another_run_is_named(school_table, tmp_path):
    """result.json of one run and procedures.parquet of another in one folder: cards would show other figures."""
    two_regions(school_table, tmp_path)
    (tmp_path / "a" / "procedures.parquet").write_bytes((tmp_path / "b" / "procedures.parquet").read_bytes())
    result = CliRunner().invoke(app, ["render", str(tmp_path / "a"), "--out", str(tmp_path / "docs")])
    assert result.exit_code == 2
    said = " ".join(result.output.split())
    assert ("«procedures.parquet» рядом с «result.json» — из другого запуска: строк процедур в нём 4, "
            "а в result.json записано 3") in said
    assert not (tmp_path / "docs").exists()
