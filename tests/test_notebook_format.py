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
