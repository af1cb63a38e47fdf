#!/usr/bin/env bash
# Render the example region and look at the documents as a person would: the HTML note in headless Chromium
# (a PNG screenshot), the Word files converted to PDF by LibreOffice and their first pages to PNG.
# Needs Debian's chromium, libreoffice-writer-nogui and poppler-utils (apt-get install them first).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/shnor-look}
rm -rf "$out" && mkdir -p "$out" && out=$(realpath "$out")
.venv/bin/shnor identify examples/region --registry examples/registry.csv --history examples/history_2024.csv \
  --scales examples/scales.csv --out "$out/docs" --date 2026-01-15 --quiet
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$out/profile" --window-size=1100,2600 \
  --screenshot="$out/note.png" "file://$out/docs/Аналитическая справка.html" 2>/dev/null
soffice --headless --convert-to pdf --outdir "$out/pdf" "$out"/docs/*.docx >/dev/null 2>&1
for pdf in "$out"/pdf/*.pdf; do
  echo "$(basename "$pdf"): $(pdfinfo "$pdf" | awk '/^Pages/ {print $2}') стр."
  pdftoppm -png -r 60 -f 1 -l 1 "$pdf" "${pdf%.pdf}"
done
echo "Скриншот справки: $out/note.png; страницы PDF: $out/pdf/*.png"
