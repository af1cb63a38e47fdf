"""The report: plain data that serialises to result.json and feeds every renderer. Renderers compute nothing."""

from __future__ import annotations

import functools
import io
import json
import math
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, TextIO

import orjson

from shnor import __version__
from shnor.errors import UserError
from shnor.indicators.sign import Sign


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


@dataclass(slots=True)
class ProcedureResult:
    year: int
    assessment: str
    subject: str
    grade: int
    participants: int
    fail: int | None  # missing where the source table gave no usable count
    high: int | None
    fail_share: float | None
    high_share: float | None
    mean_score: float | None = None


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
    procedures: list[ProcedureResult]
    objectivity_signs: list[SignResult] = field(default_factory=list)
    objectivity_markers: list[str] = field(default_factory=list)
    recommendations: list[str] = field(default_factory=list)
    dynamics: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # "year"/"window" → indicator → change
    context: dict[str, Any] = field(default_factory=dict)  # --context: settlement, students, remoteness, …
    shnsu: bool | None = None  # школа в неблагоприятных социальных условиях (None: not computed)

    @property
    def shown_name(self) -> str:
        return shown_name(self.school_name, self.school_id)


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

    def procedures_of(self, school_id: str) -> list[ProcedureResult]:
        """A school's results per procedure and year of the window, in reading order. Renderers ask here, never the
        school itself: where these figures live (in each school, or in a table beside the report) is the model's own
        business."""
        school = self._school(school_id)
        return school.procedures if school is not None else []

    def _school(self, school_id: str) -> SchoolResult | None:
        by_id = self.__dict__.get("_by_id")
        if by_id is None or len(by_id) != len(self.schools):
            by_id = self.__dict__["_by_id"] = {school.school_id: school for school in self.schools}
        return by_id.get(school_id)

    def to_json(self) -> str:
        buffer = io.StringIO()
        self.write_json(buffer)
        return buffer.getvalue()

    def write_json(self, out: TextIO) -> None:
        """The report as JSON (indent 2), the schools last and written one by one, so that the whole tree is never
        built in memory (40 000 schools make hundreds of megabytes of it)."""
        head = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "schools"}
        body = _dumps(head)
        out.write(body[: body.rindex("\n}")])
        out.write(',\n  "schools": [')
        for number, school in enumerate(self.schools):
            out.write(("," if number else "") + "\n    " + _dumps(school).replace("\n", "\n    "))
        out.write("\n  ]\n}\n" if self.schools else "]\n}\n")

    @classmethod
    def load(cls, path: Path) -> Report:
        """A report saved as result.json (or the folder holding it), to render again. Anything else is named as
        what it is, in Russian."""
        path = Path(path)
        if path.is_dir():
            if not (path / "result.json").is_file():
                raise UserError(f"в папке «{path}» нет result.json.", hint=_LOAD_HINT)
            path = path / "result.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UserError(f"файл «{path}» не найден.", hint=_LOAD_HINT) from None
        except UnicodeDecodeError:
            raise UserError(f"«{path.name}» — не result.json shnor: это не текст в UTF-8.", hint=_LOAD_HINT) from None
        except json.JSONDecodeError as error:
            raise UserError(
                f"«{path.name}» — не result.json shnor: строка {error.lineno}, столбец {error.colno} — не JSON.",
                hint=_LOAD_HINT,
            ) from None
        except OSError as error:
            raise UserError(f"файл «{path}» не прочитан: {error.strerror}.", hint=_LOAD_HINT) from None
        tool = data.get("tool") if isinstance(data, dict) else None
        if not isinstance(tool, dict) or tool.get("name") != "shnor" or not isinstance(data.get("schools"), list):
            raise UserError(f"«{path.name}» — не результат shnor: в нём нет разделов tool и schools.", hint=_LOAD_HINT)
        try:
            schools = [
                SchoolResult(
                    **{
                        **s,
                        "criteria": [CriterionResult(**c) for c in s["criteria"]],
                        "procedures": [ProcedureResult(**p) for p in s["procedures"]],
                        "objectivity_signs": [SignResult(**x) for x in s.get("objectivity_signs", [])],
                    }
                )
                for s in data["schools"]
            ]
            return cls(**{**data, "schools": schools, "inputs": [InputFile(**f) for f in data["inputs"]]})
        except (ValueError, KeyError, TypeError, AttributeError):
            raise UserError(
                f"«{path.name}» записан shnor {tool.get('version', '?')} и не читается этой версией "
                f"({__version__}).",
                hint="Пересчитайте результат этой версией: shnor identify.",
            ) from None


_LOAD_HINT = "Укажите result.json из папки, которую записала команда shnor identify."


def _dumps(value: Any) -> str:
    """JSON with indent 2 (orjson: the standard library's encoder is pure Python once it indents)."""
    return orjson.dumps(_clean(value), option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode("utf-8")


def _clean(value: Any) -> Any:
    """Dataclasses → dicts, NaN → null, floats rounded to 6 places, so that the file is stable and valid JSON."""
    kind = type(value)
    if kind in _AS_THEY_ARE:  # most values: looked at once, by type
        return value
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
