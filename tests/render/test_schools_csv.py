"""schools.csv made a row at a time without a dict of the school's values: the same file as the one cell at a time
(``_cell`` of each column of a dict of the school's fields and indicators)."""

from __future__ import annotations

import copy
import csv
import io

from shnor.render import machine
from shnor.report.build import IdentifyRequest, identify
from tests.conftest import EXAMPLES, TODAY


def _cell_by_cell(report) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(machine.SCHOOLS_COLUMNS)
    for school in report.schools:
        values = {"school_id": school.school_id, "school_name": school.school_name,
                  "municipality": school.municipality, "status": school.status, "reasons": school.reasons,
                  **school.indicators, "shnsu": None if school.shnsu is None else int(school.shnsu)}
        writer.writerow([machine._cell(column, values.get(column)) for column in machine.SCHOOLS_COLUMNS])
    return buffer.getvalue()


def test_rows_are_the_cells_one_by_one(tmp_path):
    report = identify(IdentifyRequest(
        inputs=[EXAMPLES / "region"], registry=EXAMPLES / "registry.csv", history=[EXAMPLES / "history_2024.csv"],
        scales=EXAMPLES / "scales.csv", context=EXAMPLES / "context.csv", today=TODAY,
    ))
    schools = copy.deepcopy(report.schools[:4])
    schools[0].school_name = "=ВПР «2»; «4» и «5»"  # a text a spreadsheet would take for a formula
    schools[0].indicators["fail_core"] = None
    schools[1].indicators["status"] = "из показателей"  # an indicator named as a field: the indicator's value
    schools[1].shnsu = True
    schools[2].shnsu = False
    schools[3].indicators.pop("times_listed")
    schools[3].shnsu = None
    report.schools.extend(schools)
    assert any(s.shnsu is not None for s in report.schools) and any(s.shnsu is None for s in report.schools)
    machine.write_schools_csv(report, tmp_path)
    written = (tmp_path / "schools.csv").read_text(encoding="utf-8")
    assert written == _cell_by_cell(report)
    assert "'=ВПР" in written and "из показателей" in written
