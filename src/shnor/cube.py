"""The results cube: the one contract between reading and thinking (SPEC §4).

One row per (year, assessment, subject, grade, school_id) with participant counts by outcome. Readers
produce *parts* (frames with the key columns and any of the count columns); ``build_cube`` pools them.
Score moments are kept as sums (``score_n``, ``score_sum``, ``score_sumsq``) so that parts pool exactly;
``mean_score`` and ``sd_score`` are derived from them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd

from shnor._grouping import Mismatch, RunningSum, grouped_sum
from shnor.errors import UserError
from shnor.vocabulary import Assessment

KEYS = ["year", "assessment", "subject", "grade", "school_id"]
MARK_COUNTS = ["n2", "n3", "n4", "n5"]
COUNTS = ["participants", *MARK_COUNTS, "below_min", "high", "lowered", "confirmed", "raised", "journal_gap2"]
MOMENTS = ["score_n", "score_sum", "score_sumsq"]
SCALE = ["max_score", "mark3", "mark4", "mark5"]  # the procedure's scale, where a reader knew it
SCHOOL_COLUMNS = ["school_id", "school_name", "municipality"]
# Score bands: participants with a score from ``low`` to ``high`` inclusive, one count column each
# (``band_61_80``). Tables keep every band they give; participant rows are counted in the bands the rules
# ask for (``ReadOptions.bands``). Bands pool like any other count.
BAND_PREFIX = "band_"


def band_column(low: int, high: int) -> str:
    """The count column of a score band: ``band_column(61, 80)`` → ``band_61_80``."""
    return f"{BAND_PREFIX}{int(low)}_{int(high)}"


def parse_band(column: str) -> tuple[int, int] | None:
    """``band_61_80`` → (61, 80); None for any other column."""
    if not column.startswith(BAND_PREFIX):
        return None
    low, _, high = column[len(BAND_PREFIX):].partition("_")
    return (int(low), int(high)) if low.isdigit() and high.isdigit() else None


def band_columns(columns) -> list[str]:
    """The band count columns among ``columns``, in order of their bands."""
    return sorted((c for c in columns if parse_band(c) is not None), key=parse_band)


class PartKind(StrEnum):
    STUDENTS = "students"  # aggregated from participant rows: parts of one procedure add up
    SCHOOLS = "schools"  # one row per school and procedure: a whole procedure, given once
    SUPPLEMENT = "supplement"  # extra columns (journal comparison, scores) for procedures counted elsewhere


@dataclass
class CubePart:
    """What one reader produced from one file or sheet: counts and the schools it named."""

    counts: pd.DataFrame
    schools: pd.DataFrame
    source: str
    kind: PartKind
    # Both point into ``counts`` by row (``key``), so that a country's millions of them carry no text:
    # key, score, journal: (score, journal mark) of participants, for the objectivity signs
    pairs: pd.DataFrame | None = None
    # key, score, count: participants at primary scores (at least around mark boundaries)
    histogram: pd.DataFrame | None = None


PAIRS = ["key", "score", "journal"]
HISTOGRAM = ["key", "score", "count"]


@dataclass
class Cube:
    """``counts``: one row per key. ``pairs``: one row per participant of the procedures that the journal-mismatch
    signs look at (no identifiers); ``histogram``: participants per primary score. Their ``key`` is the row of
    ``counts`` (a position) that the participants are counted in."""

    counts: pd.DataFrame
    schools: pd.DataFrame
    pairs: pd.DataFrame = field(default_factory=lambda: empty(PAIRS))
    histogram: pd.DataFrame = field(default_factory=lambda: empty(HISTOGRAM))

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.counts["year"].unique())


def empty_schools() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="string") for c in SCHOOL_COLUMNS})


def empty(columns: list[str]) -> pd.DataFrame:
    """No pairs or histogram: ``key`` as a position, the numbers as decimals."""
    return pd.DataFrame({c: np.array([], dtype=np.int64 if c == "key" else float) for c in columns})


class Batches:
    """A sheet's counts, batch by batch, with the pairs and histogram rows that point into them: each batch's
    ``key`` (a row of its own counts) is moved on by the rows of the batches before it. What is added is the
    Batches' own: pooling gives it up (``part``, ``pooled`` can be called once).

    With ``running`` (participant rows, whose counts ``part`` pools), each batch's counts are folded into one running
    row per key as they come (``RunningSum``), and the pairs and histogram point into those rows: the batches are not
    kept. A batch of other columns or types than the first is kept as it is, and pooled with the running rows at
    the end (the same rows either way)."""

    def __init__(self, running: bool = False) -> None:
        self.counts: list[pd.DataFrame] = []
        self.pairs: list[pd.DataFrame] = []
        self.histograms: list[pd.DataFrame] = []
        self._rows = 0
        self._running: RunningSum | None = None
        self._columns: list[str] | None = None
        self._run = running

    def add(self, counts: pd.DataFrame, pairs: pd.DataFrame | None = None,
            histogram: pd.DataFrame | None = None) -> None:
        moved = self._folded(counts)
        for kept, frame in ((self.pairs, pairs), (self.histograms, histogram)):
            if frame is not None and len(frame):
                key = frame["key"].to_numpy()
                kept.append(frame.assign(key=moved[key] if moved is not None else key + self._rows))
        if moved is None:
            self.counts.append(counts)
            self._rows += len(counts)

    def _folded(self, counts: pd.DataFrame) -> np.ndarray | None:
        """``counts`` folded into the running rows, and the running row of each of its rows; None where it is to be
        kept as it is (not running, or a batch the running rows cannot take: the running rows are kept as a batch
        from then on)."""
        if not self._run:
            return None
        if self._columns is None:
            self._columns = list(counts.columns)
            additive = [c for c in counts.columns if c not in KEYS and c not in SCALE and c != "_row"]
            self._running = RunningSum(KEYS, additive, [c for c in SCALE if c in counts])
        if list(counts.columns) == self._columns and "_row" not in counts:
            try:
                return self._running.add(counts)
            except Mismatch:
                pass
        self._run = False
        if self._running.rows:  # the rows so far become the first batch
            self.counts.append(self._running.frame()[0])  # in the order of the running rows: pairs stay as they are
            self._rows = len(self.counts[0])
        self._running = None
        return None

    def part(
        self, schools: pd.DataFrame, source: str, kind: PartKind, check: Callable[[pd.DataFrame], None] | None = None
    ) -> CubePart:
        """One part: participant rows pooled into one row per key (the pairs and histogram follow them); school
        rows as they are, once ``check`` has seen them with their ``_row``."""
        if kind is PartKind.STUDENTS and (self._rows or self._running_rows):
            counts, pairs, histogram = self.pooled()
        else:
            counts = _stack(self.counts) if self.counts else pd.DataFrame(columns=KEYS)
            pairs, histogram = self._stacked()
            if check is not None:
                check(counts)
        return CubePart(counts.drop(columns="_row", errors="ignore"), schools, source, kind, pairs=pairs,
                        histogram=histogram)

    @property
    def _running_rows(self) -> int:
        return self._running.rows if self._running is not None else 0

    def pooled(self, sort: bool = False) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]:
        """The counts pooled into one row per key (sorted by the keys, with ``sort``, and always when running: so
        that ``build_cube`` finds a file's part in order and has nothing to sort), and the pairs and histogram with
        their ``key`` moved to the pooled rows."""
        pairs, histogram = self._stacked()
        if self._running_rows:
            counts, where = self._running.frame(sort=True)
            self._running = None
        else:
            counts, where = pool_counts(_stack(self.counts), sort=sort)
        for frame in (pairs, histogram):
            if frame is not None:
                frame["key"] = where[frame["key"].to_numpy()]
        return counts, pairs, histogram

    def _stacked(self) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
        return tuple(_stack(frames) if frames else None for frames in (self.pairs, self.histograms))


def _stack(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The frames one under another; the list — a ``Batches``' own — is emptied, so that the pieces go as soon as
    the whole exists (a country's batches would otherwise be held twice)."""
    if len(frames) == 1:
        return frames.pop().reset_index(drop=True)
    stacked = pd.concat(frames, ignore_index=True)
    frames.clear()
    return stacked


def build_cube(parts: list[CubePart]) -> Cube:
    """Pool the parts into one row per key.

    Student-level parts add up (one procedure may come in several files); a school-level row is a whole
    procedure, so the same key given twice by school-level rows, or by both kinds, is an error.
    """
    if not any(len(p.counts) for p in parts):
        sources = ", ".join(f"«{p.source}»" for p in parts) or "—"
        raise UserError(
            f"во входных файлах ({sources}) не осталось ни одной строки с результатами: строки пусты, это итоги или "
            "их числа противоречат друг другу.",
            hint="Команда «shnor inspect ФАЙЛ» покажет, какие строки и почему пропущены.",
        )
    _check_overlaps(parts)
    batches = Batches()
    for part in parts:  # the parts are left as they are: the caller decides when they go
        columns = KEYS + COUNTS + band_columns(part.counts.columns) + MOMENTS + SCALE
        batches.add(_typed(part.counts.reindex(columns=columns)), part.pairs, part.histogram)
    pooled, pairs, histogram = batches.pooled(sort=True)
    cube = Cube(counts=_derive_outcomes(pooled), schools=_merge_schools([p.schools for p in parts]))
    if pairs is not None:
        cube.pairs = pairs
    if histogram is not None:
        cube.histogram = group_sum(histogram, ["key", "score"], ["count"])  # looked up by key: no order
    return cube


def _typed(counts: pd.DataFrame) -> pd.DataFrame:
    """Counts as whole numbers, moments and the scale as decimals, whichever reader gave them (or none did)."""
    whole = [*COUNTS, *band_columns(counts.columns)]
    return counts.astype({**dict.fromkeys(whole, "Int64"), **dict.fromkeys([*MOMENTS, *SCALE], "Float64")})


def pool_counts(frame: pd.DataFrame, sort: bool = False) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per key: counts (score bands too) and score moments add up, the maximum score is the one of the
    procedure. With the pooled rows, for each row of ``frame``, the pooled row it went into."""
    additive = [c for c in frame.columns if c not in KEYS and c not in SCALE and c != "_row"]
    return grouped_sum(frame, KEYS, additive, [c for c in SCALE if c in frame], sort=sort)


def group_sum(
    frame: pd.DataFrame, keys: list[str], sums: list[str], maxima: list[str] = (), sort: bool = False
) -> pd.DataFrame:
    """``frame.groupby(keys).agg(sum with min_count=1 | max).reset_index()`` (see ``shnor._grouping``): groups in order
    of first appearance, or sorted by the keys."""
    return grouped_sum(frame, keys, sums, maxima, sort)[0]


def _keys_of(parts: list[CubePart]) -> pd.DataFrame:
    frames = [p.counts[KEYS].assign(_source=p.source) for p in parts if len(p.counts)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*KEYS, "_source"])


def _check_overlaps(parts: list[CubePart]) -> None:
    """A procedure of a school is counted once: by school-level rows, or by participant rows (in as many files
    as needed), never both; supplements of one kind come once too."""
    kinds = {part.kind for part in parts}
    checks = []
    if PartKind.SCHOOLS in kinds:  # participant rows alone add up and cannot be given twice
        whole = _keys_of([p for p in parts if p.kind is PartKind.SCHOOLS])
        students = _keys_of([p for p in parts if p.kind is PartKind.STUDENTS]).drop_duplicates(KEYS)
        checks.append((pd.concat([whole, students], ignore_index=True), "заданы дважды"))
    if PartKind.SUPPLEMENT in kinds:
        supplements = _keys_of([p for p in parts if p.kind is PartKind.SUPPLEMENT])
        checks.append((supplements, "дополнительные сведения (сравнение с журналом, баллы) заданы дважды"))
    for frame, what in checks:
        repeated = frame.loc[frame.duplicated(KEYS, keep=False)]
        if len(repeated):
            key = repeated.iloc[0]
            sources = sorted(set(repeated.loc[(repeated[KEYS] == key[KEYS]).all(axis=1), "_source"]))
            where = " и ".join(f"«{s}»" for s in sources) if len(sources) > 1 else f"«{sources[0]}» (в двух строках)"
            raise UserError(
                f"результаты школы {key['school_id']} по процедуре {key['assessment']} {key['subject']}, "
                f"{key['grade']} класс, {key['year']} год {what}: {where}.",
                hint="Удалите повторяющуюся строку или лишний файл и запустите снова.",
            )


def _derive_outcomes(pooled: pd.DataFrame) -> pd.DataFrame:
    """Add ``fail`` (mark 2 or below the minimum) and fill ``high`` (marks 4+5, or the ЕГЭ high band)."""
    has_marks = pooled[MARK_COUNTS].notna().all(axis=1)
    fail = pooled["n2"].where(has_marks, pooled["below_min"])
    high = (pooled["n4"] + pooled["n5"]).where(has_marks, pooled["high"])
    pooled["fail"] = fail.astype("Int64")  # columns are added in place: the frame is the cube's own
    pooled["high"] = high.astype("Int64")
    n = pooled["score_n"]
    mean = pooled["score_sum"] / n
    variance = (pooled["score_sumsq"] - n * mean * mean) / (n - 1)
    pooled["mean_score"] = mean.round(6)
    pooled["sd_score"] = (variance.clip(lower=0) ** 0.5).where(n > 1).round(6)
    return pooled


def _merge_schools(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One name and municipality per school: the first non-empty spelling met wins (files in given order)."""
    stacked = pd.concat([f[SCHOOL_COLUMNS] for f in frames if len(f)] or [empty_schools()], ignore_index=True)
    stacked = stacked.astype("string")
    merged = stacked.groupby("school_id", sort=True).first().reset_index()
    return merged[SCHOOL_COLUMNS]


def outcome_label(assessment: str) -> str:
    return "ниже минимального порога" if assessment == Assessment.EGE else "«2»"
