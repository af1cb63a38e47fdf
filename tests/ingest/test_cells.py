"""Cells as the readers see them: which rows count as empty, whatever the column types and spellings."""

from __future__ import annotations

import pandas as pd
import pytest

from shnor.ingest.cells import all_blank

# (cells of a row in three columns: school, typed number, text) → the row is empty
ROWS = [
    ((None, None, None), True),
    (("", None, "   "), True),
    (("\u00a0", None, "\t"), True),
    (("sch1", None, None), False),
    ((None, 5.0, None), False),
    ((None, None, "н/я"), False),
    ((" ", 0.0, ""), False),
]


@pytest.mark.parametrize(("cells", "empty"), ROWS)
def test_a_row_is_empty_only_when_every_cell_is_blank(cells, empty):
    school, number, text = cells
    frame = pd.DataFrame(
        {
            "school_id": pd.array([school, "sch9"], dtype="string[pyarrow]"),
            "score": pd.array([number, 1.0], dtype="Float64"),
            "note": pd.array([text, None], dtype="string[pyarrow]"),
        }
    )
    assert all_blank(frame).tolist() == [empty, False]


def test_columns_after_the_first_are_looked_at_only_while_a_row_may_be_empty():
    frame = pd.DataFrame({"school_id": pd.array(["a", "b"], dtype="string[pyarrow]"), "other": [object(), object()]})
    assert all_blank(frame).tolist() == [False, False]  # «other» is never looked at: it could not be read as text
