#!/usr/bin/env bash
# Build a one-chapter preview of a single notebook with the book's settings, outside _build/, so that several
# people (or several notebooks) can preview at once without touching the main build or its cache.
#   usage: bash tests/preview_one.sh notebooks/NN_<slug>.ipynb     -> /tmp/preview_<stem>/_build/html/
# Its bibliography is book/bib/<slug>.bib when that file exists (merge it into book/references.bib when the
# notebook lands), else book/references.bib.
set -euo pipefail
nb=${1:?usage: bash tests/preview_one.sh notebooks/NN_slug.ipynb}
[ -f "$nb" ] || { echo "no such notebook: $nb" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
stem=$(basename "$nb" .ipynb)
slug=$(echo "${stem#*_}" | tr _ -)
out=/tmp/preview_$stem
mkdir -p "$out"
bib=$root/book/references.bib
[ -f "$root/book/bib/$slug.bib" ] && bib=$root/book/bib/$slug.bib
printf 'format: jb-book\nroot: notebooks/%s\n' "$stem" > "$out/_toc.yml"
sed -e "s#cache: _build/.jupyter_cache#cache: $out/cache#" -e "s#  - book/references.bib#  - $bib#" \
    -e "s#: book/_ext#: $root/book/_ext#" -e "s#\[book/_static\]#[$root/book/_static]#" \
    "$root/_config.yml" > "$out/_config.yml"
cd "$root"
PY=${PYTHON:-$root/.venv/bin/python}
"$(dirname "$PY")/jupyter-book" build . --toc "$out/_toc.yml" --config "$out/_config.yml" --path-output "$out" \
    -W -n --keep-going
echo "preview: $out/_build/html/notebooks/$stem.html"
