"""The claims ledger itself (notebooks/reprocheck.py): kinds, verdicts, the full-mode merge and the statistics."""
import json
import math
import sys

import numpy as np
import pytest
from scipy import stats

from conftest import NB_DIR

sys.path.insert(0, str(NB_DIR))
import reprocheck  # noqa: E402


def make(tmp_path, quick=True):
    return reprocheck.Claims("unit-test", quick=quick, seed=0, results_dir=tmp_path, claims_dir=tmp_path / "claims")


def art(c, cid, **kw):
    c.article(cid, zh="原文", en=f"claim {cid}", section="§1", **kw)


def test_verdicts_and_badge_count_article_rows_only(tmp_path):
    c = make(tmp_path)
    art(c, "a", central=True)
    art(c, "b", untested="needs weights no package ships")
    art(c, "gap")
    art(c, "reg")
    c.support("s", "an identity")
    c.beyond("x", "our finding")
    c.close("a", 1.01, 1.0, atol=0.02, why="rounding")
    c.less("gap", 0.5, 0.1, why="w", known_gap="too small a model")
    c.regimes("reg", {"small": True, "large": False}, "1/2", "each setting", why="w", expect="regime-dependent")
    c.less("s", 0.0, 1e-9)
    c.greater("x", 2, 1)
    c.report()
    counts = c.counts()
    assert counts == {"reproduced": 1, "not reproduced": 1, "regime-dependent": 1, "untested": 1}
    assert c.badge_text() == "Article claims: 1 reproduced · 1 not reproduced · 1 regime-dependent · 1 untested"
    rec = json.loads((tmp_path / "claims" / "unit-test.json").read_text())
    assert rec["counts"] == counts and [r["kind"] for r in rec["claims"]] == ["article"] * 4 + ["support", "beyond"]
    reg = next(r for r in rec["claims"] if r["id"] == "reg")
    assert "holds in: small" in reg["where"] and "fails in: large" in reg["where"]
    html = c.ledger_html()
    assert html.index("claim a") < html.index("our finding") < html.index("an identity")   # article rows first


def test_article_row_without_check_or_reason_fails(tmp_path):
    c = make(tmp_path)
    art(c, "a")
    art(c, "b")
    c.greater("a", 2, 1, why="w")
    with pytest.raises(AssertionError, match="neither a check nor an untested reason"):
        c.report()


def test_ledger_declarations_are_enforced(tmp_path):
    c = make(tmp_path)
    with pytest.raises(ValueError, match="give zh"):
        c.article("a", zh="", en="x", section="§1")
    art(c, "a")
    with pytest.raises(ValueError, match="used twice"):
        art(c, "a")
    with pytest.raises(ValueError, match="not declared"):
        c.greater("undeclared", 2, 1, why="w")
    with pytest.raises(ValueError, match="give why="):
        c.greater("a", 2, 1)
    art(c, "u", untested="no data")
    with pytest.raises(ValueError, match="declared untested"):
        c.greater("u", 2, 1, why="w")
    c.support("s", "identity")
    with pytest.raises(ValueError, match="must pass"):
        c.less("s", 1, 0, known_gap="x")


def test_unexpected_verdicts_fail_both_ways(tmp_path):
    c = make(tmp_path)
    art(c, "a")
    art(c, "b")
    c.support("s", "identity")
    c.greater("a", 0, 1, why="w")                       # expected to reproduce, did not
    c.greater("b", 2, 1, why="w", known_gap="expected gap")   # expected a gap, reproduced
    c.close("s", 1.5, 1.0, atol=0.1)                     # a support check failed
    with pytest.raises(AssertionError, match=r"claims failed: \['a', 'b', 's'\]"):
        c.report()
    assert "FAILED" in c.ledger_html()


def test_paired_interval_matches_reference():
    rng = np.random.default_rng(0)
    a, b = rng.normal(1, 1, 7), rng.normal(0.5, 1, 7)
    s = reprocheck.paired_stats(a, b)
    ref = stats.ttest_rel(a, b).confidence_interval(0.95)
    assert math.isclose(s["low"], ref.low, rel_tol=1e-9) and math.isclose(s["high"], ref.high, rel_tol=1e-9)
    d = a - b
    assert s["n_pos"] == int((d > 0).sum()) and s["n_neg"] == int((d < 0).sum()) and s["n"] == 7


def test_paired_claim_needs_the_interval_on_the_claimed_side(tmp_path):
    c = make(tmp_path)
    for cid in ("better", "noise", "worse"):
        art(c, cid)
    base = np.array([0.70, 0.72, 0.69, 0.71, 0.73])
    assert c.paired("better", base + [0.02, 0.03, 0.01, 0.02, 0.025], base, why="w")
    assert not c.paired("noise", base + [0.01, -0.01, 0.02, -0.02, 0.0], base, why="w", known_gap="noise")
    assert not c.paired("worse", base - 0.02, base, why="w", known_gap="worse")


def test_equivalence_passes_a_no_op_and_fails_a_shift(tmp_path):
    rng = np.random.default_rng(1)
    b = rng.normal(80, 1, 5)
    assert reprocheck.equivalence_stats(b, b, margin=1.0)["equivalent"]                     # a method doing nothing
    assert not reprocheck.equivalence_stats(b + 2.0, b, margin=1.0)["equivalent"]           # a constant 2-point shift
    noisy = b + rng.normal(0, 3, 5)
    assert not reprocheck.equivalence_stats(noisy, b, margin=1.0)["equivalent"]             # too noisy to tell
    # TOST at 5 %: the 90 % interval, as scipy computes it
    a = b + 0.1 * rng.normal(size=5)
    s = reprocheck.equivalence_stats(a, b, margin=1.0)
    ref = stats.ttest_rel(a, b).confidence_interval(0.90)
    assert math.isclose(s["low"], ref.low, rel_tol=1e-9) and math.isclose(s["high"], ref.high, rel_tol=1e-9)
    assert s["equivalent"] == (-1.0 < ref.low and ref.high < 1.0)
    c = make(tmp_path)
    art(c, "eq")
    assert c.equivalent("eq", b, b, margin=1.0, why="1 point: the article's rounding")
    with pytest.raises(ValueError, match="margin"):
        reprocheck.equivalence_stats(b, b, margin=0)


def test_full_record_decides_where_it_disagrees_and_full_only_rows_show(tmp_path):
    full = make(tmp_path, quick=False)
    art(full, "agree")
    art(full, "flip")
    art(full, "fullonly", full_only=True)
    full.greater("agree", 2, 1, why="w")
    full.less("flip", 0.65, 0.5, why="w", known_gap="seed-dependent at scale")
    full.paired("fullonly", [2, 3, 4], [1, 1.5, 2], why="w")
    full.report()
    assert (tmp_path / "unit-test.json").exists()
    quick = make(tmp_path)
    art(quick, "agree")
    art(quick, "flip")
    art(quick, "fullonly", full_only=True)
    quick.greater("agree", 3, 1, why="w")
    quick.less("flip", 0.3, 0.5, why="w")                # passes in quick mode, failed in the full run
    quick.report()
    rows = {r["id"]: r for r in quick.rows}
    assert rows["agree"]["verdict"] == "reproduced" and rows["agree"]["measured"] == {"quick": 3, "full": 2}
    assert rows["flip"]["verdict"] == "not reproduced" and "full run decides" in rows["flip"]["note"]
    assert rows["fullonly"]["verdict"] == "reproduced" and "full mode" in rows["fullonly"]["note"]
    assert quick.counts()["not reproduced"] == 1


def test_full_record_under_another_check_does_not_decide(tmp_path):
    full = make(tmp_path, quick=False)
    art(full, "a")
    full.less("a", 0.65, 0.5, why="w", known_gap="x")
    full.report()
    quick = make(tmp_path)
    art(quick, "a")
    quick.less("a", 0.3, 0.4, why="w")                   # a different threshold: not the same check
    quick.report()
    r = quick.rows[0]
    assert r["verdict"] == "reproduced" and not r["full"]["comparable"]
    assert "earlier check" in quick.ledger_html()


def test_bad_parameters_are_rejected():
    with pytest.raises(ValueError, match="DEVICE"):
        reprocheck.pick_device("tpu")
    with pytest.raises(ValueError, match="QUICK"):
        reprocheck.check_type("QUICK", "yes", bool)
    with pytest.raises(ValueError, match="Allowed values"):
        reprocheck.check_choice("MODE", "fast", ["quick", "full"])
    with pytest.raises(ValueError, match="at least 2 seeds"):
        reprocheck.paired_stats([1.0], [0.0])


def test_fingerprint_ignores_only_the_standalone_check():
    """A record made by the same code without the stand-alone check is current; any other code is not."""
    import reprocheck
    slug = "benchmark-means"
    assert reprocheck.fingerprint_matches(slug, reprocheck.notebook_fingerprint(slug))
    assert reprocheck.fingerprint_matches(slug, reprocheck.notebook_fingerprint(slug, without_standalone_check=True))
    assert reprocheck.notebook_fingerprint(slug) != reprocheck.notebook_fingerprint(slug, without_standalone_check=True)
    assert not reprocheck.fingerprint_matches(slug, "0" * 64)
    assert not reprocheck.fingerprint_matches(slug, None)
