"""Presentation plumbing shared by the article notebooks: parameter checks, the claims ledger, the badge, the
reproducibility summary and the full-mode results file.

Nothing here implements an article's method; that code stays inline in each notebook (see CONTRIBUTING.md).
The module records what a notebook measured, settles each verdict from the test the notebook stated before the
measurement, renders the ledger, glues it for the book, and raises if a check did not give its expected verdict.

Usage in a notebook::

    from reprocheck import Claims
    claims = Claims("benchmark-means", quick=QUICK, seed=SEED)
    # the ledger, near the top: every claim of the article, and our own checks and findings
    claims.article("human-last", zh="人类并不是第一", en="With one task set the humans are not first",
                   section="§ 2", central=True)
    claims.article("model-size", zh="...", en="...", section="§ 3", untested="needs weights no package ships")
    claims.support("power-mean-order", "AM >= GM >= HM on every row")
    claims.beyond("rounding-robust", "The conclusions survive rounding noise")
    ...
    claims.holds("human-last", rank == last, measured=f"{rank}/{n}", tolerance="rank = last",
                 why="Su's sentence is about the rank, so the test is the rank")
    claims.paired("a-beats-b", acc_a, acc_b, direction="greater", why="...")      # over seeds, 95 % CI
    claims.equivalent("a-equals-b", acc_a, acc_b, margin=0.01, why="1 point: the article's rounding")
    claims.report()        # ledger + badge + summary + glue; raises if a check gave an unexpected verdict
"""
from __future__ import annotations

import datetime as _dt
import html as _html
import json as _json
import math as _math
import os as _os
import pathlib as _pathlib
import platform as _platform
import sys as _sys
import time as _time

__all__ = ["Claims", "check_choice", "check_type", "pick_device", "savefig", "environment", "paired_stats",
           "equivalence_stats", "explorer", "VERDICTS", "KINDS"]

_T0 = _time.time()  # the notebook imports this module in its first cells: a good proxy for its start time

# The repository root: results/ and data/ live there. Notebooks run with cwd = notebooks/.
ROOT = _pathlib.Path(__file__).resolve().parents[1]


# ----------------------------------------------------------------------------------------------------------
# parameters
# ----------------------------------------------------------------------------------------------------------
def check_choice(name, value, allowed):
    """Stop with a clear message when a parameter is not one of the allowed values."""
    if value not in allowed:
        raise ValueError(
            f"Parameter {name}={value!r} is not supported. Allowed values: "
            + ", ".join(repr(a) for a in allowed)
            + f". Set it in the parameters cell or with papermill: -p {name} <value>."
        )
    return value


def check_type(name, value, types, minimum=None):
    """Stop with a clear message when a parameter has the wrong type or is below its minimum."""
    if isinstance(value, bool) and bool not in (types if isinstance(types, tuple) else (types,)):
        raise ValueError(f"Parameter {name}={value!r} must be {types}, not a bool.")
    if not isinstance(value, types):
        raise ValueError(f"Parameter {name}={value!r} has type {type(value).__name__}; expected {types}.")
    if minimum is not None and value < minimum:
        raise ValueError(f"Parameter {name}={value!r} must be >= {minimum}.")
    return value


def pick_device(choice="auto"):
    """'auto' -> CUDA when present, else CPU. 'cpu' always works; 'cuda' fails clearly without a GPU."""
    import torch

    check_choice("DEVICE", choice, ["auto", "cpu", "cuda"])
    if choice == "cuda" and not torch.cuda.is_available():
        raise ValueError("DEVICE='cuda' was requested but torch sees no CUDA GPU. Use DEVICE='auto' or 'cpu'.")
    if choice == "auto":
        choice = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(choice)


def savefig(fig, name):
    """Keep a PNG copy of a figure under _build/figures/ (handy for reviewing); the page shows the inline one."""
    out = ROOT / "_build" / "figures"
    out.mkdir(parents=True, exist_ok=True)
    fig.savefig(out / f"{name}.png", dpi=110, bbox_inches="tight")


def _show_glued_values_in_live_sessions():
    """The site places glued numbers in the prose ({glue:text} roles); JupyterLab cannot resolve those roles, so in
    a live session (not a batch run: REPRO_BATCH unset) each number glued without display is also printed under
    the cell that computes it, and a JupyterLab reader sees every value the text below quotes. Batch runs (the
    tests, whose outputs the site shows) are untouched."""
    if _os.environ.get("REPRO_BATCH") == "1":
        return
    try:
        import myst_nb
    except ImportError:
        return
    original = getattr(myst_nb, "glue", None)
    if original is None or getattr(original, "_shows_values", False):
        return

    def glue(name, variable, display=True):
        out = original(name, variable, display=display)
        if not display and (isinstance(variable, (int, float, str)) or type(variable).__module__ == "numpy"):
            text = f"{variable:.6g}" if isinstance(variable, float) else str(variable)
            if len(text) <= 120:
                print(f"[quoted in the text] {name} = {text}")
        return out

    glue._shows_values = True
    glue.__doc__ = original.__doc__
    myst_nb.glue = glue


_show_glued_values_in_live_sessions()


def explorer(draw, **controls):
    """An interactive figure: in JupyterLab, widgets that redraw ``draw(**values)`` when a control changes; in a
    batch run (the tests, full mode, the benchmark: they set REPRO_BATCH=1) and hence on the site, the figure at
    the default values, static. ``draw`` must make one matplotlib figure from saved or cheap results, well under
    a second per call; it may return a one-line text shown under the figure.

    Each control is ``name=(default, options)``: a list gives a drop-down, a (low, high, step) tuple a slider
    (integer slider when all three are ints). Returns the seconds the default figure took to draw."""
    import matplotlib.pyplot as plt

    defaults = {}
    for name, spec in controls.items():
        if not (isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[1], (list, tuple))):
            raise ValueError(f"explorer control {name}={spec!r}: give (default, [choices]) or (default, (low, high, step))")
        default, options = spec
        if isinstance(options, list) and default not in options:
            raise ValueError(f"explorer control {name}: default {default!r} is not one of {options!r}")
        if isinstance(options, tuple) and not (len(options) == 3 and options[0] <= default <= options[1]):
            raise ValueError(f"explorer control {name}: default {default!r} is outside (low, high) = {options[:2]!r}")
        defaults[name] = default

    def show(**values):
        t0 = _time.perf_counter()
        note = draw(**values)
        plt.show()
        if note:
            print(note)
        return _time.perf_counter() - t0

    widgets = None
    if _os.environ.get("REPRO_BATCH") != "1":
        try:
            import ipywidgets as _w
        except ImportError:      # plain Python without ipywidgets: the static figure
            _w = None
        if _w is not None:
            widgets = {}
            for name, (default, options) in controls.items():
                if isinstance(options, list):
                    widgets[name] = _w.Dropdown(options=options, value=default, description=name)
                elif all(isinstance(v, int) and not isinstance(v, bool) for v in (*options, default)):
                    widgets[name] = _w.IntSlider(value=default, min=options[0], max=options[1], step=options[2],
                                                 description=name, continuous_update=False)
                else:
                    widgets[name] = _w.FloatSlider(value=default, min=options[0], max=options[1], step=options[2],
                                                   description=name, continuous_update=False)
    if widgets is None:
        return show(**defaults)
    t0 = _time.perf_counter()
    _w.interact(lambda **values: None if show(**values) is None else None, **widgets)   # shows no return value
    return _time.perf_counter() - t0


def environment():
    """Python, library versions and hardware, for the status page and the results file."""
    env = {"python": _platform.python_version(), "platform": _platform.platform(), "cpu_count": _os.cpu_count()}
    for mod in ("numpy", "torch", "scipy", "sklearn", "pandas", "transformers", "matplotlib"):
        m = _sys.modules.get(mod)
        if m is not None:
            env[mod] = getattr(m, "__version__", "?")
    torch = _sys.modules.get("torch")
    env["accelerator"] = "none (CPU)"
    if torch is not None:
        env["accelerator"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none (CPU)"
        env["torch_threads"] = torch.get_num_threads()
    return env


_STANDALONE_END = "# --- end of the stand-alone check ---\n"


def notebook_fingerprint(slug, without_standalone_check=False):
    """SHA-256 of the code of notebooks/NN_<slug>.ipynb as committed (code cells only, in order): a results file
    recorded with another fingerprint was made by an older (or newer) version of the notebook.
    `without_standalone_check` hashes the code without the block that opens the first code cell (it only raises
    when an import is missing, so it cannot change a result); records made before that block existed carry it."""
    import hashlib

    matches = sorted((ROOT / "notebooks").glob(f"[0-9][0-9]_{slug.replace('-', '_')}.ipynb"))
    if not matches:
        return None
    nb = _json.loads(matches[0].read_text(encoding="utf-8"))
    cells = []
    for c in nb["cells"]:
        if c["cell_type"] != "code":
            continue
        src = "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
        if without_standalone_check and _STANDALONE_END in src:
            src = src.split(_STANDALONE_END, 1)[1].removeprefix("\n")
        cells.append(src)
    return hashlib.sha256("\n\x00".join(cells).encode()).hexdigest()


def fingerprint_matches(slug, recorded):
    """Was a results file (its `notebook_sha256`) recorded by the notebook's current code? Code identical apart
    from the stand-alone check counts as current."""
    return recorded is not None and recorded in (notebook_fingerprint(slug),
                                                 notebook_fingerprint(slug, without_standalone_check=True))


def _git_commit():
    import subprocess

    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                             timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "notebooks"], cwd=ROOT, capture_output=True,
                               text=True, timeout=10).stdout.strip()
        return out.stdout.strip() + ("+uncommitted changes" if dirty else "") if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


# ----------------------------------------------------------------------------------------------------------
# formatting
# ----------------------------------------------------------------------------------------------------------
def _fmt(x):
    if x is None:
        return "–"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return f"{x:,}"
    if isinstance(x, float):
        if _math.isnan(x) or _math.isinf(x):
            return str(x)
        a = abs(x)
        if a != 0 and (a < 1e-3 or a >= 1e5):
            return f"{x:.3g}"
        return f"{x:.4g}"
    return str(x)


def _num(x):
    """A JSON-friendly value (numpy scalars and 0-d tensors included)."""
    if hasattr(x, "item") and getattr(x, "ndim", 0) == 0:
        x = x.item()
    if isinstance(x, (bool, int, float, str)) or x is None:
        return x
    if isinstance(x, dict):
        return {str(k): _num(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)) or hasattr(x, "tolist"):
        return [_num(v) for v in (x.tolist() if hasattr(x, "tolist") else x)]
    return str(x)


def _md(s):
    """Plain text made safe for the MyST summary: no emphasis, math, roles or HTML by accident."""
    out = "" if s is None else str(s)
    for ch in "\\`*_$<>[]{}|#":
        out = out.replace(ch, "\\" + ch)
    return out


def _e(s):
    return _html.escape("" if s is None else str(s))


# ----------------------------------------------------------------------------------------------------------
# statistics for multi-seed comparisons (presentation helpers: the notebook computes the per-seed values)
# ----------------------------------------------------------------------------------------------------------
def paired_stats(a, b, conf=0.95):
    """Paired comparison of two methods run on the same seeds: d_i = a_i - b_i.

    Returns the mean difference, its two-sided `conf` Student-t interval, and the number of seeds with d > 0,
    d < 0 and d = 0. With identical differences (zero spread) the interval is the point itself."""
    import numpy as np
    from scipy import stats

    a, b = np.asarray(a, dtype=float).ravel(), np.asarray(b, dtype=float).ravel()
    if a.shape != b.shape:
        raise ValueError(f"paired comparison needs one value per seed for both methods (got {a.size} and {b.size})")
    if a.size < 2:
        raise ValueError("a paired comparison needs at least 2 seeds")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("paired comparison: a value is NaN or infinite")
    d = a - b
    n, mean = d.size, float(d.mean())
    se = float(d.std(ddof=1)) / _math.sqrt(n)
    half = float(stats.t.ppf(0.5 + conf / 2, n - 1)) * se
    return dict(n=n, mean=mean, low=mean - half, high=mean + half, conf=conf, n_pos=int((d > 0).sum()),
                n_neg=int((d < 0).sum()), n_tie=int((d == 0).sum()))


def equivalence_stats(a, b, margin, alpha=0.05):
    """Two one-sided tests (TOST) of |mean(a - b)| < margin at level `alpha`: equivalent when the two-sided
    (1 - 2 alpha) interval of the paired mean difference lies inside (-margin, margin)."""
    if not margin > 0:
        raise ValueError("equivalence margin must be > 0")
    s = paired_stats(a, b, conf=1 - 2 * alpha)
    s["margin"] = float(margin)
    s["equivalent"] = bool(-margin < s["low"] and s["high"] < margin)
    return s


def _fmt_paired(s, labels):
    return (f"Δ({labels[0]}−{labels[1]}) = {_fmt(s['mean'])}, {round(100 * s['conf'])}% CI "
            f"[{_fmt(s['low'])}, {_fmt(s['high'])}]; {labels[0]} higher on {s['n_pos']}/{s['n']} seeds, lower on "
            f"{s['n_neg']}/{s['n']}")


# ----------------------------------------------------------------------------------------------------------
# the claims ledger
# ----------------------------------------------------------------------------------------------------------
KINDS = ("article", "support", "beyond")
REPRODUCED, NOT_REPRODUCED, REGIME, UNTESTED = "reproduced", "not reproduced", "regime-dependent", "untested"
VERDICTS = (REPRODUCED, NOT_REPRODUCED, REGIME, UNTESTED)
FAILED = "FAILED"
COLORS = {REPRODUCED: "#1a7f37", NOT_REPRODUCED: "#cf222e", REGIME: "#9a6700", UNTESTED: "#6e7781",
          FAILED: "#000000"}
KIND_TITLES = {"article": "The article's claims", "beyond": "Our own findings (beyond the article)",
               "support": "Our derivation and implementation checks (support)"}
_OLD_STATUS = {"reproduced": REPRODUCED, "not reproduced": NOT_REPRODUCED, "FAILED": NOT_REPRODUCED}


def _notebook_stem(slug):
    matches = sorted((ROOT / "notebooks").glob(f"[0-9][0-9]_{slug.replace('-', '_')}.ipynb"))
    return matches[0].stem if matches else slug


def _pill(verdict, text=None):
    c = COLORS[verdict]
    return (f'<span class="verdict verdict-{verdict.replace(" ", "-").lower()}" style="display:inline-block;'
            f'background:{c};color:#fff;border-radius:0.3em;padding:0.05em 0.4em;font-size:0.85em;'
            f'line-height:1.35;white-space:normal">{_e(text or verdict)}</span>')


class Claims:
    """The ledger of one article: every claim it makes, declared up front, then checked (or said to be untested).

    Kinds: ``article`` (what Su or the paper says; only these are counted in the badge), ``support`` (our
    derivation and implementation checks; a failure fails the notebook), ``beyond`` (our own findings).
    Verdicts: reproduced · not reproduced · regime-dependent · untested. See CONTRIBUTING.md.
    """

    def __init__(self, slug, quick=True, seed=0, results_dir=None, claims_dir=None):
        self.slug, self.quick, self.seed = slug, bool(quick), seed
        self.decl = {}          # id -> declaration (insertion order = ledger order)
        self.checks = {}        # id -> this run's check
        self.retired = {}
        self.info = {}
        self.results_path = _pathlib.Path(results_dir or ROOT / "results") / f"{slug}.json"
        # quick runs write <slug>.json (what the pages show); a full run writes <slug>.full.json beside it
        self.claims_path = (_pathlib.Path(claims_dir or ROOT / "_build" / "claims")
                            / f"{slug}{'' if self.quick else '.full'}.json")
        self.rows = None        # filled by report()

    # -- the ledger ------------------------------------------------------------------------------------------
    def _declare(self, cid, kind, **fields):
        if not isinstance(cid, str) or not cid or any(ch.isspace() for ch in cid):
            raise ValueError(f"claim id {cid!r}: use a short slug without spaces")
        if cid in self.decl:
            raise ValueError(f"claim id {cid!r} used twice")
        self.decl[cid] = dict(id=cid, kind=kind, **fields)

    def article(self, cid, zh, en, section, central=False, untested=None, full_only=False, reported=None,
                source=None):
        """A claim of the article (or a number of the paper that the article presents as its evidence).

        zh: the article's words (short Chinese quote); en: an English rendering; section: where it is said.
        untested: why it cannot be tested here (then no check is made). full_only: only the full mode checks it
        (the quick page then shows the committed full-mode verdict and its date)."""
        for name, v in (("zh", zh), ("en", en), ("section", section)):
            if not (isinstance(v, str) and v.strip()):
                raise ValueError(f"article claim {cid!r}: give {name} (the article's words and where they are)")
        if untested is not None and not (isinstance(untested, str) and untested.strip()):
            raise ValueError(f"article claim {cid!r}: untested= must say why the claim is not tested here")
        self._declare(cid, "article", zh=zh, en=en, section=section, central=bool(central), untested=untested,
                      full_only=bool(full_only), reported=reported, source=source)

    def support(self, cid, statement, full_only=False):
        """A check of our derivation or implementation (not a claim of the article)."""
        self._declare(cid, "support", en=statement, full_only=bool(full_only))

    def beyond(self, cid, statement, full_only=False):
        """A finding of ours that the article does not state."""
        self._declare(cid, "beyond", en=statement, full_only=bool(full_only))

    def retire(self, cid, why):
        """A claim id that an earlier version checked (and a committed results file may still hold): say why it
        went, so that no committed verdict disappears silently."""
        self.retired[cid] = why

    def setup(self, data=None, model=None, compute=None, seeds=None, **more):
        """What was run, for the reproducibility summary (short phrases)."""
        self.info.update({k: v for k, v in dict(data=data, model=model, compute=compute, seeds=seeds, **more).items()
                          if v is not None})

    # -- checks: each returns whether its test passed ---------------------------------------------------------
    def close(self, cid, measured, target, atol=None, rtol=None, **kw):
        """|measured - target| <= atol + rtol*|target|."""
        atol, rtol = atol or 0.0, rtol or 0.0
        if atol == 0 and rtol == 0:
            raise ValueError(f"claim {cid}: give atol or rtol")
        bound = atol + rtol * abs(float(target))
        ok = abs(float(measured) - float(target)) <= bound
        return self._check(cid, measured, f"within {_fmt(bound)} of {_fmt(float(target))}", ok, **kw)

    def greater(self, cid, measured, threshold, **kw):
        return self._check(cid, measured, f"> {_fmt(threshold)}", float(measured) > threshold, **kw)

    def less(self, cid, measured, threshold, **kw):
        return self._check(cid, measured, f"< {_fmt(threshold)}", float(measured) < threshold, **kw)

    def between(self, cid, measured, low, high, **kw):
        return self._check(cid, measured, f"in [{_fmt(low)}, {_fmt(high)}]", low <= float(measured) <= high, **kw)

    def holds(self, cid, condition, measured, tolerance, **kw):
        """A boolean the notebook computed; `tolerance` says what it means (e.g. 'all 8 seeds')."""
        return self._check(cid, measured, tolerance, condition, **kw)

    def paired(self, cid, a, b, direction="greater", conf=0.95, labels=("A", "B"), **kw):
        """'A beats B' over seeds: passes when the `conf` interval of mean(a - b) excludes 0 in the claimed
        direction ('greater': a > b; 'less': a < b). An interval that contains 0 does not pass."""
        check_choice("direction", direction, ["greater", "less"])
        s = paired_stats(a, b, conf)
        ok = s["low"] > 0 if direction == "greater" else s["high"] < 0
        tol = (f"{round(100 * conf)}% paired CI of {labels[0]}−{labels[1]} "
               f"{'above' if direction == 'greater' else 'below'} 0")
        return self._check(cid, _fmt_paired(s, labels), tol, ok, stats=s, seeds=kw.pop("seeds", s["n"]), **kw)

    def equivalent(self, cid, a, b, margin, alpha=0.05, labels=("A", "B"), **kw):
        """'A and B are about equal': TOST with the `margin` stated before the run (say why in `why=`)."""
        s = equivalence_stats(a, b, margin, alpha)
        tol = f"{round(100 * (1 - 2 * alpha))}% paired CI of {labels[0]}−{labels[1]} inside ±{_fmt(float(margin))}"
        return self._check(cid, _fmt_paired(s, labels), tol, s["equivalent"], stats=s,
                           seeds=kw.pop("seeds", s["n"]), **kw)

    def regimes(self, cid, outcomes, measured, tolerance, **kw):
        """A claim tested in several settings: {setting: passed}. All pass: reproduced; none: not reproduced;
        some: regime-dependent (the ledger lists where it holds)."""
        if not outcomes:
            raise ValueError(f"claim {cid}: regimes() needs at least one setting")
        outcomes = {str(k): bool(_num(v)) for k, v in outcomes.items()}
        n_ok = sum(outcomes.values())
        verdict = REPRODUCED if n_ok == len(outcomes) else NOT_REPRODUCED if n_ok == 0 else REGIME
        where = "holds in: " + (", ".join(k for k, v in outcomes.items() if v) or "none") + "; fails in: " + (
            ", ".join(k for k, v in outcomes.items() if not v) or "none")
        return self._check(cid, measured, tolerance, verdict == REPRODUCED, verdict=verdict, where=where,
                           outcomes=outcomes, **kw)

    def _check(self, cid, measured, tolerance, ok, why=None, what=None, reported=None, source=None,
               known_gap=None, expect=None, seeds=None, stats=None, verdict=None, where=None, outcomes=None):
        if cid not in self.decl:
            raise ValueError(f"claim {cid!r} is checked but not declared in the ledger: declare it near the top "
                             f"with claims.article(...), claims.support(...) or claims.beyond(...)")
        d = self.decl[cid]
        if cid in self.checks:
            raise ValueError(f"claim {cid!r} checked twice")
        if d["kind"] == "article" and d["untested"]:
            raise ValueError(f"claim {cid!r} is declared untested ({d['untested']}) but was checked")
        if d["kind"] == "article" and not (isinstance(why, str) and why.strip()):
            raise ValueError(f"article claim {cid!r}: give why= (why this threshold tests the article's words; it "
                             f"is fixed before the measurement)")
        if hasattr(ok, "item"):
            ok = ok.item()
        ok = bool(ok)
        verdict = verdict or (REPRODUCED if ok else NOT_REPRODUCED)
        if expect is None:
            expect = NOT_REPRODUCED if known_gap else REPRODUCED
        check_choice("expect", expect, [REPRODUCED, NOT_REPRODUCED, REGIME])
        if d["kind"] == "support" and expect != REPRODUCED:
            raise ValueError(f"support check {cid!r} must pass: only article and beyond rows may expect another "
                             f"verdict")
        self.checks[cid] = dict(measured=_num(measured), tolerance=tolerance, passed=ok, verdict=verdict,
                                expect=expect, why=why, what=what, reported=_num(reported), source=source,
                                known_gap=known_gap, seeds=_num(seeds), stats=_num(stats), where=where,
                                outcomes=outcomes)
        return ok

    # -- the committed full-mode record -------------------------------------------------------------------
    def full_results(self):
        """The committed full-mode record (results/<slug>.json), claims keyed by id; None if there is none."""
        if not self.results_path.exists():
            return None
        try:
            data = _json.loads(self.results_path.read_text(encoding="utf-8"))
            data["claims"] = {c["id"]: c for c in data["claims"]}
            return data
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(f"{self.results_path} is not a valid results file ({e}); delete it or re-run the "
                             f"notebook with -p QUICK False to regenerate it.") from e

    @staticmethod
    def _full_verdict(fr):
        return fr.get("verdict_run") or fr.get("verdict") or _OLD_STATUS.get(fr.get("status"), NOT_REPRODUCED)

    # -- the verdicts ---------------------------------------------------------------------------------------
    def _rows(self, full):
        missing = [c for c, d in self.decl.items() if c not in self.checks and not d.get("untested")
                   and not (d.get("full_only") and self.quick)]
        if missing:
            raise AssertionError(f"declared claims with neither a check nor an untested reason: {missing}")
        if not any(d["kind"] == "article" for d in self.decl.values()):
            raise AssertionError("the ledger has no article claim")
        mode = "quick" if self.quick else "full"
        stale = bool(full) and not fingerprint_matches(self.slug, full.get("notebook_sha256"))
        rows = []
        for cid, d in self.decl.items():
            r = dict(d, mode=mode, measured={}, full=None, note=None)
            r.update(self.checks.get(cid, {}))
            r["measured"] = {}
            chk = self.checks.get(cid)
            if chk:
                r["measured"][mode] = chk["measured"]
                r["verdict_run"] = chk["verdict"]
                r["failed"] = chk["verdict"] != chk["expect"]
                r["verdict"] = chk["verdict"]
            else:
                r["verdict_run"], r["failed"] = None, False
                r["verdict"] = UNTESTED
                if d.get("untested"):
                    r["note"] = d["untested"]
                else:
                    r["note"] = "checked only in full mode, which has not been recorded yet"
            fr = full["claims"].get(cid) if full else None
            if fr is not None:
                fv = self._full_verdict(fr)
                comparable = (not chk) or fr.get("tolerance") == chk["tolerance"]
                r["full"] = dict(measured=fr.get("measured"), verdict=fv, tolerance=fr.get("tolerance"),
                                 date=full.get("date"), comparable=comparable, stale=stale,
                                 seeds=fr.get("seeds"), where=fr.get("where"))
                r["measured"]["full"] = fr.get("measured")
                if not chk:    # full-only claim, quick page
                    r["verdict"] = fv
                    r["note"] = (f"checked only in full mode: the committed full run of {full.get('date')} gives "
                                 f"this verdict")
                    if fr.get("where"):
                        r["where"] = fr["where"]
                elif comparable and fv != chk["verdict"]:
                    r["verdict"] = fv
                    r["note"] = (f"the quick run says {chk['verdict']}, the committed full run ({full.get('date')}, "
                                 f"larger scale) says {fv}: the full run decides")
                    if fr.get("where"):
                        r["where"] = fr["where"]
            if r["failed"]:
                r["note"] = (f"FAILED: expected {chk['expect']}, measured {chk['verdict']} "
                             f"({'known gap: ' + chk['known_gap'] if chk.get('known_gap') else 'check the code'})")
            rows.append(r)
        return rows

    def counts(self, rows=None):
        rows = rows if rows is not None else self.rows
        c = {v: 0 for v in VERDICTS}
        for r in rows:
            if r["kind"] == "article":
                c[r["verdict"]] += 1
        return c

    # -- rendering --------------------------------------------------------------------------------------------
    def badge_text(self, rows=None):
        c = self.counts(rows)
        return "Article claims: " + " · ".join(f"{c[v]} {v}" for v in VERDICTS)

    def badge_html(self, rows=None):
        rows = rows if rows is not None else self.rows
        c = self.counts(rows)
        parts = " · ".join(f'<span style="color:{COLORS[v]};font-weight:600" data-verdict="{v}">{c[v]} {v}</span>'
                           for v in VERDICTS)
        data = " ".join(f'data-{v.replace(" ", "-")}="{c[v]}"' for v in VERDICTS)
        return (f'<span class="repro-badge" data-slug="{self.slug}" {data} style="display:inline;'
                f'white-space:normal;font-size:0.92em">Article claims: {parts}</span>')

    def _measured_text(self, r):
        """'quick: 0.12 · full: 0.13 (date)' in plain text."""
        parts = []
        for mode in ("quick", "full"):
            if mode in r["measured"]:
                v = _fmt(r["measured"][mode])
                if mode == "full" and r["full"]:
                    extra = [r["full"]["date"] or "date unknown"]
                    if not r["full"]["comparable"]:
                        extra.append(f"recorded under an earlier check: {r['full']['tolerance']}")
                    elif r["full"]["stale"]:
                        extra.append("by an earlier version of the notebook")
                    v += f" ({'; '.join(extra)})"
                parts.append(f"{mode}: {v}")
        return " · ".join(parts)

    def _measured_line(self, r):
        return _e(self._measured_text(r))

    def _row_html(self, r):
        stem = None
        head = f'<code style="overflow-wrap:anywhere">{_e(r["id"])}</code>'
        if r.get("central"):
            head += ' <span title="a central claim of the article">★</span>'
        text = f'{head} {_e(r["en"])}'
        if r["kind"] == "article":
            text += (f' <span lang="zh" style="opacity:0.8">「{_e(r["zh"])}」</span>'
                     f' <span style="opacity:0.7">({_e(r["section"])})</span>')
        lines = [text]
        meas = self._measured_line(r)
        if meas:
            lines.append(f"measured: {meas}")
        if r.get("where"):
            lines.append(_e(r["where"]))
        if r.get("note"):
            lines.append(f"<em>{_e(r['note'])}</em>")
        det = []
        if r.get("tolerance"):
            det.append(f"test: {_e(r['tolerance'])}")
        if r.get("what"):
            det.append(f"what is measured: {_e(r['what'])}")
        if r.get("why"):
            det.append(f"why this test: {_e(r['why'])}")
        if r.get("reported") is not None:
            det.append(f"reported: {_e(_fmt(r['reported']))}" + (f" ({_e(r['source'])})" if r.get("source") else ""))
        if r.get("seeds") is not None:
            det.append(f"seeds: {_e(_fmt(r['seeds']))}")
        if r.get("known_gap") and not r.get("failed"):
            det.append(f"expected gap: {_e(r['known_gap'])}")
        if det:
            lines.append("<details><summary>how it is judged</summary>" + "<br>".join(det) + "</details>")
        verdict = FAILED if r.get("failed") else r["verdict"]
        return (f'<tr id="claim-{_e(r["id"])}"><td style="vertical-align:top;padding:0.35em 0.3em">{_pill(verdict)}'
                f'</td><td style="vertical-align:top;padding:0.35em 0.3em;overflow-wrap:break-word">'
                + '<br>'.join(f'<span class="ledger-line">{x}</span>' if i else x for i, x in enumerate(lines))
                + "</td></tr>")

    def _table_html(self, rows):
        return ('<table class="claims-table" style="table-layout:fixed;width:100%;border-collapse:collapse;'
                'margin:0.3em 0 1em 0"><colgroup><col style="width:6.6em"><col></colgroup><thead><tr>'
                '<th style="text-align:left">Verdict</th><th style="text-align:left">Claim and measurement</th>'
                '</tr></thead><tbody>' + "".join(self._row_html(r) for r in rows) + "</tbody></table>")

    def ledger_html(self, rows=None, caption=""):
        rows = rows if rows is not None else self.rows
        out = [f'<div class="claims-ledger" id="claims-ledger" style="max-width:100%">']
        out.append(f"<p><strong>{self.badge_html(rows)}</strong></p>")
        for kind in ("article", "beyond", "support"):
            rs = [r for r in rows if r["kind"] == kind]
            if not rs:
                continue
            if kind == "support":
                bad = sum(r.get("failed", False) for r in rs)
                summ = f"{KIND_TITLES[kind]}: {len(rs)} checks, " + (f"{bad} FAILED" if bad else "all pass")
                out.append(f'<details{" open" if bad else ""}><summary><strong>{_e(summ)}</strong></summary>'
                           + self._table_html(rs) + "</details>")
            else:
                out.append(f"<p><strong>{KIND_TITLES[kind]}</strong></p>" + self._table_html(rs))
        if self.retired:
            out.append("<p style='font-size:0.9em'>Retired checks: " + "; ".join(
                f"<code>{_e(k)}</code> ({_e(v)})" for k, v in self.retired.items()) + "</p>")
        if caption:
            out.append(f'<p style="font-size:0.9em">{_e(caption)}</p>')
        out.append("</div>")
        return "".join(out)

    def summary_markdown(self, rows=None):
        """The reproducibility summary at the top of the chapter, generated from the ledger."""
        rows = rows if rows is not None else self.rows
        art = [r for r in rows if r["kind"] == "article"]
        central = [r for r in art if r.get("central")] or art
        c = self.counts(rows)
        lines = [":::{admonition} Reproducibility summary", ":class: note", ""]
        lines.append(f"**Scope.** The ledger lists {len(art)} claims of the article: "
                     + ", ".join(f"{c[v]} {v}" for v in VERDICTS)
                     + f". Our own checks ({sum(r['kind'] == 'support' for r in rows)}) and findings "
                       f"({sum(r['kind'] == 'beyond' for r in rows)}) are listed separately and not counted.")
        lines.append("")
        if self.info:
            lines.append("**What we ran.** " + " · ".join(f"*{k}*: {_md(v)}" for k, v in self.info.items()))
            lines.append("")
        lines.append("**Central claims.**")
        lines.append("")
        for r in central:
            res = (r.get("note") or "") if r["verdict"] == UNTESTED else self._measured_text(r)
            if r["verdict"] != UNTESTED and r.get("note") and "decides" in r["note"]:   # a quick/full disagreement
                res += f" ({r['note']})"
            lines.append(f"- **{r['verdict']}**: {_md(r['en'])} ({_md(r['section'])}). {_md(res)}".rstrip())
        unt = [r for r in art if r["verdict"] == UNTESTED and r not in central]
        if unt:
            lines += ["", "**Not tested here.**", ""]
            lines += [f"- {_md(r['en'])}: {_md(r.get('note'))}" for r in unt]
        lines += ["", "Every row, with its test and the reason for its threshold: {ref}`the ledger "
                      f"<{self.slug}-ledger>` at the end of this page.", ":::"]
        return "\n".join(lines)

    def status_row_html(self, rows=None, runtime_s=None, full=None):
        rows = rows if rows is not None else self.rows
        stem = _notebook_stem(self.slug)
        href = f"../notebooks/{stem}.html"
        c = self.counts(rows)
        dots = "".join(
            f'<a href="{href}#claim-{_e(r["id"])}" title="{_e(r["id"])}: {_e(r["verdict"])} — {_e(r["en"])}" '
            f'style="display:inline-block;width:0.8em;height:0.8em;margin:0.06em;border-radius:0.15em;'
            f'background:{COLORS[r["verdict"]]};vertical-align:middle" aria-label="{_e(r["id"])}: '
            f'{_e(r["verdict"])}"></a>' for r in rows if r["kind"] == "article")
        counts = " · ".join(f'<span style="color:{COLORS[v]}">{c[v]} {v}</span>' for v in VERDICTS if c[v])
        quick_t = f"{runtime_s:.0f} s" if runtime_s is not None else "–"
        full_t = (f"{full.get('runtime_s', 0) / 60:.1f} min ({_e(str(full.get('date', '?'))[:10])})"
                  if full else "not recorded")
        return (f'<div class="status-row" data-slug="{self.slug}" style="display:flex;flex-wrap:wrap;gap:0.1em 1em;'
                f'align-items:flex-start;border-top:1px solid rgba(128,128,128,0.35);padding:0.3em 0;'
                f'font-size:0.9em;line-height:1.35">'
                f'<span style="flex:0 0 13em"><a href="{href}">{_e(stem[:2])} · {_e(self.slug)}</a> · '
                f'<a href="{href}#claims-ledger">ledger</a><br><span style="font-size:0.88em;opacity:0.85">'
                f'quick {quick_t} · full {full_t}</span></span>'
                f'<span class="repro-badge-status" style="flex:1 1 18em">{dots}<br><span style="font-size:0.88em">'
                f'{counts}</span></span></div>')

    # -- the report --------------------------------------------------------------------------------------------
    def report(self, extra=None):
        """Settle every verdict, show the ledger, glue it for the book, write the claims records, and raise if a
        check did not give its expected verdict (a support check failed, or a claim changed verdict)."""
        from IPython.display import HTML, Markdown, display

        elapsed = _time.time() - _T0
        full = self.full_results() if self.quick else None
        self.rows = rows = self._rows(full)
        mode = "quick" if self.quick else "full"
        caption = f"This run: {mode} mode, seed {self.seed}, {elapsed:.0f} s since the notebook started."
        if full:
            env = full.get("environment", {})
            acc = env.get("accelerator", "?")
            hw = f"{env.get('cpu_count', '?')} CPU cores" + ("" if str(acc).startswith("none") else f" and {acc}")
            caption += (f" Full-mode values: recorded on {full.get('date', '?')} on {hw} in "
                        f"{full.get('runtime_s', 0):.0f} s")
            if not fingerprint_matches(self.slug, full.get("notebook_sha256")):
                caption += ", by an earlier version of this notebook (re-run the full mode to refresh them)"
            caption += "."
        display(HTML(self.ledger_html(rows, caption)))
        try:
            from myst_nb import glue
        except ImportError:  # outside the book's environment (e.g. Colab): nothing to glue
            glue = None
        if glue is not None:
            glue("badge", Markdown(self.badge_html(rows)), display=False)
            glue("badge_html", HTML(self.badge_html(rows)), display=False)
            glue("summary", Markdown(self.summary_markdown(rows)), display=False)
            glue("status_row", HTML(self.status_row_html(rows, elapsed, full if self.quick else None)),
                 display=False)
            glue("runtime_s", round(elapsed, 1), display=False)
            glue("environment", HTML("; ".join(f"{k} {_e(v)}" for k, v in environment().items())), display=False)
        self.write_claims(rows, elapsed, full)
        if not self.quick:
            self.write_results(rows, elapsed, extra)
        failed = [r["id"] for r in rows if r.get("failed")]
        assert not failed, f"claims failed: {failed} (see the ledger above)"

    def _record(self, rows):
        keep = ("id", "kind", "central", "zh", "en", "section", "untested", "full_only", "verdict", "verdict_run",
                "expect", "failed", "measured", "tolerance", "why", "what", "reported", "source", "known_gap",
                "seeds", "stats", "where", "outcomes", "note", "full")
        out = []
        for r in rows:
            o = {k: r.get(k) for k in keep}
            mode = "quick" if self.quick else "full"
            if not self.quick:   # the results file: this run's value, as the quick pages read it
                o["measured"] = r["measured"].get(mode)
                o["verdict"] = r["verdict_run"]
                o.pop("full")
            out.append(o)
        return out

    def write_claims(self, rows, elapsed, full=None):
        """_build/claims/<slug>.json: this run's ledger (the tests compare it with the pages and results)."""
        data = dict(slug=self.slug, mode="quick" if self.quick else "full", seed=self.seed,
                    date=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                    runtime_s=round(elapsed, 1), counts=self.counts(rows), badge=self.badge_text(rows),
                    full_date=full.get("date") if full else None, retired=self.retired, claims=self._record(rows))
        try:
            self.claims_path.parent.mkdir(parents=True, exist_ok=True)
            self.claims_path.write_text(_json.dumps(data, indent=1, ensure_ascii=False, default=_num) + "\n",
                                        encoding="utf-8")
        except OSError:  # a read-only checkout: the record is a convenience for the tests
            pass

    def write_results(self, rows, elapsed, extra=None):
        self.results_path.parent.mkdir(parents=True, exist_ok=True)
        checked = [r for r in self._record(rows) if r["verdict_run"] is not None]
        data = dict(slug=self.slug, mode="full", seed=self.seed,
                    date=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                    runtime_s=round(elapsed, 1), environment=environment(),
                    notebook_sha256=notebook_fingerprint(self.slug), git_commit=_git_commit(),
                    counts=self.counts(rows), claims=checked, figures=extra or {})
        self.results_path.write_text(_json.dumps(data, indent=1, ensure_ascii=False, default=_num) + "\n",
                                     encoding="utf-8")
        print(f"full-mode results written to {self.results_path}")
