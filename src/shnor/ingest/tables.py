"""Raw access to the sheets of an input file: CSV (any usual encoding and separator), XLSX, Parquet.

Cells of CSV and Excel arrive as text (or null) so that readers see what the analyst sees and parse numbers
themselves, with decimal commas and percent signs; Parquet's typed numbers stay numbers. Data comes in batches
of Arrow columns, so memory is bounded by a batch, not by the file. Row numbers are 1-based, as a spreadsheet shows
them.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shnor.errors import Place, UserError

PROBE_ROWS = 40
BATCH_ROWS = 200_000
WHOLE_CSV_BYTES = 256 << 20  # a CSV up to this size is parsed at once on every core; a larger one is streamed
# A CSV opened ahead (``open_sheets(path, ahead=True)``, on another core while the program is still importing) is
# parsed right away when it is at least this big (a smaller one is quick to parse when read) and at most this big
# (the files opened ahead are held parsed until read)
AHEAD_CSV_BYTES = (1 << 20, 128 << 20)
_CSV_SEPARATORS = (";", "\t", ",")


@dataclass(frozen=True)
class Batch:
    first_row: int  # spreadsheet row number of the batch's first row
    columns: list[pa.Array]  # positional, as text (numbers stay numbers in Parquet); chunked where ``joined``
    joined_from: tuple[Batch, ...] = ()  # the sheet's batches this one was joined from (see ``joined``)

    @property
    def pieces(self) -> tuple[Batch, ...]:
        """The batches as the sheet gave them."""
        return self.joined_from or (self,)


def joined(batches: Iterable[Batch], rows: int) -> Iterator[Batch]:
    """Consecutive batches of a sheet joined into batches of ``rows`` rows or a little more; each keeps its pieces."""
    pending: list[Batch] = []
    count = 0
    for batch in batches:
        if pending and [c.type for c in batch.columns] != [c.type for c in pending[0].columns]:
            yield _join(pending)
            pending, count = [], 0
        pending.append(batch)
        count += len(batch.columns[0]) if batch.columns else 0
        if count >= rows:
            yield _join(pending)
            pending, count = [], 0
    if pending:
        yield _join(pending)


def _join(pieces: list[Batch]) -> Batch:
    if len(pieces) == 1:
        return pieces[0]
    # the pieces as the chunks of one column each, not copied into one array: a region's CSV is a million rows of text
    columns = [pa.chunked_array([piece.columns[i] for piece in pieces], type=pieces[0].columns[i].type)
               for i in range(len(pieces[0].columns))]
    return Batch(pieces[0].first_row, columns, tuple(pieces))


class Sheet:
    """One table inside a file. ``probe`` holds its first rows; ``batches`` streams the rows below a header."""

    def __init__(self, path: Path, name: str | None, probe: list[list[str | None]]) -> None:
        self.path = path
        self.name = name
        self.probe = probe
        self.progress: Callable[[int], None] | None = None  # told how many bytes of the file are read
        self.siblings: list[Sheet] = []  # the other sheets of the same file
        self.hidden = False  # a sheet hidden in Excel: read like the others, and said

    @property
    def streamed(self) -> bool:
        """Each batch is parsed anew from the file (a CSV too big to parse whole), not a view of what is read: a
        batch held a little longer is a batch more in memory."""
        return False

    @property
    def held(self) -> bool:
        """Every batch is a view of the sheet parsed whole and held in memory (a CSV of a region): counted in smaller
        batches, nothing is read twice."""
        return False

    def place(self, row: int | None = None, column: str | None = None) -> Place:
        return Place(self.path.name, self.name, None if row is None else self.line(row), column, lines=self.line)

    def line(self, row: int) -> int:
        """The row as the user sees it (the same number here; CSV files differ when they have blank lines)."""
        return row

    @property
    def label(self) -> str:
        """«file.xlsx [sheet]», or the file name for a file of one table."""
        return self.path.name if self.name is None else f"{self.path.name} [{self.name}]"

    def batches(self, header_rows: int) -> Iterator[Batch]:  # pragma: no cover - interface
        raise NotImplementedError

    def joined_batches(self, header_rows: int, rows: int, coded: Iterable[int] = ()) -> Iterator[Batch]:
        """``joined(self.batches(header_rows), rows)``: the same batches with the same pieces. A sheet that can
        give the text columns at positions ``coded`` dictionary-encoded (Parquet stores them so) gives them so, in
        the joined batch and its pieces (``plain_text`` makes them text); a CSV parsed ahead gives every column it
        parsed so, numbers' text too."""
        return joined(self.batches(header_rows), rows)


def open_sheets(path: Path, ahead: bool = False) -> list[Sheet]:
    """The sheets of a file, chosen by its content (not only its extension). ``ahead``: the file is opened on another
    core before it is read, and a CSV is parsed there already, as if its header were its first row (see
    ``_CsvSheet``)."""
    if not path.exists():
        raise UserError(f"файл «{path}» не найден.", hint="Проверьте путь к файлу.")
    if path.is_dir():
        raise UserError(f"«{path}» — папка, а не файл.", hint="Укажите файлы внутри папки, например «папка/*.xlsx».")
    with path.open("rb") as handle:
        head = handle.read(8)
    suffix = path.suffix.lower()
    if head.startswith(b"PK\x03\x04") or suffix in {".xlsx", ".xlsm", ".xls", ".ods"}:
        return _excel_sheets(path)
    if head.startswith(b"PAR1") or suffix == ".parquet":
        return [_ParquetSheet.open(path)]
    return [_CsvSheet.open(path, parse=ahead)]


def _text_columns(batch: pa.RecordBatch | pa.Table, keep_numbers: bool = False,
                  keep_coded: bool = False, coded_at: Iterable[int] = ()) -> list[pa.Array]:
    """The columns as text; with ``keep_numbers``, integer and decimal columns stay numbers (Parquet is typed); with
    ``keep_coded``, dictionary-encoded text stays encoded (with ``coded_at``, at those positions only)."""
    columns = []
    coded_at = set(coded_at)
    for position, column in enumerate(batch.columns):
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        if (keep_coded or position in coded_at) and _coded_text(column):
            columns.append(column)
            continue
        typed = keep_numbers and (pa.types.is_integer(column.type) or pa.types.is_floating(column.type))
        if not typed and not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
            column = column.cast(pa.string())
        columns.append(column)
    return columns


def _coded_text(column: pa.Array) -> bool:
    return pa.types.is_dictionary(column.type) and pa.types.is_string(column.type.value_type)


def plain_type(column: pa.Array) -> pa.DataType:
    """The type of the values: text for dictionary-encoded text."""
    return column.type.value_type if _coded_text(column) else column.type


def plain_text(column: pa.Array) -> pa.Array:
    """Dictionary-encoded text as plain text (what every reader but the clean counting expects)."""
    return column.dictionary_decode() if _coded_text(column) else column


def _rows_of(columns: list[pa.Array]) -> list[list[str | None]]:
    values = [column.to_pylist() for column in columns]
    return [list(row) for row in zip(*values)] if values else []


# --- Excel -------------------------------------------------------------------------------------------


class _ExcelSheet(Sheet):
    """A worksheet read once: calamine parses a whole sheet on every call, so the probe and the batches share it."""

    def __init__(self, path: Path, name: str, table: pa.RecordBatch) -> None:
        super().__init__(path, name, _rows_of(_text_columns(table.slice(0, PROBE_ROWS))))
        self._table = table

    def batches(self, header_rows: int) -> Iterator[Batch]:
        for start in range(header_rows, self._table.num_rows, BATCH_ROWS):
            chunk = self._table.slice(start, BATCH_ROWS)
            yield Batch(first_row=start + 1, columns=_text_columns(chunk))


MAX_UNPACKED = 3 << 30  # an .xlsx that unpacks to more than 3 GiB is refused …
MAX_RATIO = 200  # … and so is one compressed more than 200 times (real sheets: 5–20 times)
MIN_SIZE_FOR_RATIO = 50 << 20


def _check_zip(path: Path) -> str:
    """Refuse a zip bomb before calamine unpacks it: the sizes are in the zip's directory, nothing is inflated.
    Returns what the archive holds: «xlsx», «xlsb» or «ods» (whatever the file's name says)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            names = {e.filename for e in entries}
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
        raise UserError(
            f"файл «{path.name}» повреждён или обрезан: это не архив .xlsx.",
            hint="Скачайте или выгрузите файл заново.",
        ) from None
    unpacked = sum(e.file_size for e in entries)
    packed = sum(e.compress_size for e in entries) or 1
    if unpacked > MAX_UNPACKED or (unpacked > MIN_SIZE_FOR_RATIO and unpacked / packed > MAX_RATIO):
        size = f"{unpacked / (1 << 20):,.0f}".replace(",", " ")
        ratio = f"{unpacked / packed:,.0f}".replace(",", " ")
        raise UserError(
            f"файл «{path.name}» распаковывается в {size} МБ (сжат в {ratio} раз) — так не бывает у таблиц "
            "результатов; файл не читается, чтобы не исчерпать память.",
            hint="Проверьте, откуда взят файл; пересохраните таблицу в Excel.",
        )
    if any(e.flag_bits & 0x1 for e in entries):
        raise UserError(f"файл «{path.name}» — зашифрованный архив: его содержимое не прочитать.",
                        hint="Сохраните таблицу в Excel заново как «Книга Excel (.xlsx)» без пароля.")
    if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        return "ods"
    if "xl/workbook.bin" in names:
        return "xlsb"
    if "xl/workbook.xml" not in names:
        what = "документ Word" if "word/document.xml" in names else "архив zip"
        raise UserError(f"файл «{path.name}» — {what}, а не книга Excel: в нём нет листов.",
                        hint="Укажите саму таблицу (.xlsx, .csv) или распакуйте архив и укажите файлы из него.")
    return "xlsx"


_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_KINDS = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xlsb": "xlsb", ".xls": "xls", ".ods": "ods"}
_KIND_NAMES = {"xlsx": "книга Excel (.xlsx)", "xlsb": "двоичная книга Excel (.xlsb)",
               "xls": "книга Excel 97–2003 (.xls)", "ods": "таблица OpenDocument (.ods)"}


def _excel_kind(path: Path, head: bytes) -> str:
    """What the file really is, whatever its name says; a web page or an encrypted book is a UserError that says
    what to do."""
    if head.startswith(b"PK\x03\x04"):
        return _check_zip(path)
    if head.startswith(bytes.fromhex("D0CF11E0A1B11AE1")):
        with path.open("rb") as handle:
            if _ENCRYPTED in handle.read(64 << 20):
                raise UserError(f"файл «{path.name}» защищён паролем: shnor не открывает книги с паролем.",
                                hint="Откройте книгу в Excel, снимите пароль (Файл → Сведения → Защита книги → "
                                     "Зашифровать с использованием пароля → пустой пароль), сохраните и запустите "
                                     "снова.")
        return "xls"
    text = head.lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n\x00").lower()
    if text.startswith(b"<"):
        with path.open("rb") as handle:
            start = handle.read(4096).replace(b"\x00", b"").lower()
        if b"urn:schemas-microsoft-com:office:spreadsheet" in start:
            what = "таблица XML 2003 (Excel «Таблица XML»)"
        else:
            what = "веб-страница (HTML)"
        raise UserError(f"файл «{path.name}» — {what}, сохранённая с расширением {path.suffix or '(без расширения)'}, "
                        "а не книга Excel.",
                        hint="Откройте файл в Excel и сохраните как «Книга Excel (.xlsx)» (Файл → Сохранить как), "
                             "затем укажите новый файл.")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise UserError(f"файл «{path.name}» повреждён или обрезан: это не архив .xlsx.",
                        hint="Скачайте или выгрузите файл заново.")
    return _KINDS.get(path.suffix.lower(), "xlsx")


def _excel_sheets(path: Path) -> list[Sheet]:
    import fastexcel

    from shnor.ingest.excel_errors import put_back

    with path.open("rb") as handle:
        head = handle.read(64)
    kind = _excel_kind(path, head)
    # a book whose name says another format (an .xlsx saved as «Отчёт.xls»): calamine goes by the name, so it is
    # given the bytes and finds the format by the content
    source = path if _KINDS.get(path.suffix.lower()) == kind else path.read_bytes()

    try:
        reader = fastexcel.read_excel(source)
        sheets = []
        for name in reader.sheet_names:
            loaded = reader.load_sheet(
                name, header_row=None, dtypes="string", skip_rows=0, skip_whitespace_tail_rows=True,
                whitespace_as_null=True
            )
            table = loaded.to_arrow()
            if kind == "xlsx":  # formula errors calamine gives as empty cells, put back as Excel shows them
                table = put_back(path, name, table)
            sheet = _ExcelSheet(path, name, table)
            sheet.hidden = getattr(loaded, "visible", "visible") != "visible"
            sheets.append(sheet)
        for sheet in sheets:  # a sheet may need what another says (the upload form's «Классы» names the subject)
            sheet.siblings = [other for other in sheets if other is not sheet]
    except UserError:
        raise
    except Exception as error:  # noqa: BLE001  a damaged or disguised file: fastexcel's errors name no place we can use
        said = str(error).lower()
        if "password" in said or "encrypt" in said:
            raise UserError(f"файл «{path.name}» защищён паролем: shnor не открывает книги с паролем.",
                            hint="Откройте книгу в Excel, снимите пароль, сохраните и запустите снова.") from None
        raise UserError(
            f"файл «{path.name}» ({_KIND_NAMES[kind]} по содержимому) повреждён: листы не читаются "
            f"({type(error).__name__}).",
            hint="Откройте файл в Excel или LibreOffice и сохраните заново как «Книга Excel (.xlsx)»; если не "
                 "открывается — выгрузите файл заново.",
        ) from None
    return sheets


# --- CSV ---------------------------------------------------------------------------------------------


def _detect_encoding(sample: bytes) -> str:
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's «Текст Юникод»: UTF-16 with a BOM, tabs between
        return "utf-16"
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as error:
        if error.start >= len(sample) - 3:  # the sample cut a character in two
            return "utf-8"
        return "cp1251"


_UTF8_CYRILLIC = re.compile(rb"[\xd0\xd1][\x80-\xbf]")


def _refuse_mixed_encodings(path: Path, sample: bytes) -> None:
    """UTF-8 Cyrillic up to a line that is not UTF-8: two files glued together (``copy /b``) or a line pasted from
    another program. Read as Windows-1251 it would be gibberish from the first row, named as an unknown value."""
    try:
        sample.decode("utf-8")
        return
    except UnicodeDecodeError as error:
        before = sample[: error.start]
    if len(_UTF8_CYRILLIC.findall(before)) < 3:
        return
    raise _mixed_encodings(path, before.count(b"\n") + 1)


def _mixed_encodings(path: Path, line: int) -> UserError:
    return UserError(
        "файл в двух кодировках: до этой строки — UTF-8, в ней — другая (вероятно, Windows-1251).",
        Place(path.name, None, line),
        "Откройте файл в Блокноте или Excel, исправьте строку (или сохраните весь файл заново в UTF-8) и запустите "
        "снова.",
    )


def _first_line_not_utf8(path: Path) -> int | None:
    """The line (as a text editor counts them) of the first bytes that are not UTF-8, or None: the encoding is
    judged from the file's first 256 KB, and a line pasted in another encoding further down must be named where it
    is, not where the parse of its batch began."""
    line, carry = 1, b""
    with path.open("rb") as handle:
        while chunk := handle.read(4 << 20):
            data = carry + chunk
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as error:
                if error.reason != "unexpected end of data":
                    return line + data.count(b"\n", 0, error.start)
                carry = data[error.start:]  # a character cut in two by the chunk
                line += data.count(b"\n", 0, error.start)
                continue
            carry = b""
            line += data.count(b"\n")
    return line if carry else None


def _detect_separator(lines: list[str]) -> str:
    def score(separator: str) -> tuple[int, int]:
        widths = [len(row) for row in csv.reader(lines, delimiter=separator) if any(cell.strip() for cell in row)]
        if not widths:
            return (0, 0)
        widest = max(widths)
        return (widths.count(widest) if widest > 1 else 0, widest)

    return max(_CSV_SEPARATORS, key=score)


def _usual_width(rows: list[list[str]]) -> int:
    """The number of cells most rows have (the wider one on a tie): a row with a stray separator near the top must
    not make every other row «of another width»."""
    widths = Counter(len(row) for row in rows if any(cell.strip() for cell in row))
    return max(widths, key=lambda width: (widths[width], width)) if widths else max(map(len, rows), default=0)


class _CsvSheet(Sheet):
    def __init__(self, path: Path, probe, encoding: str, separator: str, width: int) -> None:
        super().__init__(path, None, probe)
        self.encoding = encoding
        self.separator = separator
        self._width = width
        self.malformed_rows = 0  # rows with another number of cells than the header, skipped and reported
        self._runaway: str | None = None  # the start of a record that swallowed the lines below it (a lone «"»)
        self._header_rows = 0
        self._padded = False  # read by ``_lenient``: rows short of the header or with empty cells past it are kept
        self._parsed: tuple[int, pa.Table, dict[int, pa.Array]] | None = None  # parsed ahead: header rows, table,
        # and its columns of a few distinct values dictionary-encoded, each in one array (see ``_repeated``)
        self._coded: dict[int, pa.Array] = {}  # those columns of the table being handed over (``joined_batches``)

    @classmethod
    def open(cls, path: Path, parse: bool = False) -> _CsvSheet:
        """The sheet and its first rows. With ``parse``, a file of a usual size whose first row is filled is parsed
        whole too, its first row taken for the header: the parse runs on the other cores while the program is still
        importing, and is used if the header is found there (``batches(1)``). A file that does not parse so is
        parsed again when read, exactly as if it had not been parsed ahead."""
        with path.open("rb") as handle:
            sample = handle.read(256 * 1024)
        if not sample.strip():
            raise UserError(f"файл «{path.name}» пуст.", hint="Проверьте, что выгрузка завершилась полностью.")
        if b"\x00" in sample and _detect_encoding(sample) != "utf-16":
            raise UserError(
                f"файл «{path.name}» не похож ни на таблицу CSV, ни на Excel, ни на Parquet.",
                hint="Сохраните таблицу в формате .xlsx или .csv.",
            )
        encoding = _detect_encoding(sample)
        if encoding == "cp1251":
            _refuse_mixed_encodings(path, sample)
        text = sample.decode(encoding, errors="ignore")
        lines = text.splitlines()[:PROBE_ROWS]
        if len(sample) == 256 * 1024 and lines:
            lines = lines[:-1] or lines
        separator = _detect_separator(lines)
        probe = [list(row) for row in csv.reader(lines, delimiter=separator)]
        width = _usual_width(probe)
        probe = [row + [None] * (width - len(row)) for row in probe]
        sheet = cls(path, probe, encoding, separator, width)
        size = path.stat().st_size
        if parse and AHEAD_CSV_BYTES[0] <= size <= min(AHEAD_CSV_BYTES[1], WHOLE_CSV_BYTES) and any(probe[:1]):
            from pyarrow import csv as pacsv

            try:
                table = sheet._strict(pacsv, 1, _repeated(probe[1:]))
                sheet._parsed = (1, table, _encoded(table))
            except Exception:  # noqa: BLE001  whatever it is, the reading proper meets it again and says it
                sheet._parsed = None
        return sheet

    def line(self, row: int) -> int:
        """Rows as a text editor numbers the file's lines (the fast reader does not count blank lines)."""
        wanted = row - self._header_rows - 1  # data records before this one
        with self.path.open(encoding=self.encoding, errors="replace", newline="") as handle:
            reader = csv.reader(handle, delimiter=self.separator)
            seen = 0
            start = 1
            skipped_widths = self.malformed_rows > 0  # rows of another width were skipped: they are not counted
            for number, record in enumerate(reader):
                if number >= self._header_rows and record and (not skipped_widths or self._fits(record)):
                    if seen == wanted:
                        return start
                    seen += 1
                start = reader.line_num + 1
        return row

    @property
    def streamed(self) -> bool:
        return self.path.stat().st_size > WHOLE_CSV_BYTES

    @property
    def held(self) -> bool:
        return not self.streamed

    def batches(self, header_rows: int) -> Iterator[Batch]:
        return self._batches(header_rows)

    def _batches(self, header_rows: int, coded: bool = False) -> Iterator[Batch]:
        """``batches``; with ``coded``, the columns that the file parsed ahead has dictionary-encoded stay so."""
        from pyarrow import csv as pacsv

        self._header_rows = header_rows
        if not self.streamed:
            yield from self._whole(pacsv, self._options(pacsv, header_rows), header_rows, coded)
        else:
            yield from self._streamed(pacsv, self._options(pacsv, header_rows), header_rows)

    def _options(self, pacsv, header_rows: int, raw: bool = False, coded: Iterable[int] = ()) -> dict:
        """pyarrow's options for the file; ``raw``: the cells as the file's bytes, not decoded (see ``_strict``);
        the columns at ``coded`` dictionary-encoded by the parse."""
        names = [f"c{i}" for i in range(self._width)]
        read_options = pacsv.ReadOptions(
            encoding="utf8" if raw or self.encoding.startswith("utf-8") else self.encoding,
            column_names=names,
            skip_rows=header_rows,
            block_size=8 << 20,
        )
        parse_options = pacsv.ParseOptions(delimiter=self.separator, invalid_row_handler=self._skip_malformed)
        cells = pa.binary() if raw else pa.string()
        coded = set(coded)
        convert_options = pacsv.ConvertOptions(
            column_types={name: pa.dictionary(pa.int32(), cells) if position in coded else cells
                          for position, name in enumerate(names)},
            strings_can_be_null=True, quoted_strings_can_be_null=True
        )
        return {"read_options": read_options, "parse_options": parse_options, "convert_options": convert_options}

    def _strict(self, pacsv, header_rows: int, coded: Iterable[int] = ()) -> pa.Table:
        """The whole file parsed at once on every core; rows of another width are an error here (a callback per row
        from every core would crawl). A UTF-8 or Windows-1251 file is parsed as bytes, and only cells that are not
        ASCII are checked or decoded, once per distinct value (see ``_decoded``; such a column comes
        dictionary-encoded): pyarrow would check every cell of UTF-8 and decode the whole of Windows-1251 in one
        thread before parsing it. The cells are the same text either way: the separator, quote and line break are
        ASCII, and so are the bytes that are not part of a Cyrillic letter.

        The columns at ``coded`` (a few distinct values: keys, years, grades, marks, scores) are dictionary-encoded
        by the parse itself, on every core, each block with its own dictionary: they are joined into one array with
        one dictionary, whose values alone are checked or decoded. One that turns out to have many distinct values
        is made plain again, as if it had been parsed so."""
        raw = self.encoding in _RAW
        strict = pacsv.ParseOptions(delimiter=self.separator)
        table = pacsv.read_csv(self.path, **dict(self._options(pacsv, header_rows, raw, coded), parse_options=strict))
        columns = _whole_dictionaries(table)
        if raw:
            decoded = [_decoded(column, self.encoding) for column in columns]
            if any(column is None for column in decoded):  # many distinct Windows-1251 cells (names of people):
                # the file decoded by pyarrow, the columns of a few values dictionary-encoded again
                coded = [p for p, column in enumerate(columns) if isinstance(column, pa.DictionaryArray)]
                options = self._options(pacsv, header_rows, coded=coded)
                table = pacsv.read_csv(self.path, **dict(options, parse_options=strict))
                decoded = _whole_dictionaries(table)
            columns = decoded
        return pa.table(columns, names=table.column_names)

    def _whole(self, pacsv, options: dict, header_rows: int, coded: bool = False) -> Iterator[Batch]:
        """A file of a region at most: parsed at once on every core (or already, when it was opened ahead), then
        handed over in batches. A file that does not parse whole, or has rows of another width, is read again as a
        stream, which skips those rows and tells where a broken file stops."""
        parsed, self._parsed = self._parsed, None
        self._coded = {}
        try:
            if parsed is not None and parsed[0] == header_rows:
                _, table, self._coded = parsed
            else:
                table = self._strict(pacsv, header_rows)
        except (pa.ArrowInvalid, UnicodeDecodeError):
            self.malformed_rows = 0
            batches = self._lenient(header_rows)
            if batches is None:
                yield from self._streamed(pacsv, options, header_rows)
            else:
                yield from batches
            return
        row = header_rows + 1
        kept = list(self._coded) if coded else []  # not made text only to be replaced (``joined_batches``)
        for batch in table.to_batches(max_chunksize=BATCH_ROWS):
            if batch.num_rows:
                yield Batch(first_row=row, columns=_text_columns(batch, coded_at=kept))
                row += batch.num_rows
        if self.progress:
            self.progress(self.path.stat().st_size)

    def joined_batches(self, header_rows: int, rows: int, coded: Iterable[int] = ()) -> Iterator[Batch]:
        """As ``Sheet.joined_batches``; a file parsed ahead gives every column that the parse dictionary-encoded
        (``_repeated``: the key text at ``coded``, and the years, grades, marks and scores too) so, sliced for the
        batch from one array over the file, and in its pieces as they are (not decoded into a million rows of text that
        the clean count never looks at: ``plain_text`` decodes them for the careful reader)."""
        start = header_rows + 1
        for batch in joined(self._batches(header_rows, coded=True), rows):
            encoded = self._coded
            if encoded and batch.columns:
                first, count = batch.first_row - start, len(batch.columns[0])
                columns = [encoded[p].slice(first, count) if p in encoded else column
                           for p, column in enumerate(batch.columns)]
                batch = Batch(batch.first_row, columns, batch.pieces)
            yield batch
        self._coded = {}

    def _lenient(self, header_rows: int) -> list[Batch] | None:
        """Rows that differ from the header only by empty cells at the end — Excel writes a «;» too many on some
        lines, or leaves out an empty last cell — are rows like the others: padded or trimmed to the header's width.
        Rows with more filled cells than the header are skipped and reported. None where the file needs the strict
        reader's verdict (a line that is not in the file's encoding, a quote left open)."""
        width, names = self._width, [f"c{i}" for i in range(self._width)]
        batches, columns, row = [], [[] for _ in range(width)], header_rows + 1
        self._padded = True

        def flush() -> None:
            nonlocal columns, row
            if columns[0]:
                arrays = [pa.array(column, type=pa.string()) for column in columns]
                batches.append(Batch(first_row=row, columns=_text_columns(pa.RecordBatch.from_arrays(arrays, names))))
                row += len(columns[0])
                columns = [[] for _ in range(width)]

        try:
            with self.path.open(encoding=self.encoding, newline="") as handle:
                reader = csv.reader(handle, delimiter=self.separator)
                for number, record in enumerate(reader):
                    if number < header_rows or not record:
                        continue
                    if any("\n" in cell for cell in record) and len(record) != width:
                        self._padded, self.malformed_rows = False, 0
                        return None  # a quote left open: the strict reader names the line
                    if not self._fits(record):
                        self.malformed_rows += 1
                        continue
                    for position in range(width):
                        cell = record[position] if position < len(record) else ""
                        columns[position].append(cell if cell != "" else None)
                    if len(columns[0]) >= BATCH_ROWS:
                        flush()
        except (UnicodeDecodeError, csv.Error):
            self._padded, self.malformed_rows = False, 0
            return None
        flush()
        if self.progress:
            self.progress(self.path.stat().st_size)
        return batches

    def _fits(self, record: list[str]) -> bool:
        """A record read as a row: of the header's width (the fast readers); padded, also shorter or with only empty
        cells past it."""
        if len(record) == self._width:
            return True
        if not self._padded:
            return False
        return len(record) < self._width or not any(cell.strip() for cell in record[self._width:])

    def _streamed(self, pacsv, options: dict, header_rows: int) -> Iterator[Batch]:
        row = header_rows + 1
        try:
            with self.path.open("rb") as handle:
                reader = pacsv.open_csv(handle, **options)
                for batch in reader:
                    if batch.num_rows:
                        yield Batch(first_row=row, columns=_text_columns(batch))
                        row += batch.num_rows
                    if self.progress:
                        self.progress(handle.tell())
            self._check_runaway()
        except (pa.ArrowInvalid, UnicodeDecodeError) as error:
            if self.encoding.startswith("utf-8") and (line := _first_line_not_utf8(self.path)) is not None:
                raise _mixed_encodings(self.path, line) from None
            raise UserError(
                f"не удалось разобрать CSV около строки {row}: {str(error).splitlines()[0]}",
                self.place(),
                "Проверьте кодировку (UTF-8 или Windows-1251) и разделитель столбцов.",
            ) from None

    def _skip_malformed(self, row) -> str:
        self.malformed_rows += 1
        if self._runaway is None and "\n" in row.text.rstrip("\r\n"):
            self._runaway = row.text.split("\n", 1)[0]
        return "skip"

    @property
    def width(self) -> int:
        return self._width

    def malformed_lines(self) -> list[int]:
        """The lines (as a text editor numbers them) of the records skipped for another number of cells."""
        found = []
        with self.path.open(encoding=self.encoding, errors="replace", newline="") as handle:
            reader = csv.reader(handle, delimiter=self.separator)
            start = 1
            for number, record in enumerate(reader):
                if number >= self._header_rows and record and not self._fits(record):
                    found.append(start)
                start = reader.line_num + 1
        return found

    def _check_runaway(self) -> None:
        """A quote opened in a cell and never closed glues every line below it into one record: that is not a row
        to skip but lost rows, so it stops the run and names the line."""
        if self._runaway is None:
            return
        line = None
        with self.path.open(encoding=self.encoding, errors="replace", newline="") as handle:
            for number, text in enumerate(handle, start=1):
                if text.rstrip("\r\n") == self._runaway.rstrip("\r"):
                    line = number
                    break
        raise UserError(
            "кавычка «\"» открыта в ячейке и не закрыта: строки ниже слились с этой в одну, и их не прочитать.",
            Place(self.path.name, None, line),
            "Удалите лишнюю кавычку «\"» в этой строке (или закройте её) и запустите снова.",
        )




_SHORT_NUMBER = 6  # characters of a number that has a few spellings in a file (a mark, a score, «12,5»)


def _repeated(rows: list[list[str | None]]) -> list[int]:
    """The columns whose first rows look like a few values repeated: keys (a procedure, a subject, a school whose
    pupils come one after another, a year, a grade), or short numbers one of which comes again (marks, scores). These
    are dictionary-encoded by the parse when a file is parsed ahead; a column of mostly distinct cells (people's
    names, ids, row numbers) stays text."""
    found = []
    for position in range(max(map(len, rows), default=0)):
        cells = [row[position].strip() for row in rows if position < len(row) and (row[position] or "").strip()]
        distinct = set(cells)
        if len(cells) < 2 or len(distinct) == len(cells):
            continue
        if len(distinct) * 2 <= len(cells) or all(len(c) <= _SHORT_NUMBER and _number_like(c) for c in distinct):
            found.append(position)
    return found


def _number_like(cell: str) -> bool:
    try:
        float(cell.replace(",", "."))
    except ValueError:
        return False
    return True


def _encoded(table: pa.Table) -> dict[int, pa.Array]:
    """The table's dictionary-encoded columns by position, each in one array (one dictionary over the whole file)."""
    return {position: column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
            for position, column in enumerate(table.columns) if pa.types.is_dictionary(column.type)}


def _whole_dictionaries(table: pa.Table) -> list[pa.Array | pa.ChunkedArray]:
    """The columns of a parse, each dictionary-encoded one in one array with one dictionary (the parse gives each
    block its own: only the codes are joined, renumbered where the block's dictionary differs); one of many distinct
    values is made plain (a column of names or numbers that its first rows made look like a few values)."""
    columns = []
    for column in table.columns:
        if pa.types.is_dictionary(column.type):
            column = column.combine_chunks()
            if len(column.dictionary) > _MANY_DISTINCT:
                column = pa.chunked_array([column.dictionary_decode()])
        columns.append(column)
    return columns


_RAW = {"utf-8", "utf-8-sig", "cp1251"}  # encodings parsed as bytes and decoded by distinct cell (see ``_decoded``)
_MANY_DISTINCT = 1 << 16  # a column with more distinct cells than this is decoded as a whole


def _decoded(column: pa.ChunkedArray, encoding: str) -> pa.Array | pa.ChunkedArray | None:
    """A column of bytes as text: UTF-8 checked, Windows-1251 decoded. ASCII (numbers, logins) is UTF-8 already: the
    same buffers. Otherwise each distinct value is decoded once (a few subjects, schools, municipalities in a million
    rows), and the column stays dictionary-encoded (``_text_columns`` gives it as text); UTF-8 of many distinct values
    is checked as a whole, Windows-1251 of many is None (pyarrow decodes the file faster). Bytes that are not of the
    encoding raise UnicodeDecodeError (or Arrow's ArrowInvalid), as pyarrow's own decoding does."""
    if isinstance(column, pa.DictionaryArray):  # parsed so: its distinct values alone
        return pa.DictionaryArray.from_arrays(column.indices, _decoded_values(column.dictionary, encoding))
    utf8 = encoding.startswith("utf-8")
    if all(_ascii(chunk) for chunk in column.chunks):
        return pa.chunked_array([chunk.view(pa.string()) for chunk in column.chunks], pa.string())
    start = column.slice(0, _MANY_DISTINCT)  # mostly distinct there (names of people): not worth a dictionary
    encoded = None if 2 * len(pc.unique(start)) > len(start) else _one_dictionary(column)
    if encoded is None or len(encoded.dictionary) > _MANY_DISTINCT:
        if not utf8:
            return None
        text = pa.chunked_array([chunk.view(pa.string()) for chunk in column.chunks], pa.string())
        text.validate(full=True)
        return text
    return pa.DictionaryArray.from_arrays(encoded.indices, _decoded_values(encoded.dictionary, encoding))


def _decoded_values(values: pa.Array, encoding: str) -> pa.Array:
    """A dictionary's distinct values (bytes) as text: ASCII as it is, UTF-8 checked, Windows-1251 decoded one by
    one."""
    if _ascii(values):
        return values.view(pa.string())
    if encoding.startswith("utf-8"):
        return values.cast(pa.string())  # checked: Arrow's ArrowInvalid for bytes that are not UTF-8
    return pa.array([value.decode(encoding) for value in values.to_pylist()], type=pa.string())


def _content(cells: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The bytes of a binary or text array's cells, one after another, and where each cell starts in them."""
    data = cells.buffers()[2]
    offsets = np.frombuffer(cells.buffers()[1], dtype=np.int32, count=len(cells) + 1, offset=cells.offset * 4)
    content = np.frombuffer(data, dtype=np.uint8)[offsets[0]:offsets[-1]] if data is not None else np.empty(0, np.uint8)
    return content, offsets - offsets[0]


def _ascii(cells: pa.Array) -> bool:
    if not len(cells):
        return True
    content, _ = _content(cells)
    return not content.size or content.max() < 0x80


def _one_dictionary(column: pa.ChunkedArray) -> pa.DictionaryArray:
    """The column dictionary-encoded with one dictionary. Arrow encodes a chunked column chunk by chunk, each chunk's
    dictionary the start of the next one's: then only the codes are joined (the text is not copied)."""
    encoded = pc.dictionary_encode(column)
    if encoded.num_chunks:
        last = encoded.chunk(encoded.num_chunks - 1).dictionary
        if all(c.dictionary.equals(last.slice(0, len(c.dictionary))) for c in encoded.chunks):
            return pa.DictionaryArray.from_arrays(pa.concat_arrays([c.indices for c in encoded.chunks]), last)
    return pc.dictionary_encode(column.combine_chunks())


# --- Parquet -----------------------------------------------------------------------------------------


class _ParquetSheet(Sheet):
    @classmethod
    def open(cls, path: Path) -> _ParquetSheet:
        import pyarrow.parquet as pq

        try:
            file = pq.ParquetFile(path)
        except (pa.ArrowInvalid, OSError) as error:
            raise UserError(
                f"файл «{path.name}» повреждён или обрезан: это не файл Parquet ({type(error).__name__}).",
                hint="Выгрузите данные заново.",
            ) from None
        header = [list(file.schema_arrow.names)]
        sheet = cls(path, None, header)
        sheet._file = file
        return sheet

    def batches(self, header_rows: int) -> Iterator[Batch]:
        yield from self._read(BATCH_ROWS)

    def joined_batches(self, header_rows: int, rows: int, coded: Iterable[int] = ()) -> Iterator[Batch]:
        """Read whole: as many pieces of ``BATCH_ROWS`` at a time as ``joined`` would join (Parquet gives batches of
        the size asked across its row groups), each piece a slice of the batch — no copy to join them. The text
        columns at ``coded`` come as Parquet stores them, dictionary-encoded (a country's logins and subjects: a
        tenth of the time of reading them as text), in the pieces too (``plain_text`` makes them text)."""
        pieces = -(-rows // BATCH_ROWS)
        names = self._file.schema_arrow.names
        text = [names[p] for p in coded
                if p < len(names) and pa.types.is_string(self._file.schema_arrow.field(p).type)]
        for batch in self._read(pieces * BATCH_ROWS, text):
            count = len(batch.columns[0]) if batch.columns else 0
            yield Batch(batch.first_row, batch.columns, tuple(
                Batch(batch.first_row + start, [column.slice(start, BATCH_ROWS) for column in batch.columns])
                for start in range(0, count, BATCH_ROWS)))

    def _read(self, batch_rows: int, coded: list[str] | None = None) -> Iterator[Batch]:
        import pyarrow.parquet as pq

        row = 2
        rows, size = max(self._file.metadata.num_rows, 1), self.path.stat().st_size
        file = pq.ParquetFile(self.path, read_dictionary=coded) if coded else self._file
        read = file.iter_batches(batch_size=batch_rows)
        for batch in _read_ahead(_whole_batches(read, batch_rows) if coded else read):
            yield Batch(first_row=row, columns=_text_columns(batch, keep_numbers=True, keep_coded=bool(coded)))
            row += batch.num_rows
            if self.progress:
                self.progress(size * (row - 2) // rows)


def _read_ahead(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """The same batches, each next one read (Arrow, outside the GIL) on another thread while this one is counted.
    An error of reading comes where it would have come."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, thread_name_prefix="shnor-parquet") as pool:
        coming = pool.submit(next, batches, None)
        while (batch := coming.result()) is not None:
            coming = pool.submit(next, batches, None)
            yield batch


def _whole_batches(batches: Iterator[pa.RecordBatch], rows: int) -> Iterator[pa.RecordBatch]:
    """Batches read with dictionaries end where a row group ends (each group has its own dictionary): joined again
    into batches of ``rows``, their dictionaries unified (a few thousand values; the codes are only renumbered)."""
    pending: list[pa.RecordBatch] = []
    count = 0
    for batch in batches:
        pending.append(batch)
        count += batch.num_rows
        if count >= rows:
            yield _one_batch(pending)
            pending, count = [], 0
    if pending:
        yield _one_batch(pending)


def _one_batch(batches: list[pa.RecordBatch]) -> pa.RecordBatch:
    if len(batches) == 1:
        return batches[0]
    return pa.Table.from_batches(batches).unify_dictionaries().combine_chunks().to_batches()[0]


def read_small_table(path: Path) -> tuple[Sheet, list[list[str | None]]]:
    """All rows of the first sheet of a small file (registry, history, scales), for row-wise checks."""
    sheet = open_sheets(path)[0]
    rows: list[list[str | None]] = []
    for batch in sheet.batches(0):
        rows.extend(_rows_of(batch.columns))
    return sheet, rows


