"""Regional per-school ОГЭ/ЕГЭ tables in every variant met in the field end in the cube of the tidy form."""

from __future__ import annotations

import pandas as pd
import pytest

from shnor.errors import UserError
from shnor.ingest.base import ReadOptions
from shnor.ingest.reading import read_results
from tests.support.layouts import RegionalVariant, make_region, write_regional_ege, write_regional_oge_csv, write_tidy

COLUMNS = ["year", "assessment", "subject", "grade", "school_id", "participants", "fail", "high"]


def cube_rows(paths, assessment=None):
    cube, logs = read_results(list(paths), ReadOptions())
    counts = cube.counts if assessment is None else cube.counts[cube.counts["assessment"] == assessment]
    rows = sorted(tuple(None if pd.isna(v) else v for v in r) for r in counts[COLUMNS].itertuples(index=False))
    return rows, logs


@pytest.fixture(scope="module")
def region():
    return make_region()


@pytest.fixture
def tidy_ege(region, tmp_path):
    rows, _ = cube_rows([write_tidy(region, tmp_path / "tidy.csv")], "ЕГЭ")
    return rows


VARIANTS = {
    "plain": RegionalVariant(),
    "no-title-year-in-sheet-name": RegionalVariant(title_rows=False),
    "municipality-blocks": RegionalVariant(blocks=True),
    "percentages": RegionalVariant(percent=True),
    "three-level-header-numbered": RegionalVariant(three_levels=True, numbering_row=True),
    "registrations-sheet-beside": RegionalVariant(registrations_sheet=True),
    "upper-case-headers": RegionalVariant(upper_case_headers=True),
}


@pytest.mark.parametrize("name", VARIANTS)
def test_regional_ege_variants_give_the_tidy_cube(region, tidy_ege, tmp_path, name):
    variant = VARIANTS[name]
    paths = [write_regional_ege(region, tmp_path / f"ЕГЭ по ОО {year}.xlsx", year, variant) for year in region.years]
    rows, logs = cube_rows(paths)
    assert rows == tidy_ege
    if variant.registrations_sheet:
        assert any("заявления на участие" in note for log in logs for note in log.notes)


def test_bands_80_99_and_100_give_high_from_80_with_a_note(region, tmp_path):
    path = write_regional_ege(region, tmp_path / "ЕГЭ 2023.xlsx", 2023, RegionalVariant(bands_80=True))
    cube, logs = read_results([path], ReadOptions())
    notes = [n for log in logs for n in log.notes]
    assert any("высокие результаты ЕГЭ взяты от 80 баллов" in n for n in notes)
    expected = sum(c["score_80"] + c["high"] for (y, _, _), c in region.ege.items() if y == 2023)
    assert int(cube.counts["high"].sum()) == expected


def test_the_rules_threshold_picks_the_band(region, tmp_path):
    path = write_regional_ege(region, tmp_path / "ЕГЭ 2023.xlsx", 2023)
    cube, _ = read_results([path], ReadOptions(ege_high_score=61))
    expected = sum(c["band_61_79"] + c["score_80"] + c["high"] for (y, _, _), c in region.ege.items() if y == 2023)
    assert int(cube.counts["high"].sum()) == expected


def test_regional_oge_csv_cp1251_percent_marks(region, tmp_path):
    tidy, _ = cube_rows([write_tidy(region, tmp_path / "tidy.csv")], "ОГЭ")
    paths = [write_regional_oge_csv(region, tmp_path / f"oge_{year}.csv", year) for year in region.years]
    rows, logs = cube_rows(paths)
    assert rows == tidy
    assert all(log.skipped.get("строка итогов по региону («Всего», «Итого»)") for log in logs)


def test_totals_and_subtotals_are_never_schools(region, tmp_path):
    path = write_regional_ege(region, tmp_path / "ЕГЭ 2023.xlsx", 2023, RegionalVariant(blocks=True))
    cube, logs = read_results([path], ReadOptions())
    names = set(cube.schools["school_name"])
    assert not {n for n in names if "ВСЕГО" in n.upper() or "район" in n.lower()}
    assert len(logs[0].skipped["строка итогов по муниципалитету"]) == 3


def test_year_must_be_found(region, tmp_path):
    path = write_regional_ege(region, tmp_path / "ЕГЭ по ОО.xlsx", 2023, RegionalVariant(title_rows=False))
    renamed = path.with_name("ЕГЭ по ОО.xlsx")
    # the sheet is named after the year; a sheet name without it leaves nothing to go by
    import openpyxl

    book = openpyxl.load_workbook(renamed)
    book.active.title = "Результаты"
    book.save(renamed)
    with pytest.raises(UserError) as caught:
        read_results([renamed], ReadOptions())
    assert "не удалось определить год" in str(caught.value) and "лист «Результаты»" in str(caught.value)


def test_contradicting_counts_are_reported_with_their_cells(region, tmp_path):
    import openpyxl

    path = write_regional_ege(region, tmp_path / "ЕГЭ 2023.xlsx", 2023)
    book = openpyxl.load_workbook(path)
    sheet = book.active
    first_school_row = 9  # title rows (5) + subject row + metric row + total row
    sheet.cell(first_school_row, 4).value = 999  # Russian: below the minimum > participants
    book.save(path)
    cube, logs = read_results([path], ReadOptions())
    note = next(n for n in logs[0].notes if "не преодолели порог» больше числа участников" in n)
    assert "«Русский язык»" in note and f"(строка {first_school_row})" in note
    russian = cube.counts[(cube.counts["subject"] == "Русский язык")]
    assert russian["fail"].isna().sum() == 1, "the spoiled count is left unknown, not guessed"


def _spoil_band_100(path, rows):
    """Writes into the first subject's «100 баллов» cell of the given school rows as many pupils as took part: with
    the table's mean of 55,5 that cannot be."""
    import openpyxl

    book = openpyxl.load_workbook(path)
    sheet = book.active
    spoiled = 0
    for row in range(9, sheet.max_row + 1):
        participants = sheet.cell(row, 3).value
        if isinstance(participants, int) and participants > 0 and spoiled < rows:
            sheet.cell(row, 6).value = participants
            spoiled += 1
    book.save(path)
    return spoiled


def test_a_band_count_the_mean_score_rules_out_leaves_that_row_high_unknown(region, tmp_path):
    path = write_regional_ege(region, tmp_path / "ЕГЭ 2023.xlsx", 2023, RegionalVariant(bands_80=True))
    _spoil_band_100(path, 1)
    cube, logs = read_results([path], ReadOptions())
    note = next(n for n in logs[0].notes if "больше, чем допускает средний балл" in n)
    assert note.startswith("«Русский язык»: «100 баллов»") and "(строка 9)" in note
    russian = cube.counts[cube.counts["subject"] == "Русский язык"]
    assert russian["high"].isna().sum() == 1


def test_a_band_column_wrong_in_most_rows_is_not_counted_at_all(region, tmp_path):
    """Забайкальский край 2023: «получили 100 баллов» of Химия holds other numbers in every row (12 of 8 pupils, or
    3 of 3 with a mean of 56,67): the rows where it happens to fit are not counted either."""
    path = write_regional_ege(region, tmp_path / "ЕГЭ 2023.xlsx", 2023, RegionalVariant(bands_80=True))
    spoiled = _spoil_band_100(path, 10_000)
    cube, logs = read_results([path], ReadOptions())
    note = next(n for n in logs[0].notes if "похоже, под этим заголовком другие числа" in n)
    assert note.startswith(f"«Русский язык»: «100 баллов» не сходится с числом участников или средним баллом в "
                           f"{spoiled} строках из {spoiled}")
    russian = cube.counts[cube.counts["subject"] == "Русский язык"]
    assert len(russian) == spoiled and russian["high"].isna().all() and russian["band_100_100"].isna().all()
    others = cube.counts[cube.counts["subject"] != "Русский язык"]
    assert others["high"].notna().all()

