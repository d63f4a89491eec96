#!/bin/sh
# PNG copies of the experiments' SVG figures, for the README (CI makes none). Needs rsvg-convert
# (Debian: apt-get install -y librsvg2-bin). Usage: scripts/svg-to-png.sh DIR… (default: every results/ folder)
set -eu
command -v rsvg-convert >/dev/null 2>&1 || { echo "svg-to-png: rsvg-convert not found (apt-get install -y librsvg2-bin)" >&2; exit 1; }
[ "$#" -gt 0 ] || set -- results/*/
zoom=${SVG_TO_PNG_ZOOM:-1.5}
for dir in "$@"; do
  for svg in "${dir%/}"/*.svg; do
    [ -e "$svg" ] || continue
    # a white background: the SVGs are transparent, and README viewers may be dark
    rsvg-convert --zoom "$zoom" --background-color white -o "${svg%.svg}.png" "$svg"
    # palette-quantised where pngquant is installed (apt-get install -y pngquant): the README's figures
    # ship in the npm package, so a third of the bytes matters; the charts look the same
    if command -v pngquant >/dev/null 2>&1; then
      pngquant --quality 70-95 --speed 1 --force --skip-if-larger --output "${svg%.svg}.png" "${svg%.svg}.png" || [ $? -ge 98 ]  # 98, 99: kept the original (larger or below quality)
    fi
    echo "wrote ${svg%.svg}.png"
  done
done
