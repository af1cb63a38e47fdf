"""The view of the report that documents show (``shnor.render.context``): built once per document from the report
and the document settings, with every value ready to show. The HTML, Markdown and Word templates of a document get
the same view.

What the report layer works out (the findings, what it would take to leave the list, the conclusions) is asked for
here; a school's results per procedure come from ``Report.procedures_of``. Only the listed schools are looked at
one by one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from typing import Any

from shnor.render.context import (
    AppendixContext,
    AppendixMark,
    Issuer,
    ListRow,
    MentorRow,
    MentorsContext,
    Properties,
    SchoolList,
)
from shnor.render.formatting import count, date_ru, natural_key, unbreakable
from shnor.render.settings import DocumentSettings
from shnor.report.findings import findings, terms_of
from shnor.report.model import Report, SchoolResult, shown_name
from shnor.rules.words import Terms
from shnor.vocabulary import Status, genitive_name

# A picture for the format: PNG bytes and the box it must fit (width, height in mm) → what the template shows.
Images = Callable[[bytes, float, float], object]

BLANK = {
    "authority": "_" * 40,
    "order_number": "______",
    "order_date": "«___» ____________ 20___ г.",
    "signer": "________________",
    "signer_position": "_" * 28,
    "prepared_by": "________________",
    "prepared_by_position": "_" * 28,
    "phone": "______________",
}
TITLES = {
    Status.SHNOR.value: "Перечень общеобразовательных организаций с низкими образовательными результатами",
    Status.RISK.value: "Перечень общеобразовательных организаций, функционирующих в зоне риска снижения "
                       "образовательных результатов",
}
EMPTY = "Общеобразовательных организаций, отвечающих критериям, нет."


def settings_of(report: Report, settings: DocumentSettings | None) -> DocumentSettings:
    """The settings given now, or those the report was made with (result.json keeps them)."""
    if settings is not None:
        return settings
    return DocumentSettings.model_validate(report.document or {})


def issuer(report: Report, settings: DocumentSettings) -> Issuer:
    given = settings.model_dump()
    shown = {key: str(given[key]) if given.get(key) else blank for key, blank in BLANK.items()}
    if settings.order_date is not None:
        shown["order_date"] = settings.order_date.strftime("%d.%m.%Y")
    genitive = settings.authority_genitive or (genitive_name(settings.authority) if settings.authority else None)
    return Issuer(authority_genitive=genitive or BLANK["authority"], date=date_ru(report.generated), **shown)


def properties(report: Report, title: str) -> Properties:
    """The file's own properties: where the program's name and version go, instead of the pages."""
    return Properties(title, "ru-RU", f"shnor {report.tool.get('version', '')}; правила «{report.rules.get('name')}»")


def appendix_numbers(report: Report) -> dict[str, int]:
    """The order's appendices, numbered as they are produced: the list of each status the rules define (ШНОР, then
    the risk zone), then the mentors of the ШНОР."""
    statuses = report.rules.get("definition", {}).get("statuses", {})
    names = [s for s in (Status.SHNOR.value, Status.RISK.value) if s in statuses]
    if Status.SHNOR.value in names:
        names.append("mentors")
    return {name: number for number, name in enumerate(names, start=1)}


def mark(number: int, who: Issuer) -> AppendixMark:
    return AppendixMark(number, [f"Приложение № {number}", f"к приказу {who.authority_genitive}",
                                 f"от {who.order_date} № {who.order_number}"])


def window_words(report: Report) -> str:
    window = report.methodology["window"]
    return f"{window[0]}–{window[-1]} гг." if len(window) > 1 else f"{window[0]} г."


def ordered(schools: list[SchoolResult]) -> list[SchoolResult]:
    """By municipality, then by name, as people read names: «СОШ № 2» before «СОШ № 10»."""
    key = _natural_keys()
    return sorted(schools, key=lambda s: (key(s.municipality), key(s.school_name), s.school_id))


def _natural_keys() -> Callable[[object], tuple]:
    """``natural_key`` worked out once per distinct text (a municipality's name is shared by its schools)."""
    keys: dict[object, tuple] = {}

    def key(text: object) -> tuple:
        found = keys.get(text)
        if found is None:
            found = keys[text] = natural_key(text)
        return found

    return key


def listed(report: Report, status: str) -> list[SchoolResult]:
    return ordered([s for s in report.schools if s.status == status])


def list_rows(report: Report, schools: list[SchoolResult], terms: Terms) -> list[ListRow]:
    return [
        ListRow(n, school.municipality, school.shown_name, count(school.indicators.get("participants_core")),
                "; ".join(f.text for f in findings(report, school, terms)))
        for n, school in enumerate(schools, start=1)
    ]


def list_notes(report: Report, terms: Terms) -> list[str]:
    return [(f"Число участников — участники {terms.procedures} по русскому языку и математике за "
            f"{window_words(report)} (сумма по всем работам)."), *terms.notes()]


def appendix(report: Report, settings: DocumentSettings | None = None, images: Images | None = None) -> AppendixContext:
    who = issuer(report, settings_of(report, settings))
    terms = terms_of(report)
    numbers = appendix_numbers(report)
    subtitle = f"по результатам {terms.procedures} за {window_words(report)}"
    lists = [
        SchoolList(mark(numbers[status], who), TITLES[status], subtitle,
                   list_rows(report, listed(report, status), terms), EMPTY, list_notes(report, terms))
        for status in (Status.SHNOR.value, Status.RISK.value)
        if status in numbers
    ]
    return finished(AppendixContext(properties(report, "Перечни общеобразовательных организаций"), who, lists))


def mentor_rows(report: Report) -> list[MentorRow]:
    """Each ШНОР with each of its mentor schools (the subjects of one mentor together), numbered by ШНОР."""
    by_id = {s.school_id: s for s in report.schools if s.status == Status.SHNOR.value}
    entries = [(by_id[m["school_id"]], m) for m in report.mentors if m["school_id"] in by_id]
    rows = []
    for n, (school, entry) in enumerate(sorted(entries, key=lambda item: ordered_key(item[0])), start=1):
        pairs: dict[tuple[str, str], list[dict]] = {}
        for mentor in entry["mentors"]:
            name = shown_name(mentor["school_name"], mentor["school_id"])
            pairs.setdefault((name, mentor["municipality"]), []).append(mentor)
        found = [
            (name, municipality, ", ".join(m["subject"] for m in chosen), "; ".join(_basis(m) for m in chosen))
            for (name, municipality), chosen in pairs.items()
        ]
        found += [("не найдена", "", item["subject"] or "—", item["reason"].removeprefix("не найдена: "))
                  for item in entry.get("not_found", [])]
        for index, (name, municipality, subjects, basis) in enumerate(found):
            rows.append(MentorRow(str(n) if index == 0 else "", school.shown_name, school.municipality, name,
                                  municipality, subjects, basis, index == 0))
    return rows


def ordered_key(school: SchoolResult) -> tuple:
    return natural_key(school.municipality), natural_key(school.school_name), school.school_id


def _basis(mentor: dict) -> str:
    """The mentor's reason without the subject it starts with and the municipality words the columns show."""
    parts = [p for p in mentor["reason"].split("; ") if p not in ("тот же муниципалитет", "другой муниципалитет")]
    return "; ".join(parts)


def mentors(report: Report, settings: DocumentSettings | None = None, images: Images | None = None) -> MentorsContext:
    who = issuer(report, settings_of(report, settings))
    numbers = appendix_numbers(report)
    return finished(MentorsContext(
        properties(report, "Закрепление школ-наставников"), who,
        mark(numbers.get("mentors", max(numbers.values(), default=0) + 1), who),
        "Закрепление школ-наставников за общеобразовательными организациями с низкими образовательными результатами",
        mentor_rows(report), "ШНОР нет: школы-наставники не закрепляются.",
    ))


def finished(view: Any, done: dict[str, str] | None = None) -> Any:
    """The view with a no-break space wherever a line must not break (every text, however deep); ``done``: the texts
    made so already in this view (a municipality's name in every row of its schools)."""
    if done is None:
        done = {}
    kind = type(view)
    if kind is str:
        found = done.get(view)
        if found is None:
            found = done[view] = unbreakable(view)
        return found
    if kind in _AS_IT_IS:
        return view
    if isinstance(view, str):
        return unbreakable(view)
    if isinstance(view, list):
        return [finished(item, done) for item in view]
    if is_dataclass(view) and not isinstance(view, type):
        # as ``dataclasses.replace`` with every field but the picture finished (a country's list: 17 000 rows)
        return kind(**{name: finished(getattr(view, name), done) if name != "image" else getattr(view, name)
                       for name in _init_fields(kind)})
    return view


_AS_IT_IS = frozenset({int, float, bool, type(None)})


@functools.cache
def _init_fields(kind: type) -> tuple[str, ...]:
    found = fields(kind)
    if any(not f.init for f in found):  # ``replace`` would not take them: nor does a view have any
        raise ValueError(f"{kind.__name__}: a field that is not in __init__")
    return tuple(f.name for f in found)
