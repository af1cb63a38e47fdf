"""Formula errors cached in an .xlsx («#ДЕЛ/0!» in a count a formula made): calamine gives them as empty cells, and
an empty count reads as «no data» where the workbook says «this formula failed». The sheet's XML is searched for
error cells (``t="e"``), and each one is put back into the table as Russian Excel shows it, so that the reader
names the cell like any other that is not a number.

Sheets whose XML unpacks to more than ``MAX_SEARCHED`` bytes are not searched: those are the pupil-level protocols
of a whole subject (tens of MB, never formulas), and searching them would cost a tenth of their reading.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pyarrow as pa

MAX_SEARCHED = 16 << 20
_CHUNK = 1 << 22

# the codes an .xlsx stores, as Russian Excel shows them
RUSSIAN = {
    "#DIV/0!": "#ДЕЛ/0!", "#N/A": "#Н/Д", "#VALUE!": "#ЗНАЧ!", "#REF!": "#ССЫЛКА!", "#NAME?": "#ИМЯ?",
    "#NUM!": "#ЧИСЛО!", "#NULL!": "#ПУСТО!", "#GETTING_DATA": "#ПОЛУЧЕНИЕ_ДАННЫХ", "#SPILL!": "#ПЕРЕНОС!",
    "#CALC!": "#ВЫЧИСЛ!",
}
_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
_CELL = re.compile(rb"<c\b([^>]*?)(/>|>(.*?)</c>)", re.DOTALL)
_REFERENCE = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the worksheet's part in the archive («xl/worksheets/sheet1.xml»)."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in relations.findall("rel:Relationship", _NS)}
    parts = {}
    for sheet in workbook.iterfind("m:sheets/m:sheet", _NS):
        target = targets.get(sheet.get(f"{{{_NS['r']}}}id"), "")
        parts[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join("xl", target))
    return parts


def _holds_errors(archive: zipfile.ZipFile, part: str) -> bytes | None:
    """The part's XML when it holds an error cell and is small enough to search, else None."""
    try:
        info = archive.getinfo(part)
    except KeyError:
        return None
    if info.file_size > MAX_SEARCHED:
        return None
    xml = archive.read(part)
    return xml if b't="e"' in xml else None


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _errors(xml: bytes) -> tuple[int, dict[tuple[int, int], str]]:
    """The first column calamine keeps (the leftmost cell that holds anything, errors included) and the error cells
    as (1-based row, 1-based column) → the Russian text."""
    first_column = None
    found = {}
    for match in _CELL.finditer(xml):
        attributes, body = match.group(1), match.group(3)
        reference = _REFERENCE.search(attributes)
        if reference is None or not body or (b"<v>" not in body and b"<is>" not in body):
            continue  # a formatted empty cell: calamine leaves it out of the sheet
        column = _column_number(reference.group(1))
        first_column = column if first_column is None else min(first_column, column)
        if b't="e"' in attributes:
            value = _VALUE.search(body)
            code = value.group(1).decode("utf-8", "replace") if value else "#N/A"
            found[int(reference.group(2)), column] = RUSSIAN.get(code, code)
    return first_column or 1, found


def put_back(path: Path, name: str, table: pa.RecordBatch) -> pa.RecordBatch:
    """``table`` (a sheet as fastexcel loads it: text, row 1 first, columns from the leftmost used one) with its
    formula errors written into their cells."""
    try:
        with zipfile.ZipFile(path) as archive:
            part = sheet_parts(archive).get(name)
            xml = _holds_errors(archive, part) if part else None
    except (zipfile.BadZipFile, OSError, KeyError, ElementTree.ParseError):
        return table  # what calamine could read is read; the archive's oddities are not this module's to name
    if xml is None:
        return table
    first_column, errors = _errors(xml)
    columns = [column.to_pylist() for column in table.columns]
    for (row, column), text in errors.items():
        position = column - first_column
        if 0 <= position < len(columns) and 0 < row <= table.num_rows:
            columns[position][row - 1] = text
    return pa.RecordBatch.from_arrays([pa.array(c, type=pa.string()) for c in columns], names=table.schema.names)
