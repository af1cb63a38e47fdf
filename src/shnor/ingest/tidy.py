"""The canonical tidy table (SPEC §3.1 item 1), student-level or school-level, in CSV, XLSX or Parquet.

Student-level rows (one per participant: ``mark`` and/or ``score``) are aggregated into cube counts batch
by batch; school-level rows (``participants, n2..n5`` or ``participants, below_min, high``) are checked for
consistency and taken as they are.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing

import numpy as np
import pandas as pd

from shnor.cube import KEYS, MARK_COUNTS, Batches, CubePart, PartKind, empty_schools
from shnor.errors import UserError
from shnor.ingest.base import ReadOptions, Recognition, SheetLog, Source, derived_school_id
from shnor.ingest.cells import (
    all_blank,
    blank,
    first_bad,
    is_number_column,
    is_total_label,
    map_distinct,
    quoted_cell,
    require_numbers,
    stripped,
)
from shnor.ingest.headers import COLUMN_LABELS, find_header_row, map_header
from shnor.ingest.students import aggregate_students, check_left_out
from shnor.ingest.tables import Batch, Sheet, plain_text
from shnor.ingest.tidy_arrow import clean_students
from shnor.vocabulary import EXAM_GRADE, MATH_BASE, SUBJECTS, Assessment, parse_assessment, parse_subject

_IDENTITY = ("year", "assessment", "subject")
_SIGNALS = {"year", "assessment", "subject", "grade", "school_id", "participants", "mark", "score", "n2", "below_min"}
_SCHOOL_COUNTS = ("participants", *MARK_COUNTS, "below_min", "high", "lowered", "confirmed", "raised")
# key text read dictionary-encoded where the file stores it so (Parquet): a few distinct values in millions of rows;
# a CSV parsed ahead gives every column of a few values so (``tables._repeated``), numbers too, whatever this says
_CODED = ("assessment", "subject", "school_id", "school_name", "municipality")
# participant rows counted in Arrow at a time (fewer, larger batches than the careful reader's)
CLEAN_BATCH_ROWS = 1 << 20
# … and at most this many where the sheet is held whole in memory (a region's CSV: its batches are views, not read
# anew): the next batch's count reuses this one's temporaries, fewer of them faulted in afresh (a region's million
# rows: ~3 600 page faults fewer than in one batch); counting two such batches at once on two threads was no faster
# (the count is bound to one core by Python's lock) and faulted in a second set of temporaries
HELD_BATCH_ROWS = 1 << 19


class TidyReader:
    name = "tidy"
    label = "каноническая таблица"
    looks_for = (
        "каноническая таблица: столбцы «год», «процедура», «предмет», «класс», «логин ОО» и либо «отметка»/«балл» "
        "(по участникам), либо «участники», «2»…«5» / «ниже порога», «высокие результаты» (по школам)"
    )

    def recognise(self, sheet: Sheet) -> Recognition | None:
        header_row = find_header_row(sheet.probe, _SIGNALS, at_least=3)
        if header_row is None:
            return None
        mapping = map_header(sheet.probe[header_row])
        missing = [c for c in _IDENTITY if c not in mapping]
        if "school_id" not in mapping and "school_name" not in mapping:
            missing.append("school_id")
        student_level = "participants" not in mapping
        if student_level and "mark" not in mapping and "score" not in mapping:
            missing.append("mark")
        level = "по участникам" if student_level else "по школам"
        return Recognition(header_row, mapping, tuple(missing), level)

    def read(self, sheet: Sheet, recognition: Recognition, options: ReadOptions, log: SheetLog) -> CubePart:
        mapping = recognition.mapping
        header = sheet.probe[recognition.header_row]
        log.header_row = recognition.header_row + 1
        log.columns = {column: str(header[position]) for column, position in mapping.items()}
        student_level = "participants" not in mapping
        source = Source(sheet, {c: " ".join(h.split()) for c, h in log.columns.items()})
        batches, schools = Batches(running=student_level), []
        participants = 0
        first = recognition.header_row + 1
        coded = [mapping[c] for c in _CODED if c in mapping]
        if student_level:
            rows = min(CLEAN_BATCH_ROWS, HELD_BATCH_ROWS) if sheet.held else CLEAN_BATCH_ROWS
            read = _counted_ahead(sheet.joined_batches(first, rows, coded), mapping, source, options,
                                  ahead=not sheet.streamed)  # a streamed CSV's next batch would be 0.15 GB more
        else:
            read = ((gathered, None) for gathered in sheet.batches(first))
        # closed here, not when collected: the count running ahead ends on this thread even when a batch raises
        # (collected later, on a thread of Arrow's, its pool's shutdown could deadlock thread start-up)
        with closing(read):
            for gathered, clean in read:
                if clean is not None:  # nothing in the batch to name, leave out or report: counted in Arrow
                    aggregate, names = clean
                    batches.add(aggregate.counts, aggregate.pairs, aggregate.histogram)
                    participants += int(aggregate.counts["participants"].sum())
                    schools.append(names)
                    log.rows_read += len(gathered.columns[0])
                    continue
                for batch in gathered.pieces:  # the careful reader takes the batches as the sheet gave them
                    frame = pd.DataFrame({c: plain_text(batch.columns[p]).to_pandas() for c, p in mapping.items()
                                          if p < len(batch.columns)})
                    frame["_row"] = np.arange(batch.first_row, batch.first_row + len(frame))
                    frame = _drop_recoverable(frame, log)
                    if frame.empty:
                        continue
                    keys = _parse_keys(frame, source)
                    if student_level:
                        aggregate = aggregate_students(frame, keys, source, options, log)
                        batches.add(aggregate.counts, aggregate.pairs, aggregate.histogram)
                        participants += int(aggregate.counts["participants"].sum())
                    else:
                        batches.add(_school_rows(frame, keys, source))
                    schools.append(_school_names(frame, keys))
                    log.rows_read += len(frame)
        if getattr(sheet, "malformed_rows", 0):  # a CSV's rows of another width: named by their lines
            lines = sheet.malformed_lines()
            if lines:
                log.issue("ragged_row", f"иное число ячеек, чем в заголовке ({sheet.width}) — не учтены", lines)
            else:
                log.notes.append(f"пропущено строк с иным числом ячеек, чем в заголовке: {sheet.malformed_rows}")
        if student_level:
            check_left_out(log, source, participants)
        kind = PartKind.STUDENTS if student_level else PartKind.SCHOOLS
        school_frame = (pd.concat(schools, ignore_index=True).drop_duplicates("school_id") if schools
                        else empty_schools())
        return batches.part(school_frame, sheet.label, kind, check=lambda counts: _check_unique(counts, source))


def _counted_ahead(read: Iterator[Batch], mapping: dict[str, int], source: Source,
                   options: ReadOptions, ahead: bool = True) -> Iterator[tuple[Batch, tuple | None]]:
    """Each batch with its clean counts (``clean_students``: None for a batch the careful reader takes), the next
    batch counted on another thread while this one is pooled (numpy and pandas work outside the GIL for the most
    part). Counting has no effect but its result: an error it raises comes with its batch, as it would have; an error of
    reading the next batch comes after this one. Without ``ahead``, one batch at a time on this thread."""
    from concurrent.futures import ThreadPoolExecutor

    def counted(gathered: Batch):
        columns = {c: gathered.columns[p] for c, p in mapping.items() if p < len(gathered.columns)}
        return clean_students(columns, gathered.first_row, source, options)

    if not ahead:
        yield from ((gathered, counted(gathered)) for gathered in read)
        return
    read = iter(read)
    with ThreadPoolExecutor(1, thread_name_prefix="shnor-count") as pool:
        waiting = None
        while True:
            try:
                gathered = next(read, None)
            except Exception:  # reading the rows below failed: the batch above comes first, with its own error
                if waiting is not None:
                    yield waiting[0], waiting[1].result()
                raise
            if gathered is None:
                break
            coming = (gathered, pool.submit(counted, gathered))
            if waiting is not None:
                yield waiting[0], waiting[1].result()
            waiting = coming
        if waiting is not None:
            yield waiting[0], waiting[1].result()


def _drop_recoverable(frame: pd.DataFrame, log: SheetLog) -> pd.DataFrame:
    """Blank rows and «Итого»/«Всего» rows are skipped and reported, never read as schools."""
    cells = frame.drop(columns="_row")
    empty = all_blank(cells)
    log.skip("пустая строка", frame.loc[empty, "_row"])
    labels = [c for c in ("year", "assessment", "subject", "school_id", "school_name", "municipality") if c in frame]
    totals = pd.Series(False, index=frame.index)
    for column in labels:
        totals |= is_total_label(frame[column])
    totals &= ~empty
    log.skip("строка итогов («Итого», «Всего»)", frame.loc[totals, "_row"])
    return frame.loc[~empty & ~totals]


def _required_text(frame: pd.DataFrame, column: str, source: Source) -> pd.Series:
    values = stripped(frame[column])
    _require_filled(blank(values), frame, column, source)
    return values


def _require_filled(empty: pd.Series, frame: pd.DataFrame, column: str, source: Source) -> None:
    """An empty cell of a column every row needs is an error naming the first one."""
    row = first_bad(empty, frame["_row"])
    if row is not None:
        raise UserError("пустая ячейка в обязательном столбце.", source.place(row, column),
                        "Заполните ячейку или удалите строку.")


def _vocabulary_column(frame: pd.DataFrame, column: str, parse, source: Source, known: str) -> pd.Series:
    """A column of a few distinct spellings («ВПР», « впр »…): each spelling is stripped and parsed once."""
    text = frame[column]
    codes, spellings = pd.factorize(stripped(text) if is_number_column(text) else text, use_na_sentinel=True)
    cleaned = [str(spelling).strip() for spelling in spellings]
    empty = np.array([not value for value in cleaned] + [True])  # the last one: a missing cell
    _require_filled(pd.Series(empty[codes], index=frame.index), frame, column, source)
    parsed = [parse(value) for value in cleaned]
    unknown = [code for code, value in enumerate(parsed) if value is None]  # codes come in order of appearance
    if unknown:
        row = int(frame["_row"].iloc[int(np.argmax(codes == unknown[0]))])
        raise UserError(
            f"неизвестное значение {quoted_cell(cleaned[unknown[0]])}.", source.place(row, column),
            f"Допустимые значения: {known}."
        )
    return pd.Series(pd.array([str(value) for value in parsed], dtype="string").take(codes), index=frame.index)


def _parse_keys(frame: pd.DataFrame, source: Source) -> pd.DataFrame:
    rows = frame["_row"]
    keys = pd.DataFrame(index=frame.index)
    year = require_numbers(
        frame["year"], rows, source.place(), source.label("year"), integer=True, low=2000, high=2100,
        what="год (например, 2025)"
    )
    _require_filled(year.isna(), frame, "year", source)
    keys["year"] = year.astype("Int64")
    keys["assessment"] = _vocabulary_column(frame, "assessment", parse_assessment, source, "ВПР, ОГЭ, ЕГЭ")
    keys["subject"] = _vocabulary_column(frame, "subject", parse_subject, source, ", ".join(SUBJECTS))
    keys["grade"] = _grades(frame, keys, source)
    keys["school_id"] = _school_ids(frame, source)
    return keys


def _grades(frame: pd.DataFrame, keys: pd.DataFrame, source: Source) -> pd.Series:
    exam_grade = map_distinct(keys["assessment"], {str(a): g for a, g in EXAM_GRADE.items()}, "Int64")
    if "grade" not in frame:
        grades = exam_grade
    else:
        parsed = require_numbers(
            frame["grade"], frame["_row"], source.place(), source.label("grade"), integer=True, low=1, high=11,
            what="класс от 1 до 11"
        ).astype("Int64")
        grades = parsed.fillna(exam_grade)
    row = first_bad(grades.isna(), frame["_row"])
    if row is not None:
        raise UserError("для ВПР нужно указать класс.", source.place(row, "grade"), "Заполните ячейку класса.")
    return grades


def _school_ids(frame: pd.DataFrame, source: Source) -> pd.Series:
    if "school_id" in frame:
        return _required_text(frame, "school_id", source).astype("string")
    names = _required_text(frame, "school_name", source)
    municipalities = frame["municipality"].fillna("") if "municipality" in frame else pd.Series("", index=frame.index)
    pairs = pd.DataFrame({"m": municipalities, "n": names})
    lookup = {pair: derived_school_id(*pair) for pair in pairs.drop_duplicates().itertuples(index=False, name=None)}
    return pd.Series([lookup[pair] for pair in pairs.itertuples(index=False, name=None)], index=frame.index,
                     dtype="string")


def _school_names(frame: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    schools = pd.DataFrame({"school_id": keys["school_id"]})
    for column in ("school_name", "municipality"):
        schools[column] = stripped(frame[column]) if column in frame else pd.NA
    return schools.drop_duplicates("school_id")


def _school_rows(frame: pd.DataFrame, keys: pd.DataFrame, source: Source) -> pd.DataFrame:
    rows = frame["_row"]
    place = source.place()
    out = keys.copy()
    out["_row"] = rows
    for column in _SCHOOL_COUNTS:
        if column in frame:
            label = source.label(column)
            values = require_numbers(frame[column], rows, place, label, integer=True, low=0, what="целое число ≥ 0")
            out[column] = values.astype("Int64")
    participants = out["participants"]
    row = first_bad(participants.isna(), rows)
    if row is not None:
        raise UserError("не указано число участников.", source.place(row, "participants"), "Заполните ячейку.")
    marked = (keys["assessment"] != Assessment.EGE) | (keys["subject"] == MATH_BASE)
    _check_marks(frame, out, marked, source)
    _check_ege(frame, out, ~marked, source)
    if "mean_score" in frame:
        mean = require_numbers(frame["mean_score"], rows, place, source.label("mean_score"), low=0, what="средний балл")
        sd = (
            require_numbers(frame["sd_score"], rows, place, source.label("sd_score"), low=0, what="число ≥ 0")
            if "sd_score" in frame
            else pd.Series(pd.NA, index=frame.index, dtype="Float64")
        )
        n = participants.astype("Float64").where(mean.notna())
        out["score_n"] = n
        out["score_sum"] = mean * n
        out["score_sumsq"] = sd * sd * (n - 1) + n * mean * mean
    return out


def _check_marks(frame: pd.DataFrame, out: pd.DataFrame, marked: pd.Series, source: Source) -> None:
    if not marked.any():
        return
    missing = [COLUMN_LABELS[c] for c in MARK_COUNTS if c not in frame]
    if missing:
        row = int(frame.loc[marked, "_row"].iloc[0])
        raise UserError(
            f"для ВПР, ОГЭ и базовой математики нужны столбцы с числом отметок; нет столбцов {', '.join(missing)}.",
            source.place(row),
            "Добавьте столбцы n2, n3, n4, n5 («2», «3», «4», «5»).",
        )
    for column in MARK_COUNTS:
        out[column] = out[column].fillna(0).where(marked)
    total = out[MARK_COUNTS].sum(axis=1)
    contradiction = marked & (total != out["participants"])
    row = first_bad(contradiction.fillna(False).astype(bool), frame["_row"])
    if row is not None:
        found = out.loc[frame["_row"] == row].iloc[0]
        raise UserError(
            f"сумма отметок «2»+«3»+«4»+«5» = {int(found[MARK_COUNTS].sum())} не равна числу участников "
            f"{int(found['participants'])}.",
            source.place(row, "participants"),
            "Исправьте числа в строке: каждый участник получает одну отметку.",
        )
    for column in ("below_min", "high"):
        if column in out:
            out[column] = out[column].where(~marked)


def _check_ege(frame: pd.DataFrame, out: pd.DataFrame, scored: pd.Series, source: Source) -> None:
    if not scored.any():
        return
    missing = [COLUMN_LABELS[c] for c in ("below_min", "high") if c not in frame]
    if missing:
        row = int(frame.loc[scored, "_row"].iloc[0])
        raise UserError(
            f"для ЕГЭ нужны столбцы {', '.join('«' + m + '»' for m in missing)}.",
            source.place(row),
            "Добавьте столбцы below_min (не преодолели минимальный порог) и high (высокие результаты).",
        )
    for column in ("below_min", "high"):
        out[column] = out[column].fillna(0).where(scored)
        over = scored & (out[column] > out["participants"])
        row = first_bad(over.fillna(False).astype(bool), frame["_row"])
        if row is not None:
            raise UserError(
                f"«{COLUMN_LABELS[column]}» больше числа участников.",
                source.place(row, column),
                "Исправьте числа в строке.",
            )
    both = scored & (out["below_min"] + out["high"] > out["participants"])
    row = first_bad(both.fillna(False).astype(bool), frame["_row"])
    if row is not None:
        raise UserError(
            "«ниже порога» и «высокие результаты» вместе больше числа участников.",
            source.place(row, "participants"),
            "Исправьте числа в строке.",
        )
    for column in MARK_COUNTS:
        if column in out:
            out[column] = out[column].where(~scored)


def _check_unique(stacked: pd.DataFrame, source: Source) -> None:
    duplicated = stacked.duplicated(KEYS, keep=False)
    if duplicated.any():
        key = stacked.loc[duplicated].iloc[0]
        same = (stacked[KEYS] == key[KEYS]).all(axis=1)
        rows = [source.sheet.line(int(r)) for r in stacked.loc[same, "_row"].tolist()[:2]]
        raise UserError(
            f"строки {rows[0]} и {rows[1]} дают результаты одной школы ({key['school_id']}) по одной процедуре "
            f"({key['assessment']} {key['subject']}, {key['grade']} класс, {key['year']} год).",
            source.place(),
            "Удалите повторяющуюся строку.",
        )
