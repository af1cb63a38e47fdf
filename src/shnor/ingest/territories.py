"""One name per territory across every file read: municipality columns name the same territory in many ways
(an education authority's name, «Город Чита» / «Город чита», a district that became a «муниципальный округ», the
upload form's «reg22_m019 | Красногорский муниципальный район», the raw export's group tag «reg22_vpr_m019»).

Each spelling becomes a territory name (``vocabulary.territory_name``); spellings whose territory has one key
(``vocabulary.municipality_key``: case, ё, quotes, the words «район», «округ», «муниципальный» and word endings
aside) are one territory, named as in the latest year's data. A ФИС ОКО municipality code alone is named by the
files that give it with a name («reg22_m019 | …»), or by the names other files give its schools — when they all
agree; otherwise it stays unnamed. What each sheet spelled, and what it became, is kept on its log for result.json.
"""

from __future__ import annotations

import re
from collections import defaultdict

import pandas as pd

from shnor.cube import CubePart
from shnor.ingest.base import SheetLog
from shnor.vocabulary import municipality_key, territory_name

_CODE = re.compile(r"^reg\d+_m\d+$")


def unify_municipalities(parts: list[CubePart], logs: list[SheetLog]) -> list[CubePart]:
    named: dict[str, tuple[str | None, int]] = {}  # spelling → (territory, the latest year it is met in)
    coded: dict[str, int] = {}  # a code alone → the latest year
    votes: dict[str, set[str | None]] = defaultdict(set)  # code → the territories it is given with
    code_of_school: list[tuple[str, str]] = []
    territory_of_school: dict[str, str] = {}
    by_source: dict[str, list[str]] = {}
    for part in parts:
        if not len(part.schools) or not part.schools["municipality"].notna().any():
            continue
        year = int(part.counts["year"].max()) if len(part.counts) and part.counts["year"].notna().any() else 0
        pairs = part.schools[["school_id", "municipality"]].dropna().astype(str).drop_duplicates()
        by_source.setdefault(part.source, []).extend(pairs["municipality"].unique())
        for school, spelling in pairs.itertuples(index=False, name=None):
            code, _, name = spelling.partition("|") if "|" in spelling else ("", "", spelling)
            if _CODE.match(name.strip()):
                coded[spelling] = max(year, coded.get(spelling, 0))
                code_of_school.append((school, spelling))
                continue
            territory = territory_name(name)
            named[spelling] = (territory, max(year, named.get(spelling, (None, 0))[1]))
            if code.strip():
                votes[code.strip()].add(territory)
            if territory is not None:
                territory_of_school[school] = territory
    for school, code in code_of_school:
        if school in territory_of_school:
            votes[code].add(territory_of_school[school])
    for code, year in coded.items():
        agreed = votes.get(code, set())
        named[code] = (next(iter(agreed)) if len(agreed) == 1 else None, year)
    latest: dict[str, tuple[int, str]] = {}
    for name, year in named.values():
        if name is not None:
            key = municipality_key(name)
            if key not in latest or year > latest[key][0]:
                latest[key] = (year, name)
    final = {s: (latest[municipality_key(n)][1] if n is not None else None) for s, (n, _) in named.items()}
    for log in logs:
        if log.source in by_source:
            log.municipalities = {s: final.get(s) or "" for s in dict.fromkeys(by_source[log.source])}
    for part in parts:
        if len(part.schools) and part.schools["municipality"].notna().any():
            territory = part.schools["municipality"].map(final, na_action="ignore")
            part.schools = part.schools.assign(municipality=pd.Series(territory, dtype="string"))
    return parts
