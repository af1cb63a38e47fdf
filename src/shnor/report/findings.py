"""What a saved report says about a listed school in the words of a document: the criteria behind its status, each
measure once, with its value and threshold («доля «2» по русскому языку и математике — 36,1 % (порог 25 %); ранее в
перечне ШНОР (2024)»), worded by the criterion kinds themselves for the data the report was made from.

Everything here works on the report model (``Report``), so that ``shnor render`` words a saved result.json the same
way as ``shnor identify``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shnor.report.model import CriterionResult, Report, SchoolResult
from shnor.rules.model import Rules
from shnor.rules.words import Terms, held_paths, joined, leaf_at
from shnor.russian import format_value
from shnor.vocabulary import Assessment, Unit

_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


def rules_of(report: Report) -> Rules:
    """The rules the report was made with, as the model (validated once per report)."""
    rules = report.__dict__.get("_rules_model")
    if rules is None:
        rules = report.__dict__["_rules_model"] = Rules.model_validate(report.rules["definition"])
    return rules


def terms_of(report: Report) -> Terms:
    """The words for this report's data: which assessments it holds, and the ЕГЭ score high results were counted
    from (the table's boundary where the rules' one could not be used)."""
    present = {row["assessment"] for row in report.overview.get("data", [])}
    if not present:
        present = {row["assessment"] for row in report.aggregates if row.get("scope") == "region"}
    ordered = tuple(a.value for a in Assessment if a.value in present) or tuple(a.value for a in Assessment)
    used = report.methodology.get("ege_high_used") or []
    high = used[0] if len(used) == 1 else report.rules.get("ege_high_score", 81)
    return Terms(ordered, int(high))


def list_year(history: dict) -> str | None:
    """The year of an earlier list, as its file names it («history_2024.csv», «Перечень ШНОР 2024.xlsx» → 2024)."""
    found = _YEAR.findall(str(history.get("file", "")))
    return found[-1] if found else None


def list_years(report: Report, school_id: str) -> list[str]:
    """The years of the earlier lists that name the school (the lists read once per report)."""
    years = report.__dict__.get("_list_years")
    if years is None:
        years = report.__dict__["_list_years"] = {}
        for history in report.history:
            year = list_year(history)
            for listed in history.get("listed", []) if year else ():
                years.setdefault(listed, set()).add(year)
    return sorted(years.get(school_id, ()))


@dataclass(frozen=True)
class Finding:
    """One measure a school's status rests on: the criterion met (the strictest threshold where several criteria
    look at the same measure) and the sentence a document shows."""

    criterion: CriterionResult
    text: str


def behind_status(report: Report, school: SchoolResult) -> list[CriterionResult]:
    """The criteria that make the school's status hold (the branches of ``any`` that hold, every leaf of ``all``)."""
    criteria = school.criteria
    met = {c.path: c.met for c in criteria if c.status == school.status}
    # the paths depend on the status and which of its criteria are met only: worked out once per such pattern
    held = _memo(report, "held")
    key = (school.status, *met.items())
    paths = held.get(key)
    if paths is None:
        paths = held[key] = frozenset(held_paths(rules_of(report), school.status, met))
    return [c for c in criteria if c.path in paths]


def findings(report: Report, school: SchoolResult, terms: Terms | None = None) -> list[Finding]:
    """The criteria behind the school's status in words, each measure once, in the order of the rules."""
    rules = rules_of(report)
    terms = terms or terms_of(report)
    leaves, words, texts = _memo(report, "leaves"), _memo(report, "words"), _memo(report, "texts")
    groups: dict[str, list[tuple[CriterionResult, object]]] = {}
    for criterion in behind_status(report, school):
        leaf = leaves.get(criterion.path, _UNKNOWN)
        if leaf is _UNKNOWN:
            leaf = leaves[criterion.path] = leaf_at(rules, criterion.path)
        if leaf is None:
            continue
        said = words.get((criterion.path, terms))
        if said is None:
            said = words[(criterion.path, terms)] = leaf.words(terms)
        groups.setdefault(said, []).append((criterion, leaf))
    base = school.indicators.get("participants_core")
    found = []
    for items in groups.values():
        criterion, leaf = _strictest(items)
        details = _details(report, school, criterion, leaf, base)
        # the same figures of the same criterion read the same: a country's 17 000 listed schools repeat many (by
        # ``repr``: 0.0 and -0.0, 1 and 1.0 are equal keys but might not read the same)
        key = (criterion.path, terms, repr(criterion.value), repr(criterion.threshold), *details)
        text = texts.get(key)
        if text is None:
            text = texts[key] = leaf.finding(terms, criterion.value, criterion.threshold, details)
        found.append(Finding(criterion, text))
    return found


_UNKNOWN = object()


def _memo(report: Report, name: str) -> dict:
    """A cache kept with the report (as ``rules_of`` keeps the rules): what depends on the rules and a few values."""
    return report.__dict__.setdefault(f"_findings_{name}", {})


def _strictest(items: list[tuple[CriterionResult, object]]) -> tuple[CriterionResult, object]:
    """Of the criteria on one measure, the one whose threshold is hardest to meet (25 % rather than 20 % for «≥»)."""
    def hardness(item: tuple[CriterionResult, object]) -> float:
        criterion = item[0]
        if criterion.threshold is None:
            return 0.0
        return criterion.threshold if criterion.op in (">=", ">") else -criterion.threshold

    return max(items, key=hardness)


def _details(report: Report, school: SchoolResult, criterion: CriterionResult, leaf, base) -> list[str]:
    indicator = getattr(leaf, "indicator", None)
    if indicator == "times_listed":
        return list_years(report, school.school_id)
    if indicator == "objectivity_signs":
        kinds = tuple(getattr(leaf, "signs", None) or ())
        return signs_words(report, [s for s in school.objectivity_signs
                                    if s.status == "есть" and (not kinds or s.code.split(":")[0] in kinds)])
    details = [d for d in criterion.details if not d.startswith("мало участников")]
    if criterion.unit in (Unit.SHARE, Unit.SHARE_CHANGE) and criterion.participants not in (None, base):
        details.append(f"участников: {format_value(criterion.participants, Unit.COUNT)}")
    return details


def signs_words(report: Report, signs: list) -> list[str]:
    """Signs found, by kind: «несоответствие отметкам по журналу — русский язык (4 и 5 классы), математика (4
    класс)», from the signs' codes («journal_mismatch:Русский язык:4», «inflated_mean:ОГЭ:Математика:9»)."""
    labels = {kind["code"]: kind["label"] for kind in report.methodology.get("sign_kinds", [])}
    by_kind: dict[str, dict[str, list[str]]] = {}
    for sign in signs:
        parts = sign.code.split(":")
        what = parts[-2].lower() if len(parts) == 3 else f"{parts[1]}, {parts[2].lower()}"
        grades = by_kind.setdefault(parts[0], {}).setdefault(what, [])
        if len(parts) == 3 or parts[1] == Assessment.VPR:
            grades.append(parts[-1])
    return [
        f"{labels.get(kind, kind)} — " + ", ".join(
            f"{what} ({joined(grades)} {'класс' if len(grades) == 1 else 'классы'})" if grades else what
            for what, grades in subjects.items()
        )
        for kind, subjects in by_kind.items()
    ]
