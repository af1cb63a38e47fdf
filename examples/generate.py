"""Generate the example region shipped in examples/: a small, realistic, entirely fictional region.

Three municipalities, 42 schools, two years (2024, 2025):
- ВПР per participant (grades 4–8), one CSV a year, Russian headers, `;`, UTF-8 with BOM — the way a regional
  centre exports them; the pupil's code and sex are in the file, as in real exports, and must never leak;
- ОГЭ and ЕГЭ per school, one XLSX with a sheet per exam and a title row above the header;
- the ВПР scales (scales.csv), the school registry and the list of the previous year (names only, spelled as in
  an order).

Deterministic: the same seed gives byte-identical files. Run: ``python examples/generate.py``.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).resolve().parent
SEED = 20251
YEARS = (2024, 2025)
MUNICIPALITIES = {
    "Северный городской округ": 18,
    "Заречный муниципальный район": 14,
    "Озёрский муниципальный округ": 10,
}
VPR_SUBJECTS = {
    4: ("Русский язык", "Математика", "Окружающий мир"),
    5: ("Русский язык", "Математика", "История", "Биология"),
    6: ("Русский язык", "Математика", "География", "Обществознание"),
    7: ("Русский язык", "Математика", "Физика", "Английский язык"),
    8: ("Русский язык", "Математика", "Химия", "История"),
}
OGE_SUBJECTS = ("Русский язык", "Математика", "Обществознание", "География", "Информатика")
EGE_SUBJECTS = ("Русский язык", "Математика (профильная)", "Обществознание", "Физика", "История")
TYPES = ("СОШ", "СОШ", "СОШ", "ООШ", "Лицей", "Гимназия")
MAX_SCORE = 19  # ВПР primary scores of the example: «3» from 7, «4» from 12, «5» from 16 (examples/scales.csv)


def make_schools(rng: random.Random) -> list[dict]:
    schools = []
    number = 0
    for m_index, (municipality, count) in enumerate(MUNICIPALITIES.items()):
        for k in range(1, count + 1):
            number += 1
            kind = rng.choice(TYPES)
            rural = m_index > 0 and rng.random() < 0.6
            size = rng.choice((4, 6, 10, 18, 25, 28)) if kind != "ООШ" else rng.choice((3, 5, 7))
            if kind in ("Лицей", "Гимназия"):
                weakness = rng.uniform(-0.12, -0.04)
                size = max(size, 20)
            else:
                weakness = rng.choice((-0.05, 0.0, 0.02, 0.05, 0.08, 0.15, 0.22))
            place = "с. " + rng.choice(("Ключи", "Берёзовка", "Каменка", "Сосновка", "Ивановка")) if rural else ""
            name = f"МБОУ «{kind} № {k}»" + (f" {place}" if place else "")
            schools.append(
                {
                    "school_id": f"sch{770000 + number * 7:06d}",
                    "school_name": name,
                    "municipality": municipality,
                    "type": kind,
                    "size": size,
                    "weakness": weakness,
                    "senior": kind != "ООШ",
                }
            )
    # Two schools whose ВПР shows signs of non-objective marking, so that the documents have something to show.
    ordinary = sorted((s for s in schools if s["type"] == "СОШ"), key=lambda s: (-s["size"], s["school_id"]))
    ordinary[0]["pulls_up"] = True
    ordinary[1]["journal_inverse"] = True
    # A primary school with a handful of pupils (too few for conclusions) and a new school with no results yet.
    schools.append(
        {"school_id": "sch779001", "school_name": "МБОУ «НОШ № 15» с. Каменка",
         "municipality": "Заречный муниципальный район",
         "type": "НОШ", "size": 2, "weakness": 0.1, "senior": False, "grades": (4,)}
    )
    schools.append(
        {"school_id": "sch779002", "school_name": "МАОУ «СОШ № 20»", "municipality": "Северный городской округ",
         "type": "СОШ", "size": 0, "weakness": 0.0, "senior": False, "grades": ()}
    )
    return schools


def mark(rng: random.Random, weakness: float, difficulty: float) -> int:
    p2 = min(max(0.10 + weakness * 1.6 + difficulty, 0.0), 0.9)
    p5 = min(max(0.14 - weakness * 0.8 - difficulty / 2, 0.01), 0.5)
    p4 = min(max(0.36 - weakness * 1.2, 0.05), 0.6)
    u = rng.random()
    if u < p2:
        return 2
    if u < p2 + p5:
        return 5
    if u < p2 + p5 + p4:
        return 4
    return 3


def write_vpr(rng: random.Random, schools: list[dict], year: int) -> None:
    path = HERE / "region" / f"vpr_{year}.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(
            ["Год", "Процедура", "Предмет", "Класс", "Логин ОО", "Код обучающегося", "Пол", "Балл", "Отметка",
             "Отметка по журналу"]
        )
        pupil = 0
        for school in schools:
            drift = rng.uniform(-0.03, 0.03)
            for grade, subjects in VPR_SUBJECTS.items():
                if grade not in school.get("grades", VPR_SUBJECTS):
                    continue
                pupils = max(1, school["size"] + rng.randint(-3, 3)) if school["size"] > 2 else school["size"]
                for subject in subjects:
                    difficulty = 0.04 if subject == "Математика" else (0.02 if subject == "Физика" else 0.0)
                    for _ in range(pupils):
                        pupil += 1
                        centre = 12.0 - 14 * (school["weakness"] + drift) - 20 * difficulty
                        score = min(MAX_SCORE, max(0, round(rng.gauss(centre, 3.6))))
                        if school.get("pulls_up") and score in (5, 6):
                            score = 7  # marking pulled up to the «3» boundary: the peak the ФИОКО guidance looks for
                        value = 5 if score >= 16 else 4 if score >= 12 else 3 if score >= 7 else 2
                        journal = min(5, max(2, value + rng.choice((0, 0, 0, 1, 1, -1))))
                        if school.get("journal_inverse"):
                            journal = 7 - value  # journal marks that contradict the paper
                        writer.writerow(
                            [year, "ВПР", subject, grade, school["school_id"], f"{year % 100}{pupil:06d}",
                             rng.choice("МЖ"), score, value, journal]
                        )


def exam_rows(rng: random.Random, schools: list[dict], year: int, exam: str) -> list[list]:
    rows = []
    subjects = OGE_SUBJECTS if exam == "ОГЭ" else EGE_SUBJECTS
    for school in schools:
        if school.get("grades") is not None or (exam == "ЕГЭ" and not school["senior"]):
            continue
        cohort = max(2, school["size"] + rng.randint(-4, 4)) if exam == "ОГЭ" else max(2, school["size"] // 2)
        for subject in subjects:
            core = ("Русский язык", "Математика", "Математика (профильная)")
            chosen = cohort if subject in core else max(1, cohort // 3)
            marks = [mark(rng, school["weakness"], 0.03 if "Математика" in subject else 0.0) for _ in range(chosen)]
            if exam == "ОГЭ":
                rows.append([year, exam, subject, 9, school["school_id"], school["school_name"], school["municipality"],
                             chosen, marks.count(2), marks.count(3), marks.count(4), marks.count(5), None, None, None])
            else:
                below = marks.count(2)
                high = marks.count(5)
                mean = round(sum({2: 20, 3: 52, 4: 68, 5: 86}[m] for m in marks) / chosen, 1)
                rows.append([year, exam, subject, 11, school["school_id"], school["school_name"],
                             school["municipality"], chosen, None, None, None, None, below, high, mean])
    return rows


def write_exams(rng: random.Random, schools: list[dict]) -> None:
    path = HERE / "region" / "oge_ege_2024_2025.xlsx"
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    workbook.set_properties({"created": __import__("datetime").datetime(2025, 9, 1)})
    bold = workbook.add_format({"bold": True})
    header = ["Год", "Процедура", "Предмет", "Класс", "Логин ОО", "Наименование ОО", "Муниципалитет",
              "Количество участников", "2", "3", "4", "5", "Не преодолели минимальный порог", "Высокие результаты",
              "Средний балл"]
    for exam in ("ОГЭ", "ЕГЭ"):
        sheet = workbook.add_worksheet(exam)
        sheet.write(0, 0, f"Результаты {exam} по образовательным организациям, 2024–2025 гг.", bold)
        sheet.write_row(2, 0, header, bold)
        rows = [row for year in YEARS for row in exam_rows(rng, schools, year, exam)]
        for r, row in enumerate(rows, start=3):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
        sheet.write(3 + len(rows), 5, "Итого по региону", bold)
    workbook.close()


def write_scales() -> None:
    """The ВПР scales of the example region: the same for every subject and grade (max 19; «3» from 7, «4» from 12,
    «5» from 16), as the participant scores above were drawn."""
    with (HERE / "scales.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["year", "assessment", "subject", "grade", "max_score", "mark3", "mark4", "mark5"])
        for year in YEARS:
            for grade, subjects in VPR_SUBJECTS.items():
                for subject in subjects:
                    writer.writerow([year, "ВПР", subject, grade, 19, 7, 12, 16])


def write_context(rng: random.Random, schools: list[dict]) -> None:
    """The context form of the example region: settlement, pupils, distance, teacher shortage, special needs."""
    with (HERE / "context.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Логин ОО", "Тип населённого пункта", "Численность обучающихся",
                         "Удалённость от районного центра, км", "Дефицит педагогов", "Доля обучающихся с ОВЗ"])
        for school in schools:
            village = " с. " in school["school_name"]
            writer.writerow([school["school_id"], "село" if village else "город", school["size"] * 11 + 20,
                             rng.randint(20, 120) if village else rng.randint(0, 15),
                             f"{rng.choice((0, 0, 0, 0, 0.03, 0.05, 0.08, 0.12)):.2f}".replace(".", ","),
                             f"{rng.uniform(0.01, 0.17):.2f}".replace(".", ",")])


def write_registry(schools: list[dict]) -> None:
    with (HERE / "registry.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["school_id", "school_name", "municipality", "type"])
        for school in schools:
            writer.writerow([school["school_id"], school["school_name"], school["municipality"], school["type"]])


def write_history(schools: list[dict]) -> None:
    """Last year's order appendix: names only, spelled the way an order spells them."""
    weakest = sorted(schools, key=lambda s: -s["weakness"])[:6]
    with (HERE / "history_2024.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["№ п/п", "Муниципалитет", "Наименование ОО"])
        for number, school in enumerate(weakest, start=1):
            spelled = school["school_name"].replace("«", '"').replace("»", '"').replace("№ ", "№").upper()
            writer.writerow([number, school["municipality"], spelled])
        writer.writerow([len(weakest) + 1, "Северный городской округ", "МБОУ «СОШ № 99»"])  # closed since: reported


def main() -> None:
    rng = random.Random(SEED)
    (HERE / "region").mkdir(exist_ok=True)
    schools = make_schools(rng)
    for year in YEARS:
        write_vpr(rng, schools, year)
    write_exams(rng, schools)
    write_scales()
    write_context(random.Random(SEED + 1), schools)
    write_registry(schools)
    write_history(schools)


if __name__ == "__main__":
    main()
