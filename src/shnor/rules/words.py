"""The rules in the words of a document: what the data's results are called (``Terms``), a status's conditions as an
order states them (``statuses_in_words``), and the leaf criterion at a path of the rules (``leaf_at``).

Each criterion kind words itself (``Leaf.words``, ``Leaf.condition``, ``Leaf.finding``); this module gives them the
vocabulary of the data they were applied to: on ЕГЭ alone «2» is «не преодолели минимальный порог» and «4» и «5» is
«81–100 баллов».
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from shnor.vocabulary import Assessment, Status, subject_dative

SUBJECT_GROUPS = {"core": "по русскому языку и математике", "other": "по другим предметам"}


@dataclass(frozen=True)
class Terms:
    """The words of a document for the results of its data. ``assessments``: those present in the data;
    ``ege_high_from``: the ЕГЭ score from which a result is high (the one actually used)."""

    assessments: tuple[str, ...] = (Assessment.VPR, Assessment.OGE, Assessment.EGE)
    ege_high_from: int = 81

    @property
    def ege_only(self) -> bool:
        return tuple(self.assessments) == (Assessment.EGE,)

    def outcome(self, measure: object) -> str:
        """The share of a measure: «доля «2»», «доля «4» и «5»»; on ЕГЭ alone «доля не преодолевших минимальный
        порог», «доля получивших 81–100 баллов»; a band: «доля участников с баллами 61–80»."""
        if measure == "fail":
            return "доля не преодолевших минимальный порог" if self.ege_only else "доля «2»"
        if measure == "high":
            return f"доля получивших {self.ege_high_from}–100 баллов" if self.ege_only else "доля «4» и «5»"
        return f"доля участников с баллами {measure.score_from}–{measure.score_to}"  # type: ignore[attr-defined]

    def counted(self, measure: object) -> str:
        """What a count of the measure counts, after a number: «13 «2»», «13 участников, не преодолевших
        минимальный порог»."""
        if measure == "fail":
            return "участников, не преодолевших минимальный порог" if self.ege_only else "«2»"
        if measure == "high":
            return f"участников с {self.ege_high_from}–100 баллами" if self.ege_only else "«4» и «5»"
        return f"участников с баллами {measure.score_from}–{measure.score_to}"  # type: ignore[attr-defined]

    @property
    def procedures(self) -> str:
        """«ВПР, ОГЭ и ЕГЭ», «ЕГЭ»."""
        return joined(list(self.assessments))

    def notes(self) -> list[str]:
        """What the short words mean where the data mixes ЕГЭ with marked procedures."""
        if Assessment.EGE not in self.assessments or self.ege_only:
            return []
        return [
            ("«2» — отметка «2» или результат ЕГЭ ниже минимального порога; «4» и «5» — отметки «4» и «5» или "
            f"результат ЕГЭ от {points(self.ege_high_from)}.")
        ]


def points(score: int) -> str:
    """«81 балла», «80 баллов» — after «от»."""
    return f"{score} {'балла' if score % 10 == 1 and score % 100 != 11 else 'баллов'}"


def joined(items: list[str], last: str = " и ") -> str:
    """«А», «А и Б», «А, Б и В»."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + last + items[-1]


def subjects_phrase(subjects: object) -> str:
    """«по русскому языку и математике», «по другим предметам», «по истории и обществознанию»."""
    if isinstance(subjects, str):
        return SUBJECT_GROUPS.get(subjects, f"по {subject_dative(subjects)}")
    if subjects:
        return "по " + joined([subject_dative(s) for s in subjects])  # type: ignore[union-attr]
    return ""


def scope_phrase(assessments: object, subjects: object, grades: object) -> str:
    """« по математике (ВПР, 5 класс)» — what a criterion looks at, or «» for everything."""
    text = subjects_phrase(subjects)
    within = []
    if assessments:
        within.append(", ".join(assessments))  # type: ignore[arg-type]
    if grades:
        numbers = ", ".join(map(str, grades))  # type: ignore[call-overload]
        within.append(f"{numbers} класс" if len(grades) == 1 else f"{numbers} классы")  # type: ignore[arg-type]
    if within:
        text = f"{text} ({', '.join(within)})" if text else f"({', '.join(within)})"
    return f" {text}" if text else ""


BOUNDS = {">=": "{} и более", ">": "более {}", "<=": "не более {}", "<": "менее {}"}
PERCENTILE_BOUNDS = {">=": "не ниже {}", ">": "выше {}", "<=": "не выше {}", "<": "ниже {}"}


def bound(op: str, shown: str) -> str:
    """«25 % и более», «не более 30 %»."""
    return BOUNDS.get(op, "{}").format(shown)


def percentile_bound(op: str, percentile: float, within: bool) -> str:
    """«не ниже 90-го процентиля по школам региона»."""
    scope = "по школам того же контекста" if within else "по школам региона"
    return PERCENTILE_BOUNDS.get(op, "{}").format(f"{percentile:g}-го процентиля {scope}")


@dataclass(frozen=True)
class StatusWords:
    """A status's criterion as an order states it: a lead-in and the conditions (alternatives or all of them)."""

    status: str
    title: str
    lead: str
    conditions: list[str] = field(default_factory=list)


_LEADS = {
    Status.INSUFFICIENT: ("Недостаточно данных", "Выводы о школе не делаются, если"),
    Status.SHNOR: ("ШНОР", "К школам с низкими образовательными результатами (ШНОР) относится школа, если"),
    Status.RISK: ("Зона риска", ("К школам зоны риска снижения образовательных результатов относится школа, не "
                                "вошедшая в перечень ШНОР, если")),
}


def statuses_in_words(rules, terms: Terms) -> list[StatusWords]:
    """Each status the rules define: «… если выполнено одно из условий:» and the conditions in words."""
    from shnor.rules.model import Group

    found = []
    for status in (Status.INSUFFICIENT, Status.SHNOR, Status.RISK):
        tree = getattr(rules.statuses, status.value)
        if tree is None:
            continue
        title, lead = _LEADS[status]
        if isinstance(tree, Group) and len(tree.of) > 1:
            how = {"any": "выполнено одно из условий", "all": "выполнены все условия"}.get(
                tree.mode, f"выполнены не менее {tree.at_least} из условий"
            )
            found.append(StatusWords(status.value, title, f"{lead} {how}:", [_words(c, terms) for c in tree.of]))
        else:
            only = tree.of[0] if isinstance(tree, Group) else tree
            found.append(StatusWords(status.value, title, f"{lead}:", [_words(only, terms)]))
    return found


def criterion_words(node, terms: Terms) -> str:
    """Any criterion (a leaf or a group) as a condition in words."""
    return _words(node, terms)


def _words(node, terms: Terms, nested: bool = False) -> str:
    from shnor.rules.model import Group

    if not isinstance(node, Group):
        return node.condition(terms, getattr(node, "threshold", None))
    parts = [_words(child, terms, nested=True) for child in node.of]
    if node.mode == "all":
        text = joined(parts)
    elif node.mode == "any":
        text = joined(parts, last=" или ")
    else:
        text = f"не менее {node.at_least} из условий: {'; '.join(parts)}"
    return f"({text})" if nested and len(parts) > 1 else text


_STEP = re.compile(r"\.?(of)\[(\d+)\]")


def leaf_at(rules, path: str):
    """The criterion at a path of result.json («shnor.of[0].of[1]», «risk», «shnsu.of[2]»), or None."""
    from shnor.rules.model import Group

    head, _, rest = path.partition(".")
    node = rules.shnsu if head == "shnsu" else getattr(rules.statuses, head, None)
    for _, index in _STEP.findall("." + rest if rest else ""):
        if not isinstance(node, Group) or int(index) >= len(node.of):
            return None
        node = node.of[int(index)]
    return None if isinstance(node, Group) else node


def held_paths(rules, status: str, met: dict[str, bool]) -> list[str]:
    """The paths of the leaves that make a status hold for one school, from its criteria as result.json keeps them
    (``met``: path → met): for ``any`` and ``at_least`` only the branches that hold, for ``all`` every branch — as
    the reasons are chosen (``shnor.rules.evaluate``)."""
    from shnor.rules.model import Group

    def walk(node, path: str) -> list[str]:
        if not isinstance(node, Group):
            return [path] if met.get(path) else []
        held = [walk(child, f"{path}.of[{i}]") for i, child in enumerate(node.of)]
        held = [paths for paths in held if paths]
        return [p for paths in held for p in paths] if len(held) >= node.needed else []

    tree = getattr(rules.statuses, status, None)
    if tree is None:
        return []
    found = walk(tree, status)
    guard = [p for p in found if getattr(leaf_at(rules, p), "KIND", "") == "no_results"]
    return guard or found
