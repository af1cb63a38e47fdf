"""Grouped sums fast enough for a country: the engine under ``shnor.cube``'s pooling, and the plain pandas it stands
for.

``grouped_sum(frame, keys, sums, maxima, sort)`` is ``reference_grouped_sum`` — ``frame.groupby(keys).agg(sum with
min_count=1 | max)`` — computed another way: each key column (text, mostly) is factorised once, the codes are
combined into one integer per row, and every sum is one ``bincount`` over the group numbers. With a country's
20 M participant rows this is several times faster than pandas grouping by five columns of text. Both also say,
for each row of ``frame``, which row of the result it went into (the journal pairs and the score histogram follow
their counts by it). ``tests/test_grouping.py`` holds the two to each other on generated frames.

Private: the cube (``pool_counts``, ``group_sum``) and the participant readers (``group_numbers``, ``first_rows``)
are its only users.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from shnor.memory import trim


def grouped_sum(
    frame: pd.DataFrame, keys: list[str], sums: list[str], maxima: list[str] = (), sort: bool = False
) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per combination of ``keys``: each of ``sums`` added up (missing where no row has a value; whole
    numbers stay whole — Int64 — anything else is Float64), each of ``maxima`` its largest value; groups in order
    of first appearance, or sorted by the keys. With it, for each row of ``frame``, the row of the result it went
    into. ``frame`` is not changed."""
    if sort and _in_order(frame, keys):  # a file's pooled part (``RunningSum``): nothing to number or move
        return _as_pooled(frame, keys, sums, maxima), np.arange(len(frame), dtype=np.int64)
    group, coded = _numbered(frame, keys)
    firsts = first_rows(group)
    if len(firsts) == len(frame):  # every key once (one file, pooled already): nothing to add up
        pooled = _as_pooled(frame, keys, sums, maxima)
        return _sorted(pooled, keys, group) if sort else (pooled, group)
    # the keys of each group from the distinct values (a take from the whole column would first join a country's
    # batches of text into one array)
    pooled = pd.DataFrame({column: pd.Series(uniques.take(codes[firsts]))
                           for column, (codes, uniques) in zip(keys, coded)})
    for column in sums:
        pooled[column] = _sum_of_present(frame[column], group, len(firsts))
    if maxima:
        pooled = pooled.join(frame[list(maxima)].groupby(group, sort=True).max().reset_index(drop=True))
    return _sorted(pooled, keys, group) if sort else (pooled, group)


def reference_grouped_sum(
    frame: pd.DataFrame, keys: list[str], sums: list[str], maxima: list[str] = (), sort: bool = False
) -> tuple[pd.DataFrame, np.ndarray]:
    """``grouped_sum`` in plain pandas: what the engine must give, row for row and type for type."""
    grouped = frame.groupby(keys, sort=sort, dropna=False)
    pooled = grouped[list(sums)].sum(min_count=1) if sums else grouped.size().to_frame().iloc[:, :0]
    for column in sums:
        pooled[column] = pooled[column].astype("Int64" if _whole(frame[column]) else "Float64")
    if maxima:
        pooled = pooled.join(grouped[list(maxima)].max())
    return pooled.reset_index(), grouped.ngroup().to_numpy(dtype=np.int64)


def group_numbers(frame: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """0, 1, 2… by first appearance of each combination of the key columns."""
    return _numbered(frame, keys)[0]


def _run_starts(values) -> np.ndarray | None:
    """Where each run of equal values of a key column starts (a batch's keys come by procedure: its year,
    assessment, subject and grade in long runs; missing values are runs of their own), or None where the runs are
    short (a school per key): hashing every value then costs less than finding them."""
    count = len(values)
    if count < 64 or np.count_nonzero(_different(values[:_PROBE])) > _PROBE // 4:  # short runs from the start
        return None
    starts = np.flatnonzero(_different(values))
    if len(starts) > count // 4:
        return None
    starts += 1
    return np.concatenate(([0], starts))


_PROBE = 256  # the first rows, whose runs tell whether the column's are worth finding


def _different(values) -> np.ndarray:
    """Where a value differs from the next (a missing value differs from every other)."""
    different = (values[1:] != values[:-1])
    return np.asarray(different.to_numpy(dtype=bool, na_value=True) if hasattr(different, "to_numpy") else different,
                      dtype=bool)


def factorized(code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(code)`` for integer codes: numbers by first appearance and the distinct codes in that order.
    Rows come grouped in most files (a school's pupils one after another): each run of equal codes is numbered once
    and the numbers spread over its rows — a few times less hashing."""
    count = len(code)
    if count < 2:
        return pd.factorize(code)
    starts = np.flatnonzero(code[1:] != code[:-1])
    if len(starts) > count // 4:  # short runs: hashing every row costs less than finding the runs
        return pd.factorize(code)
    starts += 1
    starts = np.concatenate(([0], starts))
    numbers, distinct = pd.factorize(code[starts])
    lengths = np.diff(starts, append=count)
    return np.repeat(numbers, lengths), distinct


def first_rows(group: np.ndarray) -> np.ndarray:
    """The first row of each group, in group order (groups are numbered by first appearance)."""
    if not len(group):
        return np.array([], dtype=np.intp)
    seen = np.maximum.accumulate(group)
    return np.flatnonzero(np.concatenate(([True], seen[1:] > seen[:-1])))


def _as_pooled(frame: pd.DataFrame, keys: list[str], sums: list[str], maxima: list[str]) -> pd.DataFrame:
    """A frame whose keys are each met once, as pooling gives it: the sums typed as sums are."""
    pooled = frame[[*keys, *sums, *maxima]].reset_index(drop=True)
    for column in sums:  # the types a sum would give
        pooled[column] = pooled[column].astype("Int64" if _whole(pooled[column]) else "Float64")
    return pooled


def _in_order(frame: pd.DataFrame, keys: list[str]) -> bool:
    """Every row's keys before the next row's, as ``sort_values`` orders them (so each combination once); False
    where a key is missing or cannot be compared in Arrow (the caller numbers and sorts the rows itself)."""
    if len(frame) < 2:
        return False
    decided = np.zeros(len(frame) - 1, dtype=bool)  # the row is before the next by the columns so far
    for column in keys:
        values = frame[column]
        if values.isna().any():
            return False
        try:
            arrow = pa.array(values.array)
            earlier, later = arrow.slice(0, len(arrow) - 1), arrow.slice(1)
            less = pc.less(earlier, later).to_numpy(zero_copy_only=False)
            greater = pc.greater(earlier, later).to_numpy(zero_copy_only=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, TypeError):
            return False
        if (greater & ~decided).any():
            return False
        decided |= less
        if decided.all():
            return True
    return bool(decided.all())


def _sorted(pooled: pd.DataFrame, keys: list[str], group: np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """The pooled rows sorted by the keys, and the row numbers of ``group`` moved with them."""
    order = pooled[keys].sort_values(keys, kind="stable").index.to_numpy()
    place = np.empty(len(order), dtype=np.int64)
    place[order] = np.arange(len(order))
    return pooled.take(order).reset_index(drop=True), place[group]


def _sum_of_present(values: pd.Series, group: np.ndarray, groups: int) -> pd.Series:
    """Per group: the sum of the values present, missing where none is (pandas' ``sum(min_count=1)``)."""
    present = ~values.isna().to_numpy(dtype=bool)
    numbers = values.to_numpy(dtype="float64", na_value=0.0)
    sums = np.bincount(group, weights=numbers, minlength=groups)
    missing = np.bincount(group[present], minlength=groups) == 0
    if _whole(values):
        return pd.Series(pd.arrays.IntegerArray(np.rint(sums).astype(np.int64), missing))
    return pd.Series(pd.arrays.FloatingArray(sums, missing))


def _whole(values: pd.Series) -> bool:
    """Counts (integers, flags) sum to integers; anything else to decimals."""
    return pd.api.types.is_integer_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype)


def _numbered(frame: pd.DataFrame, keys: list[str]) -> tuple[np.ndarray, list[tuple[np.ndarray, pd.Index]]]:
    """The group numbers, and each key column as (a code per row, its distinct values)."""
    code = np.zeros(len(frame), dtype=np.int64)
    coded = []
    for column in keys:
        values, uniques = pd.factorize(frame[column], use_na_sentinel=False)
        coded.append((values, uniques))
        radix = len(uniques) + 1
        if int(code.max(initial=0)) >= (1 << 62) // radix:  # keep the combined number within 64 bits
            code, _ = pd.factorize(code)
        code = code * radix + values
    group, _ = pd.factorize(code)
    return group, coded


class Mismatch(Exception):
    """A frame ``RunningSum`` cannot fold: other columns or types than the first one's, or keys too many to number in
    64 bits. The caller pools such frames by concatenation (``grouped_sum``)."""


class RunningSum:
    """``grouped_sum(pd.concat(frames), keys, sums, maxima)`` (groups in order of first appearance) computed as the
    frames come, each folded into one running row per key: the frames need not be kept, nor their concatenation
    made. A country's 20 M participant rows come in batches whose counts, kept until the end, were half a gigabyte,
    and their concatenation and grouping as much again.

    Each key column's distinct values are kept once (codes in order of first appearance); a row's key is the codes
    of its columns packed into one integer (as many bits per column as its values need and ``_SPARE`` more, repacked
    when they outgrow these), found among the pooled keys by binary search in runs (``_rows_of``). Sums run in
    int64 (whole numbers) or float64 in the order of the rows, as ``bincount`` adds them: float sums are the same to
    the last bit. ``frame`` gives the pooled rows and ends the RunningSum.

    The sums are kept in blocks of ``_BLOCK`` rows, one more block when the rows outgrow them: an array grown by
    half with a copy left up to a third of a country's ≈ 400 MB of sums as room never used. A column gets its blocks
    when some row has a value in it; a batch's new rows, the last ones, are added as slices of the blocks. The last
    block is as long as its rows need (doubled as they grow), whole once another block follows it."""

    _BLOCK = 1 << 18
    # rows of the last block at first, doubled as the rows grow, up to ``_BLOCK``: a region's 20 000 pooled rows need
    # not 26 columns of 2 MB blocks, every page of which was zeroed (a fault each, ≈ 13 000 in all)
    _FIRST = 1 << 12
    _RUNS = 32

    def __init__(self, keys: list[str], sums: list[str], maxima: list[str] = ()) -> None:
        self.keys, self.sums, self.maxima = list(keys), list(sums), list(maxima)
        self.rows = 0
        self._dtypes: dict | None = None
        self._distinct: dict[str, object] = {}
        self._bits = [0] * len(self.keys)
        self._runs: list[_Run] = []  # the pooled keys, packed, in runs (see ``_rows_of``)
        self._spans: tuple | None = None  # the spans of every run (``_every_span``)
        self._values: dict[str, list[np.ndarray]] = {}  # per column, its blocks
        self._present: dict[str, list[np.ndarray]] = {}
        self._kinds: dict[str, np.dtype] = {}
        self._blocks = 0
        self._last = 0  # rows the last block has room for
        self._met: set[str] = set()  # the columns with a value in some row (a country's journal counts have none)
        self._short: set[str] = set()  # the key columns whose runs of equal values were short in the last batch

    def add(self, frame: pd.DataFrame) -> np.ndarray:
        """Fold ``frame`` in; for each of its rows, the pooled row it went into. Raises ``Mismatch`` (nothing
        folded) for a frame of other columns or types than the first."""
        self._check(frame)
        columns = [self._coded(key, frame[key]) for key in self.keys]
        needed = [max(len(distinct) - 1, 0).bit_length() for _, distinct in columns]
        if sum(needed) > 62:
            raise Mismatch
        for key, (_, distinct) in zip(self.keys, columns):
            self._distinct[key] = distinct
        if any(need > width for need, width in zip(needed, self._bits)):
            self._repack(_widened(self._bits, needed))
        code = _packed([codes for codes, _ in columns], self._bits)
        order = np.argsort(code, kind="stable")
        ranked = code[order]
        once = not (ranked[1:] == ranked[:-1]).any()
        if once:  # the usual: a batch's counts name each key once
            rows, fresh = self._rows_of(code, order, ranked)
            pieces = self._places(rows, fresh)
        else:
            group, distinct = pd.factorize(code)
            distinct = np.asarray(distinct, dtype=np.int64)
            order = np.argsort(distinct, kind="stable")
            rows = self._rows_of(distinct, order, distinct[order])[0][group]
            pieces = self._parts(rows, None)
        del code, order, ranked
        for column in self.sums:
            values = frame[column].array
            present = ~np.asarray(values.isna(), dtype=bool)
            if not self._meets(column, present.any()):  # nothing to add: the column's zeros and absence stand
                continue
            numbers = values.to_numpy(dtype=self._kinds[column], na_value=0)
            for block, taken, places in pieces:
                here, part = (present, numbers) if taken is None else (present[taken], numbers[taken])
                if isinstance(places, slice):  # the usual: rows new this batch, one after another
                    self._present[column][block][places] |= here
                    self._values[column][block][places] += part
                    continue
                self._present[column][block][places[here]] = True
                if once:
                    self._values[column][block][places] += part
                else:  # in the order of the rows: a block's rows keep theirs
                    np.add.at(self._values[column][block], places, part)
        for column in self.maxima:
            numbers = frame[column].to_numpy(dtype="float64", na_value=np.nan)
            if not self._meets(column, not np.isnan(numbers).all()):
                continue
            for block, taken, places in pieces:
                values, part = self._values[column][block], numbers if taken is None else numbers[taken]
                if once:
                    values[places] = np.fmax(values[places], part)
                else:
                    np.fmax.at(values, places, part)
        return rows

    def _meets(self, column: str, met: bool) -> bool:
        """Whether ``column`` has had a value, now that a batch has (``met``) or has not: the blocks of a column are
        made when it first has one (a country's scores and journal counts have none)."""
        if column in self._met:
            return True
        if met:
            self._met.add(column)
            for block in range(self._blocks):
                self._new_block(column, self._last if block == self._blocks - 1 else self._BLOCK)
        return met

    def _places(self, rows: np.ndarray, fresh: np.ndarray | None) -> list[tuple[int, object, object]]:
        """``_parts`` of a batch whose keys are each met once: the rows new this batch (``fresh``: which they are,
        None for none) are the last rows, one after another, and go in as slices."""
        if fresh is None:
            return self._parts(rows, None)
        new = int(np.count_nonzero(fresh))
        everyone = new == len(rows)
        which = None if everyone else np.flatnonzero(fresh)
        places = []
        first = self.rows - new
        for block in range(first // self._BLOCK, -(-self.rows // self._BLOCK)):
            low, high = max(first, block * self._BLOCK), min(self.rows, (block + 1) * self._BLOCK)
            span = slice(low - first, high - first)  # of the new rows
            if everyone:
                taken = None if high - low == new else span
            else:
                taken = which[span]
            places.append((block, taken, slice(low - block * self._BLOCK, high - block * self._BLOCK)))
        if not everyone:
            places += self._parts(rows, np.flatnonzero(~fresh))
        return places

    def _parts(self, rows: np.ndarray, which: np.ndarray | None) -> list[tuple[int, object, np.ndarray]]:
        """``rows`` (those of them that ``which`` says, None for all) by the block they are in: (block, which of
        ``rows`` — None for all, their places in it)."""
        if which is not None:
            rows = rows[which]
        if len(rows) == 0:
            return []
        low, high = int(rows.min()) // self._BLOCK, int(rows.max()) // self._BLOCK
        if low == high:  # a batch's rows in one block
            return [(low, which, rows - low * self._BLOCK)]
        blocks, offsets = np.divmod(rows, self._BLOCK)
        parts = []
        for block in np.unique(blocks).tolist():
            taken = np.flatnonzero(blocks == block)
            parts.append((block, taken if which is None else which[taken], offsets[taken]))
        return parts

    def frame(self, sort: bool = False) -> tuple[pd.DataFrame, np.ndarray]:
        """The pooled rows as ``grouped_sum`` gives them, column for column and type for type (sorted by the keys,
        with ``sort``), and for each row numbered by ``add`` the row it is in the frame; the RunningSum is spent."""
        count = self.rows
        if self._dtypes is None:
            raise Mismatch  # nothing was added: there are no types to give
        code = np.empty(count, dtype=np.int64)  # each pooled row's key, packed
        for run in self._runs:
            code[run.rows] = run.keys
        self._runs = None
        order = None  # as they are
        place = np.arange(count)
        if sort:  # by the keys' values: each column's codes as ranks of its distinct values, packed, in order
            ranked = np.zeros(count, dtype=np.int64)
            for position, key in enumerate(self.keys):
                rank = np.empty(len(self._distinct[key]), dtype=np.int64)
                rank[self._distinct[key].argsort(kind="stable")] = np.arange(len(rank))
                ranked = (ranked << self._bits[position]) | rank[_column(code, self._bits, position)]
            order = np.argsort(ranked, kind="stable")
            del ranked
            place = np.empty(count, dtype=np.int64)
            place[order] = np.arange(count)
            code = code[order]
        data = {key: self._distinct[key].take(_column(code, self._bits, position))
                for position, key in enumerate(self.keys)}
        del code
        pieces = _pieces(order, count, self._BLOCK)
        for column in self.sums:
            if column in self._met:
                values = _joined(self._values.pop(column), count, pieces, self._kinds[column])
                missing = _joined(self._present.pop(column), count, pieces, np.dtype(bool))
                np.logical_not(missing, out=missing)
            else:  # no row had a value: nothing to take from the blocks
                values, missing = _absent(self._values.pop(column), count, self._kinds[column])
                self._present.pop(column).clear()
            data[column] = (pd.arrays.IntegerArray(values, missing) if values.dtype == np.int64
                            else pd.arrays.FloatingArray(values, missing))
        for column in self.maxima:
            if column in self._met:
                values = _joined(self._values.pop(column), count, pieces, self._kinds[column])
                missing = np.isnan(values)
                values[missing] = 0.0
            else:
                values, missing = _absent(self._values.pop(column), count, self._kinds[column])
            data[column] = pd.arrays.FloatingArray(values, missing)
        return pd.DataFrame(data, copy=False), place

    def _check(self, frame: pd.DataFrame) -> None:
        given = dict(zip(frame.columns, frame.dtypes))  # not a Series per column: a batch's frame has 28
        dtypes = {column: given[column] for column in [*self.keys, *self.sums, *self.maxima] if column in given}
        if self._dtypes is None:
            if len(dtypes) != len(self.keys) + len(self.sums) + len(self.maxima):
                raise Mismatch
            if any(dtypes[column] != "Float64" for column in self.maxima):
                raise Mismatch
            self._dtypes = dtypes
            for column in self.sums:
                self._kinds[column] = np.dtype(np.int64 if _whole(frame[column]) else np.float64)
                self._values[column], self._present[column] = [], []
            for column in self.maxima:
                self._kinds[column] = np.dtype(np.float64)
                self._values[column] = []
        elif dtypes != self._dtypes:
            raise Mismatch

    def _coded(self, key: str, values: pd.Series) -> tuple[np.ndarray, object]:
        """A key column as codes into its distinct values met so far (the new ones added after them, in order of
        first appearance): ``pd.factorize`` of the values met before and these, each run of equal values hashed
        once. A column whose runs were short in the batch before is hashed row by row without looking for runs."""
        values = values.array
        starts = None if key in self._short else _run_starts(values)
        if starts is None:
            self._short.add(key)
        else:
            self._short.discard(key)
        taken = values if starts is None else values.take(starts)
        known = self._distinct.get(key)
        codes, merged = pd.factorize(taken if known is None else type(known)._concat_same_type([known, taken]),
                                     use_na_sentinel=False)
        codes = np.asarray(codes if known is None else codes[len(known):], dtype=np.int64)
        return (codes if starts is None else np.repeat(codes, np.diff(starts, append=len(values)))), merged

    def _repack(self, bits: list[int]) -> None:
        """The pooled keys packed anew with wider columns: their order stays (keys compare column by column)."""
        for run in self._runs:
            run.keys[:] = _packed(_unpacked(run.keys, self._bits), bits)
            run.spans = _spans(run.keys, bits[-1])
        self._spans = None
        self._bits = bits

    def _rows_of(
        self, codes: np.ndarray, order: np.ndarray, ranked: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """The pooled row of each of ``codes`` (packed keys, each once; ``order`` sorts them into ``ranked``), and
        which of them are new (None for none): keys not met before get new rows, in the order given.

        A run of pooled keys is searched only for the keys within the span of its keys of the same columns but the
        last (of a procedure, for the cube): a country's batches come school by school, and a batch's keys of a
        procedure follow the ones before, except for the school the batch boundary cut. The new keys become a run
        of their own: a country's 2.4 M pooled keys are not moved for each batch, as inserting them into one sorted
        array did. Past ``_RUNS`` runs, the last is merged with the runs before it that are not twice its size (so
        that a long file's runs stay few)."""
        found = np.zeros(len(codes), dtype=bool)  # in the order of ``ranked``
        rows = np.empty(len(codes), dtype=np.int64)
        searched = []
        if self._runs:  # the keys of ``ranked`` within each span of each run: from ``low`` up to ``high``
            froms, tos, firsts = self._every_span()
            low, high = np.searchsorted(ranked, froms), np.searchsorted(ranked, tos, side="right")
            wanted = np.add.reduceat(high - low, firsts)
            searched = np.flatnonzero(wanted).tolist()  # the runs with keys to look for
        for number in searched:
            run, count = self._runs[number], int(wanted[number])
            spans = slice(firsts[number], firsts[number] + len(run.spans[0]))
            which = None if count == len(ranked) else _stretches(low[spans], high[spans], count)
            looked = ranked if which is None else ranked[which]
            place = np.searchsorted(run.keys, looked)
            np.minimum(place, len(run.keys) - 1, out=place)
            hit = run.keys[place] == looked
            hit_at = np.flatnonzero(hit) if which is None else which[hit]
            rows[order[hit_at]] = run.rows[place[hit]]
            found[hit_at] = True
        if found.all():
            return rows, None
        fresh = np.ones(len(codes), dtype=bool)  # in the order given
        fresh[order[found]] = False
        new = int(np.count_nonzero(fresh))
        rows[fresh] = np.arange(self.rows, self.rows + new)
        self.rows += new
        self._grow(self.rows)
        unfound = ~found
        run = _Run(ranked[unfound], rows[order[unfound]], self._bits[-1])
        while len(self._runs) >= self._RUNS and len(self._runs[-1].keys) < 2 * len(run.keys):
            run = _merged(self._runs.pop(), run, self._bits[-1])
        self._runs.append(run)
        self._spans = None
        return rows, fresh

    def _every_span(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The spans of every run one after another (from, to), and where each run's begin."""
        if self._spans is None:
            sizes = [len(run.spans[0]) for run in self._runs]
            self._spans = (np.concatenate([run.spans[0] for run in self._runs]),
                           np.concatenate([run.spans[1] for run in self._runs]),
                           np.cumsum([0, *sizes[:-1]]))
        return self._spans

    def _grow(self, needed: int) -> None:
        while self._blocks * self._BLOCK < needed:
            self._fit_last(self._BLOCK)  # a block with another after it is whole
            self._blocks += 1
            self._last = 0
            for column in self._met:
                self._new_block(column, 0)
        rows = needed - (self._blocks - 1) * self._BLOCK  # of the last block
        if rows > self._last:
            self._fit_last(min(self._BLOCK, max(rows, 2 * self._last, self._FIRST)))

    def _new_block(self, column: str, size: int) -> None:
        if column in self._present:  # a sum
            self._values[column].append(np.zeros(size, dtype=self._kinds[column]))
            self._present[column].append(np.zeros(size, dtype=bool))
        else:
            self._values[column].append(np.full(size, np.nan))

    def _fit_last(self, size: int) -> None:
        """The last block made ``size`` rows long, its rows kept (new rows: zero and absent; NaN for maxima)."""
        if not self._blocks or size <= self._last:
            return
        for column in self._met:
            if column in self._present:  # a sum
                self._values[column][-1] = _resized(self._values[column][-1], size, 0)
                self._present[column][-1] = _resized(self._present[column][-1], size, False)
            else:
                self._values[column][-1] = _resized(self._values[column][-1], size, np.nan)
        self._last = size


def _pieces(order: np.ndarray | None, count: int, block: int) -> list[tuple[int, object, np.ndarray | slice]]:
    """Where the rows of each block go in a column of ``count`` rows taken in ``order`` (None: as they are): (block,
    the places in the column, the rows of the block)."""
    blocks = -(-count // block)
    if order is None:
        return [(number, slice(number * block, min(count, (number + 1) * block)),
                 slice(0, min(count, (number + 1) * block) - number * block)) for number in range(blocks)]
    of_block = order // block
    pieces = []
    for number in range(blocks):
        places = np.flatnonzero(of_block == number)
        pieces.append((number, places, order[places] - number * block))
    return pieces


def _joined(blocks: list[np.ndarray], count: int, pieces: list, kind: np.dtype) -> np.ndarray:
    """The first ``count`` rows of a column's blocks, each row put where ``pieces`` says (no joined copy to take
    them from: a country's column is ≈ 20 MB, each new page of which costs); the blocks are let go once taken."""
    joined = np.empty(count, dtype=kind)
    for number, places, rows in pieces:
        joined[places] = blocks[number][rows]
    freed = sum(block.nbytes for block in blocks)
    blocks.clear()
    if freed >= _TRIM_FROM:  # the blocks lie between other columns' blocks: the C library keeps them unless told
        trim()
    return joined


# Freed blocks of at least this many bytes are given back at once (a country's column: ≈ 20 MB). A region's are a
# few hundred kilobytes: trimming after each of its 50 columns cost more than the blocks (each trim walks the heap,
# and the pages it gives back fault in again for the next column): 10 ms of the 0.25 s of reading a region's CSV.
_TRIM_FROM = 1 << 20


def _absent(blocks: list[np.ndarray], count: int, kind: np.dtype) -> tuple[np.ndarray, np.ndarray]:
    """A column no row had a value in: zeros, all missing; its blocks let go."""
    blocks.clear()
    return np.zeros(count, dtype=kind), np.ones(count, dtype=bool)


class _Run:
    """Pooled keys, packed and in order, the pooled row of each, and their spans: the first and the last key of each
    value of the columns but the last (``last`` bits), as two arrays in order."""

    def __init__(self, keys: np.ndarray, rows: np.ndarray, last: int, spans: tuple | None = None) -> None:
        self.keys, self.rows = keys, rows
        self.spans = _spans(keys, last) if spans is None else spans


def _spans(keys: np.ndarray, last: int) -> tuple[np.ndarray, np.ndarray]:
    prefix = keys >> last
    starts = np.flatnonzero(np.concatenate(([True], prefix[1:] != prefix[:-1])))
    return keys[starts], keys[np.append(starts[1:], len(keys)) - 1]


def _joined_spans(first: tuple, second: tuple, last: int) -> tuple[np.ndarray, np.ndarray]:
    """The spans of two runs' keys together."""
    froms, tos = np.concatenate((first[0], second[0])), np.concatenate((first[1], second[1]))
    prefixes, which = np.unique(froms >> last, return_inverse=True)
    low, high = np.full(len(prefixes), np.iinfo(np.int64).max), np.full(len(prefixes), np.iinfo(np.int64).min)
    np.minimum.at(low, which, froms)
    np.maximum.at(high, which, tos)
    return low, high


def _stretches(low: np.ndarray, high: np.ndarray, count: int) -> np.ndarray:
    """The positions from each ``low`` up to its ``high`` (stretches in order, not overlapping), ``count`` in all."""
    lengths = high - low
    low, lengths = low[lengths > 0], lengths[lengths > 0]
    steps = np.ones(count, dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    steps[starts] = low - np.concatenate(([0], low[:-1] + lengths[:-1] - 1))
    return np.cumsum(steps)


_SLICES = 4096  # a merge of keys whose places fall in at most this many stretches joins slices


def _merged(first: _Run, second: _Run, last: int) -> _Run:
    """Two runs (no key in both) as one. Where the second's keys fall between the first's in few stretches (a
    country's: a stretch per procedure), the runs are joined slice by slice."""
    place = np.searchsorted(first.keys, second.keys)
    spans = _joined_spans(first.spans, second.spans, last)
    cuts = np.flatnonzero(place[1:] != place[:-1]) + 1
    if len(cuts) < _SLICES:
        keys, rows, previous = [], [], 0
        for start, end in zip([0, *cuts.tolist()], [*cuts.tolist(), len(place)]):
            at = int(place[start])
            keys += [first.keys[previous:at], second.keys[start:end]]
            rows += [first.rows[previous:at], second.rows[start:end]]
            previous = at
        keys.append(first.keys[previous:])
        rows.append(first.rows[previous:])
        return _Run(np.concatenate(keys), np.concatenate(rows), 0, spans)
    place += np.arange(len(place))
    theirs = np.zeros(len(first.keys) + len(place), dtype=bool)
    theirs[place] = True
    keys, rows = np.empty(len(theirs), dtype=np.int64), np.empty(len(theirs), dtype=np.int64)
    keys[place], rows[place] = second.keys, second.rows
    np.logical_not(theirs, out=theirs)
    keys[theirs], rows[theirs] = first.keys, first.rows
    return _Run(keys, rows, 0, spans)


_SPARE = 3  # bits given a column beyond its need when it outgrows its bits: repacked once per eight times the values


def _widened(bits: list[int], needed: list[int]) -> list[int]:
    """The bits of each column once ``needed`` are needed: a column that outgrows its bits gets ``_SPARE`` more than
    it needs, so that the pooled keys are repacked seldom (a country's schools come a few thousand a batch); without
    spares where they would not fit in 62 bits."""
    spared = [width if need <= width else need + _SPARE for width, need in zip(bits, needed)]
    for widths in (spared, [max(width, need) for width, need in zip(bits, needed)]):
        if sum(widths) <= 62:
            return widths
    return list(needed)


def _resized(array: np.ndarray, capacity: int, fill) -> np.ndarray:
    grown = np.full(capacity, fill, dtype=array.dtype)
    grown[:len(array)] = array
    return grown


def _packed(codes: list[np.ndarray], bits: list[int]) -> np.ndarray:
    packed = np.zeros(len(codes[0]) if len(codes) else 0, dtype=np.int64)
    for column, width in zip(codes, bits):
        packed = (packed << width) | np.asarray(column, dtype=np.int64)
    return packed


def _column(packed: np.ndarray, bits: list[int], position: int) -> np.ndarray:
    """The codes of one column of packed keys."""
    return (packed >> sum(bits[position + 1:])) & ((1 << bits[position]) - 1)


def _unpacked(packed: np.ndarray, bits: list[int]) -> list[np.ndarray]:
    codes = []
    for width in reversed(bits):
        codes.append(packed & ((1 << width) - 1))
        packed = packed >> width
    return codes[::-1]
