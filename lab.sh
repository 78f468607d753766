#!/usr/bin/env bash
# Open the book's notebooks in JupyterLab, from the project's environment (.venv, see the README), with the
# project's JupyterLab settings (.jupyter-settings/overrides.json: no news or update pop-ups, every cell rendered).
# MyST markup (admonitions, roles, labels, equation references) renders through the pinned jupyterlab-myst.
#   ./lab.sh                                  # the notebooks folder
#   ./lab.sh notebooks/03_can.ipynb           # one chapter
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/jupyter ]; then
  echo "No project environment: run  python3 -m venv .venv && .venv/bin/pip install -r requirements.txt" >&2
  exit 1
fi
exec .venv/bin/jupyter lab --LabApp.app_settings_dir="$PWD/.jupyter-settings" "${@:-notebooks}"
