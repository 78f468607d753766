"""Execute every article notebook in quick mode with papermill, then hand the executed notebook to the
Jupyter Book cache so that the site build re-uses it instead of executing it again.

No parameters are injected (quick mode is each notebook's default); injecting would change the code and so the
cache hash. See ../shared/BUILD-NOTES.md §4 for why the cell metadata is copied back.
"""
import copy
import json
import time

import nbformat
import papermill as pm
import pytest
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn

from conftest import CACHE, NB_DIR, PAPERMILL_OUT, article_notebooks

TIMINGS = PAPERMILL_OUT / "timings.json"


@pytest.mark.parametrize("nb_path", article_notebooks(), ids=lambda p: p.stem)
def test_notebook_executes_and_claims_hold(nb_path):
    PAPERMILL_OUT.mkdir(parents=True, exist_ok=True)
    out = PAPERMILL_OUT / nb_path.name
    src = nbformat.read(nb_path, as_version=4)
    t0 = time.time()
    # A failing cell (a failed claim raises AssertionError in claims.report()) raises PapermillExecutionError.
    pm.execute_notebook(str(nb_path), str(out), kernel_name="python3", cwd=str(NB_DIR),
                        execution_timeout=1800, progress_bar=False, log_output=False)
    wall = time.time() - t0
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
    print(f"{nb_path.name}: {secs:.1f} s")
