#!/bin/sh
# PNG copies of the experiments' SVG figures, for the README (CI makes none). Needs rsvg-convert
# (Debian: apt-get install -y librsvg2-bin). Usage: scripts/svg-to-png.sh [dir …] (default results/mnist results/toy).
set -eu
command -v rsvg-convert >/dev/null 2>&1 || { echo "svg-to-png: rsvg-convert not found (apt-get install -y librsvg2-bin)" >&2; exit 1; }
[ "$#" -gt 0 ] || set -- results/mnist results/toy
for dir in "$@"; do
  for svg in "$dir"/*.svg; do
    [ -e "$svg" ] || continue
    # white background: the SVGs are transparent, which most README viewers show dark in dark mode
    rsvg-convert --zoom 1.5 --background-color white -o "${svg%.svg}.png" "$svg"
    echo "wrote ${svg%.svg}.png"
  done
done
