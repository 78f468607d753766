"""The claims protocol itself: a failed claim fails the notebook unless it is recorded as a known gap."""
import sys

import pytest

from conftest import NB_DIR

sys.path.insert(0, str(NB_DIR))
import reprocheck  # noqa: E402


def make(tmp_path):
    return reprocheck.Claims("unit-test", quick=True, seed=0, results_dir=tmp_path)


def test_passing_claims_report(tmp_path):
    c = make(tmp_path)
    assert c.close("a", "one", 1.01, 1.0, atol=0.02)
    assert c.greater("b", "two", 2, 1)
    c.report()
    assert c.badge_text() == "reproduced 2/2" and c.badge_color() == "success"


def test_failed_claim_raises(tmp_path):
    c = make(tmp_path)
    assert not c.close("a", "one", 1.5, 1.0, atol=0.1)
    with pytest.raises(AssertionError, match="claims failed"):
        c.report()


def test_known_gap_is_recorded_not_raised(tmp_path):
    c = make(tmp_path)
    c.less("gap", "effect appears", 0.5, 0.1, known_gap="too small a model")
    c.report()
    assert c.rows[0]["status"] == "not reproduced" and "not reproduced" in c.markdown()
    assert c.badge_text() == "reproduced 0/1" and c.badge_color() == "warning"


def test_full_mode_writes_results_and_quick_mode_shows_them(tmp_path):
    full = reprocheck.Claims("unit-test", quick=False, seed=0, results_dir=tmp_path)
    full.close("a", "one", 1.0, 1.0, atol=0.1)
    full.report()
    assert (tmp_path / "unit-test.json").exists()
    quick = make(tmp_path)
    quick.close("a", "one", 0.99, 1.0, atol=0.1)
    assert "full mode" in quick.markdown(quick.full_results())


def test_duplicate_ids_and_bad_parameters_are_rejected(tmp_path):
    c = make(tmp_path)
    c.greater("a", "x", 1, 0)
    with pytest.raises(ValueError, match="used twice"):
        c.greater("a", "x", 1, 0)
    with pytest.raises(ValueError, match="DEVICE"):
        reprocheck.pick_device("tpu")
    with pytest.raises(ValueError, match="QUICK"):
        reprocheck.check_type("QUICK", "yes", bool)
    with pytest.raises(ValueError, match="Allowed values"):
        reprocheck.check_choice("MODE", "fast", ["quick", "full"])
