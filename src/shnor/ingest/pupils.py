"""What the per-pupil ВПР layouts share (the ФИС ОКО protocol, its raw export, the school upload form): absent
pupils, totals made up from the task scores, the municipality and school from the data, and the counts.

A row is one pupil. «отсутствовал» in the variant column, or neither a total nor a task score, is an absent pupil —
never a participant. A total that is blank, 0 or not a number while task cells are filled is the sum of the task
cells; where both are given and differ, the given total stands. Each kind of such row is counted and told to the
sheet's log, with its first rows. Pupil codes, numbers, sex and class letters are never read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from shnor.cube import Batches, CubePart, PartKind
from shnor.errors import UserError
from shnor.ingest.base import ReadOptions, Recognition, SheetLog, Source
from shnor.ingest.cells import all_blank, blank, map_distinct, stripped, to_number
from shnor.ingest.students import aggregate_students, check_left_out
from shnor.ingest.tables import Sheet
from shnor.ingest.titles import TitleFacts, require_facts, sheet_facts
from shnor.vocabulary import Assessment, normalize_text

ABSENT = "участник отсутствовал (вариант «отсутствовал» или нет ни итога, ни баллов за задания) — не участник"
FROM_TASKS = "итог пуст, 0 или не число, а баллы за задания есть — итог посчитан как их сумма"
DIFFERS = "итог не равен сумме баллов за задания — взят итог из файла"
NOT_NUMBER = "в ячейке итога не число, а баллов за задания нет — не учтены"


@dataclass(frozen=True)
class PupilColumns:
    """A per-pupil layout's columns beyond the mapping: the task columns, those given as «код | название», and
    what ФИС ОКО codes in the file say about the procedure."""

    tasks: tuple[int, ...] = ()
    coded: frozenset[str] = frozenset()  # «edu223379 | МКОУ …», «reg22_m019 | Красногорский район»
    codes: TitleFacts = field(default_factory=TitleFacts)
    municipality_tag: bool = False  # the municipality column holds group tags: its code is taken («reg22_m019»)


def read_pupils(sheet: Sheet, recognition: Recognition, options: ReadOptions, log: SheetLog) -> CubePart:
    columns: PupilColumns = recognition.layout or PupilColumns()
    header = sheet.probe[recognition.header_row]
    log.header_row = recognition.header_row + 1
    log.columns = {c: " ".join(str(header[p]).split()) for c, p in recognition.mapping.items()}
    if columns.tasks:
        first, last = (" ".join(str(header[p]).split()) for p in (columns.tasks[0], columns.tasks[-1]))
        log.columns["tasks"] = f"{len(columns.tasks)} столбцов заданий: «{first}» … «{last}»"
    source = Source(sheet, log.columns)
    facts = sheet_facts(sheet, recognition.header_row, columns.codes, options.procedure)
    require_facts(
        sheet, facts, ("subject", "grade", "year"), "работы ВПР",
        "«…/2021/4/Математика.xlsx» или «Проведение работы по математике, 4 класс. ВПР 2021.xlsx»",
    )
    log.procedure = facts.described()
    sources = ", ".join(dict.fromkeys(facts.sources.values()))
    log.notes.append(f"процедура: ВПР «{facts.subject}», {facts.grade} класс, {facts.year} год (из: {sources})")
    batches, schools = Batches(), []
    participants = 0
    for batch in sheet.batches(recognition.header_row + 1):
        frame = pd.DataFrame({c: batch.columns[p].to_pandas() for c, p in recognition.mapping.items()
                              if p < len(batch.columns)})
        frame["_row"] = np.arange(batch.first_row, batch.first_row + len(frame))
        tasks = pd.DataFrame({p: batch.columns[p].to_pandas() for p in columns.tasks if p < len(batch.columns)})
        frame = _pupils(frame, tasks, log)
        if frame.empty:
            continue
        school_id = _logins(frame, columns, source)
        if columns.municipality_tag and "municipality" in frame:
            frame["municipality"] = _municipality_code(frame["municipality"])
        for column in columns.coded & set(frame.columns):
            frame[column] = _named_part(frame[column])
        keys = pd.DataFrame(
            {
                "year": pd.array([facts.year] * len(frame), dtype="Int64"),
                "assessment": str(Assessment.VPR),
                "subject": facts.subject,
                "grade": pd.array([facts.grade] * len(frame), dtype="Int64"),
                "school_id": school_id,
            },
            index=frame.index,
        )
        aggregate = aggregate_students(frame, keys, source, options, log)
        batches.add(aggregate.counts, aggregate.pairs, aggregate.histogram)
        schools.append(_schools(frame, school_id))
        participants += int(aggregate.counts["participants"].sum())
    log.rows_read = participants
    check_left_out(log, source, participants)
    part = batches.part(pd.DataFrame(), sheet.label, PartKind.STUDENTS)
    found = pd.concat(schools, ignore_index=True).drop_duplicates("school_id") if schools else None
    part.schools = _school_table(part.counts["school_id"], found)
    return part


def _pupils(frame: pd.DataFrame, tasks: pd.DataFrame, log: SheetLog) -> pd.DataFrame:
    """The rows of pupils who wrote the work, with their total as a number; the others told to ``log``."""
    rows = frame["_row"].to_numpy()
    values = [to_number(tasks[c]) for c in tasks.columns]
    task_scores = np.column_stack([v.to_numpy(dtype=float, na_value=np.nan) for v, _ in values]) if values else None
    filled = (
        np.column_stack([~np.isnan(s) | bad.to_numpy(dtype=bool)
                         for s, (_, bad) in zip(task_scores.T, values)]).any(axis=1)
        if values else np.zeros(len(frame), dtype=bool)
    )
    task_sum = np.nansum(task_scores, axis=1) if values else np.zeros(len(frame))
    empty = (all_blank(frame.drop(columns="_row")) & all_blank(tasks)).to_numpy(dtype=bool) if len(tasks.columns) else (
        all_blank(frame.drop(columns="_row")).to_numpy(dtype=bool)
    )
    log.skip("пустая строка", rows[empty], kind="blank_row")
    total, not_number = to_number(frame["score"])
    total = total.to_numpy(dtype=float, na_value=np.nan)
    not_number = not_number.to_numpy(dtype=bool)
    given = ~np.isnan(total)
    absent = ~empty & (_says_absent(frame) | (~filled & ~given & ~not_number) | (bool(values) & ~filled & (total == 0)))
    log.issue("absent", ABSENT, rows[absent])
    wrote = ~empty & ~absent
    from_tasks = wrote & filled & (~given | ((total == 0) & (task_sum > 0)))
    differs = wrote & filled & given & (total > 0) & (task_sum != total)
    unreadable = wrote & not_number & ~filled
    log.issue("total_from_tasks", FROM_TASKS, rows[from_tasks], left_out=False)
    log.issue("total_differs", DIFFERS, rows[differs], left_out=False)
    log.issue("score_not_number", NOT_NUMBER, rows[unreadable], example="итог не число")
    keep = wrote & ~unreadable
    score = np.where(from_tasks, task_sum, total)[keep]
    pupils = frame.loc[keep].drop(columns=["variant"], errors="ignore")
    pupils["score"] = pd.array(score, dtype="Float64")
    return pupils


def _says_absent(frame: pd.DataFrame) -> np.ndarray:
    """«отсутствовал» (any case, any ending) in the variant column."""
    if "variant" not in frame:
        return np.zeros(len(frame), dtype=bool)
    codes, spellings = pd.factorize(frame["variant"], use_na_sentinel=True)
    absent = np.array([normalize_text(s).startswith("отсутств") for s in spellings] + [False], dtype=bool)
    return absent[codes]


def _named_part(cells: pd.Series) -> pd.Series:
    """«edu223379 | МКОУ "Усть-Кажинская СОШ"» → «МКОУ "Усть-Кажинская СОШ"» (each distinct value once)."""
    values = stripped(cells)
    lookup = {v: v.split("|", 1)[1].strip() if "|" in v else v for v in values.dropna().unique()}
    return map_distinct(values, lookup, "string")


_MUNICIPALITY_TAG = re.compile(r"\breg(\d+)_vpr_m(\d+)\b")


def _municipality_code(cells: pd.Series) -> pd.Series:
    """«…,reg22_vpr_m004,…» → «reg22_m004», the code the upload form gives with the municipality's name."""
    lookup = {}
    for value in cells.dropna().unique():
        found = _MUNICIPALITY_TAG.search(str(value))
        lookup[value] = f"reg{found.group(1)}_m{found.group(2)}" if found else None
    return map_distinct(cells, lookup, "string")


def _code_part(cells: pd.Series) -> pd.Series:
    values = stripped(cells)
    lookup = {v: v.split("|", 1)[0].strip() for v in values.dropna().unique()}
    return map_distinct(values, lookup, "string")


def _logins(frame: pd.DataFrame, columns: PupilColumns, source: Source) -> pd.Series:
    """The school's login; in the upload form, where «Пользователь» is blank, the code of «Школа» («edu… | …»)."""
    login = (stripped(frame["school_id"]) if "school_id" in frame
             else pd.Series(pd.NA, index=frame.index, dtype="string"))
    if "school_name" in columns.coded and "school_name" in frame:
        login = login.where(~blank(login), _code_part(frame["school_name"]))
    missing = blank(login)
    if missing.any():
        raise UserError("не указан логин школы.", source.place(int(frame.loc[missing, "_row"].iloc[0]), "school_id"))
    return login.astype("string")


def _schools(frame: pd.DataFrame, school_id: pd.Series) -> pd.DataFrame:
    """The name and municipality of each school as the rows give them (the first row of a school that does)."""
    found = pd.DataFrame({"school_id": school_id})
    for column in ("school_name", "municipality"):
        found[column] = (stripped(frame[column]) if column in frame
                         else pd.Series(pd.NA, index=frame.index, dtype="string"))
    named = found.loc[~blank(found["municipality"]) | ~blank(found["school_name"])]
    return pd.concat([named, found], ignore_index=True).drop_duplicates("school_id")


def _school_table(ids: pd.Series, found: pd.DataFrame | None) -> pd.DataFrame:
    table = pd.DataFrame({"school_id": ids.astype("string").drop_duplicates()})
    if found is not None:
        table = table.merge(found, on="school_id", how="left")
    for column in ("school_name", "municipality"):
        if column not in table:
            table[column] = pd.NA
    return table[["school_id", "school_name", "municipality"]].astype("string").reset_index(drop=True)
