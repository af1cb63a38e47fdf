"""The Word documents as Word and LibreOffice will show them: Russian (spelling and hyphenation), heading styles, page
numbers, header rows repeated and rows kept whole, pictures never larger than the text area; each converts to PDF in
LibreOffice (skipped where it is not installed) with a stable number of appendix pages. The real Забайкальский table
(380 schools; skipped where ../shared is absent) gets its pictures checked too."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn

from shnor.render import DOCUMENTS
from shnor.render.settings import load_document_settings
from shnor.report.build import IdentifyRequest, identify
from tests.conftest import EXAMPLES, ROOT

WORD = ["appendix.docx", "note.docx", "cards.docx", "mentors.docx"]
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
REAL = ROOT.parent / "shared" / "data" / "real" / "zabaykalsky_ege_by_school_2022-2024.xlsx"
APPENDIX_PAGES = 2  # the example region's two lists, each on its own page


@pytest.fixture(scope="module")
def word(tmp_path_factory) -> dict[str, Path]:
    report = identify(IdentifyRequest(
        inputs=[EXAMPLES / "region"], registry=EXAMPLES / "registry.csv", history=[EXAMPLES / "history_2024.csv"],
        scales=EXAMPLES / "scales.csv", context=EXAMPLES / "context.csv", today=date(2026, 1, 15),
    ))
    folder = tmp_path_factory.mktemp("word")
    settings = load_document_settings(EXAMPLES / "document.yaml")
    return {name: DOCUMENTS[name](report, folder, None, settings)[0] for name in WORD}


def part(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name).decode("utf-8")


@pytest.mark.parametrize("name", WORD)
def test_russian_language_and_hyphenation(word, name):
    styles = part(word[name], "word/styles.xml")
    assert re.findall(r'<w:lang w:val="([^"]+)"', styles) == ["ru-RU"]  # the document default, nothing else
    assert "en-US" not in styles
    assert "<w:autoHyphenation/>" in part(word[name], "word/settings.xml")
    assert Document(str(word[name])).core_properties.language == "ru-RU"


def test_note_headings_are_heading_styles_kept_with_what_follows(word):
    document = Document(str(word["note.docx"]))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["1. Использованные данные", "2. Методика", "3. Результаты по муниципалитетам", "4. Выводы",
                        "5. Рекомендации"]
    assert all(document.styles[f"Heading {n}"].paragraph_format.keep_with_next for n in (1, 2, 3))
    assert document.styles["Heading 1"].font.color.rgb == (0, 0, 0)


@pytest.mark.parametrize("name", WORD)
def test_page_numbers_at_the_top_from_the_second_page(word, name):
    section = Document(str(word[name])).sections[0]
    assert section.different_first_page_header_footer
    assert "PAGE" in "".join(section.header._element.itertext())


@pytest.mark.parametrize("name", WORD)
def test_tables_repeat_their_header_and_keep_rows_whole(word, name):
    tables = Document(str(word[name])).tables
    assert tables
    for table in tables:
        rows = table.rows
        assert rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
        assert all(row._tr.trPr is not None and row._tr.trPr.find(qn("w:cantSplit")) is not None for row in rows)


def pictures_fit(path: Path) -> list[tuple[float, float]]:
    """Each picture's size in mm, having checked it against the text area of its section."""
    document = Document(str(path))
    section = document.sections[0]
    width = section.page_width - section.left_margin - section.right_margin
    height = section.page_height - section.top_margin - section.bottom_margin
    sizes = []
    for shape in document.inline_shapes:
        assert shape.width <= width and shape.height <= height, "a picture larger than the text area"
        sizes.append((shape.width / 36000, shape.height / 36000))
    return sizes


def test_note_pictures_fit_the_page(word):
    assert len(pictures_fit(word["note.docx"])) == 3


@pytest.mark.skipif(not REAL.is_file(), reason="../shared/data/real is not beside the project")
def test_real_table_note_fits_its_pictures(tmp_path):
    report = identify(IdentifyRequest(inputs=[REAL], today=date(2026, 1, 15)))
    (note,) = DOCUMENTS["note.docx"](report, tmp_path, None, None)
    sizes = pictures_fit(note)
    assert len(sizes) == 2  # municipalities and the scatter: no objectivity from school-level tables
    assert max(height for _, height in sizes) > 150, "36 municipalities: a tall chart, yet within the page"
    text = "\n".join(p.text for p in Document(str(note)).paragraphs).replace("\u00a0", " ")
    assert "доля не преодолевших минимальный порог" in text and "доля «2»" not in text
    assert "от 80 до 100 баллов (в таблицах результатов нет границы 81 балла, использована граница 80 баллов)" in text


@pytest.fixture(scope="module")
def pdfs(word, tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pdf")
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{folder}/profile", "--convert-to", "pdf",
                    "--outdir", str(folder), *map(str, word.values())], capture_output=True, timeout=300, check=True)
    return {name: folder / (path.stem + ".pdf") for name, path in word.items()}


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, flags=re.MULTILINE).group(1))


@pytest.mark.skipif(SOFFICE is None or shutil.which("pdfinfo") is None,
                    reason="LibreOffice or poppler is not installed")
def test_libreoffice_converts_every_document(pdfs):
    for name, pdf in pdfs.items():
        assert pdf.is_file() and pages(pdf) >= 1, name
    assert pages(pdfs["appendix.docx"]) == APPENDIX_PAGES
    assert pages(pdfs["cards.docx"]) >= 14  # a card per listed school, each from a new page


@pytest.mark.skipif(SOFFICE is None or shutil.which("pdfimages") is None,
                    reason="LibreOffice or poppler is not installed")
def test_no_picture_in_the_pdf_is_larger_than_its_page(pdfs):
    info = subprocess.run(["pdfinfo", str(pdfs["note.docx"])], capture_output=True, text=True, check=True).stdout
    page_w, page_h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    listing = subprocess.run(["pdfimages", "-list", str(pdfs["note.docx"])], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    listing = [line for line in listing if line.split()[2] == "image"]  # not their transparency masks
    assert len(listing) == 3
    for line in listing:
        fields = line.split()
        width, height, x_ppi, y_ppi = int(fields[3]), int(fields[4]), float(fields[12]), float(fields[13])
        assert width / x_ppi * 72 <= page_w and height / y_ppi * 72 <= page_h
