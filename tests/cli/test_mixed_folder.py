"""`shnor identify` on a folder as an analyst downloads it — ФИС ОКО ВПР protocols, a regional ЕГЭ table without
logins, an ОГЭ participants CSV — with --scales, --registry and --history (names only) gives the same statuses and
indicators as the tidy form of the same data."""

from __future__ import annotations

from shnor.rules.loader import presets_dir
from tests.conftest import identify_schools
from tests.support.layouts import (
    VPR_SCALES,
    RegionalVariant,
    make_pupils,
    make_region,
    write_fisoko_students,
    write_history_names,
    write_oge_participants,
    write_regional_ege,
    write_registry,
    write_scales,
    write_tidy_with_logins,
)


def identify(args, out):
    return identify_schools(out, *args, "--date", "2025-01-20")


def test_mixed_folder_equals_tidy_form(tmp_path):
    region = make_region(seed=3)
    pupils = make_pupils(region, seed=4)
    folder = tmp_path / "загрузки"
    folder.mkdir()
    for k, (year, subject, grade) in enumerate(VPR_SCALES):
        write_fisoko_students(region, pupils, folder, year, subject, grade, title_row=k == 0)
    for year in region.years:
        write_regional_ege(region, folder / f"ЕГЭ по ОО {year}.xlsx", year, RegionalVariant(blocks=year == 2023))
    write_oge_participants(region, folder / "огэ_участники.csv")
    scales = write_scales(tmp_path / "шкалы.csv")
    registry = write_registry(region, tmp_path / "реестр.csv")
    history = write_history_names(region, tmp_path / "перечень_2023.csv", [1, 5, 9])
    # Participant-level files also give the signs of non-objective marking, which school-level totals cannot:
    # compare the lists under the default criteria without that one.
    rules = tmp_path / "без_объективности.yaml"
    text = (presets_dir() / "default.yaml").read_text(encoding="utf-8")
    sign_line = next(line for line in text.splitlines(keepends=True) if "indicator: objectivity_signs" in line)
    rules.write_text(text.replace(sign_line, ""), encoding="utf-8")
    assert rules.read_text(encoding="utf-8") != text
    common = ["--registry", registry, "--history", history, "--scales", scales, "--rules", rules]

    mixed = identify([folder, *common], tmp_path / "mixed")
    tidy = identify([write_tidy_with_logins(region, pupils, tmp_path / "tidy.csv"), *common], tmp_path / "tidy")

    assert set(mixed) == {s.login for s in region.schools}, "every school under its login, none twice"
    columns = ["status", "fail_core", "high_core", "fail_other", "times_listed", "participants_core",
               "participants_other"]
    assert {k: [r[c] for c in columns] for k, r in mixed.items()} == {k: [r[c] for c in columns]
                                                                      for k, r in tidy.items()}
    assert {r["times_listed"] for r in mixed.values()} == {"0", "1"}
    assert len({r["status"] for r in mixed.values()}) >= 3
