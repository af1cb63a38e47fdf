"""The corpus of bad inputs: each one exits with code 2 and one Russian message that names the place, without a
traceback, and leaves an earlier output folder as it was. What is recoverable is skipped and reported instead.

Each case is a row of the table: a name, how the file is made, the words the message must contain.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from typer.testing import CliRunner

from shnor.cli.app import app
from tests.conftest import SCHOOL_HEADER, school_row, write_table

GOOD = [school_row("s1", 2025, "ВПР", "Математика", 20, 2, 8), school_row("s2", 2025, "ВПР", "Математика", 20, 6, 4)]


def csv_file(tmp: Path, rows=GOOD, header=SCHOOL_HEADER, name="results.csv") -> list[str]:
    return [str(write_table(tmp / name, header, rows))]


def xlsx_bytes(rows: list[list], header=SCHOOL_HEADER) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Результаты")
    sheet.write_row(0, 0, header)
    for r, row in enumerate(rows, start=1):
        sheet.write_row(r, 0, row)
    book.close()
    return buffer.getvalue()


def formula_error(tmp: Path) -> list[str]:
    """A count a formula made that failed: the workbook caches «#DIV/0!», Russian Excel shows «#ДЕЛ/0!»; calamine
    gives an empty cell, which must not read as «no data»."""
    book = xlsxwriter.Workbook(str(tmp / "results.xlsx"))
    sheet = book.add_worksheet("Результаты")
    sheet.write_row(0, 0, SCHOOL_HEADER)
    for r, row in enumerate(GOOD, start=1):
        sheet.write_row(r, 0, row)
    sheet.write_formula(2, SCHOOL_HEADER.index("n2"), "=H3/0", None, "#DIV/0!")
    book.close()
    return [str(tmp / "results.xlsx")]


def glued_far_down(tmp: Path) -> list[str]:
    rows = [school_row(f"s{i}", 2025, "ВПР", "Математика", 20, 2, 8) for i in range(5000)]
    good = Path(csv_file(tmp, rows)[0]).read_bytes()
    assert len(good) > 256 * 1024
    late = "2025,ВПР,Математика,5,s3,Школа,Район,20,2,10,4,4,,\n".encode("cp1251")
    return write(tmp, "results.csv", good + late + good.split(b"\n", 1)[1][:2000].rsplit(b"\n", 1)[0] + b"\n")


def write(tmp: Path, name: str, content: bytes) -> list[str]:
    (tmp / name).write_bytes(content)
    return [str(tmp / name)]


def zip_bomb(tmp: Path) -> list[str]:
    good = zipfile.ZipFile(io.BytesIO(xlsx_bytes(GOOD)))
    with zipfile.ZipFile(tmp / "bomb.xlsx", "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info in good.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                with archive.open(info.filename, "w", force_zip64=True) as sheet:
                    for _ in range(16):
                        sheet.write(b" " * (1 << 24))  # 256 MB of blanks, 256 KB packed
            else:
                archive.writestr(info, good.read(info.filename))
    return [str(tmp / "bomb.xlsx")]


def mutate(row_index: int, column: str, value) -> callable:
    def make(tmp: Path) -> list[str]:
        rows = [list(r) for r in GOOD]
        rows[row_index][SCHOOL_HEADER.index(column)] = value
        return csv_file(tmp, rows)

    return make


def rules_file(text: str):
    def make(tmp: Path) -> list[str]:
        (tmp / "my.yaml").write_text(text, encoding="utf-8")
        return csv_file(tmp) + ["--rules", str(tmp / "my.yaml")]

    return make


RULES_OK = ("name: my\ntitle: t\nsource: s\nstatuses:\n  shnor:\n    kind: indicator\n    indicator: fail_core\n"
            "    op: \">=\"\n    threshold: 0.25\n")


def history_file(tmp: Path) -> list[str]:
    write_table(tmp / "list.csv", ["Наименование ОО"], [["МБОУ «СОШ № 404»"], ["МБОУ «Лицей № 500»"]])
    return csv_file(tmp) + ["--history", str(tmp / "list.csv")]


def fisoko_without_scale(tmp: Path) -> list[str]:
    header = ["логин школы", "код обучающегося", "пол", "всего баллов"]
    return write(tmp, "Проведение работы по физике, 7 класс. ВПР 2025.xlsx",
                 xlsx_bytes([["sch1", "A1", "М", 10]], header))


def fisoko_mixed_years(tmp: Path) -> list[str]:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("ВПР 2024")
    sheet.write(0, 0, "ВПР 2025. Математика. 5 класс")
    sheet.write_row(2, 0, ["логин школы", "всего баллов"])
    sheet.write_row(3, 0, ["sch1", 10])
    book.close()
    return write(tmp, "vpr.xlsx", buffer.getvalue())


def duplicate_scales(tmp: Path) -> list[str]:
    (tmp / "scales.csv").write_text(
        "year,assessment,subject,grade,max_score,mark3,mark4,mark5\n"
        "2025,ВПР,Физика,7,20,7,12,16\n2025,ВПР,Физика,7,20,8,12,16\n", encoding="utf-8"
    )
    return fisoko_without_scale(tmp) + ["--scales", str(tmp / "scales.csv")]


PUPIL_HEADER = ["year", "assessment", "subject", "grade", "school_id", "mark", "score"]


def pupils_with_scales(rows: list[list], scale_rows: str):
    """Participant rows with primary scores only, and a scales file for them."""

    def make(tmp: Path) -> list[str]:
        (tmp / "scales.csv").write_text("year,assessment,subject,grade,max_score,mark3,mark4,mark5\n" + scale_rows,
                                        encoding="utf-8")
        return csv_file(tmp, rows, PUPIL_HEADER, "pupils.csv") + ["--scales", str(tmp / "scales.csv")]

    return make


RUSSIAN_4 = "2025,ВПР,Русский язык,4,38,14,24,33\n"
PHYSICS_7 = "2025,ВПР,Физика,7,20,7,12,16\n"
# a total above the maximum is left out and reported; in more than 5 % of a file's participants it is an error
# naming the first such row (a wrong column or scale)
OVER_THE_SCALE = [
    [2025, "ВПР", "Русский язык", 4, "s1", "", 20],
    [2025, "ВПР", "Физика", 7, "s1", "", 5],
    [2025, "ВПР", "Русский язык", 4, "s1", "", 45],
]


def unclosed_quote(tmp: Path) -> list[str]:
    """A lone «"» before a school's name: every line below it is glued into one record, which must not be a row
    quietly skipped (the school's other years would be lost)."""
    rows = [list(r) for r in GOOD] + [school_row("s1", 2024, "ВПР", "Математика", 20, 2, 8)]
    path = Path(csv_file(tmp, rows)[0])
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("МБОУ", '"МБОУ', 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return [str(path)]


def history_twice(tmp: Path) -> list[str]:
    write_table(tmp / "перечень 2024.csv", ["Логин ОО"], [["s1"]])
    return csv_file(tmp) + ["--history", str(tmp / "перечень 2024.csv")] * 2


ENCRYPTED_BOOK = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(500) + "EncryptedPackage".encode("utf-16-le") + bytes(500)
ALIAS_BOMB = (RULES_OK + "x0: &x0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
              + "".join(f"x{n}: &x{n} [{', '.join([f'*x{n - 1}'] * 10)}]\n" for n in range(1, 9)))
DEEP_RULES = ("name: my\ntitle: t\nsource: s\nstatuses:\n  shnor: " + "{any: [" * 400
              + "{kind: indicator, indicator: fail_core, op: '>=', threshold: 0.2}" + "]}" * 400 + "\n")


def zip_of_text(tmp: Path) -> list[str]:
    with zipfile.ZipFile(tmp / "results.xlsx", "w") as archive:
        archive.writestr("results.csv", "year,assessment\n")
    return [str(tmp / "results.xlsx")]


REGIONAL = [["Город Чита", "МБОУ СОШ №1", 51, 0, 71.6], ["Город Чита", "МБОУ СОШ №2", 40, 2, 60.1]]


def regional_book(tmp: Path, rows: list[list]) -> list[str]:
    """A regional ЕГЭ table as Забайкальский край sends it: title rows, subjects merged over a two-level header."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "2025"
    sheet.append(["Информация о результатах ЕГЭ выпускников школ в 2025 году"])
    sheet.append([])
    sheet.append(["Муниципальное образование", "Образовательная организация (школа)", "Русский язык", None, None])
    sheet.append([None, None, "приняло участие", "не преодолен min порог", "средний балл"])
    sheet.merge_cells("C3:E3")
    for values in rows:
        sheet.append(values)
    book.save(tmp / "ЕГЭ 2025.xlsx")
    return [str(tmp / "ЕГЭ 2025.xlsx")]


def nested_folders(tmp: Path) -> list[str]:
    """The analyst's …/<year>/<grade>/<Предмет>.xlsx: twenty files of one name, so a message names the path."""
    for grade in (4, 5):
        (tmp / "ВПР" / "2025" / str(grade)).mkdir(parents=True)
    csv_file(tmp / "ВПР" / "2025" / "4", name="Математика.csv")
    (tmp / "ВПР" / "2025" / "5" / "Математика.xlsx").write_bytes(xlsx_bytes(GOOD)[:2000])
    return [str(tmp / "ВПР")]


CASES = [
    ("empty csv", lambda t: write(t, "results.csv", b""), "файл «results.csv» пуст"),
    ("empty xlsx", lambda t: write(t, "results.xlsx", b""), "«results.xlsx» повреждён или обрезан"),
    ("only a title", lambda t: write(t, "results.csv", "Результаты ВПР 2025 года\n".encode()),
     "в файле «results.csv» не найдено таблицы результатов"),
    ("truncated xlsx", lambda t: write(t, "results.xlsx", xlsx_bytes(GOOD)[:2000]),
     "«results.xlsx» повреждён или обрезан"),
    ("picture renamed .xlsx", lambda t: write(t, "results.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(200)),
     "«results.xlsx» повреждён или обрезан"),
    ("binary renamed .csv", lambda t: write(t, "results.csv", b"\x00\x01\x02\x03" * 64),
     "не похож ни на таблицу CSV, ни на Excel"),
    ("xlsx zip bomb", zip_bomb, "«bomb.xlsx» распаковывается в 256 МБ"),
    ("duplicate school rows", lambda t: csv_file(t, GOOD + [GOOD[0]]), "строки 2 и 4 дают результаты одной школы (s1)"),
    ("marks do not add up", mutate(0, "n3", 99), "строка 2, столбец «participants»: сумма отметок"),
    ("formula error in a count", formula_error,
     "«results.xlsx», лист «Результаты», строка 3, столбец «n2»: в ячейке «#ДЕЛ/0!», а ожидается целое число ≥ 0"),
    ("negative count", mutate(1, "n2", -3), "строка 3, столбец «n2»: в ячейке «-3», а ожидается целое число ≥ 0"),
    ("text count", mutate(1, "n4", "много"), "строка 3, столбец «n4»: в ячейке «много»"),
    ("unknown subject", mutate(0, "subject", "Астрология"),
     "строка 2, столбец «subject»: неизвестное значение «Астрология»"),
    ("unknown assessment", mutate(0, "assessment", "НИКО"),
     "строка 2, столбец «assessment»: неизвестное значение «НИКО»"),
    ("missing column", lambda t: csv_file(t, [r[:2] + r[3:] for r in GOOD], SCHOOL_HEADER[:2] + SCHOOL_HEADER[3:]),
     ("файл «results.csv», строка 1: лист похож на макет «каноническая таблица», "
      "но не найдены столбцы: «предмет» (subject)")),
    ("missing scale", fisoko_without_scale,
     "нет шкалы перевода первичного балла в отметку для процедуры ВПР «Физика», 7 класс, 2025 год"),
    ("score above the scale in more than 5 % of rows", pupils_with_scales(OVER_THE_SCALE, RUSSIAN_4 + PHYSICS_7),
     "файл «pupils.csv», строка 4, столбец «score»: балл 45 больше максимального по шкале (38)"),
    ("infinite maximum in the scale", pupils_with_scales(OVER_THE_SCALE[:1], "2025,ВПР,Русский язык,4,inf,14,24,33\n"),
     "файл «scales.csv», строка 2: ожидались числа"),
    ("mixed years", fisoko_mixed_years,
     "год в заголовке или названии (2025) не совпадает с годом в названии листа или файла (2024)"),
    ("history matching nothing", history_file, "файл «list.csv»: ни одна из 2 школ прежнего перечня не найдена"),
    ("header only", lambda t: csv_file(t, []), "не осталось ни одной строки с результатами"),
    ("only totals and blanks", lambda t: csv_file(t, [[""] * 14, ["Итого"] + [""] * 13]),
     "не осталось ни одной строки с результатами"),
    ("scale given twice", duplicate_scales,
     "файл «scales.csv», строка 3: шкала процедуры ВПР «Физика», 7 класс, 2025 год задана дважды"),
    ("rules: wrong type", rules_file(RULES_OK.replace("0.25", "много")),
     "my.yaml:9 statuses.shnor.threshold: ожидалось число от 0 до 1"),
    ("rules: unknown key", rules_file(RULES_OK + "colour: red\n"), "my.yaml:10 colour: неизвестный ключ"),
    ("rules: wrong indentation", rules_file(RULES_OK.replace("    kind: indicator", "  kind: indicator")), "my.yaml:"),
    ("rules: tab", rules_file(RULES_OK.replace("    op:", "\top:")), "my.yaml:8: символ табуляции"),
    ("rules: not yaml at all", rules_file("[[[\n"), "my.yaml:"),
    ("count of 1e30 (would overflow the sums)", mutate(0, "participants", "1e30"),
     "строка 2, столбец «participants»: в ячейке «1e30», а ожидается целое число ≥ 0"),
    ("infinite count", mutate(1, "n4", "inf"), "строка 3, столбец «n4»: в ячейке «inf», а ожидается целое число"),
    ("web page saved as .xls", lambda t: write(t, "results.xls", "<html><table><tr><td>год</td></tr></table>".encode()),
     "«results.xls» — веб-страница (HTML), сохранённая с расширением .xls, а не книга Excel"),
    ("password-protected workbook", lambda t: write(t, "results.xlsx", ENCRYPTED_BOOK),
     "«results.xlsx» защищён паролем"),
    ("zip that is not a workbook", zip_of_text, "«results.xlsx» — архив zip, а не книга Excel"),
    ("unclosed quote in a csv", unclosed_quote,
     "файл «results.csv», строка 3: кавычка «\"» открыта в ячейке и не закрыта"),
    ("a csv glued from UTF-8 and Windows-1251", lambda t: write(
        t, "results.csv", Path(csv_file(t)[0]).read_bytes() + "2025,ВПР,Математика,5,s3,Школа,Район,20,2,10,4,4,,\n"
        .encode("cp1251")),
     "файл «results.csv», строка 4: файл в двух кодировках: до этой строки — UTF-8, в ней — другая"),
    ("the same, the Windows-1251 line past the first 256 KB the encoding is judged from", glued_far_down,
     "файл «results.csv», строка 5002: файл в двух кодировках: до этой строки — UTF-8, в ней — другая"),
    ("broken parquet", lambda t: write(t, "results.parquet", b"PAR1" + bytes(100)),
     "«results.parquet» повреждён или обрезан: это не файл Parquet"),
    ("the same history list twice", history_twice, "прежний перечень «перечень 2024.csv» указан дважды"),
    ("a broken file among files of one name", nested_folders,
     "файл «2025/5/Математика.xlsx» повреждён или обрезан"),
    ("a school twice in a regional table", lambda t: regional_book(t, [*REGIONAL, REGIONAL[0]]),
     "лист «2025», строка 7: строки 5 и 7 — результаты одной школы «МБОУ СОШ №1» (Город Чита) по предмету"),
    ("rules: conditions nested hundreds deep", rules_file(DEEP_RULES), "my.yaml: условия вложены слишком глубоко"),
    ("rules: YAML aliases inside aliases (a billion values from nine lines)", rules_file(ALIAS_BOMB),
     "my.yaml: в правилах больше 100000 значений — ссылки YAML (*имя) повторены одна в другой"),
    ("rules: a number of thousands of digits", rules_file(RULES_OK.replace("0.25", "1" + "0" * 5000)),
     "my.yaml:9: число из сотен цифр"),
    ("rules: a folder given as rules", lambda t: [*csv_file(t), "--rules", str(t)], "— папка, а не файл правил"),
    ("rules: a workbook given as rules",
     lambda t: [*csv_file(t), "--rules", write(t, "rules.xlsx", xlsx_bytes(GOOD))[0]],
     "файл правил «rules.xlsx» — не текст YAML (таблица или документ?)"),
]


@pytest.fixture(scope="module")
def earlier(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("earlier") / "out"
    result = CliRunner().invoke(app, ["identify", *csv_file(out.parent), "--out", str(out), "--format", "none",
                                      "--quiet"])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("case, make, expected", CASES, ids=[c[0] for c in CASES])
def test_bad_input_exits_2_naming_the_place(tmp_path, earlier, case, make, expected):
    out = tmp_path / "out"
    shutil.copytree(earlier, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    args = make(tmp_path)
    result = CliRunner().invoke(app, ["identify", *args, "--out", str(out), "--format", "none"])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Ошибка: ")
    assert expected in result.output
    assert "Traceback" not in result.output and "Error:" not in result.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before, "the earlier output is untouched"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.tmp")], "no half-written folder is left"


def test_recoverable_rows_are_skipped_and_reported(tmp_path):
    rows = [*GOOD, [""] * len(SCHOOL_HEADER), ["Итого", "", "", "", "", "", "", 40, 8, 20, 8, 4, "", ""]]
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["identify", *csv_file(tmp_path, rows), "--out", str(out), "--format", "none"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    last = len(GOOD) + 1
    assert f"строка {last + 1}: пустая строка" in said
    assert f"строка {last + 2}: строка итогов («Итого», «Всего»)" in said


def test_a_sheet_of_a_million_empty_rows_is_read_quickly(tmp_path):
    path = tmp_path / "wide.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, SCHOOL_HEADER)
    for r, row in enumerate(GOOD, start=1):
        sheet.write_row(r, 0, row)
    sheet.write_blank(1_048_575, len(SCHOOL_HEADER) - 1, None, book.add_format({"bold": True}))
    book.close()
    result = CliRunner().invoke(app, ["identify", str(path), "--out", str(tmp_path / "out"), "--format", "none",
                                      "--quiet"])
    assert result.exit_code == 0, result.output


def test_field_files_that_must_be_read(tmp_path):
    """Files as they come from the field, read as they are: a workbook named .xls, Excel's «Текст Юникод» (UTF-16,
    tabs), and a data folder that holds an earlier run's output folder (``shnor identify . --out shnor-out``)."""
    data = tmp_path / "данные ВПР"
    (data / "2025").mkdir(parents=True)
    (data / "2025" / "Отчёт.xls").write_bytes(xlsx_bytes(GOOD[:1]))
    write_table(data / "2025" / "unicode.txt", SCHOOL_HEADER, GOOD[1:], delimiter="\t", encoding="utf-16")
    given = [str(data), str(data / "2025" / "unicode.txt")]
    for _ in range(2):  # the second run finds the first one's output folder inside the data folder
        result = CliRunner().invoke(app, ["identify", *given, "--out", str(data / "shnor-out"), "--format", "none",
                                          "--date", "15.01.2026"])  # the date as an order is dated
        assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "«shnor-out/result.json»: папка результатов shnor (прежний запуск), не входные данные — пропущена" in said
    assert '"generated": "2026-01-15"' in (data / "shnor-out" / "result.json").read_text(encoding="utf-8")
    schools = (data / "shnor-out" / "schools.csv").read_text(encoding="utf-8")
    assert schools.count("\ns1,") == 1 and schools.count("\ns2,") == 1


@pytest.mark.parametrize(
    "row, column, cell, said",
    [
        (0, 3, "#Н/Д", "«не преодолен min порог» не число участников или доля: «#Н/Д» (строка 5) — результаты по"),
        (0, 3, "12,5 %", "«не преодолен min порог» не число участников или доля: «12,5 %» (строка 5) — результаты"),
        (1, 2, -40, "«приняло участие» не число участников или доля: «-40» (строка 6) — результаты по этому предмету"),
        (1, 2, 1e30, "«приняло участие» не число участников или доля: «1000000000000000019884624838656» (строка 6)"),
    ],
    ids=["excel error", "percent among counts", "negative participants", "1e30 participants"],
)
def test_a_regional_table_cell_that_is_no_count_is_said_with_its_row(tmp_path, row, column, cell, said):
    """A regional ЕГЭ table (two-level header, subjects merged over their columns) used to read such cells quietly:
    «#Н/Д» and «12,5 %» as counts, 1e30 participants as -9 223 372 036 854 775 788 in schools.csv."""
    rows = [list(r) for r in REGIONAL]
    rows[row][column] = cell
    regional_book(tmp_path, rows)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["identify", str(tmp_path / "ЕГЭ 2025.xlsx"), "--out", str(out), "--format",
                                      "none"])
    assert result.exit_code == 0, result.output
    assert said in " ".join(result.output.split())
    participants = [line.split(",")[-3] for line in (out / "schools.csv").read_text(encoding="utf-8").splitlines()[1:]]
    assert all(0 <= int(p or 0) < 100 for p in participants), participants
    # The row's result in that subject is left out, never read as «no one below the minimum» (that could move a
    # school out of a list): school 1's row (строка 5) sat only this subject, so it has no participants left.
    if row == 0:
        first = (out / "schools.csv").read_text(encoding="utf-8").splitlines()[1]
        assert first.startswith("oo-938f6a721e,МБОУ СОШ №1,Город Чита,insufficient,"), first


def test_a_hidden_sheet_is_read_and_said(tmp_path):
    """Last year's data kept on a hidden sheet would be counted unseen: it is read like the others, and said."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "2025"
    for name, rows in (("2025", GOOD), ("старое", [school_row("s1", 2024, "ВПР", "Математика", 20, 9, 1)])):
        sheet = book[name] if name in book.sheetnames else book.create_sheet(name)
        sheet.append(SCHOOL_HEADER)
        for row in rows:
            sheet.append(row)
    book["старое"].sheet_state = "hidden"
    book.save(tmp_path / "results.xlsx")
    result = CliRunner().invoke(app, ["inspect", str(tmp_path / "results.xlsx")])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert said.count("лист скрыт в Excel, но прочитан") == 1
    assert said.index("старое") < said.index("лист скрыт в Excel")


def test_csv_lines_with_empty_cells_past_the_header_are_rows_like_the_others(tmp_path):
    """Excel and hand-made exports write a «;» too many at the end of some lines, or leave out an empty last cell:
    such lines are rows (a third of a region's pupils was once skipped for it); a line with more filled cells than
    the header is still left out and named."""
    pupils = "Год;Процедура;Предмет;Класс;Логин ОО;Код обучающегося;Балл;Отметка;Отметка по журналу\n"
    lines = [f"2025;ВПР;Математика;5;s1;{n};9;{2 + n % 4};{2 + n % 4}" for n in range(40)]
    (tmp_path / "ровный.csv").write_text(pupils + "\n".join(lines) + "\n", encoding="utf-8")
    ragged = [line + ";" if n % 3 == 0 else line.rsplit(";", 1)[0] if n % 3 == 1 else line
              for n, line in enumerate(lines)]
    ragged[6] += "лишнее"  # a line with a «;» too many, and a filled cell past the header
    (tmp_path / "рваный.csv").write_text(pupils + "\n".join(ragged) + "\n", encoding="utf-8")
    outputs = {}
    for name in ("ровный", "рваный"):
        result = CliRunner().invoke(app, ["identify", str(tmp_path / f"{name}.csv"), "--out", str(tmp_path / name),
                                          "--format", "none"])
        assert result.exit_code == 0, result.output
        outputs[name] = (tmp_path / name / "schools.csv").read_text(encoding="utf-8").splitlines()[1].split(",")
        said = " ".join(result.output.split())
    assert "строка 8: иное число ячеек, чем в заголовке (9) — не учтены" in said
    participants = outputs["рваный"][-3]
    assert participants == "39" and outputs["ровный"][-3] == "40"


def test_a_result_json_copied_among_the_data_does_not_hide_the_data(tmp_path):
    """An analyst keeps last year's result.json beside the files: the folder is still data, only the file is skipped
    (an output folder is one that holds no tables but shnor's own)."""
    data = tmp_path / "данные"
    (data / "2025").mkdir(parents=True)
    write_table(data / "2025" / "results.csv", SCHOOL_HEADER, GOOD)
    first = CliRunner().invoke(app, ["identify", str(data), "--out", str(tmp_path / "out"), "--format", "none"])
    assert first.exit_code == 0, first.output
    for place in (data, data / "2025"):
        (place / "result.json").write_bytes((tmp_path / "out" / "result.json").read_bytes())
    again = CliRunner().invoke(app, ["identify", str(data), "--out", str(tmp_path / "again"), "--format", "none"])
    assert again.exit_code == 0, again.output
    schools = (tmp_path / "again" / "schools.csv").read_text(encoding="utf-8")
    assert schools == (tmp_path / "out" / "schools.csv").read_text(encoding="utf-8")


def test_different_bad_cells_of_a_column_are_each_shown(tmp_path):
    rows = [list(r) for r in REGIONAL] + [["Город Чита", "МБОУ СОШ №3", 30, 1, 65.0]]
    rows[0][3], rows[1][3] = "#Н/Д", "12 %"
    regional_book(tmp_path, rows)
    result = CliRunner().invoke(app, ["identify", str(tmp_path / "ЕГЭ 2025.xlsx"), "--out", str(tmp_path / "out"),
                                      "--format", "none"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "«не преодолен min порог» не число участников или доля: «#Н/Д», «12 %» (строки 5, 6)" in said
