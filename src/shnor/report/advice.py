"""Targeted recommendations for a listed school's card, built from what was found about it: the procedures behind
each criterion it met (the subjects and grades with the most «2», or the fewest «4» and «5»), its mentor schools, its
context (ШНСУ, teacher shortage, remoteness), a significant worsening — each followed by the rules' own text for
that criterion (``recommendations:`` of the rules file).
"""

from __future__ import annotations

from dataclasses import dataclass

from shnor.report.leaving import measure_of
from shnor.report.model import CriterionResult, ProcedureResult, Report, SchoolResult, shown_name
from shnor.rules.base import COMPARE
from shnor.rules.kinds_other import ContextCriterion
from shnor.rules.model import Rules, leaves
from shnor.rules.words import Terms, joined
from shnor.russian import capital, format_percent, format_signed, format_value
from shnor.vocabulary import CORE_SUBJECTS, Unit, subject_dative

SHOWN = 3  # procedures named per criterion

_CONTEXT_WORDS = {
    "settlement": "{} (тип населённого пункта)",
    "students": "{} обучающихся",
    "remoteness_km": "{} км от районного центра",
    "teacher_shortage": "дефицит педагогов {}",
    "special_needs": "доля обучающихся с ОВЗ {}",
}
_CONTEXT_ADVICE = {
    "remoteness_km": "дистанционные формы методической помощи и сетевое взаимодействие со школой-наставником",
    "settlement": "сетевые формы обучения и методической помощи",
    "teacher_shortage": ("закрыть вакансии (целевое обучение, совместители, сетевая реализация программ), в первую "
                         "очередь по предметам с низкими результатами"),
    "special_needs": "адаптированные программы и психолого-педагогическое сопровождение обучающихся с ОВЗ",
    "students": "индивидуальные образовательные маршруты в малокомплектных классах",
}


@dataclass(frozen=True)
class Advice:
    """One recommendation: what it is about (in the words of the data) and what to do."""

    topic: str
    text: str


def advise(
    report: Report,
    rules: Rules,
    terms: Terms,
    school: SchoolResult,
    behind: list[tuple[CriterionResult, object]],
    mentors: dict | None,
) -> list[Advice]:
    """The card's recommendations, most specific first."""
    procedures = report.procedures_of(school.school_id)
    minimum = max(int(rules.defaults.min_participants), 1)
    found: list[Advice] = []
    said: set[str] = set()
    for criterion, leaf in behind:
        if leaf is None:
            continue
        key = leaf.recommendation_key()
        words = leaf.words(terms)
        if words in said:
            continue
        said.add(words)
        evidence = _evidence(leaf, procedures, terms, minimum)
        text = " ".join(part for part in (evidence, rules.recommendations.get(key, "")) if part)
        if text:
            topic = "Признаки необъективности" if getattr(leaf, "indicator", None) == "objectivity_signs" else words
            found.append(Advice(capital(topic), text))
    if mentors is not None:
        found.append(Advice("Школа-наставник", _mentors(mentors)))
    found.extend(_context(rules, school))
    found.extend(_worsening(school, terms))
    return found


def _evidence(leaf: object, procedures: list[ProcedureResult], terms: Terms, minimum: int) -> str:
    """«Больше всего «2» — ОГЭ Математика (2024–2025): 17 из 40 (42,5 %); …» for a criterion on a share."""
    measure = measure_of(leaf)
    if measure is None:
        return ""
    chosen = [p for p in procedures if _in_scope(leaf, p)]
    pooled: dict[tuple, list[int]] = {}
    years: dict[tuple, set[int]] = {}
    for p in chosen:
        count = p.fail if measure == "fail" else p.high
        if count is None or not p.participants:
            continue
        key = (p.assessment, p.subject, p.grade)
        sums = pooled.setdefault(key, [0, 0])
        sums[0] += count
        sums[1] += p.participants
        years.setdefault(key, set()).add(p.year)
    enough = {key: sums for key, sums in pooled.items() if sums[1] >= minimum}
    if not enough:
        return ""
    worst = sorted(enough.items(), key=lambda item: (item[1][0] / item[1][1]) * (1 if measure == "fail" else -1),
                   reverse=True)[:SHOWN]
    named = "; ".join(
        f"{_procedure(key)} ({_span(years[key])}): {count} из {n} ({format_percent(count / n)})"
        for key, (count, n) in worst
    )
    lead = f"Больше всего {terms.counted(measure)}" if measure == "fail" else f"Меньше всего {terms.counted(measure)}"
    return f"{lead} — {named}."


def _in_scope(leaf: object, procedure: ProcedureResult) -> bool:
    from shnor.rules.kinds_results import INDICATORS

    spec = INDICATORS.get(getattr(leaf, "indicator", None) or "")
    subjects = spec.subjects if spec is not None else getattr(leaf, "subjects", None)
    if subjects == "core" and procedure.subject not in CORE_SUBJECTS:
        return False
    if subjects == "other" and procedure.subject in CORE_SUBJECTS:
        return False
    if isinstance(subjects, list) and procedure.subject not in subjects:
        return False
    assessments = getattr(leaf, "assessments", None)
    grades = getattr(leaf, "grades", None)
    return (not assessments or procedure.assessment in assessments) and (not grades or procedure.grade in grades)


def _procedure(key: tuple) -> str:
    assessment, subject, grade = key
    return f"{assessment} {subject}" + (f", {grade} кл." if assessment == "ВПР" else "")


def _span(years: set[int]) -> str:
    ordered = sorted(years)
    return str(ordered[0]) if len(ordered) == 1 else f"{ordered[0]}–{ordered[-1]}"


def _mentors(entry: dict) -> str:
    """«МБОУ «Лицей № 12» (Северный городской округ) — по русскому языку и математике; …»."""
    by_mentor: dict[tuple[str, str], list[str]] = {}
    for mentor in entry.get("mentors", []):
        name = shown_name(mentor["school_name"], mentor["school_id"])
        by_mentor.setdefault((name, mentor["municipality"]), []).append(mentor["subject"])
    parts = [
        f"{name} ({municipality}) — по {joined([subject_dative(s) for s in subjects])}"
        for (name, municipality), subjects in by_mentor.items()
    ]
    missing = [f"по {subject_dative(item['subject'])} не найдена ({item['reason'].removeprefix('не найдена: ')})"
               for item in entry.get("not_found", []) if item.get("subject")]
    text = ("закрепить " + "; ".join(parts) + ": совместный анализ результатов, посещение уроков, обмен практиками"
            if parts else "")
    return capital("; ".join(part for part in (text, *missing) if part)) + "."


def _context(rules: Rules, school: SchoolResult) -> list[Advice]:
    """The conditions of the rules' ШНСУ definition that the school's context meets, each with what to do."""
    context = school.context or {}
    if not context or rules.shnsu is None:
        return []
    met = []
    for leaf in leaves(rules.shnsu):
        if not isinstance(leaf, ContextCriterion) or context.get(leaf.field) is None:
            continue
        value = context[leaf.field]
        if leaf.equals is not None:
            holds = str(value).strip().lower().replace("ё", "е") == leaf.equals.strip().lower().replace("ё", "е")
        else:
            holds = COMPARE[leaf.op](float(value), float(leaf.threshold))
        if holds:
            unit = Unit.SHARE if leaf.field in ("teacher_shortage", "special_needs") else Unit.NUMBER
            shown = str(value) if leaf.equals is not None else format_value(float(value), unit)
            met.append((leaf.field, _CONTEXT_WORDS[leaf.field].format(shown)))
    if not met:
        return []
    lead = "школа в неблагоприятных социальных условиях (ШНСУ)" if school.shnsu else "условия школы"
    todo = list(dict.fromkeys(_CONTEXT_ADVICE[field] for field, _ in met))
    return [Advice("Контекст", f"{capital(lead)}: {', '.join(w for _, w in met)}. Учесть при планировании "
                               f"поддержки: {'; '.join(todo)}.")]


_DYNAMICS_WORDS = {"fail_core": ("fail", "core"), "high_core": ("high", "core"), "fail_other": ("fail", "other")}


def _worsening(school: SchoolResult, terms: Terms) -> list[Advice]:
    """A significant worsening against the previous year, which a plan should stop first."""
    from shnor.rules.words import subjects_phrase

    found = []
    for name, change in (school.dynamics.get("year") or {}).items():
        if change.get("verdict") != "ухудшение" or name not in _DYNAMICS_WORDS:
            continue
        measure, subjects = _DYNAMICS_WORDS[name]
        what = f"{terms.outcome(measure)} {subjects_phrase(subjects)}"
        shown = f"{format_signed(change['change_pp'])} п. п."
        found.append(Advice("Динамика", (
            f"{capital(what)} за год изменилась на {shown} ({format_percent(change['before'])} → "
            f"{format_percent(change['after'])}) — больше случайных колебаний: выяснить причины в первую очередь."
        )))
    return found



def change_words(change: dict, terms: Terms, indicator: str) -> tuple[str, str, str]:
    """(what, the change «−12,8 п. п.», the verdict with why) for an indicator against the previous year: a change
    inside the 95 % interval of the difference of two shares is «без значимых изменений», and says how wide that is."""
    from shnor.indicators.dynamics import interval
    from shnor.rules.words import subjects_phrase

    measure, subjects = _DYNAMICS_WORDS[indicator]
    what = capital(f"{terms.outcome(measure)} {subjects_phrase(subjects)}")
    if change.get("change_pp") is None:
        return what, "—", "нет данных за один из лет"
    shown = f"{format_signed(change['change_pp'])} п. п."
    if change["change_pp"] == 0:
        return what, shown, "без изменений"
    n1, n2 = change["n_before"], change["n_after"]
    spread = 100 * interval(change["before"], n1, change["after"], n2)
    noise = f"случайные колебания при {n1} и {n2} участниках — до ±{format_signed(spread).lstrip('+')} п. п."
    if change["verdict"] == "без значимых изменений":
        return what, shown, f"без значимых изменений: {noise}"
    return what, shown, f"{change['verdict']}: изменение больше, чем {noise}"
