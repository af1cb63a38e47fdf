"""Small files in the image of the real ones (issue 14): each layout and quirk, the header variants of regional
tables as a table (header → measure), a folder tree, the all-«-» subject, score bands, and files that hold no
results."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter
from typer.testing import CliRunner

from shnor.cli.app import app
from shnor.errors import UserError
from shnor.ingest.base import ReadOptions
from shnor.ingest.reading import read_results
from shnor.ingest.regional_table import _metric_of
from shnor.ingest.scales import Scale, Scales
from shnor.ingest.titles import parse_procedure
from shnor.vocabulary import territory_name

SCALES = Scales({(year, "ВПР", "Математика", 4): Scale(20, 6, 10, 14) for year in (2020, 2021, 2022)})


def xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for number, row in enumerate(rows):
            sheet.write_row(number, 0, row)
    book.close()
    return path


PROTOCOL = ["логин школы", "регион", "номер обучающегося", "код обучающегося",
            "отметка за предыдущую четверть/триместр",
            "пол", "класс", "вариант", "всего баллов", "балл за 1", "балл за 2"]


def protocol(path: Path, rows: list[list]) -> Path:
    return xlsx(path, {"Sheet": [PROTOCOL, *rows]})


def pupil(login="sch1", region="город Бийск", journal="4", variant="1", total="12", t1="6", t2="6") -> list:
    return [login, region, 1, 40001, journal, "ж", "а", variant, total, t1, t2]


@pytest.mark.parametrize(
    "header, measure",
    [
        ("приняли участие", ("participants", None)),
        ("Количество участников", ("participants", None)),
        ("Количество участников, не преодолевших минимальный порог", ("below_min", None)),
        ("Доля участников, не достигших минимального балла", ("below_min", None)),
        ("не преодолен min порог", ("below_min", None)),
        ("от 61 до 80 баллов", ("band", (61, 80))),
        ("от 81 до 100 баллов", ("band", (81, 100))),
        ("81–100", ("band", (81, 100))),
        ("высокобалльники (80-99 баллов)", ("band", (80, 99))),
        ("получили 100 баллов", ("band", (100, 100))),
        ("100", ("band", (100, 100))),
        ("средний балл", ("mean_score", None)),
        ("«2»", ("n2", None)),
        ("доля 5", ("n5", None)),
    ],
)
def test_regional_header_means_one_measure(header, measure):
    assert _metric_of(header) == measure


def test_protocol_quirks_are_counted_not_refused(tmp_path):
    rows = [pupil(), pupil(journal="нет отметки"), pupil(journal="ж"),
            pupil(variant="отсутствовал", total="", t1="", t2=""),
            pupil(total="", t1="3", t2="4"), pupil(total="15", t1="1", t2="1"),
            *[pupil(login="sch2") for _ in range(20)], pupil(total="21", t1="10", t2="11")]
    path = protocol(tmp_path / "2021" / "4" / "Математика.xlsx", rows)
    cube, (log,) = read_results([path], ReadOptions(scales=SCALES))
    found = {i.kind: (i.count, i.rows) for i in log.issues}
    assert found == {
        "absent": (1, [5]), "total_from_tasks": (1, [6]), "total_differs": (1, [7]), "score_over_max": (1, [28]),
        "journal_not_mark": (2, [3, 4]),
    }
    assert log.rows_read == 25 and int(cube.counts["participants"].sum()) == 25
    assert log.procedure == {"year": "2021 (папки)", "subject": "Математика (название файла)", "grade": "4 (папки)"}
    municipalities = cube.schools.set_index("school_id")["municipality"].to_dict()
    assert municipalities == {"sch1": "город Бийск", "sch2": "город Бийск"}


def test_more_than_five_percent_above_the_maximum_is_an_error_naming_column_and_scale(tmp_path):
    rows = [pupil(total="25", t1="", t2="") for _ in range(3)] + [pupil() for _ in range(10)]
    path = protocol(tmp_path / "Проведение работы по математике, 4 класс. ВПР 2021.xlsx", rows)
    with pytest.raises(UserError) as caught:
        read_results([path], ReadOptions(scales=SCALES))
    message = str(caught.value)
    assert "строка 2, столбец «всего баллов»: балл 25 больше максимального по шкале (20)" in message
    assert "3 из 13 участников" in message and "--scales" in message


def test_participant_rows_are_counted_in_the_bands_the_rules_ask_for(tmp_path):
    rows = [pupil(total=str(t), t1="", t2="") for t in (3, 6, 9, 10, 20)]
    path = protocol(tmp_path / "Проведение работы по математике, 4 класс. ВПР 2021.xlsx", rows)
    cube, _ = read_results([path], ReadOptions(scales=SCALES, bands=((0, 9), (10, 20))))
    assert cube.counts[["band_0_9", "band_10_20"]].iloc[0].tolist() == [3, 2]


RAW = ["groups", "user", "id", "code", "otc", "gender", "klass", "var-1", "var-2", "sum", "a-1-grade", "a-2-grade"]


def test_raw_export_in_folders_with_group_tags(tmp_path):
    tags = "reg22_vpr_m019,vpr2019.math4,vpr2020.ma4"
    rows = [[tags, "sch1", 1, 50001, "5", "ж", "а", "1", None, "18", "9", "9"],
            [tags, "sch1", 2, 50002, None, None, None, "отсутствовал", None, None, None, None],
            [tags, "sch1", 3, 50003, "3", "м", "б", "0", None, None, "X", "4"]]
    path = xlsx(tmp_path / "выгрузки" / "4" / "Математика.xlsx", {"Sheet1": [RAW, *rows]})
    cube, (log,) = read_results([path], ReadOptions(scales=SCALES))
    assert log.procedure["year"] == "2020 (коды ФИС ОКО в файле)" and log.procedure["grade"] == "4 (папки)"
    assert {i.kind: i.count for i in log.issues} == {"absent": 1, "total_from_tasks": 1}
    assert cube.counts[["participants", "n5", "n2"]].iloc[0].tolist() == [2, 1, 1]
    assert log.municipalities == {"reg22_m019": ""}  # a code alone, named by nothing else here


FORM = ["Пользователь", "Код региона", "Регион", "Муниципалитет", "Школа", "Дата загрузки", "Код", "Вариант", "1 (1б)",
        "5(1) (1б)", "Наименование класса", "Пол", "Отметка за предыдущий триместр/ четверть/полугодие", "Итого баллов"]
CLASSES = ["Пользователь", "Код региона", "Регион", "Муниципалитет", "Школа", "Дата загрузки", "Буква (цифра) класса",
           "Основной учебник по предмету"]


def test_upload_form_absent_pupils_and_totals_never_computed(tmp_path):
    school = ["edu1", "22", "reg220000 | Алтайский край", "reg22_m019 | Красногорский муниципальный район",
              'edu1 | МКОУ "Усть-Кажинская СОШ"', "17.03.2022 05:33:20"]
    rows = [school + [40001, "отсутствовал", None, None, None, None, None, 0],
            *[school + [40002 + k, "1", 1, 1, "4А", "ж", "4", 0] for k in range(3)]]
    classes = [CLASSES, school + ["А", "ma4.8 | 1.1.3.1.8.4 | Моро М.И. Математика 4 класс"]]
    path = xlsx(tmp_path / "form.xlsx", {"Классы": classes, "Протокол": [FORM, *rows]})
    cube, logs = read_results([path], ReadOptions(scales=SCALES))
    classes_log, form_log = logs
    assert "лист «Классы» формы ВПР" in classes_log.notes[0]
    assert form_log.procedure == {"year": "2022 (коды ФИС ОКО в файле)", "assessment": "ВПР (коды ФИС ОКО в файле)",
                                  "subject": "Математика (коды ФИС ОКО в файле)", "grade": "4 (коды ФИС ОКО в файле)"}
    assert {i.kind: i.count for i in form_log.issues} == {"absent": 1, "total_from_tasks": 3}
    assert cube.counts[["participants", "n2"]].iloc[0].tolist() == [3, 3]  # 2 points of 20: «2», not absent
    schools = cube.schools.set_index("school_id")
    assert schools.loc["edu1", "school_name"] == 'МКОУ "Усть-Кажинская СОШ"'
    assert schools.loc["edu1", "municipality"] == "Красногорский муниципальный район"


def test_blank_form_and_subject_sums_are_named_alone_and_passed_over_in_a_folder(tmp_path):
    blank = xlsx(tmp_path / "папка" / "бланк.xlsx",
                 {"Протокол": [["Код", "Вариант (часть 1)", "1 (1б)", "Итого баллов"],
                                                                   [40001, "1", 1, 1]]})
    sums = tmp_path / "папка" / "ege.csv"
    sums.write_text('"ID";"EDU_NAME";"PASSES_OVER_220";"PASSER_UNDER_160";"YEAR"\n'
                    '"1";"Школа № 1";"3";"1";"2015-2016"\n', encoding="utf-8")
    protocol(tmp_path / "папка" / "2021" / "4" / "Математика.xlsx", [pupil() for _ in range(3)])
    (tmp_path / "папка" / "заметки.txt").write_text("не таблица", encoding="utf-8")
    for alone, words in ((blank, "в которой не указана школа"), (sums, "больше 220 и не больше 160 баллов")):
        with pytest.raises(UserError, match=words):
            read_results([alone], ReadOptions(scales=SCALES))
    scales = tmp_path / "s.csv"
    scales.write_text("year,assessment,subject,grade,max_score,mark3,mark4,mark5\n2021,ВПР,Математика,4,20,6,10,14\n",
                      encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["identify", str(tmp_path / "папка"), "--scales", str(scales), "--out", str(out),
                                      "--format", "none"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "«заметки.txt»: не таблица результатов, в папке пропущен" in said
    assert "бланк.xlsx: файл пропущен: лист «Протокол» — форма ввода результатов ВПР" in said
    assert "лист пропущен" not in said, "a file passed over is said once, not again for its sheet"
    assert "ege.csv: файл пропущен: сведения о числе выпускников" in said


def test_procedure_option_names_what_no_file_does(tmp_path):
    path = protocol(tmp_path / "выгрузка.xlsx", [pupil() for _ in range(3)])
    with pytest.raises(UserError, match="--procedure"):
        read_results([path], ReadOptions(scales=SCALES))
    cube, (log,) = read_results([path], ReadOptions(scales=SCALES, procedure=parse_procedure("ВПР 2021 математика 4")))
    assert log.procedure["grade"] == "4 (--procedure)" and cube.counts["year"].tolist() == [2021]


def regional(path: Path, subject_cells: list) -> Path:
    header = ["Муниципальное образование", "Образовательная организация", "Русский язык", None, None]
    metrics = [None, None, "Количество участников", "Количество участников, не преодолевших минимальный порог",
               "Доля участников, набравших от 61 до 80 баллов"]
    rows = [["Информация о результатах ЕГЭ в 2024 году"], header, metrics,
            ["Комитет образования администрации Акшинского муниципального округа", "МОУ СОШ № 1", *subject_cells[0]],
            ['Комитет образования администрации муниципального района "Акшинский район"', "МОУ СОШ № 2",
             *subject_cells[1]]]
    return xlsx(path, {"2024": rows})


def test_regional_all_dash_subject_has_no_result_and_bands_are_kept(tmp_path):
    path = regional(tmp_path / "ЕГЭ по ОО.xlsx", [[40, 2, "25%"], ["-", "-", "-"]])
    cube, (log,) = read_results([path], ReadOptions())
    assert cube.counts[["participants", "below_min", "band_61_80"]].values.tolist() == [[40, 2, 10]]
    assert log.columns["Русский язык: баллы 61–80 (%)"] == "Доля участников, набравших от 61 до 80 баллов"
    assert log.columns["Русский язык: ниже минимального порога (число)"].startswith("Количество участников, не")
    assert set(cube.schools["municipality"]) == {"Акшинский муниципальный округ"}


@pytest.mark.parametrize(
    "spelling, territory",
    [
        ('Комитет образования администрации муниципального района "Тунгокоченский район"', "Тунгокоченский район"),
        ("Комитет образования администрации Акшинского муниципального округа", "Акшинский муниципальный округ"),
        ("Министерство образования и науки Забайкальского края", "региональное подчинение"),
        ("Алтайский край (региональное подчинение)", "региональное подчинение"),
        ('Комитет образования администрации городского округа "Город чита"', "Город Чита"),
        ("Чарышский муниципальный район", "Чарышский муниципальный район"),
        ("75", None),
        ("Алтайский край", None),
    ],
)
def test_municipality_spellings_become_territories(spelling, territory):
    assert territory_name(spelling) == territory
