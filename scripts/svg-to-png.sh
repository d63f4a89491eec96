#!/bin/sh
# PNG copies of experiment figures for the README (CI makes none): every SVG named, or every SVG under
# the directories named, gets a PNG beside it. Needs rsvg-convert (Debian: apt-get install librsvg2-bin).
# Usage: scripts/svg-to-png.sh results/cnf [more dirs or .svg files]
set -eu
command -v rsvg-convert >/dev/null || { echo "svg-to-png: rsvg-convert not found (apt-get install -y librsvg2-bin)" >&2; exit 1; }
[ "$#" -gt 0 ] || { echo "usage: $0 DIR|FILE.svg ..." >&2; exit 2; }
for arg in "$@"; do
  if [ -d "$arg" ]; then files=$(find "$arg" -maxdepth 1 -name '*.svg' | sort); else files="$arg"; fi
  for svg in $files; do
    png="${svg%.svg}.png"
    # a white background: the SVGs are transparent, and a README may be shown on a dark page
    rsvg-convert --zoom 1.5 --background-color white -o "$png" "$svg"
    echo "$png"
  done
done
