"""The analytical note's view: 1. the data used, 2. the methodology in words with a glossary, 3. the results by
municipality (tables, charts, the list, the change against the previous list, objectivity, mentors), 4. conclusions
and 5. recommendations (``shnor.report.conclusions``), then the signature block."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from shnor.render import charts
from shnor.render.context import (
    Chart,
    ContextRow,
    DataRow,
    Headings,
    MunicipalityRow,
    NoteContext,
    Recommendations,
    StatusRule,
    TargetRow,
    Term,
    YearRow,
)
from shnor.render.formatting import count, natural_key, percent
from shnor.render.settings import DocumentSettings
from shnor.render.view import (
    Images,
    appendix_numbers,
    finished,
    issuer,
    list_rows,
    listed,
    mentor_rows,
    properties,
    settings_of,
    window_words,
)
from shnor.report.conclusions import conclusions, index_words, names
from shnor.report.findings import list_year, rules_of, terms_of
from shnor.report.model import Report
from shnor.rules.model import leaves
from shnor.rules.words import Terms, criterion_words, points, statuses_in_words
from shnor.russian import OPERATOR_SIGNS, capital, format_value
from shnor.vocabulary import Assessment, Status

_ORDER = {a.value: n for n, a in enumerate(Assessment)}
CHART_ROWS = 45  # municipalities on a chart: beyond this, those with the largest shares
_SOURCES = {"registry": "реестр ОО", "context": "контекстные данные ОО", "scales": "шкалы перевода баллов в отметки"}


def note(report: Report, settings: DocumentSettings | None = None, images: Images | None = None) -> NoteContext:
    who = issuer(report, settings_of(report, settings))
    terms = terms_of(report)
    numbers = appendix_numbers(report)
    paragraphs, advice = conclusions(report, terms, numbers)
    with_index = bool((report.summary.get("objectivity_index") or {}).get("region"))
    draw = images or (lambda png, width, height: None)
    return finished(NoteContext(
        properties=properties(report, "Аналитическая справка"),
        issuer=who,
        title="Аналитическая справка",
        subtitle=("об итогах выявления общеобразовательных организаций с низкими образовательными результатами и "
                  "организаций, функционирующих в зоне риска снижения образовательных результатов, по результатам "
                  f"{terms.procedures} за {window_words(report)}"),
        window=window_words(report),
        data=_data(report, terms),
        data_rows=[DataRow(r["assessment"], str(r["year"]), count(r["subjects"]), count(r["schools"]),
                           count(r["participants"]))
                   for r in sorted(report.overview.get("data", []),
                                   key=lambda r: (_ORDER.get(r["assessment"], 9), r["year"]))],
        methodology=_methodology(report, terms),
        statuses=[StatusRule(s.title, s.lead, s.conditions) for s in statuses_in_words(rules_of(report), terms)],
        glossary=_glossary(report, terms),
        headings=_headings(terms),
        municipalities=_municipalities(report, with_index),
        with_index=with_index,
        years=_years(report),
        chart_municipalities=_chart_municipalities(report, draw),
        chart_scatter=_chart_scatter(report, terms, draw),
        chart_objectivity=_chart_objectivity(report, draw) if with_index else None,
        shnor=list_rows(report, listed(report, Status.SHNOR.value), terms),
        context=[ContextRow(g["settlement"], count(g["schools"]), count(g["shnor"]), count(g["risk"]),
                            count(g["shnsu"])) for g in report.context_groups],
        movement=_movement(report),
        targets=[TargetRow(t["label"], percent(t["value"]), percent(t["target"], 0), "да" if t["met"] else "нет")
                 for t in (report.dynamics or {}).get("targets", [])],
        objectivity=_objectivity(report),
        mentors=mentor_rows(report),
        conclusions=paragraphs,
        recommendations=[Recommendations(a.to, a.items) for a in advice],
        notes=terms.notes(),
    ))


def _headings(terms: Terms) -> Headings:
    """Short column headings: «Доля «2»», or on ЕГЭ alone «Не преодолели мин. порог», «Получили 81–100 баллов»."""
    fail = "Не преодолели мин. порог" if terms.ege_only else "Доля «2»"
    high = f"Получили {terms.ege_high_from}–100 баллов" if terms.ege_only else "Доля «4» и «5»"
    return Headings(f"{fail} (рус. яз., мат.)", f"{high} (рус. яз., мат.)", f"{fail} (другие предметы)")


def _data(report: Report, terms: Terms) -> list[str]:
    years = report.overview.get("years") or report.methodology["window"]
    window = report.methodology["window"]
    text = [(f"Использованы результаты {terms.procedures} за {window_words(report)} по всем предметам, которые были "
            "в данных (таблица 1).")]
    earlier = [y for y in years if y < window[0]]
    if earlier:
        span = f"{earlier[0]}–{earlier[-1]} гг." if len(earlier) > 1 else f"{earlier[0]} г."
        text.append(f"Результаты {span} использованы только для сравнения с прошлыми годами.")
    sources = [_SOURCES[f.role] for f in report.inputs if f.role in _SOURCES]
    lists = [f"{year} г." if (year := list_year(h)) else "" for h in report.history]
    if lists:
        sources.append("прежний перечень ШНОР" + (f" ({', '.join(x for x in lists if x)})" if any(lists) else ""))
    if sources:
        text.append(f"Кроме того, использованы: {', '.join(dict.fromkeys(sources))}.")
    issues: Counter[str] = Counter()
    for source in report.inputs:
        for sheet in source.sheets:
            for issue in sheet.get("issues", []):
                issues[issue["label"]] += issue["count"]
    if issues:
        named = "; ".join(f"{label} — {count(n)}" for label, n in issues.items())
        text.append(f"При чтении данных отдельные строки не учтены или исправлены: {named}.")
    return text


def _methodology(report: Report, terms: Terms) -> list[str]:
    rules = report.rules
    methodology = report.methodology
    text = [f"Отбор проведён по критериям «{rules.get('title', '')}» ({rules.get('source', '')}).",
            (f"Показатели каждой ОО рассчитаны за {window_words(report)} по сумме результатов: число "
            "неудовлетворительных (высоких) результатов всех работ и лет делится на общее число их участников — "
            "проценты отдельных работ не усредняются."),
            _outcomes(report, terms),
            ("Русский язык и математика — русский язык и все виды математики (на ЕГЭ — базовая и профильная); "
            "другие предметы — все остальные.")]
    minimum = methodology.get("min_participants") or 1
    if minimum > 1:
        text.append(f"Доли, рассчитанные меньше чем по {minimum} участникам, не учитываются: школа не попадает в "
                    "перечень из-за результатов одного-двух обучающихся.")
    text.extend(methodology.get("notes", []))
    return text


def _outcomes(report: Report, terms: Terms) -> str:
    rules_high = report.rules.get("ege_high_score", 81)
    other = "" if float(rules_high) == terms.ege_high_from else (
        f" (в таблицах результатов нет границы {points(int(rules_high))}, использована граница "
        f"{points(terms.ege_high_from)})")
    if "ЕГЭ" not in terms.assessments:
        return "Неудовлетворительный результат — отметка «2», высокий — отметки «4» и «5»."
    if terms.ege_only:
        return ("Неудовлетворительный результат — результат ниже минимального порога (по базовой математике — "
                f"отметка «2»), высокий — от {terms.ege_high_from} до 100 баллов{other}.")
    return ("Неудовлетворительный результат — отметка «2» (ВПР, ОГЭ, ЕГЭ по базовой математике) или результат ЕГЭ "
            f"ниже минимального порога; высокий — отметки «4» и «5» или результат ЕГЭ от "
            f"{points(terms.ege_high_from)}{other}.")


def _glossary(report: Report, terms: Terms) -> list[Term]:
    found = [
        Term("ШНОР", "школа с низкими образовательными результатами: ОО, результаты которой отвечают критериям "
                     "раздела 2."),
        Term("Зона риска", "ОО, не отнесённая к ШНОР, результаты которой указывают на риск их снижения."),
    ]
    rules = rules_of(report)
    if rules.shnsu is not None:
        found.append(Term("ШНСУ", "школа, функционирующая в неблагоприятных социальных условиях; по контекстным "
                                  f"данным ОО — если {criterion_words(rules.shnsu, terms)}."))
    found += [
        Term("Признаки необъективности", (
            f"{report.methodology.get('signs_total', 14)} признаков методики Рособрнадзора, по которым результаты "
            "школы требуют проверки: средний балл школы значимо выше регионального, результаты работ не согласуются "
            "с отметками по журналу, результаты того же класса резко выросли или снизились от 4 к 5 классу. Это "
            "основание для проверки, а не вывод о необъективности.")),
        Term("Индекс объективности", (
            "100 минус процент ОО, у которых выявлен хотя бы один признак необъективности, среди ОО, для которых "
            "признаки удалось рассчитать; 100 — признаков нет ни у одной ОО.")),
        Term("Положительная динамика", (
            "у школы значимо улучшился хотя бы один показатель и ни один значимо не ухудшился; значимо — если "
            "изменение больше случайных колебаний при её числе участников (95 % доверительный интервал).")),
    ]
    return found


def _municipalities(report: Report, with_index: bool) -> list[MunicipalityRow]:
    shares = {r["municipality"]: r for r in report.overview.get("by_year", []) if r["year"] is None}
    index = (report.summary.get("objectivity_index") or {}).get("by_municipality") or {}
    region_index = ((report.summary.get("objectivity_index") or {}).get("region") or {}).get("index")

    def row(name: str, figures: dict, own: dict, value, total: bool) -> MunicipalityRow:
        return MunicipalityRow(name, count(figures["total"]), count(figures["shnor"]), count(figures["risk"]),
                               count(figures["insufficient"]), percent(own.get("fail_core")),
                               percent(own.get("high_core")), index_words(value) if with_index else "", total)

    rows = [row(r["municipality"] or "без муниципалитета", r, shares.get(r["municipality"], {}),
                (index.get(r["municipality"]) or {}).get("index"), False)
            for r in sorted(report.summary["by_municipality"], key=lambda r: natural_key(r["municipality"]))]
    total = {**report.summary["by_status"], "total": report.summary["total"]}
    return [*rows, row("Итого по региону", total, shares.get("", {}), region_index, True)]


def _years(report: Report) -> list[YearRow]:
    rows = [r for r in report.overview.get("by_year", []) if r["municipality"] == "" and r["year"] is not None]
    if len(rows) < 2:
        return []
    return [YearRow(str(r["year"]), count(r["participants_core"]), percent(r["fail_core"]), percent(r["high_core"]),
                    percent(r["fail_other"])) for r in rows]


def _chart(picture: charts.Picture, draw, caption: str, alt: str) -> Chart:
    return Chart(draw(picture.png, picture.width_mm, picture.height_mm), caption, alt)


def _drawn(report: Report, name: str, draw: Callable[[], charts.Picture]) -> charts.Picture:
    """A chart drawn once per report, for the HTML note and the Word one alike."""
    pictures = report.__dict__.setdefault("_pictures", {})
    if name not in pictures:
        pictures[name] = draw()
    return pictures[name]


def _chart_municipalities(report: Report, draw) -> Chart | None:
    rows = [r for r in report.summary["by_municipality"] if r["total"]]
    if not rows:
        return None
    caption = "Доля ШНОР и школ зоны риска по муниципалитетам"
    if len(rows) > CHART_ROWS:
        rows = sorted(rows, key=lambda r: (-(r["shnor"] + r["risk"]) / r["total"], natural_key(r["municipality"])))
        rows = rows[:CHART_ROWS]
        caption += f" ({CHART_ROWS} муниципалитетов с наибольшей долей)"
    else:
        rows = sorted(rows, key=lambda r: natural_key(r["municipality"]))
    data = [(r["municipality"] or "без муниципалитета", 100 * r["shnor"] / r["total"], 100 * r["risk"] / r["total"])
            for r in rows]
    picture = _drawn(report, "municipalities", lambda: charts.municipalities(data))
    return _chart(picture, draw, caption, "Доля ШНОР и школ зоны риска по муниципалитетам")


def _chart_scatter(report: Report, terms: Terms, draw) -> Chart | None:
    points: dict[str, list[tuple[float, float]]] = {}
    for school in report.schools:
        fail, high = school.indicators.get("fail_core"), school.indicators.get("high_core")
        if fail is not None and high is not None:
            points.setdefault(school.status, []).append((100 * fail, 100 * high))
    if not points:
        return None
    fail_words = f"{capital(terms.outcome('fail'))} по русскому языку и математике, %"
    high_words = f"{capital(terms.outcome('high'))} по русскому языку и математике, %"
    picture = _drawn(report, "scatter", lambda: charts.scatter(points, _lines(report), fail_words, high_words))
    caption = (f"ОО по {terms.outcome('fail').replace('доля', 'доле', 1)} и "
               f"{terms.outcome('high').replace('доля', 'доле', 1)} по русскому языку и математике; "
               "пунктир — пороги критериев")
    return _chart(picture, draw, caption, "ОО по основным показателям")


def _lines(report: Report) -> list[charts.Line]:
    """The fixed thresholds on the two shares that the ШНОР and risk statuses use, labelled by status."""
    rules = rules_of(report)
    found: dict[tuple[str, float], charts.Line] = {}
    for status, label in ((Status.SHNOR, "ШНОР"), (Status.RISK, "зона риска")):
        tree = getattr(rules.statuses, status.value)
        for leaf in leaves(tree) if tree is not None else []:
            indicator = getattr(leaf, "indicator", None)
            if (indicator not in ("fail_core", "high_core") or leaf.threshold is None or leaf.relative_to
                    or leaf.each_year):
                continue
            axis = "x" if indicator == "fail_core" else "y"
            shown = format_value(leaf.threshold, "share", threshold=True)
            key = (axis, round(100 * leaf.threshold, 6))
            colour = charts.COLOURS["shnor" if status is Status.SHNOR else "risk"]
            found.setdefault(key, charts.Line(axis, 100 * leaf.threshold, f"{label}: {OPERATOR_SIGNS[leaf.op]} {shown}",
                                              colour))
    return list(found.values())


def _chart_objectivity(report: Report, draw) -> Chart | None:
    index = report.summary.get("objectivity_index") or {}
    rows = [(name, v["index"]) for name, v in (index.get("by_municipality") or {}).items()
            if v.get("index") is not None]
    if not rows:
        return None
    caption = "Индекс объективности по муниципалитетам"
    if len(rows) > CHART_ROWS:
        rows = sorted(rows, key=lambda item: (item[1], natural_key(item[0])))[:CHART_ROWS]
        caption += f" ({CHART_ROWS} муниципалитетов с наименьшим индексом)"
    else:
        rows = sorted(rows, key=lambda item: natural_key(item[0]))
    region = (index.get("region") or {}).get("index")
    return _chart(_drawn(report, "objectivity", lambda: charts.objectivity(rows, region)), draw, caption, caption)


def _movement(report: Report) -> list[str]:
    dynamics = report.dynamics or {}
    if "previous_list" not in dynamics:
        return ["Прежний перечень ШНОР не рассматривался: сравнение с ним не проводилось."]
    year = list_year(report.history[-1]) if report.history else None
    lines = [(f"Прежний перечень ШНОР{f' ({year} г.)' if year else ''} — {dynamics['previous_shnor']} ОО, текущий — "
             f"{dynamics['shnor']} ОО.")]
    for key, words in (("entered", "Вошли в перечень"), ("left", "Вышли из перечня"), ("stayed", "Остались в перечне")):
        ids = dynamics.get(key, [])
        lines.append(f"{words} ({len(ids)})" + (f": {names(report, ids)}." if ids else "."))
    share = dynamics.get("positive_dynamics_share")
    if share is not None:
        positive = dynamics.get("positive_dynamics", [])
        lines.append(f"Положительная динамика к прошлому году — у {len(positive)} из {dynamics['previous_shnor']} ОО "
                     f"прежнего перечня ({percent(share)})" + (f": {names(report, positive)}." if positive else "."))
    return lines


def _objectivity(report: Report) -> list[str]:
    index = report.summary.get("objectivity_index") or {}
    region = index.get("region")
    if not region:
        return [("Признаки необъективности не рассчитаны: для них нужны результаты участников (баллы и отметки по "
                "журналу), а в данных — итоги по школам.")]
    return [(f"По результатам {index['year']} года признаки необъективности выявлены у {region['with_signs']} из "
            f"{region['schools']} ОО, для которых их можно рассчитать; индекс объективности по региону — "
            f"{index_words(region['index'])}. Признаки — основание для проверки, а не вывод о необъективности.")]
