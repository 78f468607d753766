"""Committed full-mode results (results/<slug>.json) and the claims ledgers the notebook runs wrote
(_build/claims/<slug>.json): no committed full-mode verdict may disappear from a page.

- every claim id in a results file is declared in the notebook's ledger (or retired with a reason);
- every such claim shows its full-mode value beside the quick one, and where the two verdicts disagree (for the same
  check) the full verdict is the one shown;
- a results file recorded by an older version of the notebook (its code fingerprint differs) is flagged with a
  warning, and the pages say so beside the values: re-run `python tests/full_mode.py <NN>` to refresh it.
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


def ledger(slug):
    path = BUILD / "claims" / f"{slug}.json"
    if not path.exists():
        pytest.skip("run the notebook tests first: they write the ledgers")
    data = json.loads(path.read_text(encoding="utf-8"))
    if data["mode"] != "quick":
        pytest.skip(f"{path} was written by a full-mode run")
    return data


@pytest.mark.parametrize("path", RESULTS, ids=lambda p: p.stem)
def test_results_file_is_shown_by_its_notebook(path):
    data = json.loads(path.read_text(encoding="utf-8"))
    for key in ("slug", "mode", "date", "runtime_s", "environment", "claims", "notebook_sha256"):
        assert key in data, f"{path.name}: missing {key!r} (results files are written by the notebooks)"
    assert data["slug"] == path.stem and data["mode"] == "full"
    if path.stem not in SLUG_OF:
        pytest.skip(f"notebook for {path.stem} not selected")
    led = ledger(path.stem)
    rows = {r["id"]: r for r in led["claims"]}
    recorded = {c["id"]: c for c in data["claims"]}
    hidden = [c for c in recorded if c not in rows and c not in led.get("retired", {})]
    assert not hidden, (f"{path.name} holds full-mode verdicts for {hidden}, which the notebook's ledger neither "
                        f"declares nor retires: the page would hide them")
    for cid, fr in recorded.items():
        if cid not in rows:
            continue
        r = rows[cid]
        assert r["full"] is not None and "full" in r["measured"], f"{cid}: the full-mode value is not shown"
        fv = reprocheck.Claims._full_verdict(fr)
        if r["verdict_run"] is None:       # full-only (or untested in quick mode): the full verdict is the verdict
            assert r["verdict"] == fv, f"{cid}: full-only claim shows {r['verdict']}, the full run gave {fv}"
        elif r["full"]["comparable"] and fv != r["verdict_run"]:
            assert r["verdict"] == fv, f"{cid}: quick and full disagree and the page does not show the full verdict"
    if not reprocheck.fingerprint_matches(path.stem, data["notebook_sha256"]):
        warnings.warn(f"{path.name} was recorded on {data['date']} by an older version of "
                      f"{SLUG_OF[path.stem].name}; its values are flagged on the pages")


@pytest.mark.parametrize("nb", article_notebooks(), ids=lambda p: p.stem)
def test_ledger_is_complete(nb):
    slug = nb.stem.split("_", 1)[1].replace("_", "-")
    led = ledger(slug)
    art = [r for r in led["claims"] if r["kind"] == "article"]
    assert art, "the ledger has no article claim"
    for r in art:
        assert r["zh"] and r["en"] and r["section"], f"{r['id']}: article rows quote the article and say where"
        assert r["verdict_run"] is not None or r["untested"] or r["full_only"], \
            f"{r['id']}: an article row needs a check or an untested reason"
        if r["verdict_run"] is not None:
            assert r["why"], f"{r['id']}: an article row's check says why its threshold tests the claim"
    counts = {v: sum(r["verdict"] == v for r in art) for v in reprocheck.VERDICTS}
    assert counts == led["counts"], "the badge counts differ from the ledger"
    assert any(r.get("central") for r in art), "mark the article's central claims (central=True)"
