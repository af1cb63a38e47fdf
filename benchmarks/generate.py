"""Large, realistic, deterministic inputs for the benchmarks of issue 6.

    python benchmarks/generate.py region-xlsx --rows 1000000 --schools 1000 --out /tmp/shnor-bench/region
    python benchmarks/generate.py region-csv  --rows 1000000 --schools 1000 --out /tmp/shnor-bench/region
    python benchmarks/generate.py country     --rows 20000000 --schools 40000 --out /tmp/shnor-bench/country
    python benchmarks/generate.py cube        --schools 40000 --out /tmp/shnor-bench/cube

Every set is a function of ``--seed`` and the size options only: the same command writes the same rows
(the xlsx files differ only in the creation date xlsxwriter stamps into them). Rows are drawn with numpy
per procedure (region) or per block of schools (country), so memory stays bounded by one block.

The region's ФИС ОКО xlsx files and its tidy CSV hold the same participants (same seed, same draw), so
``shnor identify`` must give the same list from either.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing import Pool
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

VPR, OGE, EGE = "ВПР", "ОГЭ", "ЕГЭ"
DEFAULT_ROOT = Path("/tmp/shnor-bench")
TIDY_COLUMNS = ["year", "assessment", "subject", "grade", "school_id", "score", "mark", "journal_mark"]
SCALE_COLUMNS = ["year", "assessment", "subject", "grade", "max_score", "mark3", "mark4", "mark5"]
FISOKO_HEADER = [
    "логин школы", "регион", "номер обучающегося", "код обучающегося", "отметка за предыдущую четверть/триместр",
    "пол", "класс", "вариант", "всего баллов", "балл за 1", "балл за 2", "балл за 3",
]
DATIVE = {
    "Русский язык": "русскому языку", "Математика": "математике", "Окружающий мир": "окружающему миру",
    "История": "истории", "Биология": "биологии", "География": "географии", "Обществознание": "обществознанию",
    "Физика": "физике", "Химия": "химии",
}


@dataclass(frozen=True)
class Procedure:
    """One оценочная процедура: who writes it (share of the grade's cohort) and its scale."""

    assessment: str
    subject: str
    grade: int
    share: float  # share of the cohort that writes it (electives < 1)
    max_score: int
    mark3: int
    mark4: int
    mark5: int
    marked: bool = True  # ЕГЭ (except base maths) has a test score and no mark

    def scale_row(self, year: int) -> list:
        return [year, self.assessment, self.subject, self.grade, self.max_score, self.mark3, self.mark4, self.mark5]


# ВПР as a region writes it in spring: core subjects for everyone, electives for part of a class.
VPR_PROCEDURES = (
    Procedure(VPR, "Русский язык", 4, 0.96, 38, 14, 24, 33),
    Procedure(VPR, "Математика", 4, 0.96, 20, 6, 10, 15),
    Procedure(VPR, "Окружающий мир", 4, 0.95, 32, 8, 18, 26),
    Procedure(VPR, "Русский язык", 5, 0.96, 45, 18, 29, 39),
    Procedure(VPR, "Математика", 5, 0.96, 20, 7, 11, 15),
    Procedure(VPR, "История", 5, 0.5, 15, 4, 8, 12),
    Procedure(VPR, "Биология", 5, 0.5, 29, 12, 18, 24),
    Procedure(VPR, "Русский язык", 6, 0.96, 53, 25, 34, 45),
    Procedure(VPR, "Математика", 6, 0.96, 20, 6, 10, 14),
    Procedure(VPR, "История", 6, 0.5, 20, 6, 11, 16),
    Procedure(VPR, "География", 6, 0.5, 37, 10, 20, 29),
    Procedure(VPR, "Русский язык", 7, 0.96, 47, 20, 30, 40),
    Procedure(VPR, "Математика", 7, 0.96, 19, 6, 10, 14),
    Procedure(VPR, "Обществознание", 7, 0.5, 23, 10, 15, 20),
    Procedure(VPR, "Физика", 7, 0.5, 18, 5, 8, 12),
    Procedure(VPR, "Русский язык", 8, 0.96, 51, 23, 34, 44),
    Procedure(VPR, "Математика", 8, 0.96, 25, 7, 12, 19),
    Procedure(VPR, "Химия", 8, 0.5, 36, 10, 19, 28),
    Procedure(VPR, "Биология", 8, 0.5, 35, 13, 21, 29),
    Procedure(VPR, "История", 10, 0.5, 21, 6, 11, 16),
)
OGE_PROCEDURES = (
    Procedure(OGE, "Русский язык", 9, 0.98, 33, 15, 23, 29),
    Procedure(OGE, "Математика", 9, 0.98, 31, 8, 15, 22),
    Procedure(OGE, "Обществознание", 9, 0.6, 37, 14, 24, 32),
    Procedure(OGE, "Физика", 9, 0.2, 45, 11, 23, 35),
    Procedure(OGE, "История", 9, 0.15, 37, 11, 21, 30),
    Procedure(OGE, "География", 9, 0.45, 31, 12, 19, 26),
)
# ЕГЭ: a test score 0..100 against the shipped minimum; base maths is marked 2..5 on a 21-point scale.
EGE_PROCEDURES = (
    Procedure(EGE, "Русский язык", 11, 0.99, 100, 24, 61, 81, marked=False),
    Procedure(EGE, "Математика (профильная)", 11, 0.5, 100, 27, 61, 81, marked=False),
    Procedure(EGE, "Математика (базовая)", 11, 0.5, 21, 7, 12, 17),
    Procedure(EGE, "Обществознание", 11, 0.45, 100, 42, 61, 81, marked=False),
    Procedure(EGE, "Физика", 11, 0.2, 100, 36, 61, 81, marked=False),
)
COUNTRY_PROCEDURES = VPR_PROCEDURES + OGE_PROCEDURES + EGE_PROCEDURES


# --- schools and participants ------------------------------------------------------------------------


@dataclass(frozen=True)
class Schools:
    """Logins, cohort size per grade (a lognormal: many small rural schools, a few large city ones) and a
    school effect on scores (a tenth of the schools are clearly weaker)."""

    logins: np.ndarray
    cohort: np.ndarray  # mean number of pupils in one grade
    effect: np.ndarray


def make_schools(count: int, mean_cohort: float, seed: int, first_login: int = 100001) -> Schools:
    rng = np.random.default_rng([seed, 1])
    sigma = 0.8
    cohort = rng.lognormal(np.log(mean_cohort) - sigma**2 / 2, sigma, count)
    effect = rng.normal(0.0, 0.08, count) - 0.18 * (rng.random(count) < 0.1)
    logins = np.array([f"sch{first_login + i:06d}" for i in range(count)], dtype=object)
    return Schools(logins, np.maximum(cohort, 1.0), effect)


def rows_per_pupil(procedures: tuple[Procedure, ...]) -> float:
    """Expected participant rows per pupil of one grade of one school (grade cohorts are about equal)."""
    return sum(p.share for p in procedures)


def mean_cohort_for(rows: int, schools: int, procedures: tuple[Procedure, ...]) -> float:
    return rows / (schools * rows_per_pupil(procedures))


@dataclass(frozen=True)
class Participants:
    """One procedure's participants (school index, score, mark, journal mark; -1 = missing), sorted by school."""

    school: np.ndarray
    score: np.ndarray
    mark: np.ndarray
    journal: np.ndarray

    def __len__(self) -> int:
        return len(self.school)


def draw_participants(
    schools: Schools, chosen: np.ndarray, procedure: Procedure, rng: np.random.Generator, marks_only: bool = False
) -> Participants:
    """Participants of the schools ``chosen`` in one procedure. Scores are binomial around the school's level;
    the journal mark follows the pupil's level with noise and a little inflation, as in real classes. With
    ``marks_only`` a marked procedure keeps its mark alone (no score, no journal mark), as the ОГЭ/ВПР summaries of
    many regions come; ЕГЭ keeps its test score, which is its only result."""
    counts = rng.binomial(np.rint(schools.cohort[chosen]).astype(np.int64), procedure.share)
    school = np.repeat(chosen, counts)
    ability = 0.58 + schools.effect[school] + rng.normal(0.0, 0.17, len(school))
    score = rng.binomial(procedure.max_score, np.clip(ability, 0.02, 0.98)).astype(np.int64)
    mark = marks_of(score, procedure)
    journal_level = ability + rng.normal(0.06, 0.12, len(school))
    journal = np.clip(np.rint(2.2 + journal_level * 3.2), 2, 5).astype(np.int64)
    journal[rng.random(len(school)) < 0.03] = -1
    if not procedure.marked:
        mark = np.full(len(school), -1, dtype=np.int64)
    if procedure.assessment != VPR or marks_only:
        journal = np.full(len(school), -1, dtype=np.int64)
    if marks_only and procedure.marked:
        score = np.full(len(school), -1, dtype=np.int64)
    return Participants(school, score, mark, journal)


def marks_of(score: np.ndarray, procedure: Procedure) -> np.ndarray:
    return np.select(
        [score >= procedure.mark5, score >= procedure.mark4, score >= procedure.mark3], [5, 4, 3], default=2
    ).astype(np.int64)


def procedure_rng(seed: int, year: int, number: int) -> np.random.Generator:
    return np.random.default_rng([seed, year, number])


# --- region: ФИС ОКО xlsx, one file per subject and grade ---------------------------------------------


def fisoko_name(procedure: Procedure, year: int) -> str:
    return f"Проведение работы по {DATIVE[procedure.subject]}, {procedure.grade} класс. ВПР {year}.xlsx"


def region_participants(args: argparse.Namespace, year: int, number: int) -> tuple[Schools, Participants]:
    mean = mean_cohort_for(args.rows // len(args.years), args.schools, VPR_PROCEDURES)
    schools = make_schools(args.schools, mean, args.seed)
    chosen = np.arange(args.schools)
    return schools, draw_participants(schools, chosen, VPR_PROCEDURES[number], procedure_rng(args.seed, year, number))


def write_fisoko_file(job: tuple[argparse.Namespace, Path, int, int]) -> tuple[str, int]:
    """One ФИС ОКО per-participant file, written row by row in xlsxwriter's constant-memory mode."""
    import xlsxwriter

    args, folder, year, number = job
    procedure = VPR_PROCEDURES[number]
    schools, pupils = region_participants(args, year, number)
    path = folder / fisoko_name(procedure, year)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Лист1")
    sheet.write_row(0, 0, FISOKO_HEADER)
    thirds = pupils.score // 3
    letters = "АБВГ"
    for row, (school, score, journal, third) in enumerate(
        zip(pupils.school.tolist(), pupils.score.tolist(), pupils.journal.tolist(), thirds.tolist()), start=1
    ):
        sheet.write_row(row, 0, (
            schools.logins[school], args.region_code, row, 10_000_000 + year % 100 * 100_000 + row,
            journal if journal > 0 else "", "МЖ"[row % 2], f"{procedure.grade}{letters[row % 3]}", 1 + row % 2,
            score, third, third, score - 2 * third,
        ))
    book.close()
    return path.name, len(pupils)


def write_scales(procedures: tuple[Procedure, ...], years: list[int], path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(SCALE_COLUMNS)
        for year in years:
            for procedure in procedures:
                if procedure.marked and procedure.assessment == VPR:
                    writer.writerow(procedure.scale_row(year))
    return path


def generate_region_xlsx(args: argparse.Namespace) -> None:
    folder = Path(args.out) / "xlsx"
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(args, folder, year, number) for year in args.years for number in range(len(VPR_PROCEDURES))]
    with Pool(args.jobs) as pool:
        written = pool.map(write_fisoko_file, jobs, chunksize=1)
    scales = write_scales(VPR_PROCEDURES, args.years, folder.parent / "scales.csv")
    total = sum(rows for _, rows in written)
    print(f"region xlsx: {len(written)} files, {total:,} rows, {args.schools} schools → {folder}; scales {scales}")


# --- tidy student-level tables (region CSV, country CSV + Parquet) ------------------------------------

TIDY_SCHEMA = pa.schema([
    ("year", pa.int16()), ("assessment", pa.string()), ("subject", pa.string()), ("grade", pa.int8()),
    ("school_id", pa.string()), ("score", pa.int16()), ("mark", pa.int8()), ("journal_mark", pa.int8()),
])


def tidy_table(schools: Schools, pupils: Participants, procedure: Procedure, year: int) -> pa.Table:
    n = len(pupils)
    return pa.table(
        {
            "year": pa.array(np.full(n, year, dtype=np.int16)),
            "assessment": pa.array([procedure.assessment] * n, pa.string()),
            "subject": pa.array([procedure.subject] * n, pa.string()),
            "grade": pa.array(np.full(n, procedure.grade, dtype=np.int8)),
            "school_id": pa.array(schools.logins[pupils.school], pa.string()),
            "score": pa.array(pupils.score.astype(np.int16), mask=pupils.score < 0),
            "mark": pa.array(pupils.mark.astype(np.int8), mask=pupils.mark < 0),
            "journal_mark": pa.array(pupils.journal.astype(np.int8), mask=pupils.journal < 0),
        },
        schema=TIDY_SCHEMA,
    )


class TidyWriters:
    """The same chunks to any of: UTF-8 CSV «,», cp1251 CSV «;», Parquet (one row group per chunk)."""

    def __init__(self, csv_utf8: Path | None = None, csv_cp1251: Path | None = None, parquet: Path | None = None):
        self.paths = [p for p in (csv_utf8, csv_cp1251, parquet) if p]
        self._utf8 = pacsv.CSVWriter(str(csv_utf8), TIDY_SCHEMA, write_options=_csv_options(",")) if csv_utf8 else None
        self._cp1251 = csv_cp1251.open("wb") if csv_cp1251 else None
        self._cp1251_header = True
        self._parquet = pq.ParquetWriter(str(parquet), TIDY_SCHEMA, compression="snappy") if parquet else None
        self.rows = 0

    def write(self, table: pa.Table) -> None:
        self.rows += table.num_rows
        if self._utf8:
            self._utf8.write_table(table)
        if self._cp1251:
            buffer = io.BytesIO()
            pacsv.write_csv(table, buffer, write_options=_csv_options(";", header=self._cp1251_header))
            self._cp1251.write(buffer.getvalue().decode("utf-8").encode("cp1251"))
            self._cp1251_header = False
        if self._parquet:
            self._parquet.write_table(table, row_group_size=table.num_rows)

    def close(self) -> None:
        for writer in (self._utf8, self._cp1251, self._parquet):
            if writer:
                writer.close()


def _csv_options(delimiter: str, header: bool = True) -> pacsv.WriteOptions:
    return pacsv.WriteOptions(delimiter=delimiter, include_header=header, quoting_style="none")


def generate_region_csv(args: argparse.Namespace) -> None:
    """The region's ВПР participants (the same as in the xlsx files) as one tidy CSV, UTF-8 and cp1251."""
    folder = Path(args.out) / "csv"
    folder.mkdir(parents=True, exist_ok=True)
    writers = TidyWriters(csv_utf8=folder / "region-utf8.csv", csv_cp1251=folder / "region-cp1251.csv")
    for year in args.years:
        for number, procedure in enumerate(VPR_PROCEDURES):
            schools, pupils = region_participants(args, year, number)
            writers.write(tidy_table(schools, pupils, procedure, year))
    writers.close()
    write_scales(VPR_PROCEDURES, args.years, Path(args.out) / "scales.csv")
    print(f"region csv: {writers.rows:,} rows → {', '.join(str(p) for p in writers.paths)}")


def country_chunks(args: argparse.Namespace, year: int) -> Iterator[pa.Table]:
    """All procedures of one block of schools at a time: memory bounded by the block (≈ --block schools)."""
    mean = mean_cohort_for(args.rows // len(args.years), args.schools, COUNTRY_PROCEDURES)
    schools = make_schools(args.schools, mean, args.seed)
    for block, start in enumerate(range(0, args.schools, args.block)):
        chosen = np.arange(start, min(start + args.block, args.schools))
        tables = [
            tidy_table(schools, draw_participants(schools, chosen, p, procedure_rng(args.seed, year, block * 100 + k),
                                                  args.marks_only), p, year)
            for k, p in enumerate(COUNTRY_PROCEDURES)
        ]
        yield pa.concat_tables(tables)


def generate_country(args: argparse.Namespace) -> None:
    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    writers = TidyWriters(csv_utf8=folder / "country.csv", parquet=folder / "country.parquet")
    for year in args.years:
        for chunk in country_chunks(args, year):
            writers.write(chunk)
            print(f"\r  {writers.rows:,} rows", end="", file=sys.stderr, flush=True)
    writers.close()
    print(file=sys.stderr)
    write_scales(COUNTRY_PROCEDURES, args.years, folder / "scales.csv")
    print(f"country: {writers.rows:,} rows, {args.schools} schools → {', '.join(str(p) for p in writers.paths)}")


# --- a school-level cube for timing the criteria ---------------------------------------------------------

CUBE_COLUMNS = ["year", "assessment", "subject", "grade", "school_id", "participants", "n2", "n3", "n4", "n5",
                "below_min", "high"]
CUBE_PROCEDURES = tuple(p for p in COUNTRY_PROCEDURES if p.share >= 0.5 or p.assessment == VPR)


def cube_rows(schools: Schools, procedure: Procedure, year: int, rng: np.random.Generator) -> pa.Table:
    """One procedure for every school as counts: participants, marks 2..5 (or below the minimum / high for ЕГЭ)."""
    participants = np.maximum(rng.binomial(np.rint(schools.cohort).astype(np.int64), procedure.share), 1)
    level = np.clip(0.58 + schools.effect, 0.05, 0.95)
    fail = np.clip(0.12 - 0.8 * schools.effect + rng.normal(0, 0.03, len(level)), 0.0, 0.9)
    high = np.clip(level - 0.15, 0.0, 1.0 - fail)
    p = np.stack([fail, 1.0 - fail - high, high * 0.7, high * 0.3], axis=1)
    counts = np.stack([rng.multinomial(n, row) for n, row in zip(participants, p)]) if len(p) else np.zeros((0, 4), int)
    n = len(participants)
    marked = procedure.marked
    empty = pa.nulls(n, pa.int32())
    columns = {
        "year": pa.array(np.full(n, year, dtype=np.int16)),
        "assessment": pa.array([procedure.assessment] * n),
        "subject": pa.array([procedure.subject] * n),
        "grade": pa.array(np.full(n, procedure.grade, dtype=np.int8)),
        "school_id": pa.array(schools.logins, pa.string()),
        "participants": pa.array(participants.astype(np.int32)),
    }
    for k, name in enumerate(("n2", "n3", "n4", "n5")):
        columns[name] = pa.array(counts[:, k].astype(np.int32)) if marked else empty
    columns["below_min"] = empty if marked else pa.array(counts[:, 0].astype(np.int32))
    columns["high"] = empty if marked else pa.array((counts[:, 2] + counts[:, 3]).astype(np.int32))
    return pa.table(columns)


def generate_cube(args: argparse.Namespace) -> None:
    """School-level tidy CSV: every school in --procedures procedures per year (default 2 years × 10)."""
    folder = Path(args.out)
    folder.mkdir(parents=True, exist_ok=True)
    schools = make_schools(args.schools, 40.0, args.seed)
    chosen = CUBE_PROCEDURES[: args.procedures]
    path = folder / "cube.csv"
    rows = 0
    with pacsv.CSVWriter(str(path), cube_rows(schools, chosen[0], args.years[0], np.random.default_rng(0)).schema,
                         write_options=_csv_options(",")) as writer:
        for year in args.years:
            for number, procedure in enumerate(chosen):
                table = cube_rows(schools, procedure, year, procedure_rng(args.seed, year, 1000 + number))
                writer.write_table(table)
                rows += table.num_rows
    write_scales(COUNTRY_PROCEDURES, args.years, folder / "scales.csv")
    print(f"cube: {rows:,} rows = {args.schools} schools × {len(chosen)} procedures × {len(args.years)} years → {path}")


# --- command line ------------------------------------------------------------------------------------

GENERATORS = {
    "region-xlsx": (generate_region_xlsx, 1_000_000, 1_000, "region"),
    "region-csv": (generate_region_csv, 1_000_000, 1_000, "region"),
    "country": (generate_country, 20_000_000, 40_000, "country"),
    "cube": (generate_cube, 0, 40_000, "cube"),
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Генератор больших входных файлов для бенчмарков shnor")
    parser.add_argument("what", choices=sorted(GENERATORS))
    parser.add_argument("--rows", type=int, help="строк участников всего (≈); по умолчанию 1 000 000 / 20 000 000")
    parser.add_argument("--schools", type=int, help="число школ; по умолчанию 1 000 / 40 000")
    parser.add_argument("--years", type=int, nargs="+", default=[2025],
                        help="годы (по умолчанию 2025; для cube — 2024 2025)")
    parser.add_argument("--procedures", type=int, default=10, help="cube: процедур в год на школу")
    parser.add_argument("--block", type=int, default=2_000, help="country: школ в одном блоке (группе строк Parquet)")
    parser.add_argument("--marks-only", action="store_true",
                        help="country: у ВПР, ОГЭ и базовой математики только отметка (без балла и отметки по журналу)")
    parser.add_argument("--region-code", type=int, default=75)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--jobs", type=int, default=2, help="region-xlsx: процессов для записи файлов")
    parser.add_argument("--out", type=Path, help="папка (по умолчанию /tmp/shnor-bench/<набор>)")
    args = parser.parse_args(argv)
    _, rows, schools, folder = GENERATORS[args.what]
    args.rows = args.rows or rows
    args.schools = args.schools or schools
    args.out = args.out or DEFAULT_ROOT / folder
    if args.what == "cube" and args.years == [2025]:
        args.years = [2024, 2025]
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    GENERATORS[args.what][0](args)


if __name__ == "__main__":
    main()
