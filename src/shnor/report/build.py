"""The identification pipeline: inputs and rules → the report model (SPEC §3–§7).

Usable from Python without the CLI: ``identify(IdentifyRequest(inputs=[...], rules="default"))``.
"""

from __future__ import annotations

import hashlib
import math
import weakref
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from shnor import __version__, cores, memory
from shnor.cube import Cube
from shnor.errors import UserError
from shnor.indicators.dynamics import school_dynamics
from shnor.indicators.objectivity import SIGN_KINDS, SIGNS_TOTAL, Objectivity, objectivity_index
from shnor.indicators.objectivity import compute as compute_objectivity
from shnor.indicators.shares import Window, choose_window, procedures, school_indicators
from shnor.ingest.ahead import ReadAhead, display_names, expand_inputs, skipped_note
from shnor.ingest.base import ReadOptions, SheetLog
from shnor.ingest.context import read_context
from shnor.ingest.reading import Progress, read_results
from shnor.ingest.registry import History, read_history, read_registry
from shnor.ingest.scales import load_scales, shipped_scales
from shnor.ingest.titles import parse_procedure
from shnor.memory import give_back
from shnor.report import mentors, sections
from shnor.report.model import (
    CriterionColumn,
    InputFile,
    Procedures,
    Report,
    SchoolColumns,
    SchoolResult,
    collector_paused,
)
from shnor.report.procedures import COLUMNS as PROCEDURE_COLUMNS
from shnor.report.reading import HighBoundary, boundaries_text, high_boundaries, qualify_high_reasons, reading_section
from shnor.rules.evaluate import Evaluation, evaluate
from shnor.rules.loader import LoadedRules, load_rules
from shnor.rules.model import bands
from shnor.vocabulary import CORE_SUBJECTS, Status


@dataclass(frozen=True)
class IdentifyRequest:
    inputs: list[Path]
    rules: str = "default"
    registry: Path | None = None
    history: list[Path] = field(default_factory=list)
    year: int | None = None
    scales: Path | None = None
    context: Path | None = None
    overrides: tuple[str, ...] = ()  # --set KEY=VALUE on the rules
    today: date = field(default_factory=date.today)
    procedure: str | None = None  # --procedure «ВПР 2021 математика 4»: for files that do not name it


def identify(request: IdentifyRequest, progress: Progress | None = None, ahead: ReadAhead | None = None) -> Report:
    """``progress`` is told how reading goes (see ``shnor.ingest.reading.Progress``); ``ahead``, where given, has
    started opening the input files already."""
    given = [Path(p) for p in request.inputs]
    files, not_tables = expand_inputs(given)
    names = display_names(given, [*files, *not_tables])
    in_folders = frozenset(f for f in files if f not in given)
    request = replace(request, inputs=files)
    if not request.inputs:
        raise UserError(
            "не найдено ни одного файла результатов.", hint="Укажите файлы .csv, .xlsx или .parquet или папку с ними."
        )
    loaded = load_rules(request.rules, request.overrides)
    rules = loaded.rules
    scales = load_scales(request.scales) if request.scales else shipped_scales()
    registry = read_registry(request.registry) if request.registry else None
    procedure = parse_procedure(request.procedure) if request.procedure else None
    options = ReadOptions(ege_high_score=rules.ege_high_score, scales=scales, procedure=procedure, bands=bands(rules))
    cube, logs = read_results(request.inputs, options, registry, progress, ahead, names, in_folders)
    checksums = _checksums(request)  # on another core while the criteria are computed
    let_go = _giving_back(cube)
    let_go()  # what reading freed (a country's batches: more than a gigabyte) goes back before the criteria
    schools = _school_table(cube, registry)
    history = read_history(list(request.history), schools)
    window = choose_window(cube, rules.window_years, request.year)
    window_procedures = procedures(cube, window)
    index = pd.Index(schools["school_id"], name="school_id")
    objectivity = compute_objectivity(cube.counts, cube.pairs, cube.histogram, index, window.latest)
    # Nothing after the signs looks at the pairs or histogram: a country's go here.
    cube = Cube(cube.counts, cube.schools)
    let_go()  # the signs' working arrays too (hundreds of megabytes for a country), before the rules
    indicators = school_indicators(window_procedures, index, history.times_listed, objectivity)
    school_context = read_context(request.context) if request.context else None
    municipalities = schools.set_index("school_id")["municipality"]
    evaluation = evaluate(
        rules, indicators, window_procedures, window, school_context, municipalities=municipalities,
        sign_counts=objectivity.by_kind, years=tuple(cube.years), other_years=partial(_procedures_of_years, cube),
    )
    boundaries = high_boundaries(logs, rules.ege_high_score)
    qualify_high_reasons(evaluation, window_procedures, boundaries)
    let_go()  # the rules' frames of a year (a country's: hundreds of megabytes) are let go by now
    # What needs the counts and the procedures comes first; the per-school report is built after they are let go
    # (a country's counts and its 40 000 schools' objects would otherwise be held together).
    # The schools' changes, objects and report live to the end (a country's: millions of objects, none of them
    # garbage): while they are made, the collector is paused, not let look at all of them again each time their
    # number grows by a quarter (seconds for a country). Not while pandas works between them: its frames can hold
    # each other, and such garbage would wait for the collector with their arrays (hundreds of megabytes).
    with collector_paused():
        changes = school_dynamics(cube, window, index)
    warnings = (
        ([loaded.encoding_note] if loaded.encoding_note else [])
        + [f"«{names[p]}»: {skipped_note(p)}" for p in not_tables]
        + _window_warning(window, rules.window_years)
        + _outside_window(window, list(cube.years))
        + _unnamed(schools, registry)
        + _warnings(cube, registry, history, logs)
        + _not_evaluated(evaluation, indicators, evaluation.status)
    )
    aggregates = sections.aggregates(window_procedures, schools)
    overview = sections.overview(window_procedures, schools, list(cube.years))
    suggested = mentors.suggest(window_procedures, schools, evaluation, rules.mentors)
    del cube
    let_go()
    # The procedures' table is packed before the schools' objects are made, and the window (a country's counts:
    # ≈ 600 MB) let go before them: the three are never held together.
    procedure_table = _procedure_table(window_procedures)
    del window_procedures
    let_go()
    with collector_paused():
        results = _school_results(schools, indicators, evaluation, objectivity)
        contexts = (
            school_context.astype(object).where(school_context.notna(), None).to_dict("index")
            if school_context is not None else {}
        )
        shnsu = evaluation.shnsu.to_dict() if evaluation.shnsu is not None else {}
        for result in results:
            result.recommendations = sections.recommendations(rules, evaluation, result.school_id)
            result.context = contexts.get(result.school_id, {})
            result.shnsu = bool(shnsu[result.school_id]) if result.school_id in shnsu and result.context else None
            result.dynamics = sections.school_changes(changes[result.school_id])
        return Report(
            tool={"name": "shnor", "version": __version__},
            generated=request.today.isoformat(),
            rules=_rules_section(loaded),
            methodology=_methodology(window.years, rules, evaluation, boundaries),
            inputs=_inputs(request, logs, names, checksums),
            history=[_history_file(h) for h in history.files],
            summary=_summary(results, objectivity, schools),
            schools=results,
            warnings=warnings,
            aggregates=aggregates,
            dynamics=sections.dynamics(history, evaluation.status, changes, rules),
            mentors=suggested,
            context_groups=sections.context_groups(results),
            reading=reading_section(logs),
            overview=overview,
            procedures=procedure_table,
        )


def _giving_back(cube: Cube) -> Callable[[], None]:
    """``give_back`` for a cube of ``memory.GIVE_BACK_FROM`` rows or more; for a smaller one, nothing."""
    return give_back if len(cube.counts) >= memory.GIVE_BACK_FROM else _keep


def _keep() -> None:
    """What a small run's stages free stays in the process for the next ones (``memory.GIVE_BACK_FROM``)."""


def _school_table(cube: Cube, registry: pd.DataFrame | None) -> pd.DataFrame:
    """Every school: the registry's names and municipalities win over the spellings found in result files."""
    found = cube.schools.assign(type=pd.NA)
    if registry is not None:
        found = pd.concat([registry[["school_id", "school_name", "municipality", "type"]], found], ignore_index=True)
        found = found.replace("", pd.NA).groupby("school_id", sort=False).first().reset_index()
    found = found.fillna({"school_name": "", "municipality": "", "type": ""}).astype("string")
    key = found["municipality"].map(_collation_key) + "\x00" + found["school_name"].map(_collation_key)
    return found.assign(_key=key).sort_values(["_key", "school_id"]).drop(columns="_key").reset_index(drop=True)


def _collation_key(text: str) -> str:
    # Russian alphabetical order: ё sorts right after е, case ignored.
    return str(text).lower().replace("ё", "е\uffff")


def _school_results(
    schools: pd.DataFrame,
    indicators: pd.DataFrame,
    evaluation: Evaluation,
    objectivity: Objectivity,
) -> list[SchoolResult]:
    # plain dicts once, not a pandas lookup per school and value
    names = list(indicators.columns)
    columns = [_python_scalars(indicators[name]) for name in names]
    rows = dict(zip(indicators.index.tolist(), (dict(zip(names, values)) for values in zip(*columns))))
    statuses = _by_school(evaluation.status)
    reasons = _by_school(evaluation.reasons)
    ids = schools["school_id"].tolist()
    # per criterion, its results for every school in the order of ``schools`` (what does not depend on the school
    # given once): made column by column, without a lookup per school and field, and kept as columns — a school's
    # criteria become objects only when asked for (``SchoolColumns``)
    order = pd.Index(schools["school_id"])  # not made again from the texts
    if indicators.index.equals(order):
        order = indicators.index  # most criteria's results are indexed by this very object: equal at a glance
    criteria = SchoolColumns([_criterion_column(leaf, ids, order) for leaf in evaluation.leaves])
    signs = objectivity.signs
    markers = objectivity.marker_details
    status_of = {value: Status(value) for value in set(map(statuses.__getitem__, ids))}
    return criteria.schools(
        (sid, name, municipality, kind, status.value, status.label, rows[sid], reasons[sid], signs[sid],
         markers.get(sid, []))
        for sid, name, municipality, kind, status in zip(
            ids, schools["school_name"].tolist(), schools["municipality"].tolist(), schools["type"].tolist(),
            map(status_of.__getitem__, map(statuses.__getitem__, ids)))
    )


def _criterion_column(leaf, ids: list[str], order: pd.Index | None = None) -> CriterionColumn:
    """One criterion's result for each school of ``ids`` (``order``: the same as an index), in that order. A criterion's
    results are made over the schools in their order: their columns are then taken as they are, with no lookup."""
    series = [leaf.value, leaf.met, *(s for s in (leaf.threshold, leaf.participants) if isinstance(s, pd.Series))]
    if order is None or not all(s.index.equals(order) for s in series):
        return _criterion_column_looked_up(leaf, ids)
    threshold = leaf.threshold
    participants = leaf.participants
    details = leaf.details
    return CriterionColumn(
        leaf.path, leaf.status.value, leaf.text, leaf.op, leaf.unit.value,
        values=_python_scalars(leaf.value),
        met=[bool(m) for m in _python_values(leaf.met)],
        details=list(map(details.get, ids)) if details else [None] * len(ids),
        threshold=None if isinstance(threshold, pd.Series) else threshold,
        thresholds=[_scalar(t) for t in _python_values(threshold)] if isinstance(threshold, pd.Series) else None,
        participants=_python_values(participants.round().astype("Int64")) if participants is not None else None,
    )


def _criterion_column_looked_up(leaf, ids: list[str]) -> CriterionColumn:
    """``_criterion_column`` of results in another order, or of other schools: each school looked up."""
    value_of = dict(zip(leaf.value.index.tolist(), _python_scalars(leaf.value)))
    met_of = _by_school(leaf.met)
    threshold = _by_school(leaf.threshold) if isinstance(leaf.threshold, pd.Series) else leaf.threshold
    base_of = _by_school(leaf.participants.round().astype("Int64")) if leaf.participants is not None else {}
    details = leaf.details
    return CriterionColumn(
        leaf.path, leaf.status.value, leaf.text, leaf.op, leaf.unit.value,
        values=[value_of[sid] for sid in ids],
        met=[bool(met_of[sid]) for sid in ids],
        details=[details.get(sid) for sid in ids],
        threshold=None if isinstance(threshold, dict) else threshold,
        thresholds=[_scalar(threshold.get(sid)) for sid in ids] if isinstance(threshold, dict) else None,
        participants=[base_of.get(sid) for sid in ids],
    )


def _procedure_table(window_procedures: pd.DataFrame) -> Procedures:
    """Every school's procedures as one Arrow table in reading order (``shnor.report.procedures``), sorted and packed
    into the file's bytes on another thread while the report is made (a country's: ≈ 1 s of a core)."""
    import pyarrow as pa

    frame = window_procedures[list(PROCEDURE_COLUMNS)]
    frame = frame.astype({"year": "Int64", "grade": "Int64", "participants": "Int64"}).fillna({"participants": 0})
    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    return Procedures.sorted_table(table, beside=True)


def _by_school(values: pd.Series) -> dict:
    """school → value as a Python one (None where missing), without pandas' walk over a text index."""
    return dict(zip(values.index.tolist(), _python_values(values)))


def _python_values(column: pd.Series) -> list:
    """The column's values as Python numbers and strings, None where missing (NaN included). Equal texts and whole
    numbers are one object (a country's procedures repeat a few dozen subject names, 40 000 logins and the year
    millions of times)."""
    kind = column.dtype
    if isinstance(kind, pd.StringDtype) or pd.api.types.is_integer_dtype(kind):  # years are ints too
        codes, distinct = pd.factorize(column, use_na_sentinel=True)
        return np.asarray([*distinct.tolist(), None], dtype=object)[codes].tolist()
    floats = pd.api.types.is_float_dtype(kind)
    if floats or pd.api.types.is_bool_dtype(kind):
        # numbers and flags straight from numpy (a column of a thousand schools: a sixth of the time of pandas'
        # astype and where), then None where pandas says missing (NaN of a float64 column, NA of a Float64 one)
        values = column.to_numpy(dtype=float if floats else bool, na_value=np.nan if floats else False).tolist()
        for at in np.flatnonzero(column.isna().to_numpy()).tolist():
            values[at] = None
        return values
    return column.astype(object).where(column.notna(), None).tolist()


def _python_scalars(column: pd.Series) -> list:
    """``_python_values`` with ``_scalar`` applied; a column of texts, numbers or flags gives Python's already (only
    other columns can hold numpy's scalars, say)."""
    values = _python_values(column)
    kind = column.dtype
    plain = (isinstance(kind, pd.StringDtype) or pd.api.types.is_integer_dtype(kind)
             or pd.api.types.is_float_dtype(kind) or pd.api.types.is_bool_dtype(kind))
    return values if plain else [_scalar(value) for value in values]


def _scalar(value):
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def _rules_section(loaded: LoadedRules) -> dict:
    rules = loaded.rules
    return {
        "name": rules.name,
        "title": rules.title,
        "source": rules.source,
        "origin": loaded.origin,
        "sha256": loaded.sha256,
        "window_years": rules.window_years,
        "ege_high_score": rules.ege_high_score,
        "definition": rules.model_dump(mode="json", exclude_none=True),
    }


def _methodology(years: tuple[int, ...], rules, evaluation: Evaluation, boundaries: list[HighBoundary]) -> dict:
    return {
        "window": list(years),
        "latest_year": years[-1],
        "pooling": "доли считаются по суммам: число результатов / число участников за все процедуры и годы окна",
        "fail": (
            "неудовлетворительный результат: отметка «2» (ВПР, ОГЭ, ЕГЭ базовый уровень) или балл ЕГЭ ниже минимального"
        ),
        "high": (
            "высокий результат: отметки «4» и «5» (ВПР, ОГЭ, ЕГЭ базового уровня) или балл ЕГЭ не ниже "
            f"{rules.ege_high_score:g}" + boundaries_text(boundaries)
        ),
        "ege_high_used": sorted({used for b in boundaries for used in b.used.values() if used is not None}),
        "core_subjects": sorted(CORE_SUBJECTS),
        "other_subjects": "все остальные предметы",
        "min_participants": rules.defaults.min_participants,
        "criteria": evaluation.words or [],
        "notes": list(rules.notes),
        "signs_total": SIGNS_TOTAL,
        "sign_kinds": [{"code": k.code, "label": k.label, "signs": k.signs, "inputs": k.inputs} for k in SIGN_KINDS],
        "objectivity": (
            f"{SIGNS_TOTAL} признаков необъективности методики Рособрнадзора за последний год окна: завышенный "
            "средний балл (95 % доверительные интервалы школы и региона, t = 1,96), несоответствие отметкам по журналу "
            "(корреляция Спирмена < 0, от 5 пар), резкий рост или снижение результатов того же класса "
            "(K = S(4 кл., Y−1) / S(5 кл., Y), отсечения Q75 + 3·IQR и Q25 − 3·IQR); признак, который нельзя "
            "рассчитать по данным, — «не рассчитан» с причиной; индекс объективности = 100 − % школ хотя бы с одним "
            "признаком (среди школ, где рассчитан хотя бы один признак)"
        ),
    }


def _window_warning(window: Window, wanted: int) -> list[str]:
    """The rules ask for more years than the data has: the window is shorter, and says so."""
    if len(window.years) >= wanted:
        return []
    years = ", ".join(map(str, window.years))
    return [
        (f"в правилах окно {wanted} года (window_years), а в данных до последнего года окна только "
         f"{len(window.years)} ({years}): показатели рассчитаны за {window.label}")
    ]


def _outside_window(window: Window, years: list[int]) -> list[str]:
    """Years in the data that the shares do not count: before the window they serve the dynamics only; after it
    (``--year`` set to an earlier year) they are not used at all. Said, so that a file read is never a file ignored
    without a word."""
    before = [y for y in years if y < window.years[0]]
    after = [y for y in years if y > window.latest]
    notes = []
    if before:
        notes.append(
            f"{_years_words(before)} — до окна {window.label}: в доли и статусы не входят, "
            "используются только для динамики (сравнение с прежними годами)"
        )
    if after:
        notes.append(f"{_years_words(after)} — после окна {window.label} (задано --year): не учтены")
    return notes


def _years_words(years: list[int]) -> str:
    return f"данные за {years[0]} год" if len(years) == 1 else f"данные за {', '.join(map(str, years))} годы"


def _procedures_of_years(cube: Cube, years: tuple[int, ...]) -> pd.DataFrame:
    """The procedures of years outside the window (dynamics compare with them)."""
    return procedures(cube, Window(years))


def _sha256(path: Path, asked: Callable[[], object] | None = None) -> str:
    """The file's SHA-256, read 4 MB at a time into one buffer: a thread hashing beside the criteria takes the
    interpreter back twice a chunk (26 times for a region CSV's 50 MB, not a hundred), and the buffer is the same
    memory each time. Not mapped into memory: a file cut short meanwhile would end the process with SIGBUS. Stops
    between two chunks (``_NotAsked``) once ``asked`` gives None: nobody can ask for the checksum any more."""
    digest = hashlib.sha256()
    buffer = bytearray(_HASHED_AT_A_TIME)
    view = memoryview(buffer)
    with Path(path).open("rb", buffering=0) as handle:
        while size := handle.readinto(buffer):
            if asked is not None and asked() is None:
                raise _NotAsked
            digest.update(view[:size])
    return digest.hexdigest()


class _NotAsked(Exception):
    """The checksums computed beside are no longer wanted (``_checksums``)."""


_HASHED_AT_A_TIME = 4 << 20


def _checksums(request: IdentifyRequest) -> Callable[[Path], str]:
    """``_sha256`` of each file the request names (results, registry, scales, context, history), looked up by path.
    With two cores or more they are computed on a thread of their own from the moment this is called: reading a
    file and hashing it let go of the interpreter, and the criteria that come next keep one core busy (a region
    CSV's 50 MB: 40 ms). What the thread raised (a file gone since it was read) is raised where a checksum is asked
    for, as it was when they were computed there. Once nobody holds the lookup (``identify`` raised, and its error
    was dealt with), the thread stops at its next chunk instead of reading the files to their end: a long-lived
    process (a script, a service) does not keep an input open for nothing (on Windows it could not be deleted)."""
    if cores.usable() < 2:
        return _sha256
    paths = list(dict.fromkeys(Path(p) for p in (*request.inputs, request.registry, request.scales, request.context,
                                                 *request.history) if p is not None))

    def checksum(path: Path) -> str:
        return computed.result()[Path(path)]

    asked = weakref.ref(checksum)
    computed = cores.on_thread(lambda: {path: _sha256(path, asked) for path in paths}, name="shnor-sha256")
    return checksum


def _inputs(request: IdentifyRequest, logs: list[SheetLog], names: dict[Path, str],
            sha256: Callable[[Path], str] = _sha256) -> list[InputFile]:
    files = [InputFile(names.get(Path(p), Path(p).name), sha256(p), "results") for p in request.inputs]
    by_path = {str(Path(p)): f for p, f in zip(request.inputs, files)}
    for log in logs:
        if log.path not in by_path:
            continue  # the note on matching names without logins belongs to no file
        by_path[log.path].sheets.append(
            {
                "sheet": log.sheet,
                "layout": log.layout,
                "header_row": log.header_row,
                "columns": log.columns,
                "rows_read": log.rows_read,
                "rows_skipped": log.rows_skipped,
                "issues": [issue.as_dict() for issue in log.issues],
                "procedure": log.procedure,
                "municipalities": log.municipalities,
                "notes": log.notes,
            }
        )
    if request.registry:
        files.append(InputFile(Path(request.registry).name, sha256(request.registry), "registry"))
    if request.scales:
        files.append(InputFile(Path(request.scales).name, sha256(request.scales), "scales"))
    if request.context:
        files.append(InputFile(Path(request.context).name, sha256(request.context), "context"))
    files += [InputFile(Path(p).name, sha256(p), "history") for p in request.history]
    return files


def _history_file(report) -> dict:
    return {
        "file": report.file,
        "listed": report.listed,
        "rows": report.rows,
        "matched": report.matched,
        "unmatched": report.unmatched,
        "ambiguous": [{"name": name, "candidates": ids} for name, ids in report.ambiguous],
    }


def _summary(results: list[SchoolResult], objectivity: Objectivity, schools: pd.DataFrame) -> dict:
    by_status = Counter(r.status for r in results)
    municipality = schools.set_index("school_id")["municipality"]
    municipalities: dict[str, Counter] = {}
    for r in results:
        municipalities.setdefault(r.municipality, Counter())[r.status] += 1
    return {
        "total": len(results),
        "shnsu": sum(1 for r in results if r.shnsu) if any(r.shnsu is not None for r in results) else None,
        "by_status": {s.value: by_status.get(s.value, 0) for s in Status},
        "by_municipality": [
            {"municipality": m, **{s.value: c.get(s.value, 0) for s in Status}, "total": sum(c.values())}
            for m, c in municipalities.items()
        ],
        "objectivity_index": {
            "year": objectivity.year,
            "region": objectivity_index(objectivity)["region"] if objectivity.computed.gt(0).any() else None,
            "by_municipality": dict(
                sorted(objectivity_index(objectivity, municipality).items(), key=lambda item: _collation_key(item[0]))
            ),
            "by_kind": _schools_by_sign_kind(objectivity),
        },
    }


def _schools_by_sign_kind(objectivity: Objectivity) -> dict[str, int]:
    """How many schools show at least one sign of each kind (for the note's conclusions)."""
    if objectivity.by_kind is None:
        return {}
    return {str(code): int((objectivity.by_kind[code] > 0).sum()) for code in objectivity.by_kind.columns}


def _not_evaluated(evaluation: Evaluation, indicators: pd.DataFrame, status: pd.Series) -> list[str]:
    """Criteria that could not be computed say so: a school is not `ok` silently for want of data."""
    judged = status != Status.INSUFFICIENT
    notes = []
    if judged.any() and not (indicators.loc[judged, "objectivity_computed"] > 0).any():
        notes.append("признаки необъективности не рассчитаны ни для одной школы: нужны данные по участникам (баллы, "
                     "отметки по журналу) и шкалы; в schools.csv objectivity_signs = 0, в result.json каждый признак "
                     "— «не рассчитан»")
    for leaf in evaluation.leaves:
        missing = leaf.value.isna() & judged
        if not missing.any():
            continue
        label = f"критерий «{leaf.text}» ({leaf.path})"
        if missing.sum() == judged.sum():
            why = leaf.note or "в данных нет нужных результатов"
            notes.append(f"{label} не рассчитан ни для одной школы: {why}")
        elif leaf.status is not Status.INSUFFICIENT and "core" in (getattr(leaf.criterion, "indicator", None) or ""):
            shown = ", ".join(list(missing.index[missing])[:10])
            notes.append(f"{label} не рассчитан для {int(missing.sum())} школ: {shown}")
    return notes


def _unnamed(schools: pd.DataFrame, registry: pd.DataFrame | None) -> list[str]:
    """Schools that no input names (a ФИС ОКО protocol gives only logins): the documents show their codes."""
    unnamed = int((schools["school_name"] == "").sum())
    if not unnamed:
        return []
    if registry is not None:
        where, remedy = "ни в файлах результатов, ни в реестре", "добавьте эти школы в реестр (--registry)"
    else:
        where, remedy = "во входных файлах", "укажите реестр школ: --registry (логин, наименование, муниципалитет)"
    return [
        (f"у {unnamed} из {len(schools)} школ нет наименования {where} (протоколы ФИС ОКО называют школу только "
         f"логином): в документах вместо наименования — логин; чтобы в приказе были наименования, {remedy}")
    ]


def _warnings(cube: Cube, registry: pd.DataFrame | None, history: History, logs: list[SheetLog]) -> list[str]:
    warnings = []
    if registry is not None:
        missing = sorted(set(cube.schools["school_id"]) - set(registry["school_id"]))
        if missing:
            shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
            warnings.append(f"в реестре нет {len(missing)} школ из файлов результатов: {shown}")
    for h in history.files:
        if h.rows == 0:  # a list of no school is a year without ШНОР, or the wrong file: either way, said
            warnings.append(f"история «{h.file}»: в перечне нет ни одной ШНОР — учтён как год, когда ни одна из школ "
                            "не была в перечне")
        for name in h.unmatched:
            warnings.append(f"история «{h.file}»: «{name}» не найдена среди школ — не учтена")
        for name, ids in h.ambiguous:
            warnings.append(f"история «{h.file}»: «{name}» подходит к нескольким школам ({', '.join(ids)}) — не учтена")
    for log in logs:
        where = log.file if log.sheet is None else f"{log.file} [{log.sheet}]"
        warnings.extend(f"{where}: {issue.text}" for issue in log.issues)
        warnings.extend(f"{where}: {note}" for note in log.notes)
    return warnings
