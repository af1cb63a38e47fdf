"""The analytical note's «Выводы» and «Рекомендации», generated from the report as an analyst would write them: how
many schools are listed and where, the main problems by subject and municipality, the change against the previous
list, objectivity; then what the municipalities and the schools should do about each problem found.

Looks at the listed schools, the municipalities and the region's aggregates — never at every school's procedures.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from shnor.report.findings import behind_status, list_year, rules_of
from shnor.report.model import Report, SchoolResult
from shnor.rules.words import Terms, joined, leaf_at
from shnor.russian import capital, format_percent, natural_key
from shnor.vocabulary import CORE_SUBJECTS, Status, subject_dative

SUBJECTS_NAMED = 3  # subjects named as the main problems
GAP = 0.05  # a subject is a problem of the listed schools when their share of «2» is this much above the region's


@dataclass
class Problems:
    """What was found, as the recommendations need it."""

    shnor: list[SchoolResult] = field(default_factory=list)
    risk: list[SchoolResult] = field(default_factory=list)
    weak_subjects: list[str] = field(default_factory=list)  # subjects where the ШНОР's «2» are far above the region
    stayed: int = 0
    with_signs: int = 0
    shnsu_listed: int = 0
    targets_missed: list[str] = field(default_factory=list)
    worst_municipalities: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Addressed:
    """Recommendations to one addressee («Муниципальным органам управления образованием»)."""

    to: str
    items: list[str]


def conclusions(report: Report, terms: Terms, numbers: dict[str, int]) -> tuple[list[str], list[Addressed]]:
    """(the paragraphs of «Выводы», the recommendations by addressee). ``numbers``: the appendix numbers of the
    lists («shnor», «risk», «mentors»), to refer to them."""
    listed = {s.value: [x for x in report.schools if x.status == s.value] for s in (Status.SHNOR, Status.RISK)}
    problems = Problems(shnor=_ordered(listed["shnor"]), risk=_ordered(listed["risk"]))
    paragraphs = [
        _how_many(report, problems, terms),
        _where(report, problems),
        _subjects(report, problems, terms),
        _risk_reasons(report, problems, terms),
        _against_previous(report, problems),
        _objectivity(report, problems),
        _context(report, problems),
    ]
    return [p for p in paragraphs if p], _recommendations(report, problems, numbers)


def _ordered(schools: list[SchoolResult]) -> list[SchoolResult]:
    return sorted(schools, key=lambda s: (natural_key(s.municipality), natural_key(s.school_name), s.school_id))


def _share(part: int, whole: int) -> str:
    return format_percent(part / whole) if whole else "—"


def _how_many(report: Report, problems: Problems, terms: Terms) -> str:
    summary = report.summary
    total = summary["total"]
    insufficient = summary["by_status"].get(Status.INSUFFICIENT.value, 0)
    judged = total - insufficient
    window = report.methodology["window"]
    span = f"{window[0]}–{window[-1]} гг." if len(window) > 1 else f"{window[0]} г."
    text = (f"По результатам {terms.procedures} за {span} рассмотрены {total} ОО, из них {judged} — с достаточным "
            f"для выводов числом участников. К ШНОР отнесены {len(problems.shnor)} ОО "
            f"({_share(len(problems.shnor), judged)}), "
            f"к зоне риска снижения образовательных результатов — {len(problems.risk)} "
            f"({_share(len(problems.risk), judged)}).")
    if insufficient:
        text += f" По {insufficient} ОО выводы не делаются: участников слишком мало."
    return text


def _where(report: Report, problems: Problems) -> str:
    rows = [r for r in report.summary["by_municipality"] if r["total"]]
    if not rows or not (problems.shnor or problems.risk):
        return ""
    with_shnor = sorted((r for r in rows if r["shnor"]), key=lambda r: (-r["shnor"], natural_key(r["municipality"])))
    parts = []
    if with_shnor:
        named = "; ".join(f"{r['municipality'] or 'без муниципалитета'} — {r['shnor']}" for r in with_shnor[:5])
        more = f" и ещё в {len(with_shnor) - 5}" if len(with_shnor) > 5 else ""
        parts.append(f"ШНОР выявлены в {len(with_shnor)} муниципалитетах из {len(rows)}: {named}{more}.")
    worst = sorted(rows, key=lambda r: (-(r["shnor"] + r["risk"]) / r["total"], natural_key(r["municipality"])))
    worst = [r for r in worst if r["shnor"] + r["risk"]][:3]
    problems.worst_municipalities = [r["municipality"] for r in worst if r["municipality"]]
    if worst:
        named = "; ".join(f"{r['municipality'] or 'без муниципалитета'} — {r['shnor'] + r['risk']} из {r['total']} ОО"
                          for r in worst)
        parts.append(f"Наибольшая доля ШНОР и школ зоны риска: {named}.")
    return " ".join(parts)


def _subjects(report: Report, problems: Problems, terms: Terms) -> str:
    """Subjects where the listed schools' share of «2» is furthest above the region's, pooled from counts."""
    if not problems.shnor:
        return ""
    window = set(report.methodology["window"])
    region: dict[str, list[int]] = {}
    for row in report.aggregates:
        if row["scope"] == "region" and row["year"] in window and row.get("fail") is not None:
            sums = region.setdefault(row["subject"], [0, 0])
            sums[0] += row["fail"]
            sums[1] += row["participants"] or 0
    listed: dict[str, list[int]] = {}
    high = [0, 0]
    for school in problems.shnor:
        for p in report.procedures_of(school.school_id):
            if p.fail is not None and p.participants:
                sums = listed.setdefault(p.subject, [0, 0])
                sums[0] += p.fail
                sums[1] += p.participants
            if p.high is not None and p.participants and p.subject in CORE_SUBJECTS:
                high[0] += p.high
                high[1] += p.participants
    minimum = max(int(rules_of(report).defaults.min_participants), 1)
    gaps = []
    for subject, (fail, n) in listed.items():
        whole = region.get(subject)
        if n >= minimum and whole and whole[1]:
            gaps.append((fail / n - whole[0] / whole[1], subject, fail / n, whole[0] / whole[1]))
    gaps = sorted((g for g in gaps if g[0] >= GAP), reverse=True)[:SUBJECTS_NAMED]
    problems.weak_subjects = [subject for _, subject, _, _ in gaps]
    if not gaps:
        return ""
    named = "; ".join(f"{subject_dative(s)} — {format_percent(own)} против {format_percent(whole)} по региону"
                      for _, s, own, whole in gaps)
    text = f"В ШНОР {terms.outcome('fail')} выше региональной сильнее всего по {named}."
    core_high = [r for r in report.aggregates if r["scope"] == "region" and r["year"] in window
                 and r["subject"] in CORE_SUBJECTS and r.get("high") is not None]
    region_high = sum(r["high"] for r in core_high), sum(r["participants"] or 0 for r in core_high)
    if high[1] and region_high[1]:
        text += (f" {capital(terms.outcome('high'))} по русскому языку и математике в ШНОР — "
                 f"{format_percent(high[0] / high[1])} против {format_percent(region_high[0] / region_high[1])} "
                 "по региону.")
    return text


def index_words(value: float | None) -> str:
    """The objectivity index as documents show it: «74,4», «90,0»."""
    return "—" if value is None else f"{value:.1f}".replace(".", ",")


def _risk_reasons(report: Report, problems: Problems, terms: Terms) -> str:
    """How many risk-zone schools each criterion brought in."""
    if not problems.risk:
        return ""
    rules = rules_of(report)
    counts: Counter[str] = Counter()
    for school in problems.risk:
        words = {leaf_at(rules, c.path).words(terms) for c in behind_status(report, school) if leaf_at(rules, c.path)}
        counts.update(words)
    named = "; ".join(f"{words} — {count} ОО" for words, count in counts.most_common())
    return f"Основания отнесения к зоне риска: {named}." if named else ""


def names(report: Report, ids: list[str]) -> str:
    """The schools by name, each with its municipality, in reading order."""
    wanted = set(ids)
    schools = _ordered([s for s in report.schools if s.school_id in wanted])
    return "; ".join(f"{s.shown_name} ({s.municipality})" if s.municipality else s.shown_name for s in schools)


def _against_previous(report: Report, problems: Problems) -> str:
    dynamics = report.dynamics or {}
    if "previous_list" not in dynamics:
        return "Прежний перечень ШНОР не рассматривался: сравнение с ним не проводилось."
    year = list_year(report.history[-1]) if report.history else None
    which = f"перечнем {year} года" if year else "прежним перечнем"
    entered, left, stayed = dynamics["entered"], dynamics["left"], dynamics["stayed"]
    problems.stayed = len(stayed)
    parts = [(f"По сравнению с {which} ({dynamics['previous_shnor']} ОО) вошли в перечень {len(entered)} ОО, вышли "
             f"из него — {len(left)}, остались в перечне — {len(stayed)}.")]
    share = dynamics.get("positive_dynamics_share")
    if share is not None:
        parts.append(f"Положительная динамика результатов — у {len(dynamics.get('positive_dynamics', []))} из "
                     f"{dynamics['previous_shnor']} школ прежнего перечня ({format_percent(share)}).")
    for target in dynamics.get("targets", []):
        met = "достигнут" if target["met"] else "не достигнут"
        parts.append(f"Целевой показатель «{target['label']}» — {format_percent(target['value'])} при цели "
                     f"{format_percent(target['target'], 0)}: {met}.")
        if not target["met"]:
            problems.targets_missed.append(target["label"])
    return " ".join(parts)


def _objectivity(report: Report, problems: Problems) -> str:
    index = report.summary.get("objectivity_index") or {}
    region = index.get("region")
    if not region:
        return ("Признаки необъективности оценивания не рассчитывались: в данных нет результатов участников "
                "(баллов и отметок по журналу).")
    problems.with_signs = region["with_signs"]
    text = (f"Признаки необъективности оценивания по результатам {index['year']} года выявлены у "
            f"{region['with_signs']} из {region['schools']} ОО, для которых их можно рассчитать; "
            f"индекс объективности по региону — {index_words(region['index'])}.")
    by_municipality = [(name, v["index"]) for name, v in (index.get("by_municipality") or {}).items()
                       if v.get("index") is not None]
    if len(by_municipality) > 1:
        lowest = sorted(by_municipality, key=lambda item: (item[1], natural_key(item[0])))[:2]
        text += " Ниже всего индекс: " + "; ".join(f"{n} — {index_words(v)}" for n, v in lowest) + "."
    labels = {kind["code"]: kind["label"] for kind in report.methodology.get("sign_kinds", [])}
    kinds = [(count, code) for code, count in (index.get("by_kind") or {}).items() if count]
    if kinds:
        named = "; ".join(f"{labels.get(code, code)} — {count} ОО" for count, code in sorted(kinds, reverse=True))
        text += f" По видам признаков: {named}. Это признаки, требующие проверки, а не доказанная необъективность."
    return text


def _context(report: Report, problems: Problems) -> str:
    listed = problems.shnor + problems.risk
    shnsu = [s for s in listed if s.shnsu]
    problems.shnsu_listed = len(shnsu)
    parts = []
    if report.summary.get("shnsu") is not None and listed:
        parts.append(f"Из {len(listed)} ШНОР и школ зоны риска {len(shnsu)} функционируют в неблагоприятных "
                     f"социальных условиях (ШНСУ).")
    groups = report.context_groups
    if len(groups) > 1:
        named = "; ".join(f"{g['settlement']} — {g['shnor'] + g['risk']} из {g['schools']}" for g in groups)
        parts.append(f"ШНОР и школы зоны риска по типу населённого пункта: {named}.")
    return " ".join(parts)


def _recommendations(report: Report, problems: Problems, numbers: dict[str, int]) -> list[Addressed]:
    municipal: list[str] = []
    schools: list[str] = []
    lists = joined([f"приложение № {numbers[k]}" for k in ("shnor", "risk") if k in numbers])
    if problems.shnor or problems.risk:
        municipal.append(f"Утвердить перечни ШНОР и школ зоны риска ({lists}); обеспечить разработку в этих ОО "
                         "программ повышения качества образования (антирисковых мер) и контроль их выполнения.")
    if problems.shnor and "mentors" in numbers and report.mentors:
        municipal.append(f"Закрепить за ШНОР школы-наставники (приложение № {numbers['mentors']}) и организовать их "
                         "взаимодействие по предметам, по которым ШНОР отнесены к перечню.")
    if problems.weak_subjects:
        subjects = joined([subject_dative(s) for s in problems.weak_subjects])
        municipal.append(f"Организовать через методические объединения адресную помощь учителям ШНОР по {subjects}: "
                         "анализ затруднений по заданиям, открытые уроки и стажировки в школах с высокими "
                         "результатами.")
    if problems.worst_municipalities:
        municipal.append("В первую очередь — в муниципалитетах с наибольшей долей ШНОР и школ зоны риска: "
                         f"{joined(problems.worst_municipalities)}.")
    if problems.stayed:
        municipal.append(f"С руководителями ОО, остающихся в перечне ({problems.stayed}), провести собеседование по "
                         "выполнению программ и при необходимости пересмотреть меры поддержки.")
    if problems.targets_missed:
        municipal.append("Пересмотреть мероприятия дорожной карты: не достигнуты целевые показатели — "
                         f"{joined(['«' + t + '»' for t in problems.targets_missed])}.")
    if problems.with_signs:
        municipal.append(f"Обеспечить объективность оценочных процедур в ОО с признаками необъективности "
                         f"({problems.with_signs}): независимые наблюдатели, перепроверка работ муниципальной "
                         "комиссией.")
    if problems.shnsu_listed:
        municipal.append(f"Учитывать условия ШНСУ ({problems.shnsu_listed}) при распределении кадровых и методических "
                         "ресурсов: привлечение педагогов, сетевые и дистанционные формы обучения.")
    if problems.shnor:
        schools.append("Руководителям ШНОР: разработать (актуализировать) программу повышения качества образования на "
                       "основе анализа результатов по предметам и классам, названным в карточке школы; организовать "
                       "работу с обучающимися группы риска по индивидуальным образовательным маршрутам; согласовать "
                       "план взаимодействия со школой-наставником.")
    if problems.risk:
        schools.append("Руководителям школ зоны риска: проанализировать результаты по основаниям отнесения к зоне "
                       "риска и организовать ежеквартальный мониторинг результатов.")
    if problems.with_signs:
        schools.append("Руководителям ОО с признаками необъективности: сопоставить отметки по журналу с результатами "
                       "работ, проанализировать систему текущего оценивания.")
    if problems.shnor or problems.risk:
        schools.append("Рассмотреть результаты на педагогических советах и учесть их в планах внутришкольного "
                       "контроля.")
    found = []
    if municipal:
        found.append(Addressed("Муниципальным органам управления образованием", municipal))
    if schools:
        found.append(Addressed("Руководителям общеобразовательных организаций", schools))
    return found
