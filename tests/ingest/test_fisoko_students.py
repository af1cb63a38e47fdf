"""ФИС ОКО per-participant ВПР files: subject, grade and year from the name or a title row, marks by the scale."""

from __future__ import annotations

import pandas as pd
import pytest

from shnor.errors import UserError
from shnor.ingest.base import ReadOptions
from shnor.ingest.reading import read_results
from shnor.ingest.scales import load_scales
from tests.support.layouts import VPR_SCALES, make_pupils, make_region, mark_of, write_fisoko_students, write_scales

COLUMNS = ["year", "assessment", "subject", "grade", "school_id", "participants", "n2", "n3", "n4", "n5", "lowered",
           "confirmed", "raised"]


@pytest.fixture(scope="module")
def region():
    return make_region()


@pytest.fixture(scope="module")
def pupils(region):
    return make_pupils(region)


def expected(region, pupils, year, subject, grade):
    rows = []
    for index, school in enumerate(region.schools):
        scale = VPR_SCALES[(year, subject, grade)]
        marks = [(mark_of(score, scale), journal) for score, journal in pupils[(year, subject, grade, index)]]
        compared = [(m, j) for m, j in marks if j is not None]
        rows.append((year, "ВПР", subject, grade, school.login, len(marks),
                     *(sum(1 for m, _ in marks if m == k) for k in (2, 3, 4, 5)),
                     sum(m < j for m, j in compared), sum(m == j for m, j in compared),
                     sum(m > j for m, j in compared)))
    return sorted(rows)


@pytest.mark.parametrize("title_row", [False, True], ids=["facts-in-file-name", "facts-in-title-row"])
def test_marks_come_from_the_scale(region, pupils, tmp_path, title_row):
    path = write_fisoko_students(region, pupils, tmp_path, 2024, "Математика", 5, title_row=title_row)
    options = ReadOptions(scales=load_scales(write_scales(tmp_path / "шкалы.csv")))
    cube, logs = read_results([path], options)
    got = sorted(tuple(None if pd.isna(v) else v for v in r) for r in cube.counts[COLUMNS].itertuples(index=False))
    assert got == expected(region, pupils, 2024, "Математика", 5)
    assert "процедура: ВПР «Математика», 5 класс, 2024 год" in logs[0].notes[0]


def test_pupil_identifiers_and_sex_are_not_read(region, pupils, tmp_path):
    path = write_fisoko_students(region, pupils, tmp_path, 2024, "Русский язык", 4)
    options = ReadOptions(scales=load_scales(write_scales(tmp_path / "шкалы.csv")))
    cube, logs = read_results([path], options)
    assert set(logs[0].columns) == {"school_id", "municipality", "score", "journal_mark", "variant", "tasks"}
    text = cube.counts.to_csv() + cube.schools.to_csv()
    assert "P2024" not in text


def test_a_procedure_without_a_scale_is_named(region, pupils, tmp_path):
    path = write_fisoko_students(region, pupils, tmp_path, 2024, "Математика", 5)
    with pytest.raises(UserError) as caught:
        read_results([path], ReadOptions())
    message = str(caught.value)
    assert "нет шкалы перевода первичного балла в отметку для процедуры ВПР «Математика», 5 класс, 2024 год" in message
    assert "--scales" in message


def test_subject_missing_from_every_title_is_an_error(region, pupils, tmp_path):
    path = write_fisoko_students(region, pupils, tmp_path, 2024, "Математика", 5)
    renamed = path.rename(tmp_path / "выгрузка 2024.xlsx")
    with pytest.raises(UserError) as caught:
        read_results([renamed], ReadOptions())
    assert "не удалось определить предмет, класс работы ВПР" in str(caught.value)


def test_scales_file_with_a_falling_scale_is_rejected(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("year,assessment,subject,grade,max_score,mark3,mark4,mark5\n2024,ВПР,Математика,4,20,12,10,15\n",
                    encoding="utf-8")
    with pytest.raises(UserError) as caught:
        load_scales(path)
    assert "файл «s.csv», строка 2: баллы шкалы должны расти" in str(caught.value)
