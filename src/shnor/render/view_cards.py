"""The school cards' view: per listed school (the ШНОР list, then the risk zone, in the order of the appendix), its
results by procedure with a column per year, the criteria it met in words, its objectivity signs, its dynamics in
percentage points with why, what it would take to leave the list and the recommendations built from what was found."""

from __future__ import annotations

from shnor.ingest.base import DERIVED_PREFIX
from shnor.render.context import Advice, Card, CardsContext, DynamicsRow, ResultRow
from shnor.render.formatting import count, percent
from shnor.render.settings import DocumentSettings
from shnor.render.view import Images, finished, issuer, listed, properties, settings_of, window_words
from shnor.report.advice import advise, change_words
from shnor.report.findings import behind_status, findings, rules_of, signs_words, terms_of
from shnor.report.leaving import steps
from shnor.report.model import ProcedureResult, Report, SchoolResult
from shnor.rules.words import Terms, leaf_at
from shnor.russian import format_percent, format_value
from shnor.vocabulary import CORE_SUBJECTS, Assessment, Status, Unit

SMALL = 10  # a group under this many participants is shown as counts, not shares
_ASSESSMENT_ORDER = {a.value: n for n, a in enumerate(Assessment)}
_CONTEXT = (
    ("settlement", "{}"),
    ("remoteness_km", "{} км от районного центра"),
    ("students", "обучающихся: {}"),
    ("teacher_shortage", "дефицит педагогов {}"),
    ("special_needs", "доля обучающихся с ОВЗ {}"),
)


def cards(report: Report, settings: DocumentSettings | None = None, images: Images | None = None) -> CardsContext:
    who = issuer(report, settings_of(report, settings))
    terms = terms_of(report)
    schools = listed(report, Status.SHNOR.value) + listed(report, Status.RISK.value)
    mentors = {entry["school_id"]: entry for entry in report.mentors}
    regions = _region_shares(report)
    notes = [f"В группах меньше {SMALL} участников — число результатов, а не доля.",
             "Изменение показателей — в процентных пунктах (п. п.) к прошлому году.", *terms.notes()]
    return finished(CardsContext(
        properties(report, "Карточки общеобразовательных организаций"),
        who,
        "Карточки общеобразовательных организаций",
        f"ШНОР и школы зоны риска по результатам {terms.procedures} за {window_words(report)}",
        _columns(report, terms),
        [_card(report, school, terms, mentors.get(school.school_id), regions) for school in schools],
        "Школ в перечнях нет.",
        notes,
    ))


def _region_shares(report: Report) -> dict[tuple, tuple[float | None, float | None]]:
    latest = report.methodology["latest_year"]
    return {(a["assessment"], a["subject"], a["grade"]): (a["fail_share"], a["high_share"])
            for a in report.aggregates if a["scope"] == "region" and a["year"] == latest}


def _card(report: Report, school: SchoolResult, terms: Terms, mentors: dict | None, regions: dict) -> Card:
    rules = rules_of(report)
    behind = [(c, leaf_at(rules, c.path)) for c in behind_status(report, school)]
    about = [school.municipality, school.school_type]
    if not school.school_id.startswith(DERIVED_PREFIX):
        about.append(f"логин {school.school_id}")
    rows = _results(report, school, regions)
    found = [s for s in school.objectivity_signs if s.status == "есть"]
    return Card(
        name=school.shown_name,
        about=" · ".join(part for part in about if part),
        status=school.status_label + (" · ШНСУ" if school.shnsu else ""),
        context=_context(school),
        criteria=[f.text for f in findings(report, school, terms)],
        rows=rows,
        signs=signs_words(report, found),
        signs_note=_signs_note(report, school, found),
        dynamics=_dynamics(school, terms),
        dynamics_note=("" if (school.dynamics or {}).get("year")
                       else "Данных за прошлый год нет: динамика не рассчитана."),
        exit=[step.text for step in steps(behind, terms)],
        advice=[Advice(a.topic, a.text) for a in advise(report, rules, terms, school, behind, mentors)],
    )


def _context(school: SchoolResult) -> str:
    context = school.context or {}
    parts = []
    for field, words in _CONTEXT:
        value = context.get(field)
        if value is None:
            continue
        shown = format_percent(value) if field in ("teacher_shortage", "special_needs") else (
            format_value(value, Unit.NUMBER) if not isinstance(value, str) else value)
        parts.append(words.format(shown))
    return ", ".join(parts)


def _columns(report: Report, terms: Terms) -> list[str]:
    """The results table's headings after «Процедура»: for each year participants, «2», «4» и «5»; then the region."""
    latest = report.methodology["latest_year"]
    fail, high = _short(terms, "fail"), _short(terms, "high")
    columns = [f"{year} {what}" for year in report.methodology["window"] for what in ("уч.", fail, high)]
    return [*columns, f"регион {latest} {fail}", f"регион {latest} {high}"]


def _results(report: Report, school: SchoolResult, regions: dict) -> list[ResultRow]:
    """A row per procedure (core subjects first), for each year of the window: participants, «2», «4» и «5»; then
    the region's shares in the latest year."""
    window = report.methodology["window"]
    by_procedure: dict[tuple, dict[int, ProcedureResult]] = {}
    for p in report.procedures_of(school.school_id):
        by_procedure.setdefault((p.assessment, p.subject, p.grade), {})[p.year] = p
    ordered = sorted(by_procedure,
                     key=lambda k: (k[1] not in CORE_SUBJECTS, _ASSESSMENT_ORDER.get(k[0], 9), k[1], k[2]))
    rows = []
    for key in ordered:
        cells = []
        for year in window:
            p = by_procedure[key].get(year)
            cells += [count(p.participants), _outcome(p, p.fail, p.fail_share), _outcome(p, p.high, p.high_share)] \
                if p is not None else ["", "", ""]
        region = regions.get(key, (None, None))
        cells += [percent(region[0]), percent(region[1])]
        assessment, subject, grade = key
        rows.append(ResultRow(f"{assessment} {subject}" + (f", {grade} кл." if assessment == "ВПР" else ""), cells))
    return rows


def _short(terms: Terms, measure: str) -> str:
    if terms.ege_only:
        return "ниже порога" if measure == "fail" else f"{terms.ege_high_from}–100"
    return "«2»" if measure == "fail" else "«4» и «5»"


def _outcome(p: ProcedureResult, number: int | None, share: float | None) -> str:
    if number is None:
        return "—"
    return count(number) if p.participants < SMALL else percent(share)


def _signs_note(report: Report, school: SchoolResult, found: list) -> str:
    total = report.methodology.get("signs_total", len(school.objectivity_signs))
    computed = sum(1 for s in school.objectivity_signs if s.status != "не рассчитан")
    markers = "; ".join(school.objectivity_markers)
    if not computed:
        note = "Признаки необъективности не рассчитаны: нет данных по участникам."
    elif not found:
        note = f"Признаки необъективности не выявлены (рассчитано {computed} из {total})."
    else:
        note = f"Рассчитано признаков: {computed} из {total}."
    return note + (f" Дополнительно: {markers}." if markers else "")


def _dynamics(school: SchoolResult, terms: Terms) -> list[DynamicsRow]:
    rows = []
    for name, change in ((school.dynamics or {}).get("year") or {}).items():
        what, shown, verdict = change_words(change, terms, name)
        rows.append(DynamicsRow(what, percent(change.get("before")), percent(change.get("after")), shown, verdict))
    return rows
