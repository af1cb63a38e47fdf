"""The `relative` preset (region percentiles, the worst decile) and the `objectivity` preset."""

from __future__ import annotations

from shnor.report.build import IdentifyRequest, identify
from tests.conftest import TODAY, school_row


def test_relative_preset_takes_the_worst_decile(school_table):
    # eleven schools, «2» from 0 % to 50 % in steps of 5 pp, «4»+«5» falling as «2» rises
    rows = [school_row(f"s{k:02d}", 2025, "ВПР", "Математика", 100, 5 * k, 50 - 5 * k) for k in range(11)]
    report = identify(IdentifyRequest(inputs=[school_table(rows)], rules="relative", today=TODAY))
    statuses = {s.school_id: s.status for s in report.schools}
    # P90 of «2» = 45 %, P10 of «4»+«5» = 5 %: s09 and s10 are ШНОР; P75 of «2» = 37.5 %: s08 is at risk
    assert [k for k, v in sorted(statuses.items()) if v == "shnor"] == ["s09", "s10"]
    assert [k for k, v in sorted(statuses.items()) if v == "risk"] == ["s08"]
    s09 = next(s for s in report.schools if s.school_id == "s09")
    assert "доля «2» по русскому языку и математике 45,0 % ≥ 45 % (90-й процентиль по региону)" in s09.reasons


def test_relative_percentiles_ignore_insufficient_schools(school_table):
    rows = [school_row(f"s{k:02d}", 2025, "ВПР", "Математика", 100, 5 * k, 50 - 5 * k) for k in range(11)]
    rows.append(school_row("tiny", 2025, "ВПР", "Математика", 5, 5, 0))  # 100 % «2», but 5 participants
    report = identify(IdentifyRequest(inputs=[school_table(rows)], rules="relative", today=TODAY))
    statuses = {s.school_id: s.status for s in report.schools}
    assert statuses["tiny"] == "insufficient"
    assert [k for k, v in sorted(statuses.items()) if v == "shnor"] == ["s09", "s10"]


def test_objectivity_preset_flags_schools_with_a_sign(tmp_path):
    from tests.conftest import write_table

    header = ["year", "assessment", "subject", "grade", "school_id", "score", "mark", "journal_mark"]
    rows = []
    for school in ("a", "b", "c"):
        for k in range(8):
            score = 5 + k
            mark = 2 if score < 7 else 3 if score < 10 else 4
            journal = (7 - mark) if school == "a" else mark  # school a: journal marks against the paper
            rows.append([2025, "ВПР", "Русский язык", 5, school, score, mark, journal])
    path = write_table(tmp_path / "students.csv", header, rows)
    report = identify(IdentifyRequest(inputs=[path], rules="objectivity", today=TODAY))
    assert [(s.school_id, s.status, s.indicators["objectivity_signs"]) for s in report.schools] == [
        ("a", "risk", 1), ("b", "ok", 0), ("c", "ok", 0)
    ]
    sign = next(x for x in report.schools[0].objectivity_signs if x.code == "journal_mismatch:Русский язык:5")
    assert sign.status == "есть" and sign.figures["r_s"] < 0
    assert report.summary["objectivity_index"]["region"] == {"schools": 3, "with_signs": 1, "index": 66.7}
