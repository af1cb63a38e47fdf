#!/usr/bin/env bash
# Render the example region (README's first command, with its document settings) or the folder of inputs given,
# and look at the documents as a person would: every HTML document in headless Chromium (a PNG screenshot), the Word
# files converted to PDF by LibreOffice and every page to PNG.
# Needs Debian's chromium, libreoffice-writer-nogui and poppler-utils (and hyphen-ru for Russian hyphenation in
# LibreOffice): apt-get install them first.
# Usage: tools/screenshot_note.sh [OUT_DIR] [shnor identify arguments instead of the example region's]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-/tmp/shnor-look}
shift || true
rm -rf "$out" && mkdir -p "$out" && out=$(realpath "$out")
if [ "$#" -eq 0 ]; then
  set -- examples/region --registry examples/registry.csv --history examples/history_2024.csv \
    --scales examples/scales.csv --context examples/context.csv --document examples/document.yaml
fi
.venv/bin/shnor identify "$@" --out "$out/docs" --date 2026-01-15 --quiet
for html in "$out"/docs/*.html; do
  name=$(basename "$html" .html)
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$out/profile" --window-size=1100,2600 \
    --screenshot="$out/$name.png" "file://$html" 2>/dev/null
done
soffice --headless -env:UserInstallation="file://$out/lo-profile" --convert-to pdf --outdir "$out/pdf" \
  "$out"/docs/*.docx >/dev/null 2>&1
for pdf in "$out"/pdf/*.pdf; do
  echo "$(basename "$pdf"): $(pdfinfo "$pdf" | awk '/^Pages/ {print $2}') стр."
  pdftoppm -png -r 60 "$pdf" "${pdf%.pdf}"
done
echo "Скриншоты HTML: $out/*.png; страницы PDF: $out/pdf/*.png"
