"""Mentor schools: `ok` schools strong where the ШНОР is weakest, same municipality first, with the reason."""

from __future__ import annotations

from shnor.report.build import IdentifyRequest, identify
from tests.conftest import TODAY, school_row


def test_mentors_are_strong_in_the_weak_subject_and_local_first(school_table):
    rows = [
        # the ШНОР: weak in maths, fair in Russian
        school_row("weak", 2025, "ВПР", "Математика", 40, 20, 4, municipality="Заречный район"),
        school_row("weak", 2025, "ВПР", "Русский язык", 40, 6, 16, municipality="Заречный район"),
        # candidates
        school_row("near_strong", 2025, "ВПР", "Математика", 40, 1, 30, municipality="Заречный район"),
        school_row("near_strong", 2025, "ВПР", "Русский язык", 40, 1, 20, municipality="Заречный район"),
        school_row("near_fair", 2025, "ВПР", "Математика", 40, 2, 20, municipality="Заречный район"),
        school_row("near_fair", 2025, "ВПР", "Русский язык", 40, 2, 20, municipality="Заречный район"),
        school_row("far_best", 2025, "ВПР", "Математика", 40, 0, 38, municipality="Город Северск"),
        school_row("far_best", 2025, "ВПР", "Русский язык", 40, 0, 38, municipality="Город Северск"),
        school_row("risky", 2025, "ВПР", "Математика", 40, 8, 30, municipality="Заречный район"),  # risk: not a mentor
        school_row("risky", 2025, "ВПР", "Русский язык", 40, 8, 30, municipality="Заречный район"),
    ]
    report = identify(IdentifyRequest(inputs=[school_table(rows)], today=TODAY))
    statuses = {s.school_id: s.status for s in report.schools}
    assert statuses["weak"] == "shnor" and statuses["risky"] == "risk"
    (entry,) = report.mentors
    assert entry["school_id"] == "weak" and entry["weak_subjects"][0] == "Математика"
    assert [m["school_id"] for m in entry["mentors"]] == ["near_strong", "near_fair", "far_best"]
    assert "тот же муниципалитет" in entry["mentors"][0]["reason"] and "Математика" in entry["mentors"][0]["reason"]
    assert "другой муниципалитет" in entry["mentors"][2]["reason"]
