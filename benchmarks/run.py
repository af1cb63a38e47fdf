"""The benchmark of issue 6: each figure of `shnor` next to its baseline measured in the same run.

    python benchmarks/run.py --size small            # everything, scaled down: a check that it all works
    python benchmarks/run.py --size region           # region xlsx (≈1 000 000 rows) and CSV, cube, start-up
    python benchmarks/run.py --size country [--rows 5000000]   # the country as CSV and Parquet

Every measured thing runs in its own process; wall time is taken around it and peak memory is its maximum
resident set size as the kernel reports it to the parent (``os.wait4``). Data is generated on first use
into /tmp/shnor-bench/<size>/ by ``generate.py`` (same seed → same data) and kept for the next run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
SHNOR = str(Path(sys.executable).with_name("shnor"))
DEFAULT_ROOT = Path("/tmp/shnor-bench")


# --- measuring one process ---------------------------------------------------------------------------


@dataclass
class Measurement:
    label: str
    wall: float  # seconds
    peak_mb: float  # maximum resident set size of the process
    ok: bool = True
    output: str = ""
    timed_out: bool = False
    walls: list[float] = field(default_factory=list)  # every run, where the process was run more than once

    @property
    def wall_text(self) -> str:
        if self.timed_out:
            return f"> {self.wall:.0f} s (прервано по --timeout)"
        spread = f" (median of {len(self.walls)}: {min(self.walls):.1f}–{max(self.walls):.1f})" if len(self.walls) > 1 else ""
        return f"{self.wall:.1f} s{spread}"

    @property
    def peak_text(self) -> str:
        return f"{self.peak_mb / 1024:.2f} GB" if self.peak_mb >= 1024 else f"{self.peak_mb:.0f} MB"


def measure(label: str, command: list[str], timeout: float) -> Measurement:
    """Run ``command``; its wall time and max RSS (from ``wait4``, so only this process is counted)."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.01)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", errors="replace").strip()
    timed_out = wall >= timeout
    ok = process.returncode == 0 and not timed_out
    if not ok:
        reason = "timeout" if timed_out else f"exit {process.returncode}"
        print(f"  ! {label}: {reason}\n{text[-2000:]}", file=sys.stderr)
    return Measurement(label, wall, usage.ru_maxrss / 1024, ok, text[-4000:], timed_out)


def repeated(run, times: int) -> Measurement:
    """``run()`` ``times`` times: the median wall time, the highest peak (a virtual machine's neighbours make
    single runs of a few seconds vary by a tenth or more). A run that fails or times out ends the series."""
    runs = []
    for _ in range(max(1, times)):
        runs.append(run())
        if not runs[-1].ok:
            return runs[-1]
    walls = sorted(r.wall for r in runs)
    middle = walls[len(walls) // 2] if len(walls) % 2 else (walls[len(walls) // 2 - 1] + walls[len(walls) // 2]) / 2
    first = runs[0]
    return Measurement(first.label, middle, max(r.peak_mb for r in runs), True, first.output, False, [r.wall for r in runs])


def shnor_identify(inputs: list[Path], scales: Path, timeout: float, formats: str = "none") -> Measurement:
    """``shnor identify`` as cron runs it: machine files only (``--format none``); ``formats="all"`` adds every
    document (the appendix, the note, a card per flagged school, the workbook)."""
    with tempfile.TemporaryDirectory(prefix="shnor-bench-out-") as scratch:
        command = [SHNOR, "identify", *map(str, inputs), "--scales", str(scales), "--out", f"{scratch}/out", "--quiet",
                   "--format", formats]
        return measure("shnor identify" if formats == "none" else f"shnor identify --format {formats}", command, timeout)


def baseline(kind: str, paths: list[Path], timeout: float, *extra: str) -> Measurement:
    return measure(kind, [PYTHON, str(HERE / "baselines.py"), kind, *map(str, paths), *extra], timeout)


def stages(inputs: list[Path], scales: Path, timeout: float, stop_after: str | None = None, formats: str = "all") -> dict | None:
    """The in-process split of one identify run (read / criteria / report / render of ``formats``), see
    ``stages.py``; with ``stop_after="read_results"`` the figures of reading alone."""
    command = [PYTHON, str(HERE / "stages.py"), *map(str, inputs), "--scales", str(scales), "--format", formats]
    run = measure("stages", command + (["--stop-after", stop_after] if stop_after else []), timeout)
    if not run.ok:
        return None
    return json.loads(run.output.splitlines()[-1])


# --- the input sets ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    region_rows: int
    region_schools: int
    country_rows: int
    country_schools: int
    cube_schools: int
    sets: tuple[str, ...]


SIZES = {
    "small": Size(20_000, 100, 100_000, 300, 2_000, ("region-xlsx", "region-csv", "country", "cube", "help")),
    "region": Size(1_000_000, 1_000, 0, 0, 40_000, ("region-xlsx", "region-csv", "cube", "help")),
    "country": Size(1_000_000, 1_000, 20_000_000, 40_000, 40_000, ("country", "cube", "help")),
}


def ensure_data(folder: Path, generator: str, *options: str) -> Path:
    """Generate a set unless the same command already did (a marker file keeps the command)."""
    command = [PYTHON, str(HERE / "generate.py"), generator, *options, "--out", str(folder)]
    marker = folder / f".done-{generator}"
    if marker.exists() and marker.read_text() == " ".join(command[2:]):
        return folder
    print(f"  generating: {' '.join(command[2:])}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    subprocess.run(command, check=True)
    print(f"  generated in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    marker.write_text(" ".join(command[2:]))
    return folder


@dataclass
class SetResult:
    name: str
    rows: str
    identify: Measurement
    baseline: Measurement
    naive: Measurement | None = None
    documents: Measurement | None = None  # identify with every document, where measured
    stages: dict | None = None
    files_mb: float = 0.0
    lines: list[str] = field(default_factory=list)


def files_mb(paths: list[Path]) -> float:
    return sum(p.stat().st_size for p in paths) / 2**20


def measure_set(name: str, rows: str, inputs: list[Path], scales: Path, reference: Measurement,
                args: argparse.Namespace, split: str | None = "full", documents: bool = False) -> SetResult:
    """identify on ``inputs`` next to an already measured baseline, then the stage split: ``"full"`` runs the
    whole pipeline once more in-process, ``"read"`` only up to the end of reading (also done whenever identify
    ran out of time, so that the read can still be compared with the baseline), ``"criteria"`` up to the end
    of the rules when identify ran out of time, ``None`` none."""
    identify = repeated(lambda: shnor_identify(inputs, scales, args.timeout), args.repeat)
    result = SetResult(name, rows, identify, reference, files_mb=files_mb(inputs))
    if documents:
        result.documents = shnor_identify(inputs, scales, args.timeout, formats="all")
    if identify.timed_out and split == "criteria":
        result.stages = stages(inputs, scales, args.timeout, stop_after="evaluate")
    elif identify.timed_out or (split == "read" and not args.skip_stages):
        result.stages = stages(inputs, scales, args.timeout, stop_after="read_results")
    elif split == "full" and not args.skip_stages:
        result.stages = stages(inputs, scales, args.timeout, formats="all" if documents else "none")
    return result


def run_region_xlsx(root: Path, size: Size, args: argparse.Namespace) -> SetResult:
    folder = ensure_data(root / "region", "region-xlsx", "--rows", str(size.region_rows), "--schools", str(size.region_schools))
    files = sorted((folder / "xlsx").glob("*.xlsx"))
    scales = folder / "scales.csv"
    reference = repeated(lambda: baseline("fastexcel", files, args.timeout), args.repeat)
    result = measure_set(f"region xlsx ({len(files)} файлов ФИС ОКО)", f"≈{size.region_rows:,} строк", files, scales,
                         reference, args, documents=True)
    if not args.skip_naive:
        result.naive = baseline("naive", files, args.timeout, "--scales", str(scales))
    return result


def run_region_csv(root: Path, size: Size, args: argparse.Namespace) -> list[SetResult]:
    folder = ensure_data(root / "region", "region-csv", "--rows", str(size.region_rows), "--schools", str(size.region_schools))
    scales = folder / "scales.csv"
    results = []
    for name, encoding, delimiter in (("region-utf8.csv", "utf8", ","), ("region-cp1251.csv", "cp1251", ";")):
        path = folder / "csv" / name
        options = ("--encoding", encoding, "--delimiter", delimiter)
        reference = repeated(lambda path=path, options=options: baseline("pyarrow-csv", [path], args.timeout, *options), args.repeat)
        results.append(measure_set(f"region CSV {encoding} «{delimiter}»", f"≈{size.region_rows:,} строк", [path],
                                   scales, reference, args, split="read", documents=encoding == "utf8"))
    return results


def run_country(root: Path, size: Size, args: argparse.Namespace) -> list[SetResult]:
    rows = args.rows or size.country_rows
    folder = ensure_data(root / "country", "country", "--rows", str(rows), "--schools", str(size.country_schools))
    scales = folder / "scales.csv"
    results = []
    for name, kind in (("country.csv", "pyarrow-csv"), ("country.parquet", "parquet")):
        path = folder / name
        scale_note = "" if rows == 20_000_000 else f" (уменьшено: {rows:,} из 20 000 000)"
        reference = repeated(lambda kind=kind, path=path: baseline(kind, [path], args.timeout), args.repeat)
        results.append(measure_set(f"country {path.suffix[1:]}", f"≈{rows:,} строк, {size.country_schools:,} школ{scale_note}",
                                   [path], scales, reference, args))
    return results


def run_cube(root: Path, size: Size, args: argparse.Namespace) -> SetResult:
    folder = ensure_data(root / "cube", "cube", "--schools", str(size.cube_schools))
    path = folder / "cube.csv"
    scales = folder / "scales.csv"
    reference = baseline("pyarrow-csv", [path], args.timeout)
    result = measure_set(f"cube {size.cube_schools:,} школ (по школам)", "школы × 10 процедур × 2 года", [path], scales,
                         reference, args, split="criteria")
    if result.stages is None:
        result.stages = stages([path], scales, args.timeout, formats="none")
    return result


HELP_CHECK = (
    "import sys\nfrom shnor.cli.app import entry\nsys.argv = ['shnor', '--help']\n"
    "try:\n    entry()\nexcept SystemExit:\n    pass\n"
    "print('pandas imported:', 'pandas' in sys.modules, file=sys.stderr)"
)


def run_help(args: argparse.Namespace) -> dict:
    """`shnor --help`: median wall time of 5 runs, and whether pandas got imported on the way."""
    runs = [measure("shnor --help", [SHNOR, "--help"], args.timeout) for _ in range(5)]
    imports = measure("imports", [PYTHON, "-c", HELP_CHECK], args.timeout)
    return {
        "median": statistics.median(r.wall for r in runs),
        "runs": [round(r.wall, 3) for r in runs],
        "peak_mb": max(r.peak_mb for r in runs),
        "pandas_imported": "pandas imported: True" in imports.output,
    }


# --- targets and the printed table -------------------------------------------------------------------


@dataclass
class Target:
    text: str
    measured: str
    passed: bool | None  # None: not measured in this run

    def line(self) -> str:
        mark = {True: "PASS", False: "FAIL", None: " —  "}[self.passed]
        return f"  [{mark}] {self.text}: {self.measured}"


def ratio(a: Measurement, b: Measurement) -> float:
    return a.wall / b.wall if b.wall else float("inf")


def describe(result: SetResult) -> list[str]:
    i, b = result.identify, result.baseline
    status = "" if i.ok or i.timed_out else " (ОШИБКА — см. stderr)"
    head = f"{result.name}: {result.rows}, {result.files_mb:,.0f} MB"
    bound = "≥ " if i.timed_out else ""
    line = f"  identify (machine files) {i.wall_text}{status} = {bound}{ratio(i, b):.2f} × {b.label} read ({b.wall:.1f} s)"
    if result.naive:
        n = result.naive
        line += f"; {'≤ ' if i.timed_out else ''}{n.wall / i.wall:.1f} × faster than pandas+openpyxl ({n.wall:.0f} s)"
    line += f"; peak {i.peak_text} (baseline {b.peak_text}"
    line += f", pandas+openpyxl {result.naive.peak_text})" if result.naive else ")"
    lines = [head, line]
    if result.documents:
        d = result.documents
        lines.append(f"  identify with every document {d.wall_text} = {ratio(d, b):.2f} × {b.label} read; peak {d.peak_text}")
    s = result.stages
    if s and s.get("stopped_after") == "evaluate":
        lines.append(f"  in-process up to the end of the rules: read {s['read']:.1f} s, criteria {s['criteria']:.1f} s "
                     f"(of which objectivity {s['stages'].get('compute_objectivity', 0):.1f} s); "
                     f"peak after read {s['peak_after_read_mb']:.0f} MB")
    elif s and s.get("stopped_after"):
        lines.append(f"  read alone (in-process, up to the end of read_results): {s['read']:.1f} s = "
                     f"{s['read'] / b.wall:.2f} × {b.label}; peak after read {s['peak_after_read_mb']:.0f} MB")
    elif s:
        helpers = ", ".join(f"{n} {s['stages'][n]:.1f} s" for n in ("_school_results", "suggest") if n in s["stages"])
        lines.append(
            f"  in-process: read {s['read']:.1f} s, criteria {s['criteria']:.1f} s "
            f"(of which objectivity {s['stages'].get('compute_objectivity', 0):.1f} s), "
            f"report model {s['report_model']:.1f} s ({helpers}), "
            f"render{' (every document)' if result.documents else ''} {s['stages']['render']:.1f} s, "
            f"imports {s['stages']['import']:.1f} s; "
            f"peak after read {s['peak_after_read_mb']:.0f} MB"
        )
    return lines


def targets(results: dict[str, list[SetResult]], help_figures: dict | None) -> list[Target]:
    found: list[Target] = []
    for r in results.get("region-xlsx", []):
        i, b, n = r.identify, r.baseline, r.naive
        found.append(Target("region xlsx: identify ≤ 1.3 × fastexcel", f"{ratio(i, b):.2f} ×", i.ok and ratio(i, b) <= 1.3))
        found.append(Target("region xlsx: ≥ 10 × faster than pandas+openpyxl",
                            f"{n.wall / i.wall:.1f} ×" if n else "not measured (--skip-naive)",
                            (i.ok and n.wall / i.wall >= 10) if n else None))
        found.append(Target("region xlsx: peak ≤ 1.5 GB", i.peak_text, i.ok and i.peak_mb <= 1.5 * 1024))
    for r in results.get("region-csv", []):
        i, b = r.identify, r.baseline
        found.append(Target(f"{r.name}: identify ≤ 1.5 × pyarrow", f"{ratio(i, b):.2f} ×", i.ok and ratio(i, b) <= 1.5))
    for r in results.get("country", []):
        i, b = r.identify, r.baseline
        found.append(Target(f"{r.name}: peak ≤ 2 GB", i.peak_text, i.ok and i.peak_mb <= 2 * 1024))
        found.append(Target(f"{r.name}: identify ≤ 1.5 × {b.label}", f"{ratio(i, b):.2f} ×", i.ok and ratio(i, b) <= 1.5))
    for r in results.get("cube", []):
        complete = r.stages and r.stages.get("stopped_after") in (None, "evaluate")
        criteria = r.stages["criteria"] if complete else None
        found.append(Target(f"{r.name}: criteria < 2 s",
                            f"{criteria:.2f} s (identify in all {r.identify.wall:.1f} s)" if criteria is not None else "n/a",
                            criteria is not None and criteria < 2))
    if help_figures:
        found.append(Target("shnor --help < 0.25 s (median of 5)", f"{help_figures['median']:.2f} s",
                            help_figures["median"] < 0.25))
        found.append(Target("shnor --help does not import pandas",
                            "imports pandas" if help_figures["pandas_imported"] else "no pandas",
                            not help_figures["pandas_imported"]))
    return found


def print_report(size: str, results: dict[str, list[SetResult]], help_figures: dict | None) -> str:
    lines = [f"shnor benchmark — size {size}, {os.cpu_count()} CPU, python {sys.version.split()[0]}", ""]
    for group in results.values():
        for result in group:
            lines += describe(result)
    if help_figures:
        lines.append(f"shnor --help: median {help_figures['median']:.2f} s of {help_figures['runs']}; "
                     f"pandas imported: {'yes' if help_figures['pandas_imported'] else 'no'}")
    lines += ["", "Targets of issue 6:"] + [t.line() for t in targets(results, help_figures)]
    text = "\n".join(lines)
    print(text)
    return text


def save(path: Path, results: dict[str, list[SetResult]], help_figures: dict | None, text: str) -> None:
    data = {name: [asdict(r) for r in group] for name, group in results.items()}
    path.write_text(json.dumps({"sets": data, "help": help_figures, "report": text}, ensure_ascii=False, indent=1))


# --- command line ------------------------------------------------------------------------------------

RUNNERS = {"region-xlsx": run_region_xlsx, "region-csv": run_region_csv, "country": run_country, "cube": run_cube}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Бенчмарк shnor (issue 6)")
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--sets", nargs="+", choices=[*RUNNERS, "help"], help="только эти наборы")
    parser.add_argument("--rows", type=int, help="country: строк (по умолчанию 20 000 000)")
    parser.add_argument("--skip-naive", action="store_true", help="не мерить pandas + openpyxl (долго)")
    parser.add_argument("--skip-stages", action="store_true", help="не мерить разбивку по этапам (ещё один прогон)")
    parser.add_argument("--repeat", type=int, default=3, help="сколько раз мерить identify и базовую линию (медиана)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="секунд на один измеряемый процесс")
    parser.add_argument("--data", type=Path, help="папка данных (по умолчанию /tmp/shnor-bench/<size>)")
    parser.add_argument("--save", type=Path, help="записать цифры в JSON")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    size = SIZES[args.size]
    root = args.data or DEFAULT_ROOT / args.size
    results: dict[str, list[SetResult]] = {}
    help_figures = None
    for name in args.sets or size.sets:
        print(f"== {name}", file=sys.stderr, flush=True)
        if name == "help":
            help_figures = run_help(args)
            continue
        found = RUNNERS[name](root, size, args)
        results[name] = found if isinstance(found, list) else [found]
    text = print_report(args.size, results, help_figures)
    if args.save:
        save(args.save, results, help_figures, text)


if __name__ == "__main__":
    main()
