"""The baselines that `run.py` measures next to `shnor identify`, each run as its own process:

    python benchmarks/baselines.py fastexcel FILE.xlsx...            # fastest raw read: calamine → Arrow
    python benchmarks/baselines.py pyarrow-csv FILE.csv [--encoding cp1251 --delimiter ';']
    python benchmarks/baselines.py parquet FILE.parquet
    python benchmarks/baselines.py naive FILE.xlsx... --scales scales.csv   # an analyst's pandas + openpyxl script

Each prints one line «rows=N» so the runner can check that every reader saw the same data.
"""

from __future__ import annotations

import argparse
import re
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["fastexcel", "pyarrow-csv", "parquet", "naive"])
    parser.add_argument("paths", type=Path, nargs="+")
    parser.add_argument("--encoding", default="utf8")
    parser.add_argument("--delimiter", default=",")
    parser.add_argument("--scales", type=Path)
    args = parser.parse_args()
    if args.what == "fastexcel":
        rows = read_fastexcel(args.paths)
    elif args.what == "pyarrow-csv":
        rows = read_pyarrow_csv(args.paths[0], args.encoding, args.delimiter)
    elif args.what == "parquet":
        rows = read_parquet(args.paths[0])
    else:
        rows = naive_analyst(args.paths, args.scales)
    print(f"rows={rows}")


if __name__ == "__main__":
    main()
