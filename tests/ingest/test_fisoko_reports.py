"""ФИС ОКО aggregate ВПР reports: percentages back to the exact counts, aggregates skipped, facts from titles."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
import xlsxwriter

from shnor.errors import UserError
from shnor.ingest.base import ReadOptions
from shnor.ingest.fisoko_reports import JournalReportReader, MarksReportReader, ScoresReportReader
from shnor.ingest.reading import read_results
from shnor.ingest.tables import open_sheets
from tests.conftest import SCHOOL_HEADER, school_row, write_table

REPORT_READERS = (MarksReportReader(), JournalReportReader(), ScoresReportReader())


def test_report_readers_are_registered():
    from shnor.ingest.reading import READERS

    assert {type(r) for r in REPORT_READERS} <= {type(r) for r in READERS}
AGGREGATE = "строка итогов («Вся выборка», регион, муниципалитет)"

# (login, name, municipality, n2, n3, n4, n5): counts chosen so that one-decimal percentages are not round.
SCHOOLS = [
    ("sch100001", 'МБОУ "СОШ № 1"', "Первый муниципальный район", 3, 15, 16, 6),
    ("sch100002", "МКОУ «ООШ с. Липовка»", "Первый муниципальный район", 2, 9, 11, 5),
    ("edu100003", "МАОУ Лицей № 3", "Первый муниципальный район", 0, 20, 25, 13),
    ("sch100004", "МБОУ СОШ № 4", "Городской округ Тестовый", 1, 4, 5, 3),
]
EXPECTED_MARKS = sorted(
    (2024, "ВПР", "Математика", 5, login, sum(marks), *marks) for login, _, _, *marks in SCHOOLS
)


def percent(count: int, total: int, style: str) -> object:
    value = round(100 * count / total, 1) if total else 0.0
    if style == "number":
        return value
    text = f"{value:.1f}".replace(".", ",")
    return f"{text}%" if style == "text%" else text


def marks_rows(style: str, with_oo_count: bool) -> list[list]:
    """Вся выборка, the region, two municipalities and the schools, as the report lists them."""
    def row(label, oo, counts):
        total = sum(counts)
        return [label, *([oo] if with_oo_count else []), total, *(percent(c, total, style) for c in counts)]

    first, second = SCHOOLS[:3], SCHOOLS[3:]
    municipal = [tuple(sum(s[3 + i] for s in group) for i in range(4)) for group in (first, second)]
    region = tuple(a + b for a, b in zip(*municipal))
    rows = [row("Вся выборка", 38920, (60812, 338801, 592711, 308913)), row("Тестовая область", 4, region)]
    rows.append(row(first[0][2], 3, municipal[0]))
    rows += [row(f"({login}) {name}", None, counts) for login, name, _, *counts in first]
    rows.append(row(second[0][2], 1, municipal[1]))
    rows += [row(f"({login}) {name}", None, counts) for login, name, _, *counts in second]
    return rows


def write_xlsx(path, titles: list[str], header: list[list], rows: list[list], merges=()) -> None:
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Отчёт")
    for r, title in enumerate(titles):
        sheet.write(r, 0, title)
    top = len(titles) + 1
    for r, cells in enumerate(header, start=top):
        for c, value in enumerate(cells):
            if value is not None:
                sheet.write(r, c, value)
    for first_row, first_col, last_row, last_col, text in merges:
        sheet.merge_range(top + first_row, first_col, top + last_row, last_col, text)
    for r, cells in enumerate(rows, start=top + len(header)):
        for c, value in enumerate(cells):
            if value is not None:
                sheet.write(r, c, value)
    book.close()


def cube_rows(cube, columns):
    frame = cube.counts[columns]
    return sorted(tuple(None if pd.isna(v) else v for v in row) for row in frame.itertuples(index=False))


MARK_COLUMNS = ["year", "assessment", "subject", "grade", "school_id", "participants", "n2", "n3", "n4", "n5"]


def test_marks_report_with_title_rows_gives_exact_counts(tmp_path):
    path = tmp_path / "report.xlsx"
    titles = ["Статистика по отметкам", "ВПР 2024. Математика. 5 класс", "Дата: 20.05.2024"]
    header = [["Группы участников", "Кол-во ОО", "Кол-во участников", "2", "3", "4", "5"]]
    write_xlsx(path, titles, header, marks_rows("number", with_oo_count=True))
    cube, logs = read_results([path], ReadOptions())
    assert cube_rows(cube, MARK_COLUMNS) == EXPECTED_MARKS
    (log,) = logs
    assert log.header_row == 5 and log.rows_read == 4
    assert log.skipped == {AGGREGATE: [6, 7, 8, 12]}
    municipalities = dict(zip(cube.schools["school_id"], cube.schools["municipality"]))
    assert municipalities == {s[0]: s[2] for s in SCHOOLS}
    assert cube.schools.set_index("school_id").loc["sch100001", "school_name"] == 'МБОУ "СОШ № 1"'


def test_marks_report_two_row_header_text_percent_facts_from_file_name(tmp_path):
    path = tmp_path / "Статистика по отметкам ВПР 2024 математика 5 класс.xlsx"
    header = [["ОО", "Кол-во участников", None, None, None, None], [None, None, "2", "3", "4", "5"]]
    merges = [(0, 2, 0, 5, "Распределение отметок участников в %"), (0, 0, 1, 0, "ОО"),
              (0, 1, 1, 1, "Кол-во участников")]
    write_xlsx(path, ["Дата формирования отчёта: 21.05.2024"], header, marks_rows("text%", False), merges)
    cube, logs = read_results([path], ReadOptions())
    assert cube_rows(cube, MARK_COLUMNS) == EXPECTED_MARKS
    assert logs[0].header_row == 3 and logs[0].skipped == {AGGREGATE: [5, 6, 7, 11]}


def test_marks_report_csv_cp1251_semicolon(tmp_path):
    path = tmp_path / "otmetki.csv"
    with path.open("w", encoding="cp1251", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Статистика по отметкам"])
        writer.writerow(["ВПР 2024. Математика. 5 класс"])
        writer.writerow(["Группы участников", "Кол-во ОО", "Кол-во участников", "2", "3", "4", "5"])
        writer.writerows(marks_rows("text", with_oo_count=True))
    cube, logs = read_results([path], ReadOptions())
    assert cube_rows(cube, MARK_COLUMNS) == EXPECTED_MARKS
    assert logs[0].skipped == {AGGREGATE: [4, 5, 6, 10]}


def test_missing_subject_names_the_file(tmp_path):
    path = tmp_path / "otchet.xlsx"
    header = [["Группы участников", "Кол-во участников", "2", "3", "4", "5"]]
    rows = [row[:1] + row[2:] for row in marks_rows("number", with_oo_count=True)]
    write_xlsx(path, ["Статистика по отметкам", "ВПР 2024. 5 класс"], header, rows)
    with pytest.raises(UserError, match=r"otchet\.xlsx.*не удалось определить предмет"):
        read_results([path], ReadOptions())


def test_percentages_far_from_100_name_the_row(tmp_path):
    path = tmp_path / "Статистика по отметкам ВПР 2024 математика 5 класс.xlsx"
    rows = marks_rows("number", with_oo_count=False)
    rows[3][2] = 40.0  # the first school: «2» becomes 40 % instead of 7,5 %
    write_xlsx(path, [], [["Группы участников", "Кол-во участников", "2", "3", "4", "5"]], rows)
    with pytest.raises(UserError, match=r"строка 6.*СОШ № 1.*132,5 %"):
        read_results([path], ReadOptions())


# --- Сравнение отметок с отметками по журналу ---------------------------------------------------------

JOURNAL = {"sch100001": (5, 30, 5), "sch100002": (7, 19, 1), "edu100003": (2, 50, 6), "sch100004": (0, 13, 0)}
CATEGORIES = [
    "Понизили (Отметка < Отметка по журналу) %",
    "Подтвердили (Отметка = Отметке по журналу) %",
    "Повысили (Отметка > Отметка по журналу) %",
    "Всего",
]


def journal_blocks() -> list[tuple[str, tuple[int, int, int]]]:
    names = {login: f"({login}) {name}" for login, name, *_ in SCHOOLS}
    region = tuple(sum(v[i] for v in JOURNAL.values()) for i in range(3))
    groups = [("Тестовая область", region), ("Первый муниципальный район", (14, 99, 12))]
    groups += [(names[login], JOURNAL[login]) for login in ("sch100001", "sch100002", "edu100003")]
    groups += [("Городской округ Тестовый", JOURNAL["sch100004"]), (names["sch100004"], JOURNAL["sch100004"])]
    return groups


def block_rows(counts: tuple[int, int, int]) -> list[tuple[str, int, float]]:
    total = sum(counts)
    return [(c, n, round(100 * n / total, 2)) for c, n in zip(CATEGORIES, (*counts, total))]


def test_journal_report_group_rows_above_blocks(tmp_path):
    path = tmp_path / "Сравнение отметок с отметками по журналу ВПР 2024 математика 5 класс.xlsx"
    rows = []
    for group, counts in journal_blocks():
        rows.append([group, None, None])
        rows += [list(row) for row in block_rows(counts)]
    write_xlsx(path, ["Сравнение отметок с отметками по журналу"], [["Группы участников", "Кол-во участников", "%"]],
               rows)
    write_xlsx(tmp_path / "marks.xlsx", ["ВПР 2024. Математика. 5 класс"],
               [["Группы участников", "Кол-во участников", "2", "3", "4", "5"]],
               [row[:1] + row[2:] for row in marks_rows("number", with_oo_count=True)])
    cube, logs = read_results([tmp_path / "marks.xlsx", path], ReadOptions())
    columns = ["school_id", "participants", "n2", "lowered", "confirmed", "raised"]
    expected = sorted((s[0], sum(s[3:]), s[3], *JOURNAL[s[0]]) for s in SCHOOLS)
    assert cube_rows(cube, columns) == expected
    journal = logs[1]
    assert "по журналу" in journal.layout and journal.rows_read == 16
    assert journal.skipped[AGGREGATE] == [*range(4, 14), *range(29, 34)]


def test_journal_report_group_in_first_column_csv(tmp_path):
    path = tmp_path / "journal.csv"
    with path.open("w", encoding="cp1251", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Сравнение отметок с отметками по журналу. ВПР 2024. Русский язык. 4 класс"])
        writer.writerow(["Группы участников", "", "Кол-во участников", "%"])
        for group, counts in journal_blocks():
            for i, (category, n, share) in enumerate(block_rows(counts)):
                writer.writerow([group if i == 0 else "", category, n, str(share).replace(".", ",")])
    cube, logs = read_results([path], ReadOptions())
    columns = ["year", "subject", "grade", "school_id", "participants", "lowered", "confirmed", "raised"]
    assert cube_rows(cube, columns) == sorted((2024, "Русский язык", 4, k, None, *v) for k, v in JOURNAL.items())
    assert logs[0].skipped[AGGREGATE] == [*range(3, 11), *range(23, 27)]


def test_journal_total_must_add_up(tmp_path):
    path = tmp_path / "Сравнение отметок с отметками по журналу ВПР 2024 математика 5 класс.xlsx"
    rows = [["(sch100001) МБОУ СОШ № 1", None, None], *[list(r) for r in block_rows((5, 30, 5))]]
    rows[-1][1] = 41
    write_xlsx(path, [], [["Группы участников", "Кол-во участников", "%"]], rows)
    with pytest.raises(UserError, match=r"строка 7.*«Всего» = 41.*40"):
        read_results([path], ReadOptions())


# --- Распределение первичных баллов ---------------------------------------------------------------------

SCORES = {  # counts of participants at primary scores 0..10
    "sch100001": [0, 1, 2, 3, 5, 8, 7, 6, 4, 3, 1],
    "sch100002": [1, 0, 0, 2, 4, 6, 5, 3, 3, 2, 1],
    "edu100003": [0, 0, 1, 1, 2, 9, 12, 14, 10, 6, 3],
}


def test_score_distribution_gives_moments(tmp_path):
    path = tmp_path / "scores.xlsx"
    header = [["Группы участников", "Кол-во участников", *(str(s) for s in range(11))]]

    def row(label, counts):
        total = sum(counts)
        return [label, total, *(percent(c, total, "number") for c in counts)]

    region = [sum(c[i] for c in SCORES.values()) for i in range(11)]
    rows = [row("Вся выборка", [10 * c for c in region]), row("Тестовая область", region)]
    rows += [row(f"({login}) МБОУ СОШ", counts) for login, counts in SCORES.items()]
    write_xlsx(path, ["Распределение первичных баллов", "ВПР 2023. Математика. 6 класс"], header, rows)
    cube, logs = read_results([path], ReadOptions())
    expected = sorted(
        (2023, 6, login, float(sum(c)), float(sum(s * n for s, n in enumerate(c)))) for login, c in SCORES.items()
    )
    assert cube_rows(cube, ["year", "grade", "school_id", "score_n", "score_sum"]) == expected
    mean = cube.counts.set_index("school_id")["mean_score"]
    assert mean["sch100001"] == pytest.approx(sum(s * n for s, n in enumerate(SCORES["sch100001"])) / 40)
    assert logs[0].skipped == {AGGREGATE: [5, 6]}
    # the distribution itself is kept for the boundary-peak marker, with the scale's maximum
    row = cube.counts.index[cube.counts["school_id"] == "sch100001"][0]
    histogram = cube.histogram.loc[cube.histogram["key"] == row]
    assert dict(zip(histogram["score"], histogram["count"])) == {s: n for s, n in enumerate(SCORES["sch100001"]) if n}
    assert set(cube.counts["max_score"]) == {10.0}


# --- Recognition ----------------------------------------------------------------------------------------

RUSSIAN_HEADER = ["Год", "Процедура", "Предмет", "Класс", "Логин ОО", "Наименование ОО", "Муниципалитет",
                  "Кол-во участников", "«2»", "«3»", "«4»", "«5»", "Ниже порога", "Высокие результаты"]


@pytest.mark.parametrize("header", [SCHOOL_HEADER, RUSSIAN_HEADER], ids=["english", "russian"])
@pytest.mark.parametrize("reader", REPORT_READERS, ids=lambda r: r.name)
def test_readers_do_not_claim_the_canonical_table(tmp_path, header, reader):
    rows = [school_row("sch1", 2024, "ВПР", "Математика", 25, 5, 10),
            school_row("sch2", 2024, "ВПР", "Математика", 20, 1, 4)]
    sheet = open_sheets(write_table(tmp_path / "tidy.csv", header, rows, delimiter=";"))[0]
    assert reader.recognise(sheet) is None


def test_each_report_is_claimed_by_its_own_reader(tmp_path):
    marks = tmp_path / "marks.xlsx"
    write_xlsx(marks, ["ВПР 2024. Математика. 5 класс"],
               [["Группы участников", "Кол-во участников", "2", "3", "4", "5"]],
               [row[:1] + row[2:] for row in marks_rows("number", True)])
    scores = tmp_path / "scores.xlsx"
    write_xlsx(scores, ["ВПР 2024"], [["Группы участников", "Кол-во участников", "0", "1", "2", "3", "4", "5"]],
               [["(sch1) СОШ", 10, 10, 10, 20, 20, 20, 20]])
    journal = tmp_path / "journal.xlsx"
    write_xlsx(journal, ["ВПР 2024"], [["Группы участников", "Кол-во участников", "%"]],
               [["(sch1) СОШ", None, None], *[list(r) for r in block_rows((1, 2, 3))]])
    claimed = {
        path.stem: [r.name for r in REPORT_READERS if r.recognise(open_sheets(path)[0]) is not None]
        for path in (marks, scores, journal)
    }
    assert claimed == {"marks": ["fisoko_marks"], "scores": ["fisoko_scores"], "journal": ["fisoko_journal"]}
