"""Where the time of one `shnor identify` goes, stage by stage, measured in-process.

    python benchmarks/stages.py INPUT... --scales scales.csv [--out DIR]

Runs the same pipeline as the command (``shnor.report.build.identify``, then ``render_all`` written atomically)
with a timer around each stage function that ``build.identify`` calls, looked up by name in its module; src/ is
not changed. Prints one JSON object: seconds per stage, the resident-set peak after reading and at the end.

``--stop-after read_results`` stops the pipeline once the named stage has returned: the figures of reading
alone, for inputs on which a later stage is too slow to wait for.

``--format`` is as in ``shnor identify``. Without it, every document is rendered for up to ``MANY_SCHOOLS`` schools (a
region: what the analyst run measures) and only the machine files above that (a country: what issue 18 measures,
``identify --format none``; every document of a country's 17 000 listed schools took 16.5 GB).
"""

from __future__ import annotations

import argparse
import functools
import json
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

# The functions ``shnor.report.build.identify`` calls, in order, grouped into what the figures report.
# Names absent from the tree being measured are skipped: the pipeline changes while the benchmark stays.
READ_STAGES = ("expand_inputs", "load_rules", "load_scales", "read_results")
CRITERIA_STAGES = ("_school_table", "read_history", "choose_window", "procedures", "compute_objectivity",
                   "school_indicators", "evaluate")
REPORT_STAGES = ("_school_results", "_procedure_table", "school_dynamics", "_inputs", "_summary", "_warnings")
# Report helpers that ``build`` calls through their modules: (module attribute of ``build``, function).
REPORT_HELPERS = (("sections", "recommendations"), ("sections", "school_changes"), ("sections", "aggregates"),
                  ("sections", "dynamics"), ("sections", "overview"), ("mentors", "suggest"))


MANY_SCHOOLS = 5_000  # above this, without --format, the machine files only (see the module's docstring)


class StopHere(Exception):
    """Raised by the timer of the ``--stop-after`` stage once that stage has finished."""


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def instrument(
    module, names: tuple[str, ...], timings: dict[str, float], peaks: dict[str, float], stop_after: str | None = None
) -> None:
    """Replace each named function of ``module`` with a timed wrapper that adds its seconds to ``timings``."""
    for name in names:
        original = getattr(module, name, None)
        if original is None:
            continue

        @functools.wraps(original)
        def timed(*args, __original=original, __name=name, **kwargs):
            started = time.perf_counter()
            try:
                result = __original(*args, **kwargs)
            finally:
                timings[__name] = timings.get(__name, 0.0) + time.perf_counter() - started
                peaks[__name] = peak_rss_mb()
            if __name == stop_after:
                raise StopHere
            return result

        setattr(module, name, timed)


def chosen_formats(formats: str | None, schools: int) -> str:
    """``--format`` as given; without it, every document for a region and the machine files for a country."""
    if formats is not None:
        return formats
    return "all" if schools <= MANY_SCHOOLS else "none"


def documents(formats: str) -> tuple:
    """What ``shnor identify --format FORMATS`` renders, where the tree has documents."""
    from shnor import render

    return (render.parse_formats(formats),) if hasattr(render, "parse_formats") else ()


def run(inputs: list[Path], scales: Path | None, out: Path, stop_after: str | None = None,
        formats: str | None = None) -> dict:
    started = time.perf_counter()
    from shnor.render import render_all
    from shnor.render.output import write_atomically
    from shnor.report import build

    imported = time.perf_counter()
    timings: dict[str, float] = {"import": imported - started}
    peaks: dict[str, float] = {}
    instrument(build, READ_STAGES + CRITERIA_STAGES + REPORT_STAGES, timings, peaks, stop_after)
    for module_name, function in REPORT_HELPERS:
        if hasattr(build, module_name):
            instrument(getattr(build, module_name), (function,), timings, peaks)
    request = build.IdentifyRequest(inputs=inputs, scales=scales, today=date(2026, 1, 15))
    try:
        report = build.identify(request)
    except StopHere:
        return {
            "stopped_after": stop_after,
            "stages": {k: round(v, 3) for k, v in timings.items()},
            "read": round(sum(timings.get(n, 0.0) for n in READ_STAGES), 3),
            "criteria": round(sum(timings.get(n, 0.0) for n in CRITERIA_STAGES), 3),
            "peak_after_read_mb": round(peaks.get("read_results", 0.0), 1),
            "total": round(time.perf_counter() - started, 3),
        }
    built = time.perf_counter()
    chosen = chosen_formats(formats, len(report.schools))
    if formats is None and chosen == "none":
        print(f"stages.py: {len(report.schools)} школ (больше {MANY_SCHOOLS}) — без --format пишутся только машинные "
              "файлы, как у identify --format none; документы — --format all или список.", file=sys.stderr)
    write_atomically(out, lambda folder: render_all(report, folder, *documents(chosen)))
    finished = time.perf_counter()
    timings["render"] = finished - built
    timings["identify_total"] = built - imported
    read = sum(timings.get(n, 0.0) for n in READ_STAGES)
    criteria = sum(timings.get(n, 0.0) for n in CRITERIA_STAGES)
    return {
        "stages": {k: round(v, 3) for k, v in timings.items()},
        "read": round(read, 3),
        "criteria": round(criteria, 3),
        "report_model": round(timings["identify_total"] - read - criteria, 3),
        "total": round(finished - started, 3),
        "peak_after_read_mb": round(peaks.get("read_results", 0.0), 1),
        "peak_mb": round(peak_rss_mb(), 1),
        "schools": len(report.schools),
        "formats": chosen if formats is not None else f"{chosen} (без --format: {len(report.schools)} школ)",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", type=Path, nargs="+")
    parser.add_argument("--scales", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--stop-after", choices=READ_STAGES + CRITERIA_STAGES, help="остановиться после этапа")
    parser.add_argument("--format", dest="formats",
                        help="документы, как у shnor identify --format (none — только машинные файлы); без него — "
                        f"все документы до {MANY_SCHOOLS} школ, больше — только машинные файлы")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="shnor-stages-") as scratch:
        out = args.out or Path(scratch) / "out"
        print(json.dumps(run(args.inputs, args.scales, out, args.stop_after, args.formats), ensure_ascii=False))


if __name__ == "__main__":
    main()
