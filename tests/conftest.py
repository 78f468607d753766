"""Shared paths and helpers for the test suite."""
import os
import pathlib
import re

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
BUILD = ROOT / "_build"
HTML = BUILD / "html"
PAPERMILL_OUT = BUILD / "papermill"
CACHE = ROOT / "_build" / ".jupyter_cache"   # must equal execute.cache in _config.yml

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def toc_files():
    """Every file the table of contents lists, in order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    out = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                out.append(node["file"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(toc.get("parts", toc.get("chapters", [])))
    return out


def article_notebooks():
    """notebooks/NN_<slug>.ipynb; set NOTEBOOKS=07,08 (numbers or stems) to test only some of them."""
    nbs = sorted(p for p in NB_DIR.glob("*.ipynb") if re.match(r"\d\d_", p.name))
    only = [x.strip() for x in os.environ.get("NOTEBOOKS", "").split(",") if x.strip()]
    if only:
        nbs = [p for p in nbs if any(p.stem == o or p.stem.startswith(o + "_") for o in only)]
    return nbs


@pytest.fixture(scope="session")
def notebooks():
    return article_notebooks()
