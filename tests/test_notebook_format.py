"""House rules for committed notebooks: cheap checks that run before anything is executed."""
import json
import re

import nbformat
import pytest

from conftest import ROOT, article_notebooks, toc_files

NOTEBOOKS = article_notebooks()
SLUGS = {"01": "nsp_bert", "02": "nonsquare_init", "03": "can", "04": "bert_init_std", "05": "wgan_gn",
         "06": "childtuning", "07": "benchmark_means", "08": "vae_density"}


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks/NN_<slug>.ipynb found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
class TestNotebookFormat:
    def test_name_matches_article_number(self, path):
        num, rest = path.stem.split("_", 1)
        assert SLUGS.get(num) == rest, f"{path.name}: expected {num}_{SLUGS.get(num)}.ipynb (publication order)"

    def test_valid_and_python3_kernel(self, path):
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        assert nb.metadata.get("kernelspec", {}).get("name") == "python3", \
            f"{path.name}: kernelspec must be 'python3' (papermill and the book use it)"

    def test_no_outputs_committed(self, path):
        nb = json.loads(path.read_text(encoding="utf-8"))
        dirty = [i for i, c in enumerate(nb["cells"])
                 if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]
        assert not dirty, f"{path.name}: cells {dirty} have outputs; run `jupyter nbconvert --clear-output --inplace`"

    def test_parameters_cell(self, path):
        nb = nbformat.read(path, as_version=4)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, f"{path.name}: needs exactly one cell tagged 'parameters', found {len(tagged)}"
        src = tagged[0].source
        for name, default in (("QUICK", "True"), ("SEED", None)):
            m = re.search(rf"^{name}\s*=\s*(\S+)", src, re.M)
            assert m, f"{path.name}: the parameters cell must define {name}"
            if default:
                assert m.group(1) == default, f"{path.name}: {name} must default to {default} (quick mode is tested)"

    def test_template_parts(self, path):
        nb = nbformat.read(path, as_version=4)
        md = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# "), "title first"
        assert "kexue.fm/archives/" in md, "link to the original article"
        assert "{glue:md}`badge:myst`" in md, "the reproduction badge under the title"
        assert re.search(r"^#+ .*Reproduction check", md, re.M), "a 'Reproduction check' section"
        assert "claims.report(" in code, "the claims table is reported and asserted"
        assert ":filter: docname in docnames" in md, "a References section with the page's bibliography"

    def test_in_table_of_contents(self, path):
        assert f"notebooks/{path.stem}" in toc_files(), f"{path.name} is not in _toc.yml"


# third-party modules a chapter may import without naming them in its stand-alone check (they come with Jupyter,
# with the book's build, or with a named package)
_IMPLIED = {"myst_nb", "IPython", "threadpoolctl", "safetensors", "reprocheck", "ipywidgets", "ipykernel"}


def _imported_modules(nb):
    import ast
    import sys

    mods = set()
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        for n in ast.walk(ast.parse(c.source)):
            if isinstance(n, ast.Import):
                mods |= {a.name.split(".")[0] for a in n.names}
            elif isinstance(n, ast.ImportFrom) and n.module and n.level == 0:
                mods.add(n.module.split(".")[0])
    return {m for m in mods if m not in sys.stdlib_module_names and m not in _IMPLIED}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_standalone_check_comes_first_and_names_every_package(path):
    """A notebook opened on its own (downloaded, Colab) must stop in its first cell with a message naming what is
    missing: the check is the start of the first code cell after `parameters`, and it knows every package the
    notebook imports."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]
    first = code[0].source
    head, sep, _ = first.partition("# --- end of the stand-alone check ---")
    assert sep and head.lstrip().startswith("# Opened on its own"), \
        f"{path.name}: the first code cell after `parameters` must start with the stand-alone check"
    assert 'find_spec("reprocheck")' in head and "requirements.txt" in head
    named = set(re.findall(r'"([A-Za-z0-9_]+)": "', head))
    missing = _imported_modules(nb) - named
    assert not missing, f"{path.name}: the stand-alone check does not name {sorted(missing)} (add module: pip name)"
