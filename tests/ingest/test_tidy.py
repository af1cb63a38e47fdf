"""The canonical tidy table in every encoding, separator and format an analyst meets ends in the same cube."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter

from shnor.errors import UserError
from shnor.ingest.base import ReadOptions
from shnor.ingest.reading import read_results
from shnor.ingest.scales import load_scales
from tests.conftest import SCHOOL_HEADER, identify_schools, school_row, write_table

ROWS = [
    school_row("sch1", 2024, "ВПР", "Математика", 25, 5, 10),
    school_row("sch1", 2025, "ВПР", "Русский язык", 24, 2, 12, grade=4),
    school_row("sch2", 2025, "ОГЭ", "Обществознание", 14, 3, 4),
    school_row("sch2", 2025, "ЕГЭ", "Математика (профильная)", 12, 2, 3),
]
RUSSIAN_HEADER = [
    "Год", "Процедура", "Предмет", "Класс", "Логин ОО", "Наименование ОО", "Муниципалитет",
    "Кол-во участников", "«2»", "«3»", "«4»", "«5»", "Не преодолели минимальный порог", "Высокие результаты",
]


def cube_of(*paths):
    cube, _ = read_results(list(paths), ReadOptions())
    columns = ["year", "assessment", "subject", "grade", "school_id", "participants", "fail", "high"]
    return sorted(tuple(None if pd.isna(v) else v for v in row) for row in cube.counts[columns].itertuples(index=False))


EXPECTED = [
    (2024, "ВПР", "Математика", 5, "sch1", 25, 5, 10),
    (2025, "ВПР", "Русский язык", 4, "sch1", 24, 2, 12),
    (2025, "ЕГЭ", "Математика (профильная)", 11, "sch2", 12, 2, 3),
    (2025, "ОГЭ", "Обществознание", 9, "sch2", 14, 3, 4),
]


@pytest.mark.parametrize(
    "header, delimiter, encoding",
    [
        (SCHOOL_HEADER, ",", "utf-8"),
        (SCHOOL_HEADER, ";", "utf-8-sig"),
        (RUSSIAN_HEADER, ";", "cp1251"),
        (RUSSIAN_HEADER, "\t", "utf-8"),
        ([h.upper().replace("Е", "Ё") for h in RUSSIAN_HEADER], ";", "utf-8-sig"),
    ],
    ids=["utf8-comma", "bom-semicolon", "cp1251-semicolon-russian", "tab-russian", "upper-case-yo"],
)
def test_csv_variants(tmp_path, header, delimiter, encoding):
    path = write_table(tmp_path / "t.csv", header, ROWS, delimiter=delimiter, encoding=encoding)
    assert cube_of(path) == EXPECTED


def test_xlsx_with_title_rows_and_totals(tmp_path):
    path = tmp_path / "t.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Результаты")
    sheet.write(0, 0, "Результаты оценочных процедур по ОО")
    sheet.write_row(2, 0, RUSSIAN_HEADER)
    for r, row in enumerate(ROWS, start=3):
        for c, value in enumerate(row):
            if value != "":
                sheet.write(r, c, value)
    sheet.write(8, 5, "Итого")
    book.add_worksheet("Примечания").write(0, 0, "Данные предварительные")
    book.close()
    _cube, logs = read_results([path], ReadOptions())
    assert cube_of(path) == EXPECTED
    results = next(log for log in logs if log.sheet == "Результаты")
    assert results.header_row == 3
    assert results.skipped == {"пустая строка": [8], "строка итогов («Итого», «Всего»)": [9]}
    notes = next(log for log in logs if log.sheet == "Примечания")
    assert notes.rows_read == 0 and "не таблица результатов" in notes.notes[0]


def test_parquet(tmp_path):
    frame = pd.DataFrame(ROWS, columns=SCHOOL_HEADER).replace("", None)
    path = tmp_path / "t.parquet"
    text = frame.astype(object).where(frame.notna(), None).astype(str).replace("None", None)
    pq.write_table(pa.Table.from_pandas(text), path)
    assert cube_of(path) == EXPECTED


def test_student_level_aggregates_to_the_same_counts(tmp_path):
    header = ["год", "процедура", "предмет", "класс", "логин ОО", "код обучающегося", "пол", "отметка", "балл"]
    students = []
    for number, mark in enumerate([2] * 5 + [3] * 10 + [4] * 6 + [5] * 4):
        students.append([2024, "ВПР", "математика", 5, "sch1", f"P{number:04d}", "М", mark, ""])
    for number, mark in enumerate([2] * 2 + [3] * 10 + [4] * 6 + [5] * 6):
        students.append([2025, "ВПР", "Русский язык", 4, "sch1", f"R{number:04d}", "Ж", mark, ""])
    for number, mark in enumerate([2] * 3 + [3] * 7 + [4] * 2 + [5] * 2):
        students.append([2025, "ОГЭ", "Обществознание", "", "sch2", f"O{number:04d}", "Ж", mark, ""])
    # ЕГЭ by test score: minimum 27 in profile maths, high from 81
    for number, score in enumerate([10, 26, 27, 50, 60, 70, 70, 75, 80, 81, 90, 100]):
        students.append([2025, "ЕГЭ", "Математика профильного уровня", 11, "sch2", f"E{number:04d}", "М", "", score])
    path = write_table(tmp_path / "students.csv", header, students, delimiter=";")
    assert cube_of(path) == EXPECTED


def test_student_scores_give_mean_and_sd(tmp_path):
    header = ["year", "assessment", "subject", "grade", "school_id", "score"]
    rows = [[2025, "ЕГЭ", "Русский язык", 11, "s", v] for v in (40, 60, 80)]
    cube, _ = read_results([write_table(tmp_path / "s.csv", header, rows)], ReadOptions())
    assert cube.counts[["mean_score", "sd_score"]].iloc[0].tolist() == [60.0, 20.0]


def test_journal_marks_give_lowered_confirmed_raised(tmp_path):
    header = ["year", "assessment", "subject", "grade", "school_id", "mark", "journal_mark"]
    rows = [[2025, "ВПР", "Математика", 5, "s", m, j] for m, j in ((2, 4), (3, 3), (4, 3), (5, 5), (3, 4))]
    cube, _ = read_results([write_table(tmp_path / "s.csv", header, rows)], ReadOptions())
    assert cube.counts[["lowered", "confirmed", "raised"]].iloc[0].tolist() == [2, 2, 1]


def test_pairs_and_histogram_follow_their_school_through_pooling(tmp_path):
    """One school's participants come in two files, between other schools' rows; the cube's pairs and histogram
    still point at that school's own row of counts (their ``key``), after the rows are pooled and sorted."""
    scale_header = ["year", "assessment", "subject", "grade", "max_score", "mark3", "mark4", "mark5"]
    scales = write_table(tmp_path / "scales.csv", scale_header,
                         [[2025, "ВПР", s, 5, 20, 7, 12, 16] for s in ("Математика", "Русский язык")])
    header = ["year", "assessment", "subject", "grade", "school_id", "score", "journal_mark"]
    math, russian = [2025, "ВПР", "Математика", 5], [2025, "ВПР", "Русский язык", 5]
    first = write_table(tmp_path / "a.csv", header,
                        [[*math, "sch3", 12, 4], [*math, "sch1", 7, 3], [*math, "sch3", 3, 2]])
    second = write_table(tmp_path / "b.csv", header,
                         [[*russian, "sch2", 6, 3], [*math, "sch2", 11, 3], [*math, "sch1", 16, 5]])
    cube, _ = read_results([first, second], ReadOptions(scales=load_scales(scales)))
    named = cube.counts[["subject", "school_id"]].to_numpy()
    pairs = sorted((*named[key], score, journal) for key, score, journal in cube.pairs.itertuples(index=False))
    assert pairs == [("Математика", "sch1", 7.0, 3.0), ("Математика", "sch1", 16.0, 5.0),
                     ("Математика", "sch2", 11.0, 3.0), ("Математика", "sch3", 3.0, 2.0),
                     ("Математика", "sch3", 12.0, 4.0), ("Русский язык", "sch2", 6.0, 3.0)]
    histogram = sorted((*named[key], score, count) for key, score, count in cube.histogram.itertuples(index=False))
    assert histogram == [("Математика", "sch1", 7.0, 1), ("Математика", "sch1", 16.0, 1),
                         ("Математика", "sch2", 11.0, 1), ("Математика", "sch3", 12.0, 1),
                         ("Русский язык", "sch2", 6.0, 1)]  # 3 is near no boundary


def test_participants_named_without_login_keep_their_journal_pairs(tmp_path):
    """Participant rows that name their school, not its login, are matched to the registry; their journal pairs go
    with them (they were once left under the derived id and lost), so the journal-mismatch sign is computed."""
    header = ["year", "assessment", "subject", "grade", "school_name", "municipality", "score", "journal_mark"]
    rows = [[2025, "ВПР", "Русский язык", 5, "МБОУ СОШ № 1", "Город", score, journal]
            for score, journal in ((10, 5), (12, 4), (14, 4), (16, 3), (18, 3), (20, 2))]
    named = write_table(tmp_path / "named.csv", header, rows)
    registry = write_table(tmp_path / "registry.csv", ["school_id", "school_name", "municipality", "type"],
                           [["sch1", "МБОУ «СОШ №1»", "Город", "СОШ"]])
    scales = write_table(tmp_path / "scales.csv",
                         ["year", "assessment", "subject", "grade", "max_score", "mark3", "mark4", "mark5"],
                         [[2025, "ВПР", "Русский язык", 5, 45, 18, 29, 38]])
    schools = identify_schools(tmp_path / "out", named, "--registry", registry, "--scales", scales, "--date",
                               "2026-11-23")
    assert list(schools) == ["sch1"] and schools["sch1"]["objectivity_signs"] == "1"
    report = json.loads((tmp_path / "out" / "result.json").read_text(encoding="utf-8"))
    code = "journal_mismatch:Русский язык:5"
    sign = {**report["signs"][code], **next(s for s in report["schools"][0]["objectivity_signs"] if s["code"] == code)}
    assert (sign["status"], sign["figures"]["pairs"]) == ("есть", 6)


def test_files_without_login_get_a_stable_id_from_municipality_and_name(tmp_path):
    header = ["год", "процедура", "предмет", "муниципалитет", "наименование ОО", "участники", "ниже порога",
              "высокие результаты"]
    first = write_table(tmp_path / "a.csv", header,
                        [[2024, "ЕГЭ", "Физика", "Алданский район", 'МБОУ "СОШ № 2"', 10, 1, 1]])
    second = write_table(tmp_path / "b.csv", header,
                         [[2025, "ЕГЭ", "Физика", "АЛДАНСКИЙ РАЙОН", "мбоу «сош №2»", 10, 1, 1]])
    cube, _ = read_results([first, second], ReadOptions())
    assert cube.counts["school_id"].nunique() == 1


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda r: r.__setitem__(7, 26),
         ("файл «t.csv», строка 2, столбец «participants»: сумма отметок «2»+«3»+«4»+«5» = 25 "
          "не равна числу участников 26")),
        (lambda r: r.__setitem__(8, -1),
         "файл «t.csv», строка 2, столбец «n2»: в ячейке «-1», а ожидается целое число ≥ 0"),
        (lambda r: r.__setitem__(8, "пять"), "строка 2, столбец «n2»: в ячейке «пять», а ожидается целое число ≥ 0"),
        (lambda r: r.__setitem__(2, "Астрономия"), "строка 2, столбец «subject»: неизвестное значение «Астрономия»"),
        (lambda r: r.__setitem__(1, "НИКО"), "строка 2, столбец «assessment»: неизвестное значение «НИКО»"),
        (lambda r: r.__setitem__(0, "20x5"), "строка 2, столбец «year»: в ячейке «20x5», а ожидается год"),
    ],
)
def test_bad_cells_are_named(tmp_path, mutate, message):
    rows = [list(r) for r in ROWS]
    mutate(rows[0])
    path = write_table(tmp_path / "t.csv", SCHOOL_HEADER, rows)
    with pytest.raises(UserError) as caught:
        read_results([path], ReadOptions())
    assert message in str(caught.value)


def test_bad_cell_is_named_by_the_files_own_header(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[2][8] = "3,5"
    path = write_table(tmp_path / "t.csv", RUSSIAN_HEADER, rows, delimiter=";", encoding="cp1251")
    with pytest.raises(UserError) as caught:
        read_results([path], ReadOptions())
    assert "файл «t.csv», строка 4, столбец ««2»»: в ячейке «3,5», а ожидается целое число ≥ 0" in str(caught.value)


def test_duplicate_school_rows_are_an_error(tmp_path):
    path = write_table(tmp_path / "t.csv", SCHOOL_HEADER, [ROWS[0], ROWS[1], ROWS[0]])
    with pytest.raises(UserError) as caught:
        read_results([path], ReadOptions())
    assert "строки 2 и 4 дают результаты одной школы (sch1)" in str(caught.value)


def test_missing_column_is_named(tmp_path):
    header = [h for h in SCHOOL_HEADER if h != "subject"]
    rows = [[v for h, v in zip(SCHOOL_HEADER, r) if h != "subject"] for r in ROWS]
    path = write_table(tmp_path / "t.csv", header, rows)
    with pytest.raises(UserError) as caught:
        read_results([path], ReadOptions())
    assert ("файл «t.csv», строка 1: лист похож на макет «каноническая таблица», "
            "но не найдены столбцы: «предмет» (subject)") in str(caught.value)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "пуст"),
        (b"PK\x03\x04garbage that is not a zip", "повреждён или обрезан"),
        (b"\x00\x01\x02binary", "не похож ни на таблицу CSV"),
        ("какой-то текст\nбез таблицы\n".encode(), "не найдено таблицы результатов"),
    ],
)
def test_unreadable_files(tmp_path, content, message):
    path = tmp_path / "bad.xlsx" if content.startswith(b"PK") else tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(UserError) as caught:
        read_results([path], ReadOptions())
    assert message in str(caught.value)
