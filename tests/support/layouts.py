"""A generator of realistic input files in each layout shnor reads, all from one truth: school-level counts.

Every writer takes the same ``Region`` and writes it the way one kind of real file looks, so that tests can
check that each layout ends in the same cube as the tidy form of the same data.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

import xlsxwriter

EGE_SUBJECTS = ("Русский язык", "Математика (профильная)", "Физика", "Обществознание")
OGE_SUBJECTS = ("Русский язык", "Математика", "Обществознание", "География")
MUNICIPALITIES = ("Город Северск", "Заречный район", "Озёрский муниципальный округ")


@dataclass
class School:
    municipality: str
    name: str
    login: str = ""


@dataclass
class Region:
    """ЕГЭ (participants, below_min, band counts 61–80 / 81–100 with 80 scored separately) and ОГЭ (marks)."""

    schools: list[School]
    ege: dict[tuple[int, str, int], dict[str, int]] = field(default_factory=dict)  # (year, subject, school) → counts
    oge: dict[tuple[int, str, int], dict[str, int]] = field(default_factory=dict)
    years: tuple[int, ...] = (2023, 2024)


def make_region(seed: int = 7, schools_per_municipality: int = 4) -> Region:
    rng = random.Random(seed)
    schools = [
        School(m, f'МБОУ "СОШ № {k}"' if k % 3 else f'МАОУ "Лицей № {k}"')
        for m in MUNICIPALITIES
        for k in range(1, schools_per_municipality + 1)
    ]
    for number, school in enumerate(schools):
        school.login = f"sch{500001 + number}"
    region = Region(schools)
    for year in region.years:
        for index, _ in enumerate(schools):
            for subject in EGE_SUBJECTS:
                if rng.random() < 0.15 and subject not in ("Русский язык",):
                    continue  # nobody took it
                n = rng.randint(1, 40)
                below = rng.randint(0, n // 4)
                band_61 = rng.randint(0, (n - below) // 2)
                score_80 = rng.randint(0, (n - below - band_61) // 4)
                high = rng.randint(0, (n - below - band_61 - score_80) // 2)
                region.ege[(year, subject, index)] = {
                    "participants": n, "below_min": below, "band_61_79": band_61, "score_80": score_80, "high": high,
                }
            for subject in OGE_SUBJECTS:
                n = rng.randint(2, 50)
                n2 = rng.randint(0, n // 3)
                n5 = rng.randint(0, (n - n2) // 3)
                n4 = rng.randint(0, n - n2 - n5)
                region.oge[(year, subject, index)] = {"participants": n, "n2": n2, "n3": n - n2 - n4 - n5, "n4": n4,
                                                      "n5": n5}
    return region


def write_tidy(region: Region, path: Path) -> Path:
    """The canonical school-level table of the same data (ЕГЭ high from 81)."""
    header = ["year", "assessment", "subject", "grade", "school_name", "municipality",
              "participants", "n2", "n3", "n4", "n5", "below_min", "high"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for (year, subject, index), c in sorted(region.ege.items()):
            school = region.schools[index]
            writer.writerow([year, "ЕГЭ", subject, 11, school.name, school.municipality, c["participants"],
                             "", "", "", "", c["below_min"], c["high"]])
        for (year, subject, index), c in sorted(region.oge.items()):
            school = region.schools[index]
            writer.writerow([year, "ОГЭ", subject, 9, school.name, school.municipality, c["participants"],
                             c["n2"], c["n3"], c["n4"], c["n5"], "", ""])
    return path


@dataclass(frozen=True)
class RegionalVariant:
    """How one regional table differs from another (each flag is a real file seen in the field)."""

    title_rows: bool = True
    blocks: bool = False  # municipality subtotal rows above its schools instead of a municipality column
    percent: bool = False  # counts as percentages of participants
    bands_80: bool = False  # bands 80–99 / 100 instead of 61–80 / 81–100
    numbering_row: bool = False  # a row of column numbers under the header
    three_levels: bool = False  # «из них» above the subject row
    registrations_sheet: bool = False
    upper_case_headers: bool = False


def _ege_metrics(variant: RegionalVariant) -> list[str]:
    unit = ", %" if variant.percent else ""
    bands = ["80-99 баллов", "100 баллов"] if variant.bands_80 else ["61-80 баллов", "81-100 баллов"]
    return ["приняли участие", f"не преодолели мин. порог{unit}", *(b + unit for b in bands), "средний балл"]


def _ege_values(c: dict[str, int], variant: RegionalVariant) -> list:
    if variant.bands_80:
        # 80–99 holds the score-80 pupils and the high band except perfect scores (none generated): 80 + high.
        values = [c["below_min"], c["score_80"] + c["high"], 0]
    else:
        values = [c["below_min"], c["band_61_79"] + c["score_80"], c["high"]]
    if variant.percent:
        values = [f"{v / c['participants'] * 100:.2f}".replace(".", ",") + "%" for v in values]
    return [c["participants"], *values, "55,5"]


def write_regional_ege(region: Region, path: Path, year: int, variant: RegionalVariant = RegionalVariant()) -> Path:
    book = xlsxwriter.Workbook(str(path))
    if variant.registrations_sheet:
        sheet = book.add_worksheet(f"{year + 1}")
        sheet.write(1, 0, f"Информация о поданных выпускниками школ {year + 1} года заявлениях на участие в ЕГЭ")
        sheet.write_row(5, 0, ["Муниципальное образование", "Образовательная организация (школа)", "Всего, чел."])
        sheet.write_row(6, 3, [f"{s}, чел." for s in EGE_SUBJECTS])
        sheet.write_row(7, 0, ["Заречный район", 'МБОУ "СОШ № 1"', 10, 10, 5, 2, 3])
    sheet = book.add_worksheet(str(year))
    row = 0
    if variant.title_rows:
        sheet.write(1, 0, f"Информация о результатах ЕГЭ выпускников школ в {year} году")
        sheet.write(3, 0, "Учебная область\n______________")
        row = 5
    fixed = ["Муниципальное образование", "Образовательная организация (школа)"]
    metrics = _ege_metrics(variant)
    case = str.upper if variant.upper_case_headers else (lambda text: text)
    sheet.write_row(row, 0, [case(f) for f in fixed])
    if variant.three_levels:
        sheet.write(row, len(fixed), "из них")
        row += 1
    for k, subject in enumerate(EGE_SUBJECTS):
        sheet.merge_range(row, len(fixed) + k * 5, row, len(fixed) + k * 5 + 4,
                          case(subject + (", чел." if variant.three_levels else "")))
    row += 1
    for k, _ in enumerate(EGE_SUBJECTS):
        sheet.write_row(row, len(fixed) + k * 5, [case(m) for m in metrics])
    row += 1
    if variant.numbering_row:
        sheet.write_row(row, 0, [str(i) for i in range(1, len(fixed) + 5 * len(EGE_SUBJECTS) + 1)])
        row += 1
    sheet.write_row(row, 0, ["ВСЕГО по региону"])
    row += 1
    for municipality in MUNICIPALITIES:
        members = [i for i, s in enumerate(region.schools) if s.municipality == municipality]
        if variant.blocks:
            # the subtotal row: the municipality and its sums, no school; the schools below leave the column blank
            subtotal = [municipality, None]
            for subject in EGE_SUBJECTS:
                total = sum(region.ege.get((year, subject, i), {}).get("participants", 0) for i in members)
                subtotal += [total, None, None, None, None]
            sheet.write_row(row, 0, subtotal)
            row += 1
        for index in members:
            school = region.schools[index]
            cells = [None if variant.blocks else municipality, school.name]
            for subject in EGE_SUBJECTS:
                counts = region.ege.get((year, subject, index))
                cells += _ege_values(counts, variant) if counts else ["", "", "", "", ""]
            sheet.write_row(row, 0, cells)
            row += 1
    book.close()
    return path


def write_regional_oge_csv(region: Region, path: Path, year: int) -> Path:
    """ОГЭ by school as a regional centre exports it: cp1251, «;», a title line, two header rows, marks in %."""
    with path.open("w", encoding="cp1251", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow([f"Результаты ОГЭ {year} года по образовательным организациям"])
        writer.writerow([])
        top = ["АТЕ", "Наименование ОО"]
        second = ["", ""]
        for subject in OGE_SUBJECTS:
            top += [subject, "", "", "", ""]
            second += ["Кол-во участников", "«2», %", "«3», %", "«4», %", "«5», %"]
        writer.writerow(top)
        writer.writerow(second)
        for index, school in enumerate(region.schools):
            cells = [school.municipality, school.name]
            for subject in OGE_SUBJECTS:
                c = region.oge[(year, subject, index)]
                cells.append(c["participants"])
                cells += [f"{c[m] / c['participants'] * 100:.2f}".replace(".", ",") for m in ("n2", "n3", "n4", "n5")]
            writer.writerow(cells)
        writer.writerow(["Итого", ""] + [""] * 5 * len(OGE_SUBJECTS))
    return path


# --- ФИС ОКО per-participant ВПР files, ОГЭ participants, scales, registry, history ------------------------

# (year, subject, grade) → (max, lowest score for «3», «4», «5»): a user's --scales file gives these.
VPR_SCALES = {
    (2024, "Математика", 4): (20, 6, 10, 15),
    (2024, "Русский язык", 4): (38, 14, 24, 33),
    (2024, "Математика", 5): (20, 7, 11, 15),
    (2023, "Математика", 4): (20, 6, 10, 14),
}
OGE_USER_SCALE = (2024, "Обществознание", (37, 14, 24, 32))
SHIPPED_OGE = {"Русский язык": (33, 15, 23, 29), "Математика": (31, 8, 15, 22)}  # 2023–2025, shipped with shnor
DATIVE = {"Математика": "математике", "Русский язык": "русскому языку"}


def mark_of(score: int, scale: tuple[int, int, int, int]) -> int:
    _, m3, m4, m5 = scale
    return 5 if score >= m5 else 4 if score >= m4 else 3 if score >= m3 else 2


def make_pupils(region: Region, seed: int = 11) -> dict[tuple[int, str, int, int], list[tuple[int, int | None]]]:
    """(year, subject, grade, school index) → [(primary score, journal mark)] for the ВПР procedures above."""
    rng = random.Random(seed)
    pupils = {}
    for (year, subject, grade), scale in VPR_SCALES.items():
        for index, _ in enumerate(region.schools):
            weak = 0.25 if index % 4 == 1 else 0.0
            pupils[(year, subject, grade, index)] = [
                (max(0, min(scale[0], round(rng.gauss(scale[0] * (0.55 - weak), scale[0] * 0.2)))),
                 rng.choice((2, 3, 4, 5, None)))
                for _ in range(rng.randint(3, 30))
            ]
    return pupils


def write_fisoko_students(region: Region, pupils: dict, folder: Path, year: int, subject: str, grade: int,
                          title_row: bool = False) -> Path:
    """One ФИС ОКО file: the subject, grade and year in its name (or in a title row above the header)."""
    name = (f"vpr_{year}_{grade}_{len(subject)}.xlsx" if title_row
            else f"Проведение работы по {DATIVE[subject]}, {grade} класс. ВПР {year}.xlsx")
    path = folder / name
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Лист1")
    row = 0
    if title_row:
        sheet.write(0, 0, f"ВПР {year}. {subject}. {grade} класс")
        row = 2
    sheet.write_row(row, 0, ["логин школы", "регион", "номер обучающегося", "код обучающегося",
                             "отметка за предыдущую четверть/триместр", "пол", "класс", "вариант", "всего баллов",
                             "балл за 1", "балл за 2"])
    number = 0
    for index, school in enumerate(region.schools):
        for score, journal in pupils[(year, subject, grade, index)]:
            number += 1
            row += 1
            sheet.write_row(row, 0, [school.login, "75", number, f"P{year}{number:05d}", journal if journal else "",
                                     "МЖ"[number % 2], f"{grade}а", 1 + number % 2, score, score // 2,
                                     score - score // 2])
    book.close()
    return path


def write_scales(path: Path) -> Path:
    with path.open("w", encoding="cp1251", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Год", "Процедура", "Предмет", "Класс", "Максимальный балл", "«3»", "«4»", "«5»"])
        for (year, subject, grade), (top, m3, m4, m5) in VPR_SCALES.items():
            writer.writerow([year, "ВПР", subject, grade, top, m3, m4, m5])
        year, subject, (top, m3, m4, m5) = OGE_USER_SCALE
        writer.writerow([year, "ОГЭ", subject, 9, top, m3, m4, m5])
    return path


def _scores_for(rng: random.Random, counts: dict[str, int], scale: tuple[int, int, int, int]) -> list[int]:
    top, m3, m4, m5 = scale
    ranges = {"n2": (0, m3 - 1), "n3": (m3, m4 - 1), "n4": (m4, m5 - 1), "n5": (m5, top)}
    return [rng.randint(*ranges[m]) for m in ("n2", "n3", "n4", "n5") for _ in range(counts[m])]


def oge_scale(year: int, subject: str) -> tuple[int, int, int, int] | None:
    if subject in SHIPPED_OGE:
        return SHIPPED_OGE[subject]
    return OGE_USER_SCALE[2] if (year, subject) == OGE_USER_SCALE[:2] else None


def write_oge_participants(region: Region, path: Path, seed: int = 5) -> Path:
    """ОГЭ per participant as a regional centre exports it: cp1251, «;», Russian headers, primary score only."""
    rng = random.Random(seed)
    with path.open("w", encoding="cp1251", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Год", "Экзамен", "Предмет", "Логин ОО", "Код участника", "Пол", "Первичный балл"])
        for (year, subject, index), counts in sorted(region.oge.items()):
            scale = oge_scale(year, subject)
            if scale is None:
                continue
            for k, score in enumerate(_scores_for(rng, counts, scale)):
                writer.writerow([year, "ОГЭ", subject, region.schools[index].login, f"O{index:03d}{k:03d}", "МЖ"[k % 2],
                                 score])
    return path


def write_registry(region: Region, path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Логин ОО", "Наименование ОО", "Муниципалитет", "Тип"])
        for school in region.schools:
            writer.writerow([school.login, school.name.replace('"', "«", 1).replace('"', "»", 1), school.municipality,
                             "СОШ"])
    return path


def write_history_names(region: Region, path: Path, indices: list[int]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["№ п/п", "АТЕ", "Наименование ОО"])
        for number, index in enumerate(indices, start=1):
            school = region.schools[index]
            writer.writerow([number, school.municipality.upper(), school.name.replace(" № ", " №")])
    return path


def write_tidy_with_logins(region: Region, pupils: dict, path: Path) -> Path:
    """The whole truth as one canonical school-level table with logins: what every other layout must equal."""
    header = ["school_id", "year", "assessment", "subject", "grade", "participants", "n2", "n3", "n4", "n5",
              "below_min", "high"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for (year, subject, grade, index), rows in sorted(pupils.items()):
            marks = [mark_of(score, VPR_SCALES[(year, subject, grade)]) for score, _ in rows]
            writer.writerow([region.schools[index].login, year, "ВПР", subject, grade, len(marks),
                             *(marks.count(m) for m in (2, 3, 4, 5)), "", ""])
        for (year, subject, index), c in sorted(region.oge.items()):
            if oge_scale(year, subject) is not None:
                writer.writerow([region.schools[index].login, year, "ОГЭ", subject, 9, c["participants"],
                                 c["n2"], c["n3"], c["n4"], c["n5"], "", ""])
        for (year, subject, index), c in sorted(region.ege.items()):
            writer.writerow([region.schools[index].login, year, "ЕГЭ", subject, 11, c["participants"],
                             "", "", "", "", c["below_min"], c["high"]])
    return path
