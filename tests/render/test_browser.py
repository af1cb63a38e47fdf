"""The HTML note opens in a real browser with its charts (headless Chromium; skipped where it is not installed)."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pytest

from shnor.render import DOCUMENTS
from shnor.report.build import IdentifyRequest, identify
from tests.conftest import EXAMPLES

CHROMIUM = shutil.which("chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
def test_note_opens_in_chromium_with_its_charts(tmp_path):
    report = identify(IdentifyRequest(inputs=[EXAMPLES / "region"], scales=EXAMPLES / "scales.csv",
                                      today=date(2026, 1, 15)))
    (note,) = DOCUMENTS["note.html"](report, tmp_path, None)
    common = [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    # the DOM after the page has loaded: every chart is an <img> whose data decoded into a picture
    script = tmp_path / "check.html"
    script.write_text(
        note.read_text(encoding="utf-8").replace(
            "</body>",
            "<script>window.onload=()=>{document.body.dataset.loaded=[...document.images]"
            ".filter(i=>i.complete&&i.naturalWidth>300).length}</script></body>",
        ),
        encoding="utf-8",
    )
    dom = subprocess.run([*common, "--virtual-time-budget=5000", "--dump-dom", script.as_uri()],
                         capture_output=True, text=True, timeout=120, check=False).stdout
    assert re.search(r'data-loaded="3"', dom), "three charts decoded in the browser"
    shot = tmp_path / "note.png"
    subprocess.run([*common, "--window-size=1100,2600", f"--screenshot={shot}", note.as_uri()],
                   capture_output=True, timeout=120, check=True)
    assert shot.stat().st_size > 50_000
