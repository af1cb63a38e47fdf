"""The school registry (``--registry``) and earlier lists (``--history``), SPEC §3.3.

History lists are matched to schools by id or, when a list has only names, by the normalised name (and the
municipality when both sides have it). Every name that matches no school, or more than one, is reported;
nothing is guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from shnor.errors import Place, UserError
from shnor.ingest.headers import TIDY_COLUMNS, header_key, header_row_of, map_header
from shnor.ingest.tables import read_small_table
from shnor.vocabulary import municipality_key, normalize_school_name

_IDENTITY_VOCABULARY = {
    alias: column for column in ("school_id", "school_name", "municipality") for alias in TIDY_COLUMNS[column]
} | {
    header_key(alias): "type"
    for alias in ("type", "тип", "тип оо", "вид оо", "тип организации", "вид организации")
} | {header_key(alias): "settlement" for alias in ("settlement", "местность", "тип поселения", "город/село")} | {
    header_key(alias): "status" for alias in ("status", "статус")
}

REGISTRY_COLUMNS = ["school_id", "school_name", "municipality", "type", "settlement"]


def _table(path: Path, required_any: tuple[str, ...], what: str) -> tuple[pd.DataFrame, Place]:
    sheet, rows = read_small_table(path)
    header_index = header_row_of(rows, _IDENTITY_VOCABULARY, set(required_any))
    if header_index is None:
        raise UserError(
            f"в файле {what} «{path.name}» не найден заголовок со столбцом логина ОО или наименования ОО.",
            Place(path.name, sheet.name),
            "Первой строкой таблицы должны идти названия столбцов: «логин ОО», «наименование ОО», «муниципалитет».",
        )
    mapping = map_header(rows[header_index], _IDENTITY_VOCABULARY)
    body = rows[header_index + 1 :]
    frame = pd.DataFrame(
        {column: [(row[p] or "").strip() if p < len(row) and row[p] is not None else "" for row in body]
         for column, p in mapping.items()}
    )
    frame["_row"] = range(header_index + 2, header_index + 2 + len(body))
    filled = frame.drop(columns="_row").ne("").any(axis=1)
    return frame.loc[filled].reset_index(drop=True), Place(path.name, sheet.name)


def read_registry(path: Path) -> pd.DataFrame:
    """id, name, municipality, type[, settlement] per school; ids must be unique."""
    frame, place = _table(path, ("school_id",), "реестра")
    missing = [c for c in ("school_id", "school_name", "municipality") if c not in frame]
    if missing:
        raise UserError(
            f"в реестре нет столбцов: {', '.join(missing)}.", place,
            "Нужны столбцы логина, наименования и муниципалитета ОО."
        )
    duplicated = frame["school_id"].duplicated(keep=False) & frame["school_id"].ne("")
    if duplicated.any():
        rows = frame.loc[duplicated, "_row"].tolist()
        raise UserError(
            f"логин «{frame.loc[duplicated, 'school_id'].iloc[0]}» повторяется в строках {rows[0]} и {rows[1]}.",
            place,
            "Оставьте одну строку на школу.",
        )
    for column in REGISTRY_COLUMNS:
        if column not in frame:
            frame[column] = ""
    return frame[REGISTRY_COLUMNS].astype("string")


@dataclass
class HistoryFile:
    file: str
    rows: int = 0
    matched: int = 0
    unmatched: list[str] = field(default_factory=list)
    ambiguous: list[tuple[str, list[str]]] = field(default_factory=list)
    listed: list[str] = field(default_factory=list)  # ids of the schools the list names


@dataclass
class History:
    times_listed: dict[str, int]
    files: list[HistoryFile]


def _same_list(path: Path, seen: dict[bytes, Path]) -> Path | None:
    """The list given before with the same content, if any (``seen`` is filled in: digest → path)."""
    import hashlib

    try:
        digest = hashlib.sha256(path.read_bytes()).digest()
    except OSError:
        return None  # not found, a folder…: said by the reader of the table
    if digest in seen:
        return seen[digest]
    seen[digest] = path
    return None


def read_history(paths: list[Path], schools: pd.DataFrame) -> History:
    """How many of the given lists name each school. ``schools``: school_id, school_name, municipality."""
    known_ids = set(schools["school_id"].astype(str))
    candidates = _name_index(schools)
    times: dict[str, int] = {}
    files = []
    seen: dict[bytes, Path] = {}
    for path in paths:
        same = _same_list(path, seen)
        if same is not None:  # one list counted twice would make every school on it «listed twice»
            twice = "указан дважды" if same.resolve() == path.resolve() else f"совпадает с «{same.name}» байт в байт"
            raise UserError(
                f"прежний перечень «{path.name}» {twice}: каждый перечень считается в «сколько раз в перечне».",
                hint="Укажите в --history каждый перечень (каждый год) один раз.",
            )
        frame, place = _table(path, ("school_id", "school_name"), "истории")
        if "status" in frame:
            # a list with a status column (last year's schools.csv, a list of both lists): its ШНОР rows only
            frame = frame.loc[frame["status"].str.strip().str.lower().isin(["shnor", "шнор"])]
        report = HistoryFile(path.name, rows=len(frame))
        listed: set[str] = set()
        for record in frame.to_dict("records"):
            school = _match(record, known_ids, candidates, report)
            if school is not None:
                listed.add(school)
        report.matched = len(listed)
        report.listed = sorted(listed)
        if report.rows and not listed:
            shown = "; ".join(report.unmatched[:3])
            raise UserError(
                f"ни одна из {report.rows} школ прежнего перечня не найдена среди школ в данных (например: {shown}).",
                place,
                "Проверьте, что это перечень того же региона; для сопоставления по наименованию укажите --registry.",
            )
        for school in listed:
            times[school] = times.get(school, 0) + 1
        files.append(report)
    return History(times_listed=times, files=files)


def _name_index(schools: pd.DataFrame) -> dict[str, list[tuple[str, str]]]:
    index: dict[str, list[tuple[str, str]]] = {}
    for school_id, name, municipality in schools[["school_id", "school_name", "municipality"]].itertuples(index=False):
        if pd.isna(name) or not str(name).strip():
            continue
        key = normalize_school_name(name)
        index.setdefault(key, []).append((str(school_id),
                                          municipality_key(municipality if not pd.isna(municipality) else "")))
    return index


def _match(record: dict, known_ids: set[str], candidates, report: HistoryFile) -> str | None:
    school_id = record.get("school_id", "")
    if school_id:
        if school_id in known_ids:
            return school_id
        report.unmatched.append(school_id)
        return None
    name = record.get("school_name", "")
    if not name:
        return None
    found = candidates.get(normalize_school_name(name), [])
    municipality = municipality_key(record.get("municipality", ""))
    if municipality:
        found = [c for c in found if not c[1] or c[1] == municipality]
    ids = sorted({school for school, _ in found})
    label = f"{name} ({record['municipality']})" if municipality else name
    if len(ids) == 1:
        return ids[0]
    if ids:
        report.ambiguous.append((label, ids))
    else:
        report.unmatched.append(label)
    return None
