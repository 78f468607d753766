"""Committed full-mode results (results/<slug>.json) must match the notebooks that produced them.

A results file that lacks a claim id the notebook now checks fails (full mode may check extra, full-only claims). One recorded by an older version of
the notebook (its code fingerprint differs) is flagged with a warning, and the pages say so beside the values:
re-run `python tests/full_mode.py <NN>` to refresh it.
"""
import json
import sys
import warnings

import pytest

from conftest import BUILD, NB_DIR, ROOT, article_notebooks

sys.path.insert(0, str(NB_DIR))
import reprocheck  # noqa: E402

RESULTS = sorted((ROOT / "results").glob("*.json"))
SLUG_OF = {nb.stem.split("_", 1)[1].replace("_", "-"): nb for nb in article_notebooks()}


@pytest.mark.parametrize("path", RESULTS, ids=lambda p: p.stem)
def test_results_file_matches_its_notebook(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    for key in ("slug", "mode", "date", "runtime_s", "environment", "claims", "notebook_sha256"):
        assert key in data, f"{path.name}: missing {key!r} (results files are written by the notebooks)"
    assert data["slug"] == path.stem and data["mode"] == "full"
    if path.stem not in SLUG_OF:
        pytest.skip(f"notebook for {path.stem} not selected")
    quick = BUILD / "claims" / f"{path.stem}.quick.json"
    if not quick.exists():
        pytest.skip("run the notebook tests first: they record the current claims")
    current = [c["id"] for c in json.loads(quick.read_text(encoding="utf-8"))["claims"]]
    recorded = [c["id"] for c in data["claims"]]
    missing = [c for c in current if c not in recorded]
    assert not missing, (f"{path.name} lacks claims {missing} that the notebook now checks: re-run its full mode "
                         f"(python tests/full_mode.py {SLUG_OF[path.stem].stem[:2]})")
    # Full mode may check more claims than quick mode (e.g. 05's digits GAN); those stay in the results file.
    if data["notebook_sha256"] != reprocheck.notebook_fingerprint(path.stem):
        warnings.warn(f"{path.name} was recorded on {data['date']} by an older version of "
                      f"{SLUG_OF[path.stem].name}; its values are flagged as stale on the pages")
