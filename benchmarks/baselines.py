"""The baselines that `run.py` measures next to `shnor identify`, each run as its own process:

    python benchmarks/baselines.py fastexcel FILE.xlsx...            # fastest raw read: calamine → Arrow
    python benchmarks/baselines.py pyarrow-csv FILE.csv [--encoding cp1251 --delimiter ';']
    python benchmarks/baselines.py parquet FILE.parquet
    python benchmarks/baselines.py naive FILE.xlsx... --scales scales.csv   # an analyst's pandas + openpyxl script
    python benchmarks/baselines.py duckdb FILE.parquet|FILE.csv [--statuses OUT.csv]   # the `default` preset in SQL

Each prints one line «rows=N» and one «seconds=X» (the time of the work inside the process: its library imported,
Python's start-up and the import not counted) so the runner can check that every reader saw the same data;
``duckdb`` prints «schools=N shnor=N risk=N ok=N insufficient=N» instead and, with ``--statuses``, writes each
school's shares and status (``default_preset.sql``; DuckDB is in the optional ``bench`` extra:
``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import importlib
import re
import time
from pathlib import Path


def read_fastexcel(paths: list[Path]) -> int:
    import fastexcel

    rows = 0
    for path in paths:
        table = fastexcel.read_excel(path).load_sheet(0).to_arrow()
        rows += table.num_rows
    return rows


def read_pyarrow_csv(path: Path, encoding: str, delimiter: str) -> int:
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(
        path, read_options=pacsv.ReadOptions(encoding=encoding), parse_options=pacsv.ParseOptions(delimiter=delimiter)
    )
    return table.num_rows


def read_parquet(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.read_table(path).num_rows


CANONICAL_CSV_TYPES = {
    "year": "INTEGER", "assessment": "VARCHAR", "subject": "VARCHAR", "grade": "INTEGER", "school_id": "VARCHAR",
    "score": "DOUBLE", "mark": "INTEGER", "journal_mark": "INTEGER",
}


def duckdb_default(path: Path, delimiter: str, statuses: Path | None) -> dict[str, int]:
    """The `default` preset's shares and statuses per school from a canonical participant table, by DuckDB
    (``default_preset.sql``): the engine a data team would use. Only UTF-8 CSV (DuckDB reads no cp1251)."""
    import csv
    from importlib import resources

    import duckdb

    connection = duckdb.connect()
    if path.suffix.lower() == ".parquet":
        connection.execute(f"CREATE VIEW participants AS SELECT * FROM read_parquet('{path}')")
    else:
        types = ", ".join(f"'{name}': '{kind}'" for name, kind in CANONICAL_CSV_TYPES.items())
        connection.execute(
            f"CREATE VIEW participants AS SELECT * FROM read_csv('{path}', header = true, delim = '{delimiter}', "
            f"columns = {{{types}}})"
        )
    minimums = resources.files("shnor").joinpath("data/ege_minimums.csv").read_text(encoding="utf-8")
    rows = [row for row in csv.DictReader(line for line in minimums.splitlines() if not line.startswith("#"))]
    connection.execute("CREATE TABLE ege_minimums (year INTEGER, subject VARCHAR, min_score DOUBLE)")
    connection.executemany("INSERT INTO ege_minimums VALUES (?, ?, ?)",
                           [(int(r["year"]), r["subject"], float(r["min_score"])) for r in rows])
    result = connection.execute((Path(__file__).parent / "default_preset.sql").read_text(encoding="utf-8")).fetchall()
    if statuses:
        with statuses.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["school_id", "fail_core", "high_core", "fail_other", "status"])
            writer.writerows(result)
    counts = {"schools": len(result), "shnor": 0, "risk": 0, "ok": 0, "insufficient": 0}
    for *_, status in result:
        counts[status] += 1
    return counts


def naive_analyst(paths: list[Path], scales_path: Path) -> int:
    """What an analyst writes in a notebook: read each ФИС ОКО file with pandas, put marks by the scale, count
    «2» per school in Russian and maths, list the schools with 25 % or more. Deliberately plain pandas."""
    import pandas as pd

    scales = pd.read_csv(scales_path)
    results = []
    rows = 0
    for path in paths:
        df = pd.read_excel(path, engine="openpyxl")
        rows += len(df)
        subject_word, grade = re.search(r"по (.+), (\d+) класс", path.name).groups()
        year = int(re.search(r"ВПР (\d{4})", path.name).group(1))
        subject = {"русскому языку": "Русский язык", "математике": "Математика"}.get(subject_word, subject_word)
        scale = scales[(scales["year"] == year) & (scales["subject"] == subject) & (scales["grade"] == int(grade))]
        if scale.empty:
            scale = scales[(scales["year"] == year) & (scales["grade"] == int(grade))].head(1)
        m3, m4, m5 = scale[["mark3", "mark4", "mark5"]].iloc[0]
        df["отметка"] = pd.cut(df["всего баллов"], [-1, m3 - 1, m4 - 1, m5 - 1, 1000], labels=[2, 3, 4, 5]).astype(int)
        df["двойка"] = df["отметка"] == 2
        by_school = df.groupby("логин школы").agg(участников=("отметка", "size"), двоек=("двойка", "sum"))
        by_school["предмет"] = subject
        by_school["класс"] = int(grade)
        results.append(by_school.reset_index())
    all_results = pd.concat(results)
    core = all_results[all_results["предмет"].isin(["Русский язык", "Математика"])]
    schools = core.groupby("логин школы")[["участников", "двоек"]].sum()
    schools["доля двоек"] = schools["двоек"] / schools["участников"]
    low = schools[schools["доля двоек"] >= 0.25].sort_values("доля двоек", ascending=False)
    print(f"schools={len(schools)} low={len(low)}")
    return rows


IMPORTS = {"fastexcel": "fastexcel", "pyarrow-csv": "pyarrow.csv", "parquet": "pyarrow.parquet", "naive": "pandas",
           "duckdb": "duckdb"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["fastexcel", "pyarrow-csv", "parquet", "naive", "duckdb"])
    parser.add_argument("paths", type=Path, nargs="+")
    parser.add_argument("--encoding", default="utf8")
    parser.add_argument("--delimiter", default=",")
    parser.add_argument("--scales", type=Path)
    parser.add_argument("--statuses", type=Path, help="duckdb: записать доли и статус каждой школы в CSV")
    args = parser.parse_args()
    importlib.import_module(IMPORTS[args.what])  # imported before the clock: «seconds» is the work alone
    started = time.perf_counter()
    if args.what == "duckdb":
        counts = duckdb_default(args.paths[0], args.delimiter, args.statuses)
        print(" ".join(f"{name}={count}" for name, count in counts.items()))
        print(f"seconds={time.perf_counter() - started:.4f}")
        return
    if args.what == "fastexcel":
        rows = read_fastexcel(args.paths)
    elif args.what == "pyarrow-csv":
        rows = read_pyarrow_csv(args.paths[0], args.encoding, args.delimiter)
    elif args.what == "parquet":
        rows = read_parquet(args.paths[0])
    else:
        rows = naive_analyst(args.paths, args.scales)
    print(f"rows={rows}")
    print(f"seconds={time.perf_counter() - started:.4f}")


if __name__ == "__main__":
    main()
