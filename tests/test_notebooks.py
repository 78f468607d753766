"""Execute every article notebook in quick mode with papermill, then hand the executed notebook to the
Jupyter Book cache so that the site build re-uses it instead of executing it again.

The notebooks run in parallel, as many at once as the machine has cores (NB_WORKERS overrides), longest first,
except one close to its time budget (SOLO_S), which runs alone first;
each kernel is single-threaded (the notebooks set torch to one thread, and OMP/MKL are pinned to one here). A failure
still names its notebook and the cell that raised.

No parameters are injected (quick mode is each notebook's default); injecting would change the code and so the
cache hash. See ../shared/BUILD-NOTES.md §4 for why the cell metadata is copied back.
"""
import concurrent.futures as cf
import copy
import json
import multiprocessing
import os
import time
import traceback

import nbformat
import pytest
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn

from conftest import CACHE, NB_DIR, PAPERMILL_OUT, article_notebooks

TIMINGS = PAPERMILL_OUT / "timings.json"
# Longest first (quick-mode wall times on the reference machine), so the last notebook to start is a short one.
EXPECTED_S = {"01": 70, "02": 60, "03": 62, "05": 62, "06": 50, "08": 46, "04": 42, "07": 9}   # CPU s, helpers' /usr/bin/time and tests/benchmark.py
SOLO_S = 75


def execute(nb_path, out_path):
    """Run one notebook in a worker process; return (seconds, error text or None)."""
    import papermill as pm

    t0 = time.time()
    try:
        pm.execute_notebook(str(nb_path), str(out_path), kernel_name="python3", cwd=str(NB_DIR),
                            execution_timeout=1800, progress_bar=False, log_output=False)
        return time.time() - t0, None
    except Exception as e:  # PapermillExecutionError names the cell; keep the message for the test report
        return time.time() - t0, f"{type(e).__name__}: {e}"[-6000:] or traceback.format_exc()


@pytest.fixture(scope="session")
def executions():
    nbs = article_notebooks()
    PAPERMILL_OUT.mkdir(parents=True, exist_ok=True)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(var, "1")   # kernels inherit it: one thread each, one kernel per core
    os.environ["REPRO_BATCH"] = "1"   # explorers draw their static figure (reprocheck.explorer)
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"   # transformers' loading bars would be ipywidgets: the site would load widget scripts from a CDN
    workers = int(os.environ.get("NB_WORKERS", os.cpu_count() or 1))
    order = sorted(nbs, key=lambda p: -EXPECTED_S.get(p.stem[:2], 60))
    # A notebook close to the 90 s budget runs alone first: sharing the machine (memory bandwidth, the other kernel)
    # slows a notebook by 10-20 %, and its recorded time should be its own.
    solo = [nb for nb in order if EXPECTED_S.get(nb.stem[:2], 60) >= SOLO_S]
    rest = [nb for nb in order if nb not in solo]
    results, t0 = {}, time.time()
    for batch, n in ((solo, 1), (rest, workers)):
        if not batch:
            continue
        with cf.ProcessPoolExecutor(max_workers=max(1, min(n, len(batch))),
                                    mp_context=multiprocessing.get_context("spawn")) as pool:
            futures = {pool.submit(execute, nb, PAPERMILL_OUT / nb.name): nb for nb in batch}
            for f in cf.as_completed(futures):
                nb = futures[f]
                results[nb.stem] = f.result()
                print(f"{nb.name}: {results[nb.stem][0]:.1f} s{' (FAILED)' if results[nb.stem][1] else ''}")
    print(f"{len(nbs)} notebooks in {time.time() - t0:.1f} s with {workers} worker(s)")
    return results


@pytest.mark.parametrize("nb_path", article_notebooks(), ids=lambda p: p.stem)
def test_notebook_executes_and_claims_hold(nb_path, executions):
    wall, error = executions[nb_path.stem]
    # A failing cell (a check with an unexpected verdict raises AssertionError in claims.report()) is reported here.
    assert error is None, f"{nb_path.name} failed:\n{error}"
    out = PAPERMILL_OUT / nb_path.name
    src = nbformat.read(nb_path, as_version=4)
    exe = nbformat.read(out, as_version=4)
    errors = [o for c in exe.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors, f"{nb_path.name} produced error outputs"

    # Hand the executed notebook to the book's cache (undo papermill's per-cell metadata first).
    for cs, ce in zip(src.cells, exe.cells):
        ce.metadata = copy.deepcopy(cs.metadata)
    secs = exe.metadata.get("papermill", {}).get("duration") or wall
    exe.metadata.pop("papermill", None)
    cache = get_cache(str(CACHE))
    assert cache.create_hashed_notebook(src)[1] == cache.create_hashed_notebook(exe)[1], \
        "executed notebook no longer hashes like its source: the build would execute it again"
    cache.cache_notebook_bundle(CacheBundleIn(exe, str(nb_path), data={"execution_seconds": secs}),
                                check_validity=False, overwrite=True)

    timings = json.loads(TIMINGS.read_text()) if TIMINGS.exists() else {}
    timings[nb_path.stem] = round(secs, 1)
    TIMINGS.write_text(json.dumps(timings, indent=1, sort_keys=True))
