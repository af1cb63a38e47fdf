"""One id per school across sources: tables without logins name schools by municipality and name; those names are
matched to the registry (or, without one, to the schools that other files name together with their login).

The match uses the normalised name and municipality (``normalize_school_name``, ``municipality_key``). A name that
matches no school, or more than one, keeps its derived id and is reported; nothing is guessed.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from shnor.cube import CubePart
from shnor.ingest.base import DERIVED_PREFIX
from shnor.vocabulary import municipality_key, normalize_school_name


def _key(municipality: object, name: object) -> tuple[str, str]:
    municipality = "" if municipality is None or pd.isna(municipality) else municipality
    return municipality_key(municipality), normalize_school_name(name)


def resolve_derived_ids(parts: list[CubePart], registry: pd.DataFrame | None) -> tuple[list[CubePart], list[str]]:
    frames = [p.schools for p in parts if len(p.schools)]
    if not frames:
        return parts, []
    derived = pd.concat(frames, ignore_index=True)
    derived = derived.loc[derived["school_id"].str.startswith(DERIVED_PREFIX)].drop_duplicates("school_id")
    if derived.empty:
        return parts, []
    if registry is not None:
        reference, where = registry, "в реестре"
    else:
        known = pd.concat([p.schools for p in parts], ignore_index=True)
        reference = known.loc[~known["school_id"].str.startswith(DERIVED_PREFIX) & known["school_name"].notna()]
        where = "среди школ с логином"
        if reference.empty:
            return parts, []
    index: dict[tuple[str, str], set[str]] = {}
    columns = ["school_id", "school_name", "municipality"]
    for school_id, name, municipality in reference[columns].itertuples(index=False):
        index.setdefault(_key(municipality, name), set()).add(str(school_id))
    mapping: dict[str, str] = {}
    notes: list[str] = []
    for school_id, name, municipality in derived[columns].itertuples(index=False):
        found = sorted(index.get(_key(municipality, name), set()))
        label = f"«{name}» ({municipality})" if not pd.isna(municipality) else f"«{name}»"
        if len(found) == 1:
            mapping[school_id] = found[0]
        elif found:
            notes.append(f"школа {label} подходит к нескольким школам {where} ({', '.join(found)}) — учтена отдельно")
        elif registry is not None:
            notes.append(f"школа {label} не найдена {where} — учтена под своим наименованием")
    if not mapping:
        return parts, notes
    resolved = [
        replace(
            part,
            counts=(part.counts.assign(school_id=part.counts["school_id"].replace(mapping)) if len(part.counts)
                    else part.counts),
            schools=part.schools.assign(school_id=part.schools["school_id"].replace(mapping)),
        )
        for part in parts
    ]
    return resolved, notes
