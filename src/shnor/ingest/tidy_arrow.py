"""The canonical table's participant rows read in Arrow: a clean batch counted without a pandas frame.

Each column is dictionary-encoded by Arrow once; what a cell means is decided once per distinct value (a few dozen
spellings of a procedure, a few thousand logins, a hundred scores), and the rows are numbered by key from the codes.
The counting is the one every participant reader uses (``students.count_students``).

This is for the batch where nothing needs a person's attention: every key cell parses, no row is blank or a total,
marks, scores and journal marks are plain numbers within their ranges. For any other batch ``clean_students``
returns None and the batch is read the careful way (``tidy``, ``students.aggregate_students``), which names the first
bad cell, leaves rows out and reports them — so a clean batch and a careful one give the same counts, and every
message and report comes from one place.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from shnor._grouping import factorized, first_rows
from shnor.ingest.base import ReadOptions, Source
from shnor.ingest.cells import TOTAL_ROW
from shnor.ingest.students import Groups, StudentAggregate, all_counted, count_students, only_marks
from shnor.ingest.tables import plain_text, plain_type
from shnor.vocabulary import EXAM_GRADE, parse_assessment, parse_subject

_LABELS = ("year", "assessment", "subject", "school_id", "school_name", "municipality")  # where a total row says so


class _Unclean(Exception):
    """The batch needs the careful reader."""


def clean_students(
    columns: dict[str, pa.Array], first_row: int, source: Source, options: ReadOptions
) -> tuple[StudentAggregate, pd.DataFrame] | None:
    """The counts of a batch of participant rows of the canonical table and the schools it names (id, name,
    municipality: the first spelling of each), or None when the batch is not clean (see the module)."""
    if "school_id" not in columns:  # ids made from names and municipalities: the careful reader
        return None
    try:
        return _counted(columns, first_row, source, options)
    except _Unclean:
        pass
    # A column that came dictionary-encoded holds the distinct values of the whole file (a CSV parsed ahead, a
    # Parquet row group): one bad cell elsewhere («н/я» for a score, «Итого») is not this batch's. Judged again on
    # the values its own rows have — an unclean file is read carefully batch by batch, not as a whole.
    narrowed = {name: _own_values(array) for name, array in columns.items()}
    if all(narrowed[name] is columns[name] for name in columns):
        return None
    try:
        return _counted(narrowed, first_row, source, options)
    except _Unclean:
        return None


def _own_values(array: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """A dictionary-encoded column with only the values its rows have, in the dictionary's order (the same column
    where every value is had, or the column is not dictionary-encoded)."""
    if not pa.types.is_dictionary(array.type):
        return array
    if isinstance(array, pa.ChunkedArray):
        if not array.num_chunks:
            return array
        array = array.combine_chunks()  # one dictionary for the chunks
    had = np.zeros(len(array.dictionary), dtype=bool)
    had[pc.unique(array.indices).drop_null().to_numpy(zero_copy_only=False)] = True
    if had.all():
        return array
    place = pa.array(np.cumsum(had, dtype=np.int32) - 1)  # a value's place among those had
    return pa.DictionaryArray.from_arrays(place.take(array.indices), array.dictionary.filter(pa.array(had)))


def _counted(columns: dict[str, pa.Array], first_row: int, source: Source, options: ReadOptions):
    count = len(columns["school_id"])
    keyed = ("year", "assessment", "subject", "school_id", "grade")
    encoded = {name: _encoded(array) for name, array in columns.items() if name in keyed}
    for name in _LABELS:  # names and municipalities: only their distinct values are looked at
        if name in columns and _any_total(encoded[name][1] if name in encoded else pc.unique(columns[name])):
            raise _Unclean
    year = _key(encoded["year"], _years)
    assessment = _key(encoded["assessment"], _vocabulary(parse_assessment))
    subject = _key(encoded["subject"], _vocabulary(parse_subject))
    grade = _grades(encoded.get("grade"), assessment, count)
    school = _key(encoded["school_id"], _logins)
    code = np.zeros(count, dtype=np.int64)
    for codes, values in (year, assessment, subject, grade, school):  # in place: one array, not one per key
        code *= len(values) + 1
        code += codes
    of_row, _ = factorized(code)
    del code
    firsts = first_rows(of_row)
    procedure = np.zeros(len(firsts), dtype=np.int64)  # per key, its procedure numbered by first appearance
    for codes, values in (year, assessment, subject, grade):
        procedure *= len(values) + 1
        procedure += codes[firsts]
    procedure, _ = pd.factorize(procedure)
    # each key's values made once per distinct value, then taken for the keys
    keys = pd.DataFrame({
        "year": pd.array(year[1], dtype="Int64").take(year[0][firsts]),
        "assessment": pd.array(assessment[1], dtype="string").take(assessment[0][firsts]),
        "subject": pd.array(subject[1], dtype="string").take(subject[0][firsts]),
        "grade": pd.array(grade[1], dtype="Int64").take(grade[0][firsts]),
        "school_id": pd.array(school[1], dtype="string").take(school[0][firsts]),
    })
    mark = _numbers(columns.get("mark"), count)
    if not _whole_marks(columns.get("mark")) and not only_marks(mark):
        raise _Unclean
    score = _numbers(columns.get("score"), count)
    journal = _numbers(columns["journal_mark"], count) if "journal_mark" in columns else None
    groups = Groups(of_row, keys, options, procedure)
    if not all_counted(groups, mark, score, journal):
        raise _Unclean
    rows = range(first_row, first_row + count)  # looked up only to name a row in a message: no row-long array
    aggregate = count_students(groups, mark, score, journal, rows, source, options, marks=True)
    return aggregate, _schools(columns, school, firsts)


def _encoded(array: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Each row's code and the distinct values; a missing cell is the code one past the last value. Text read
    dictionary-encoded (Parquet) is taken as it is: its dictionary may repeat a value, which ``_key`` merges.
    Whole numbers of a narrow range (years, grades: Parquet keeps them typed) are their own codes, less the least
    of them: the distinct values are the whole range, a value that no row has among them."""
    ranged = _ranged(array)
    if ranged is not None:
        return ranged
    encoded = array if pa.types.is_dictionary(array.type) else pc.dictionary_encode(array)
    if isinstance(encoded, pa.ChunkedArray):  # a batch joined from the sheet's: one dictionary, grown chunk by chunk
        if encoded.num_chunks == 0:
            return _encoded(encoded.combine_chunks())
        distinct = encoded.chunk(encoded.num_chunks - 1).dictionary  # the last holds every value met before it
        if not all(c.dictionary.equals(distinct.slice(0, len(c.dictionary))) for c in encoded.chunks):
            return _encoded(array.combine_chunks())  # an Arrow that encodes each chunk on its own
        indices = pa.chunked_array([chunk.indices for chunk in encoded.chunks], type=pa.int32())
    else:
        distinct, indices = encoded.dictionary, encoded.indices
    if indices.null_count:
        indices = pc.fill_null(indices, len(distinct))
    return indices.to_numpy(zero_copy_only=False), distinct  # Arrow's int32, without a copy where one will do


_RANGE = 1 << 12


def _ranged(array: pa.Array) -> tuple[np.ndarray, pa.Array] | None:
    """A column of whole numbers without blanks spanning at most ``_RANGE`` values, coded without hashing: (value −
    the least, every value from the least to the greatest); None for any other column."""
    if not isinstance(array, pa.Array) or not pa.types.is_integer(array.type) or not len(array) or array.null_count:
        return None
    low, high = (value.as_py() for value in pc.min_max(array).values())
    if high - low >= _RANGE:
        return None
    values = _narrow_integers(array)
    if values is None:
        # as signed codes, as every other column's (an unsigned 64-bit column's difference stays unsigned)
        codes = pc.subtract(array, pa.scalar(low, array.type)).cast(pa.int32()).to_numpy(zero_copy_only=False)
    else:
        codes = np.subtract(values, low, dtype=np.int32)
    return codes, pa.array(np.arange(low, high + 1), type=array.type)


_NARROW = {pa.int8(): np.int8, pa.int16(): np.int16, pa.int32(): np.int32, pa.uint8(): np.uint8,
           pa.uint16(): np.uint16, pa.uint32(): np.uint32}  # whole numbers that decimals hold exactly


def _narrow_integers(array: pa.Array) -> np.ndarray | None:
    """The values of a column of narrow whole numbers as they lie in Arrow's memory (no copy; a blank cell's value
    is any); None for another column."""
    kind = _NARROW.get(array.type) if isinstance(array, pa.Array) else None
    if kind is None:
        return None
    size = np.dtype(kind).itemsize
    return np.frombuffer(array.buffers()[1], dtype=kind, count=len(array), offset=array.offset * size)


def _valid(array: pa.Array) -> np.ndarray:
    """Where the column has a value (Arrow's validity bits as booleans)."""
    bits = np.frombuffer(array.buffers()[0], dtype=np.uint8)
    return np.unpackbits(bits, count=array.offset + len(array), bitorder="little")[array.offset:].view(bool)


def _whole_marks(array: pa.Array | None) -> bool:
    """A column of whole numbers from 2 to 5 (and blanks): marks, known without looking at each row (nor at each
    distinct value of a batch: at the dictionary of a column that came dictionary-encoded)."""
    if isinstance(array, pa.DictionaryArray):
        values = _plain(array.dictionary)
        return values is not None and bool(np.isin(values[~np.isnan(values)], (2.0, 3.0, 4.0, 5.0)).all())
    if array is None or not pa.types.is_integer(array.type):
        return False
    if array.null_count == len(array):
        return True
    low, high = (value.as_py() for value in pc.min_max(array).values())
    return 2 <= low and high <= 5


def _any_total(distinct: pa.Array) -> bool:
    """«Итого», «Всего по МО»…: a total row is the careful reader's to skip and report."""
    distinct = plain_text(distinct)  # the distinct names of a Parquet file come dictionary-encoded
    if not (pa.types.is_string(distinct.type) or pa.types.is_large_string(distinct.type)):
        return False
    return any(TOTAL_ROW.search(value) for value in distinct.to_pylist() if value is not None)


def _key(encoded: tuple[np.ndarray, pa.Array], parse) -> tuple[np.ndarray, np.ndarray]:
    """A key column as (a code per row, the distinct meanings): spellings that mean the same («ВПР», « впр ») get one
    code. A missing or unparsed cell makes the batch unclean."""
    codes, distinct = encoded
    meanings = parse(distinct)
    if meanings is None or codes.max(initial=-1) >= len(distinct):
        raise _Unclean
    canonical, values = pd.factorize(pd.Series(meanings, dtype=object))
    if len(values) == len(canonical):  # each spelling its own meaning: the codes stand as they are
        return codes, np.asarray(values, dtype=object)
    return canonical[codes], np.asarray(values, dtype=object)


def _years(distinct: pa.Array) -> list | None:
    numbers = _plain(distinct)
    if numbers is None or np.isnan(numbers).any():
        return None
    if not ((numbers == np.round(numbers)) & (numbers >= 2000) & (numbers <= 2100)).all():
        return None
    return [int(n) for n in numbers]


def _vocabulary(parse):
    def parsed(distinct: pa.Array) -> list | None:
        if not (pa.types.is_string(distinct.type) or pa.types.is_large_string(distinct.type)):
            return None
        meanings = [parse(value.strip()) if value is not None and value.strip() else None
                    for value in distinct.to_pylist()]
        return None if any(m is None for m in meanings) else [str(m) for m in meanings]

    return parsed


def _logins(distinct: pa.Array) -> list | None:
    if not (pa.types.is_string(distinct.type) or pa.types.is_large_string(distinct.type)):
        return None
    logins = pc.utf8_trim_whitespace(distinct).to_pylist()
    return None if any(not login for login in logins) else logins


def _grades(encoded, assessment: tuple[np.ndarray, np.ndarray], count: int) -> tuple[np.ndarray, np.ndarray]:
    """The grade of each row: as given (1 to 11), or the exam's (ОГЭ 9, ЕГЭ 11) where the cell is blank."""
    if encoded is not None:
        codes, distinct = encoded
        numbers = _plain(distinct)
        if numbers is None:
            raise _Unclean
        if not ((numbers == np.round(numbers)) & (numbers >= 1) & (numbers <= 11)).all():
            raise _Unclean
        if codes.max(initial=-1) < len(distinct):  # no blank cell: a code per distinct grade, no row-long decimals
            canonical, values = pd.factorize(numbers.astype(np.int64))
            return (codes if len(values) == len(canonical) else canonical[codes]), np.asarray(values, dtype=object)
    exam = np.array([EXAM_GRADE.get(a, np.nan) for a in assessment[1]], dtype=float)[assessment[0]]
    if encoded is None:
        grades = exam
    else:
        grades = np.append(numbers, np.nan)[codes]
        grades = np.where(np.isnan(grades), exam, grades)
    if np.isnan(grades).any():
        raise _Unclean
    canonical, values = pd.factorize(grades.astype(np.int64))
    return canonical, np.asarray(values, dtype=object)


def _numbers(array: pa.Array | None, count: int) -> np.ndarray:
    """A column of marks or scores as decimals (NaN where blank; all NaN without the column). One that came
    dictionary-encoded (a CSV parsed ahead) has its distinct values parsed once, by ``_plain`` as a column of text
    would be, and taken for the rows by their codes."""
    if array is None:
        return np.full(count, np.nan)
    if pa.types.is_dictionary(array.type):
        codes, distinct = _encoded(array)
        numbers = _plain(distinct)
        if numbers is None:
            raise _Unclean
        # taken in Arrow's memory (a blank cell's code is the one past the last value): no NaN spread by numpy
        return pa.array(np.append(numbers, np.nan)).take(codes).to_numpy()
    numbers = _plain(array)
    if numbers is None:
        raise _Unclean
    return numbers


def _plain(array: pa.Array) -> np.ndarray | None:
    """Typed numbers, or text that Arrow reads whole as finite numbers (blank cells NaN); None otherwise (what
    ``cells.to_number`` leaves to its slow way)."""
    typed = pa.types.is_integer(array.type) or pa.types.is_floating(array.type)
    if not typed and not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return None
    if array.null_count == len(array):  # a column of blanks (a country's journal marks)
        return np.full(len(array), np.nan)
    whole = _narrow_integers(array)
    if whole is not None:  # made in numpy's memory, which the next batch reuses (Arrow's pool gives it back)
        numbers = whole.astype(np.float64)
        if array.null_count:
            numbers[~_valid(array)] = np.nan
        return numbers
    try:
        parsed = pc.cast(array, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if parsed.null_count != array.null_count:
        return None
    numbers = parsed.to_numpy(zero_copy_only=False)
    return None if np.isinf(numbers).any() else numbers  # NaN is a blank cell; an infinity is not a number here


def _schools(columns: dict[str, pa.Array], school: tuple[np.ndarray, np.ndarray], firsts: np.ndarray) -> pd.DataFrame:
    """Each school of the batch once, with its name and municipality as its first row spells them (stripped)."""
    codes, logins = school
    first_of_school = np.unique(codes[firsts], return_index=True)[1]
    rows = firsts[np.sort(first_of_school)]
    frame = pd.DataFrame({"school_id": pd.array(logins[codes[rows]], dtype="string")})
    for column in ("school_name", "municipality"):
        if column in columns and not pa.types.is_string(plain_type(columns[column])):
            raise _Unclean  # a number for a name: the careful reader writes it as text
        if column in columns:
            taken = pc.utf8_trim_whitespace(plain_text(columns[column].take(pa.array(rows))))
            frame[column] = pd.Series(pd.arrays.ArrowStringArray(taken))
        else:
            frame[column] = pd.NA
    return frame
