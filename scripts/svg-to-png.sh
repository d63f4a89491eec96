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
    echo "wrote ${svg%.svg}.png"
  done
done
