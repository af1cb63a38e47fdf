"""The report: plain data that serialises to result.json and feeds every renderer. Renderers compute nothing."""

from __future__ import annotations

import codecs
import functools
import gc
import io
import json
import math
import os
import re
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, is_dataclass
from itertools import chain, repeat
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any, TextIO

import orjson

from shnor import __version__
from shnor.errors import UserError
from shnor.indicators.sign import Sign
from shnor.report.procedures import FILE_NAME as PROCEDURES_FILE
from shnor.report.procedures import ProcedureResult, Procedures

__all__ = ["CriterionColumn", "CriterionResult", "InputFile", "ProcedureResult", "Procedures", "Report",
           "SchoolColumns", "SchoolResult", "SignResult"]


@dataclass(slots=True)
class CriterionResult:
    """One leaf criterion for one school. ``value`` and ``threshold`` are in ``unit`` (``shnor.vocabulary.Unit``):
    ``share`` a fraction 0..1, ``pp`` a difference of fractions, ``count``, ``score``, ``points`` (a difference of
    scores), ``number``, ``flag``; ``participants`` — what a share or a mean rests on."""

    path: str  # where the criterion sits in the rules: "shnor.of[0].of[1]"
    status: str
    label: str
    op: str
    value: float | None
    threshold: float | None
    met: bool
    details: list[str] = field(default_factory=list)
    unit: str = "number"
    participants: int | None = None


# One of the 14 signs of non-objective marking for one school: «есть», «нет» or «не рассчитан» (with why); the
# objects the signs were computed as (see ``shnor.indicators.sign``).
SignResult = Sign


@dataclass(slots=True)
class SchoolResult:
    school_id: str
    school_name: str
    municipality: str
    school_type: str
    status: str
    status_label: str
    indicators: dict[str, float | int | None]
    reasons: str
    criteria: list[CriterionResult]
    objectivity_signs: list[SignResult] = field(default_factory=list)
    objectivity_markers: list[str] = field(default_factory=list)
    recommendations: list[str] = field(default_factory=list)
    dynamics: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # "year"/"window" → indicator → change
    context: dict[str, Any] = field(default_factory=dict)  # --context: settlement, students, remoteness, …
    shnsu: bool | None = None  # школа в неблагоприятных социальных условиях (None: not computed)

    @property
    def shown_name(self) -> str:
        return shown_name(self.school_name, self.school_id)


@contextmanager
def collector_paused() -> Iterator[None]:
    """The garbage collector off for the block (and on after, if it was before): while a country's report is made
    and written, most of what is made lives to the end (millions of objects, none of them garbage); the collector
    would look at all of them again each time their number grows by a quarter. What is freed is freed anyway."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def shown_name(school_name: str, school_id: str) -> str:
    """The name a document prints: the school's own, or — where no input named it (a ФИС ОКО protocol without a
    registry gives only the login) — the code, said to be one, never a blank cell in an order."""
    return school_name or f"{school_id} (наименования нет во входных файлах)"


@dataclass
class InputFile:
    file: str
    sha256: str
    role: str  # results | registry | history
    sheets: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Saved:
    """The schools as a result.json said them (one line each), kept by ``Report.load`` so that ``shnor render``
    writes the same schools again without making JSON of 40 000 of them: used only while the report's ``schools``
    is the very list that was read (``dataclasses.replace`` of other fields keeps it; new schools do not).
    ``block`` — the schools' lines as the file has them, joined by «,» and a line break."""

    schools: list[SchoolResult]
    criteria: dict[str, dict]
    signs: dict[str, dict]
    block: memoryview | bytes

    def __reduce__(self):
        # a view of the bytes read does not pickle (nor deep-copy): the bytes themselves do
        return Saved, (self.schools, self.criteria, self.signs, bytes(self.block))


@dataclass
class Report:
    tool: dict[str, str]
    generated: str  # ISO date, injected
    rules: dict[str, Any]
    methodology: dict[str, Any]
    inputs: list[InputFile]
    history: list[dict[str, Any]]
    summary: dict[str, Any]
    schools: list[SchoolResult]
    warnings: list[str]
    aggregates: list[dict[str, Any]] = field(default_factory=list)  # per procedure: region and each municipality
    dynamics: dict[str, Any] | None = None  # against the previous list (--history)
    mentors: list[dict[str, Any]] = field(default_factory=list)  # suggested mentor schools per ШНОР
    context_groups: list[dict[str, Any]] = field(default_factory=list)  # schools by settlement type (--context)
    reading: list[dict[str, Any]] = field(default_factory=list)  # per sheet read: rows taken, set aside, left out
    overview: dict[str, Any] = field(default_factory=dict)  # the data used and the main indicators by year
    document: dict[str, str] = field(default_factory=dict)  # the document settings (--document): who issues, signs
    # per school, procedure and year of the window: procedures.parquet beside result.json, not in it
    procedures: Procedures = field(default_factory=lambda: Procedures(None))
    saved: Saved | None = field(default=None, repr=False, compare=False)  # the schools as read from result.json

    def procedures_of(self, school_id: str) -> list[ProcedureResult]:
        """A school's results per procedure and year of the window, in reading order. Renderers ask here, never the
        school itself: the figures live in a table beside the report (``Procedures``), made into objects only for
        the school asked about."""
        return self.procedures.of(school_id)

    def to_json(self) -> str:
        buffer = io.StringIO()
        self.write_json(buffer)
        return buffer.getvalue()

    def write_json(self, out: TextIO) -> None:
        """The report as JSON (format ``RESULT_FORMAT``): the sections before the schools indented (they are small and
        read by people), then one line per school without spaces, written one by one so that the whole tree is never
        built in memory. What is the same for most schools is said once at the top: per criterion path its status,
        label, operator, unit and threshold (``criteria``), per sign code its label, status and reason (``signs``);
        a school repeats only what differs (a threshold relative to its municipality, a sign's figures, status or
        reason)."""
        saved = self.saved if self.saved is not None and self.saved.schools is self.schools else None
        criteria, signs = (saved.criteria, saved.signs) if saved is not None else _shared(self.schools)
        shared = _shared_tuples(criteria, signs) if saved is None else None
        head = {
            "format": RESULT_FORMAT,
            "procedures_rows": self.procedures.rows,  # ties the file to its procedures.parquet
            **{f.name: getattr(self, f.name) for f in fields(self) if f.name not in _NOT_IN_HEAD},
            "criteria": criteria,
            "signs": signs,
        }
        body = _dumps_read(head) if saved is not None else _dumps(head)
        out.write(body[: body.rindex("\n}")])
        out.write(',\n  "schools": [')
        if saved is not None:
            _write_lines(out, (b"\n", saved.block))
        else:
            _write_lines(out, _joined(_lines_of(self.schools, criteria, signs, shared)))
        out.write("\n]\n}\n" if self.schools else "]\n}\n")

    @classmethod
    def load(cls, path: Path, *, procedures: bool = True) -> Report:
        """A report saved as result.json with procedures.parquet beside it (or the folder holding them), to render
        again. Anything else is named as what it is, in Russian. ``procedures=False`` (``compare``: statuses only)
        does not ask for procedures.parquet."""
        path = Path(path)
        if path.is_dir():
            if not (path / "result.json").is_file():
                raise UserError(f"в папке «{path}» нет result.json.", hint=_LOAD_HINT)
            path = path / "result.json"
        with collector_paused():  # a million new objects, none of them garbage: it would look at them again and again
            return cls._load(path, procedures)

    @classmethod
    def _load(cls, path: Path, procedures: bool) -> Report:
        try:
            raw = path.read_bytes()
            data = orjson.loads(raw)  # orjson checks UTF-8 itself: a file that is not UTF-8 is told apart below
        except FileNotFoundError:
            raise UserError(f"файл «{path}» не найден.", hint=_LOAD_HINT) from None
        except json.JSONDecodeError as error:
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                raise UserError(f"«{path.name}» — не result.json shnor: это не текст в UTF-8.",
                                hint=_LOAD_HINT) from None
            raise UserError(
                f"«{path.name}» — не result.json shnor: строка {error.lineno}, столбец {error.colno} — не JSON.",
                hint=_LOAD_HINT,
            ) from None
        except OSError as error:
            raise UserError(f"файл «{path}» не прочитан: {error.strerror}.", hint=_LOAD_HINT) from None
        tool = data.get("tool") if isinstance(data, dict) else None
        if not isinstance(tool, dict) or tool.get("name") != "shnor" or not isinstance(data.get("schools"), list):
            raise UserError(f"«{path.name}» — не результат shnor: в нём нет разделов tool и schools.", hint=_LOAD_HINT)
        if data.get("format") != RESULT_FORMAT:
            raise UserError(
                f"«{path.name}» записан {_writer(tool)} в прежнем формате (результаты по процедурам "
                f"внутри result.json) и не читается этой версией ({__version__}).",
                hint="Пересчитайте результат этой версией: shnor identify.",
            )
        table = Procedures.open(path.parent / PROCEDURES_FILE) if procedures else Procedures(None, None)
        expected = data.pop("procedures_rows", None)
        if procedures and isinstance(expected, int) and table.rows != expected:
            raise UserError(
                f"«{PROCEDURES_FILE}» рядом с «{path.name}» — из другого запуска: строк процедур в нём {table.rows}, "
                f"а в result.json записано {expected}.",
                hint="Положите рядом файлы одного запуска (или пересчитайте: shnor identify).",
            )
        try:
            criteria, signs = data.pop("criteria"), data.pop("signs")
            del data["format"]
            reader = _Reader(criteria, signs)
            schools = [reader.school(s) for s in data["schools"]]
            inputs = [InputFile(**f) for f in data["inputs"]]
            block = _school_block(raw, len(schools))
            saved = Saved(schools, criteria, signs, block) if block is not None else None
            return cls(**{**data, "schools": schools, "inputs": inputs, "procedures": table, "saved": saved})
        except (ValueError, KeyError, TypeError, AttributeError):
            if tool.get("version") == __version__:
                raise UserError(
                    f"«{path.name}» повреждён или изменён вручную: в нём нет нужных разделов или они не того вида.",
                    hint="Пересчитайте результат: shnor identify.",
                ) from None
            raise UserError(
                f"«{path.name}» записан {_writer(tool)} и не читается этой версией "
                f"({__version__}).",
                hint="Пересчитайте результат этой версией: shnor identify.",
            ) from None


# Version of result.json's layout: 2 — per-procedure figures in procedures.parquet, what schools share said once.
RESULT_FORMAT = 2
_CRITERION_SHARED = ("status", "label", "op", "unit", "threshold")
_SIGN_SHARED = ("label", "status", "reason")
_NOT_IN_HEAD = ("schools", "procedures", "saved")
_SCHOOLS_START = b'\n  "schools": [\n'
_SCHOOLS_END = b"\n]\n}"


def _school_block(raw: bytes, count: int) -> memoryview | None:
    """The schools' lines of a result.json as ``write_json`` wrote them (a school a line, each line but the last
    ending in «,»), as a view of the file's bytes (not a copy of most of them); None for a file laid out otherwise
    (edited and indented again, say), whose schools are then written anew. The file is valid JSON already
    (``orjson`` read it): counting line breaks is enough."""
    start, end = raw.find(_SCHOOLS_START), raw.rfind(_SCHOOLS_END)
    if start < 0 or end < start or count == 0:
        return None
    start += len(_SCHOOLS_START)
    lines = count - 1
    if (not raw.startswith(_SCHOOL_LINE, start) or raw.count(b"\n", start, end) != lines
            or raw.count(b",\n" + _SCHOOL_LINE, start, end) != lines):
        return None
    return memoryview(raw)[start:end]


_SCHOOL_LINE = b'{"school_id":'


_SCHOOL_FIELDS = [f.name for f in fields(SchoolResult)]
# A school's line: its fields in their order, criteria and signs in the compact form of ``_school_entry``
_BEFORE_CRITERIA = tuple(_SCHOOL_FIELDS[: _SCHOOL_FIELDS.index("criteria")])
_AFTER_SIGNS = tuple(_SCHOOL_FIELDS[_SCHOOL_FIELDS.index("objectivity_signs") + 1:])


def _shared(schools: list[SchoolResult]) -> tuple[dict[str, dict], dict[str, dict]]:
    """Per criterion path and per sign code, the value of each shared field that most schools have (the first one
    met among equally common values)."""
    columns = _columns_of(schools)
    if columns is not None:
        criteria = {c.path: {"status": c.status, "label": c.label, "op": c.op, "unit": c.unit,
                             "threshold": c.threshold if c.thresholds is None else _mode(c.thresholds)}
                    for c in columns.columns}
    else:
        by_path: dict[str, list[CriterionResult]] = {}
        for school in schools:
            for c in school.criteria:
                found = by_path.get(c.path)
                if found is None:
                    found = by_path[c.path] = []
                found.append(c)
        criteria = {key: {n: _mode(map(attrgetter(n), items)) for n in _CRITERION_SHARED}
                    for key, items in by_path.items()}
    return criteria, _shared_signs(schools)


def _mode(values: Iterable) -> Any:
    # Counter counts in the order given: its most common value is the first met among the equally common ones
    return Counter(values).most_common(1)[0][0]


def _shared_signs(schools: list[SchoolResult]) -> dict[str, dict]:
    """``_shared`` of the signs. Most schools share their sign objects (a country without scores: 560 000 signs, 20
    objects): each object is counted, then looked at once, weighted by how often it was met — in the order first met,
    so that the first value met still wins a tie."""
    signs = list(chain.from_iterable(map(attrgetter("objectivity_signs"), schools)))
    met = Counter(map(id, signs))
    by_id = dict(zip(map(id, signs), signs))
    by_code: dict[str, list[tuple[SignResult, int]]] = {}
    for key, count in met.items():
        sign = by_id[key]
        found = by_code.get(sign.code)
        if found is None:
            found = by_code[sign.code] = []
        found.append((sign, count))
    shared = {}
    for code, found in by_code.items():
        shared[code] = {}
        for name in _SIGN_SHARED:
            counted: Counter = Counter()
            for sign, count in found:
                counted[getattr(sign, name)] += count
            shared[code][name] = counted.most_common(1)[0][0]
    return shared


def _school_entry(
    school: SchoolResult, criteria: dict[str, dict], signs: dict[str, dict], shared: _SharedTuples | None = None,
    made: list[dict[str, Any]] | None = None, said: dict | None = None, figures: dict[int, dict] | None = None,
) -> dict[str, Any]:
    """A school's line as a JSON-ready dict (``_clean`` already applied: a country has 40 000 of them). ``shared``:
    the values at the top as tuples (``_shared_tuples``), made once per file by ``write_json``; ``made``: the
    school's criteria entries, where they are made from columns (``_column_entries``); ``said``: what the signs of
    the schools written before say, by the sign objects' identity (one dict for the whole file: most schools share
    their sign objects); ``figures``: the signs' figures as ``_clean`` makes them, by the sign objects' identity, where
    they were made for many schools at once (``_figures_cleaned``)."""
    criteria_shared, signs_shared = shared if shared is not None else _shared_tuples(criteria, signs)
    entry: dict[str, Any] = {name: _leaf(getattr(school, name)) for name in _BEFORE_CRITERIA}
    if made is None:
        made = [_criterion_entry(c, criteria[c.path], criteria_shared[c.path]) for c in school.criteria]
    entry["criteria"] = made
    found = school.objectivity_signs
    key = tuple(map(id, found))
    told = said.get(key) if said is not None else None
    if told is None:
        # the signs that say more than the shared values (figures, another status or reason); a school whose codes
        # are not those at the top, in that order, names its own (``sign_codes``)
        told = ([_sign_entry(x, signs[x.code], figures) for x in found
                 if x.figures or (x.label, x.status, x.reason) != signs_shared[x.code]],
                [x.code for x in found])
        if told[1] == list(signs):
            told = (told[0], None)
        if said is not None:
            said[key] = (*told, found)  # the signs kept alive with it: their ids are not given to other objects
    entry["objectivity_signs"] = told[0]
    if told[1] is not None:
        entry["sign_codes"] = told[1]
    for name in _AFTER_SIGNS:
        entry[name] = _leaf(getattr(school, name))
    return entry


_SharedTuples = tuple[dict[str, tuple], dict[str, tuple]]


def _shared_tuples(criteria: dict[str, dict], signs: dict[str, dict]) -> _SharedTuples:
    return ({path: tuple(values[n] for n in _CRITERION_SHARED) for path, values in criteria.items()},
            {code: tuple(values[n] for n in _SIGN_SHARED) for code, values in signs.items()})


def _criterion_entry(c: CriterionResult, shared: dict[str, Any], as_tuple: tuple | None = None) -> dict[str, Any]:
    value = c.value
    entry: dict[str, Any] = {"path": _leaf(c.path), "value": value if type(value) in _AS_THEY_ARE else _clean(value),
                             "met": _leaf(c.met)}
    if c.participants is not None:
        entry["participants"] = _leaf(c.participants)
    if c.details:
        entry["details"] = _leaf(c.details)
    own = (c.status, c.label, c.op, c.unit, c.threshold)
    # all five as at the top: nothing more to say (a threshold that is not equal to itself, NaN, is looked at below)
    if own == as_tuple and c.threshold == c.threshold:
        return entry
    for name in _CRITERION_SHARED:
        value = getattr(c, name)
        if value != shared[name]:
            entry[name] = _leaf(value)
    return entry


def _sign_entry(sign: SignResult, shared: dict[str, Any], figures: dict[int, dict] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"code": _leaf(sign.code)}
    for name in _SIGN_SHARED:
        value = getattr(sign, name)
        if value != shared[name]:
            entry[name] = _leaf(value)
    if sign.figures:
        cleaned = figures.get(id(sign)) if figures is not None else None
        entry["figures"] = cleaned if cleaned is not None else _leaf(sign.figures)
    return entry


def _figures_cleaned(schools: list[SchoolResult]) -> dict[int, dict]:
    """The figures of the schools' signs as ``_clean`` makes them, by the sign objects' identity: all their values
    rounded at once (``_cleaned``), not one ``round`` each (a region's 1 000 schools have 30 000 of them)."""
    signs = list(filter(_FIGURES, chain.from_iterable(map(_SIGNS, schools))))  # a country's 560 000: looked at in C
    if not signs:
        return {}
    figures = list(map(_FIGURES, signs))
    values = iter(_cleaned(list(chain.from_iterable(map(dict.values, figures)))))
    # each sign's names paired with the next of the values: ``zip`` stops at the last name, taking no value more
    return dict(zip(map(id, signs), map(dict, map(zip, figures, repeat(values)))))


_FIGURES, _SIGNS = attrgetter("figures"), attrgetter("objectivity_signs")


class _Reader:
    """Schools as written by ``_school_entry``: what a school does not say is the shared value at the top. Built once
    per file (the shared values as tuples), then a few dictionary lookups per criterion and sign: a country's
    schools have a million of them. A school's criteria and signs become objects when first asked for (``_Read``):
    a country's documents look at the listed schools only, and its machine files at none."""

    def __init__(self, criteria: dict[str, dict], signs: dict[str, dict]) -> None:
        self.criteria = {path: tuple(shared[n] for n in _CRITERION_SHARED) for path, shared in criteria.items()}
        self.signs = {code: tuple(shared[n] for n in _SIGN_SHARED) for code, shared in signs.items()}
        self.codes = list(signs)

    def school(self, entry: dict[str, Any]) -> SchoolResult:
        if "sign_codes" in entry and entry["sign_codes"] is None:
            raise TypeError("sign_codes is null")  # absent means the codes at the top; null is no list of codes
        criteria, said, codes = entry.pop("criteria"), entry.pop("objectivity_signs"), entry.pop("sign_codes", None)
        # what would keep them from becoming objects is named now, as the whole file is read (each a loop in C: a
        # KeyError or TypeError where a criterion or a sign lacks what it needs, False for a path or code unknown;
        # a sign's code hashed, as ``signs_of`` keys them by it)
        deque(map(_PATH_VALUE_MET, criteria), maxlen=0)
        deque(map(hash, map(_CODE, said)), maxlen=0)
        if not self.criteria.keys() >= set(map(_PATH, criteria)) or (
                codes is not None and not self.signs.keys() >= set(codes)):
            raise KeyError("a criterion's path or a sign's code is not at the top")
        school = _Read(criteria=_LATER, objectivity_signs=_LATER, **entry)
        school._criteria_said, school._signs_said, school._reader = criteria, (said, codes), self
        return school

    def criteria_of(self, said: list[dict[str, Any]]) -> list[CriterionResult]:
        made = []
        for c in said:
            status, label, op, unit, threshold = self.criteria[c["path"]]
            if len(c) > 3:  # path, value, met and something more
                status, label, op = c.get("status", status), c.get("label", label), c.get("op", op)
                unit, threshold = c.get("unit", unit), c.get("threshold", threshold)
                made.append(CriterionResult(c["path"], status, label, op, c["value"], threshold, c["met"],
                                            c.get("details", []), unit, c.get("participants")))
            else:
                made.append(CriterionResult(c["path"], status, label, op, c["value"], threshold, c["met"], [], unit))
        return made

    def signs_of(self, said: list[dict[str, Any]], codes: list[str] | None) -> list[SignResult]:
        own_of = {x["code"]: x for x in said}
        found = []
        for code in codes if codes is not None else self.codes:
            label, status, reason = self.signs[code]
            own = own_of.get(code)
            if own is None:
                found.append(SignResult(code, label, status, reason, {}))
            else:
                found.append(SignResult(code, own.get("label", label), own.get("status", status),
                                        own.get("reason", reason), own.get("figures", {})))
        return found


_PATH_VALUE_MET, _PATH, _CODE = itemgetter("path", "value", "met"), itemgetter("path"), itemgetter("code")
_LATER: list = []  # what ``_Reader.school`` gives the fields made when first asked for (never kept)
_CRITERIA_SLOT = SchoolResult.__dict__["criteria"]
_SIGNS_SLOT = SchoolResult.__dict__["objectivity_signs"]


class _Read(SchoolResult):
    """A school read from result.json whose criteria and signs are made into objects when first asked for (or made by
    ``identify``, whose criteria are columns until then: ``SchoolColumns``); in every other way a ``SchoolResult``
    (equal to one with the same fields, pickled and copied as one)."""

    __slots__ = ("_criteria_said", "_reader", "_signs_said")

    @property
    def criteria(self) -> list[CriterionResult]:
        if self._criteria_said is not None:
            _CRITERIA_SLOT.__set__(self, self._reader.criteria_of(self._criteria_said))
            self._criteria_said = None
        return _CRITERIA_SLOT.__get__(self)

    @criteria.setter
    def criteria(self, value: list[CriterionResult]) -> None:
        self._criteria_said = None
        _CRITERIA_SLOT.__set__(self, value)

    @property
    def objectivity_signs(self) -> list[SignResult]:
        if self._signs_said is not None:
            _SIGNS_SLOT.__set__(self, self._reader.signs_of(*self._signs_said))
            self._signs_said = None
        return _SIGNS_SLOT.__get__(self)

    @objectivity_signs.setter
    def objectivity_signs(self, value: list[SignResult]) -> None:
        self._signs_said = None
        _SIGNS_SLOT.__set__(self, value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SchoolResult):
            return NotImplemented
        return _values(self) == _values(other)

    __hash__ = None  # as a SchoolResult's: mutable

    def __reduce__(self):
        return SchoolResult, _values(self)


@dataclass(frozen=True, slots=True)
class CriterionColumn:
    """One leaf criterion's results for every school of a ``SchoolColumns``, in its order: what does not depend on
    the school once, the rest as lists (``thresholds`` None where one ``threshold`` is every school's; ``details``
    None for a school without; ``participants`` None where the criterion rests on none)."""

    path: str
    status: str
    label: str
    op: str
    unit: str
    values: Sequence[Any]
    met: Sequence[bool]
    details: Sequence[list[str] | None]
    threshold: Any = None
    thresholds: Sequence[Any] | None = None
    participants: Sequence[int | None] | None = None

    def result(self, index: int) -> CriterionResult:
        threshold = self.threshold if self.thresholds is None else self.thresholds[index]
        details = self.details[index]
        return CriterionResult(self.path, self.status, self.label, self.op, self.values[index], threshold,
                               self.met[index], [] if details is None else details, self.unit,
                               None if self.participants is None else self.participants[index])


class SchoolColumns:
    """The criteria of a report's schools as columns (``shnor.report.build._school_results``): a school's
    ``CriterionResult`` objects are made when first asked for (a country's 40 000 schools have 360 000 of them, and
    ``identify --format none`` asks for none), and result.json writes every school's line from the columns
    (``_lines_of``) while no school's criteria have been asked for or set; otherwise every line from the objects."""

    def __init__(self, columns: list[CriterionColumn]) -> None:
        self.columns = columns

    def criteria_of(self, index: int) -> list[CriterionResult]:
        return [column.result(index) for column in self.columns]

    def schools(self, rows: Iterable[tuple]) -> list[SchoolResult]:
        """A school per row of ``school_id, school_name, municipality, school_type, status, status_label,
        indicators, reasons, objectivity_signs, objectivity_markers``, the row's number its index in the columns."""
        made = []
        for index, (sid, name, municipality, kind, status, label, indicators, reasons, signs, markers) in enumerate(
                rows):
            school = _Read(sid, name, municipality, kind, status, label, indicators, reasons, _LATER, signs, markers)
            school._criteria_said, school._signs_said, school._reader = index, None, self
            made.append(school)
        return made


def _columns_of(schools: list[SchoolResult]) -> SchoolColumns | None:
    """The columns that every school's criteria are still in, in the columns' order (none asked for, none set);
    None if any school's are objects (then all are written from objects), or if there are no columns (rules without
    criteria: no column to make the schools' lines from)."""
    first = schools[0] if schools else None
    # (a school's ``_reader`` is there only while its ``_criteria_said`` is: ``dataclasses.replace`` makes one without)
    if type(first) is not _Read or first._criteria_said is None or not isinstance(first._reader, SchoolColumns):
        return None
    columns = first._reader
    paths = [c.path for c in columns.columns]
    if not paths or len(set(paths)) != len(paths):
        return None
    for index, school in enumerate(schools):
        if type(school) is not _Read or school._criteria_said != index or school._reader is not columns:
            return None
    return columns


def _column_entries(column: CriterionColumn, shared: dict[str, Any], as_tuple: tuple, start: int,
                    stop: int) -> list[dict[str, Any]]:
    """``_criterion_entry`` of the schools ``start:stop`` of a column, without making their ``CriterionResult``."""
    path, status, label, op, unit = column.path, column.status, column.label, column.op, column.unit
    thresholds = repeat(column.threshold) if column.thresholds is None else column.thresholds[start:stop]
    bases = repeat(None) if column.participants is None else column.participants[start:stop]
    made = []
    for value, met, details, threshold, participants in zip(_cleaned(column.values[start:stop]),
                                                           column.met[start:stop], column.details[start:stop],
                                                           thresholds, bases):
        entry: dict[str, Any] = {"path": path, "value": value, "met": met}
        if participants is not None:
            entry["participants"] = _leaf(participants)
        if details:
            entry["details"] = _leaf(details)
        own = (status, label, op, unit, threshold)
        if own != as_tuple or threshold != threshold:  # noqa: PLR0124 (NaN is not equal to itself)
            for name, value in zip(_CRITERION_SHARED, own):
                if value != shared[name]:
                    entry[name] = _leaf(value)
        made.append(entry)
    return made


def _cleaned(values: Sequence[Any]) -> list:
    """``_leaf`` of each value. Floats and None (what a criterion's values are) are rounded to 6 places all at once:
    ``rint(x · 10⁶) / 10⁶`` is what ``round(x, 6)`` gives (the nearest float to N / 10⁶, N the nearest whole number
    to x · 10⁶) wherever x · 10⁶ as computed is not within a few of its last bits of halfway between two whole
    numbers; those (and values too big to be so rounded) go through ``round`` itself."""
    import numpy as np

    if not set(map(type, values)) <= _FLOATS:
        return [_leaf(value) for value in values]
    scaled = np.array(values, dtype=np.float64) * 1e6  # None: NaN
    size = np.abs(scaled)
    with np.errstate(invalid="ignore"):
        doubt = ~(size < _EXACT) | (np.abs(size - np.floor(size) - 0.5) <= size * 2.0**-48)
    cleaned = (np.rint(scaled) / 1e6).tolist()
    for index in np.flatnonzero(doubt).tolist():
        cleaned[index] = _leaf(values[index])
    return cleaned


_FLOATS = frozenset({float, type(None)})
_EXACT = 2.0**52  # above this, x · 10⁶ is a whole number already, but not necessarily the right one


def _values(school: SchoolResult) -> tuple:
    return tuple(getattr(school, name) for name in _SCHOOL_FIELDS)


def _writer(tool: dict) -> str:
    """«shnor 0.1.0», or where the file names no version, «другой версией shnor»."""
    version = tool.get("version")
    return f"shnor {version}" if isinstance(version, str) and version else "другой версией shnor"


_LOAD_HINT = "Укажите result.json из папки, которую записала команда shnor identify."


def _dumps(value: Any) -> str:
    """JSON with indent 2 (orjson: the standard library's encoder is pure Python once it indents)."""
    return orjson.dumps(_clean(value), option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode("utf-8")


def _dumps_read(head: dict[str, Any]) -> str:
    """``_dumps`` of the top of a report read from result.json, without going through every value in Python: what
    was read is JSON already (no NaN, no numpy, no dataclasses but the inputs), so orjson writes it as it is — unless
    some number is not as ``_clean`` leaves it (more than 6 decimal places, or an exponent: a file edited by hand,
    or what was put into the report since), and then it is written the slow way, as before."""
    try:
        text = orjson.dumps({**head, "inputs": _clean(head["inputs"])},
                            option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)
    except (TypeError, KeyError):
        return _dumps(head)
    return _dumps(head) if _not_rounded(text) else text.decode("utf-8")


def _not_rounded(text: bytes) -> bool:
    """Whether some number in orjson's JSON has more than 6 decimal places or an exponent (orjson writes one as
    «1e-7», «1.5e+300»). The same characters inside a string only cost the slow way."""
    return b"e-" in text or b"e+" in text or _SEVEN_PLACES.search(text) is not None


_SEVEN_PLACES = re.compile(rb"\.\d{7}")


def _lines_of(schools: list[SchoolResult], criteria: dict[str, dict], signs: dict[str, dict],
              shared: _SharedTuples, size: int = 4096) -> Iterator[bytes]:
    """Each school's line of result.json, as UTF-8 (orjson's own bytes, not decoded). Criteria not yet made into
    objects (``SchoolColumns``) are written from their columns, ``size`` schools at a time."""
    said: dict = {}
    columns = _columns_of(schools)
    for start in range(0, len(schools), size):
        part = schools[start:start + size]
        if columns is not None:
            made = map(list, zip(*(_column_entries(c, criteria[c.path], shared[0][c.path], start, start + len(part))
                                   for c in columns.columns)))
        else:
            made = repeat(None)
        figures = _figures_cleaned(part)
        for school, own in zip(part, made):
            entry = _school_entry(school, criteria, signs, shared, own, said, figures)
            yield orjson.dumps(entry, option=orjson.OPT_NON_STR_KEYS)


def _joined(lines: Iterable[bytes], size: int = 2000) -> Iterator[bytes]:
    """The schools' lines as ``write_json`` lays them out (each after a line break, a comma after all but the last),
    a few thousand at a time: fewer writes than lines, never the whole list in one piece."""
    batch: list[bytes] = []
    first = True
    for line in lines:
        batch.append(line)
        if len(batch) == size:
            yield (b"\n" if first else b",\n") + b",\n".join(batch)
            batch, first = [], False
    if batch:
        yield (b"\n" if first else b",\n") + b",\n".join(batch)


def _write_lines(out: TextIO, chunks: Iterable[bytes | memoryview]) -> None:
    """The schools' lines, made now (``_joined``) or as read (``Saved.block``): straight into the file's bytes where
    the text would be written as they are (UTF-8, «\\n» left as it is), else as text (a country's are 90 MB)."""
    buffer = getattr(out, "buffer", None)
    if (isinstance(out, io.TextIOWrapper) and buffer is not None and os.linesep == "\n"
            and codecs.lookup(out.encoding).name == "utf-8"):
        out.flush()
        buffer.writelines(chunks)
    else:
        out.writelines(str(chunk, "utf-8") for chunk in chunks)


def _compact(value: Any) -> str:
    """JSON on one line, without spaces."""
    return orjson.dumps(_clean(value), option=orjson.OPT_NON_STR_KEYS).decode("utf-8")


def _compact_clean(value: Any) -> str:
    """``_compact`` of a value that ``_clean`` has made already."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")


def _clean(value: Any) -> Any:
    """Dataclasses → dicts, NaN → null, floats rounded to 6 places, so that the file is stable and valid JSON."""
    kind = type(value)
    if kind in _AS_THEY_ARE:  # most values: looked at once, by type
        return value
    if kind is float:  # most of the rest, without the calls below
        return round(value, 6) if math.isfinite(value) else None
    if kind is dict:  # the items as ``_leaf`` makes them, without a call for each
        return {k: v if type(v) in _AS_THEY_ARE else _clean(v) for k, v in value.items()}
    if isinstance(value, float):  # numpy's floats too
        return round(float(value), 6) if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _leaf(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_leaf(v) for v in value]
    names = _field_names(kind)
    if names is not None:
        return {name: _leaf(getattr(value, name)) for name in names}
    return value


def _leaf(value: Any) -> Any:
    """``_clean`` without a call for the plain values that most fields and items are (a country has millions)."""
    return value if type(value) in _AS_THEY_ARE else _clean(value)


_AS_THEY_ARE = frozenset({str, int, bool, type(None)})


@functools.cache
def _field_names(kind: type) -> tuple[str, ...] | None:
    """The fields of a dataclass; None for any other type."""
    return tuple(f.name for f in fields(kind)) if is_dataclass(kind) else None
