"""Mutation tests: a plausible bug planted in a notebook must make one of its checks fail.

A check that passes whatever the implementation does is no evidence; these tests plant the bugs a reviewer found
passing earlier versions and require the notebook to fail, naming the check that caught the bug.
"""
import json
import shutil

import papermill as pm
import pytest

from conftest import NB_DIR, ROOT, article_notebooks

MUTANTS = {
    # chapter 07: the sample variance (n - 1) instead of the population variance in the expansions of the means
    "07_benchmark_means": [
        ("    return mu, x.var(axis=1)            # population variance, as in eq. (bm-second-order)",
         "    return mu, x.var(axis=1, ddof=1)",
         "def third_order_residual(tset, ddof=0):", "def third_order_residual(tset, ddof=1):", "third-order"),
    ],
}


def mutant_copy(tmp_path, stem, edits):
    """The notebook with the edits, next to a copy of reprocheck.py and the data, in a private tree."""
    nb = json.loads((NB_DIR / f"{stem}.ipynb").read_text(encoding="utf-8"))
    text = json.dumps(nb, ensure_ascii=False)
    for old, new in zip(edits[::2], edits[1::2]):
        old_j, new_j = json.dumps(old, ensure_ascii=False)[1:-1], json.dumps(new, ensure_ascii=False)[1:-1]
        assert old_j in text, f"the mutation target {old!r} is no longer in {stem}: update the mutant"
        text = text.replace(old_j, new_j)
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / f"{stem}.ipynb").write_text(text, encoding="utf-8")
    shutil.copy(NB_DIR / "reprocheck.py", tmp_path / "notebooks")
    shutil.copytree(ROOT / "data", tmp_path / "data")
    return tmp_path / "notebooks" / f"{stem}.ipynb"


@pytest.mark.parametrize("stem, mutant", [(s, m) for s, ms in MUTANTS.items() for m in ms],
                         ids=lambda x: x if isinstance(x, str) else x[-1])
def test_planted_bug_is_caught(tmp_path, stem, mutant):
    if NB_DIR / f"{stem}.ipynb" not in article_notebooks():
        pytest.skip(f"{stem} not selected")
    *edits, catcher = mutant
    nb = mutant_copy(tmp_path, stem, edits)
    with pytest.raises(pm.PapermillExecutionError) as err:
        pm.execute_notebook(str(nb), str(tmp_path / "out.ipynb"), kernel_name="python3", cwd=str(nb.parent),
                            progress_bar=False, execution_timeout=600)
    assert "claims failed" in str(err.value) and catcher in str(err.value), str(err.value)[-2000:]
