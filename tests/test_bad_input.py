"""Bad input gets a clear error: an unsupported parameter value stops a notebook at its parameters, and a
malformed data file names the file and the problem."""
import os
import shutil

import papermill as pm
import pytest

from conftest import NB_DIR, ROOT, article_notebooks


def run(nb, tmp_path, **params):
    return pm.execute_notebook(str(nb), str(tmp_path / nb.name), parameters=params, kernel_name="python3",
                               cwd=str(NB_DIR), progress_bar=False, execution_timeout=600)


@pytest.fixture(scope="module")
def bad_quick_runs(tmp_path_factory):
    """Every notebook started with QUICK="sometimes", as many at once as there are cores (each stops in its first
    cells, so the kernels' start-up is the cost): notebook -> the exception it raised, or None."""
    from concurrent.futures import ThreadPoolExecutor

    out = tmp_path_factory.mktemp("bad-quick")

    def one(nb):
        try:
            run(nb, out, QUICK="sometimes")
        except Exception as e:       # the expected outcome
            return e
        return None

    nbs = article_notebooks()
    with ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1)) as pool:
        return dict(zip(nbs, pool.map(one, nbs)))


@pytest.mark.parametrize("nb", article_notebooks(), ids=lambda p: p.stem)
def test_unsupported_quick_value_is_named(nb, bad_quick_runs):
    err = bad_quick_runs[nb]
    assert isinstance(err, pm.PapermillExecutionError), f"{nb.name} ran with QUICK='sometimes' ({err!r})"
    assert "QUICK" in str(err) and "ValueError" in str(err)


def benchmark_means_data_copy(tmp_path):
    """A private copy of the leaderboard CSVs to break; skips when 07 is not among the selected notebooks."""
    if NB_DIR / "07_benchmark_means.ipynb" not in article_notebooks():
        pytest.skip("07 not selected")
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data" / "benchmark-means", data)
    return data


@pytest.mark.parametrize("corrupt, expected", [
    (None, "is missing"),
    ("team,model\nx,y\n", "missing column"),
    ("garbage", "missing column"),
])
def test_benchmark_means_data_errors(tmp_path, corrupt, expected):
    data = benchmark_means_data_copy(tmp_path)
    target = data / "glue_leaderboard_2022-02.csv"
    if corrupt is None:
        target.unlink()
    else:
        target.write_text(corrupt)
    with pytest.raises(pm.PapermillExecutionError) as err:
        run(NB_DIR / "07_benchmark_means.ipynb", tmp_path, DATA_DIR=str(data))
    assert "glue_leaderboard_2022-02.csv" in str(err.value) and expected in str(err.value)


def test_benchmark_means_non_numeric_score(tmp_path):
    data = benchmark_means_data_copy(tmp_path)
    target = data / "superglue_leaderboard_2022-02.csv"
    target.write_text(target.read_text().replace(",92.3,", ",ninety,", 1))
    with pytest.raises(pm.PapermillExecutionError) as err:
        run(NB_DIR / "07_benchmark_means.ipynb", tmp_path, DATA_DIR=str(data))
    assert "non-numeric" in str(err.value) and "BoolQ" in str(err.value)


def test_notebook_opened_alone_names_what_is_missing(tmp_path):
    """Downloaded on its own, a chapter stops in its first code cell and says what to get and how."""
    nb = NB_DIR / "07_benchmark_means.ipynb"
    if nb not in article_notebooks():
        pytest.skip("07 not selected")
    alone = tmp_path / nb.name
    shutil.copy(nb, alone)
    with pytest.raises(pm.PapermillExecutionError) as err:
        pm.execute_notebook(str(alone), str(tmp_path / "out.ipynb"), kernel_name="python3", cwd=str(tmp_path),
                            progress_bar=False, execution_timeout=120)
    msg = str(err.value)
    assert "ModuleNotFoundError" in msg and "reprocheck.py" in msg and "pip install -r requirements.txt" in msg
    assert "import math" not in err.value.source.split("# --- end of the stand-alone check ---")[0]
    assert err.value.exec_count == 2, "it should stop in the first code cell after the parameters"
