#!/bin/sh
# PNG copies of an experiment's SVG figures, for the README (CI makes none). Needs rsvg-convert
# (Debian: apt-get install -y librsvg2-bin). Usage: scripts/svg-to-png.sh results/latent [zoom]
set -eu
dir=${1:?usage: scripts/svg-to-png.sh DIR [zoom]}
zoom=${2:-1.5}
command -v rsvg-convert >/dev/null || { echo "svg-to-png: rsvg-convert not found (apt-get install -y librsvg2-bin)" >&2; exit 1; }
for svg in "$dir"/*.svg; do
  [ -e "$svg" ] || { echo "svg-to-png: no SVG in $dir" >&2; exit 1; }
  png="${svg%.svg}.png"
  # a white background: the SVGs are transparent, and README viewers may be dark
  rsvg-convert --zoom "$zoom" --background-color white -o "$png" "$svg"
  echo "$png"
done
