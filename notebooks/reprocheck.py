"""Presentation plumbing shared by the article notebooks: parameter checks, the claims table, the badge and
the full-mode results file.

Nothing here implements an article's method; that code stays inline in each notebook (see CONTRIBUTING.md).
The module only records what a notebook measured, decides pass/fail from the tolerance the notebook states,
renders the "Reproduction check" table, glues it for the book, and raises if a claim failed.

Usage in a notebook::

    from reprocheck import Claims, check_choice, pick_device, savefig
    claims = Claims("benchmark-means", quick=QUICK, seed=SEED)
    claims.close("glue-avg", "BERT-large GLUE score recomputed from its task scores", measured=80.49,
                 target=80.5, atol=0.051, reported="80.5 (GLUE leaderboard)")
    claims.greater("ranking-flips", "...", measured=3, threshold=0)
    claims.report()        # table + badge + glue; raises AssertionError if a claim failed

A claim whose effect does not appear at this scale is still measured and still has a tolerance; pass
``known_gap="why"`` and, when it fails, it is shown as *not reproduced* instead of failing the notebook.
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

__all__ = ["Claims", "check_choice", "check_type", "pick_device", "savefig", "environment"]

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


def notebook_fingerprint(slug):
    """SHA-256 of the code of notebooks/NN_<slug>.ipynb as committed (code cells only, in order): a results file
    recorded with another fingerprint was made by an older (or newer) version of the notebook."""
    import hashlib

    matches = sorted((ROOT / "notebooks").glob(f"[0-9][0-9]_{slug.replace('-', '_')}.ipynb"))
    if not matches:
        return None
    nb = _json.loads(matches[0].read_text(encoding="utf-8"))
    code = "\n\x00".join("".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                          for c in nb["cells"] if c["cell_type"] == "code")
    return hashlib.sha256(code.encode()).hexdigest()


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
# claims
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
    """A JSON-friendly number (numpy scalars and 0-d tensors included)."""
    if hasattr(x, "item"):
        x = x.item()
    if isinstance(x, (bool, int, float, str)) or x is None:
        return x
    return str(x)


class Claims:
    """The article's claims as measured by one notebook run."""

    STATUS_OK, STATUS_GAP, STATUS_FAIL = "reproduced", "not reproduced", "FAILED"

    def __init__(self, slug, quick=True, seed=0, results_dir=None):
        self.slug, self.quick, self.seed = slug, bool(quick), seed
        self.rows = []
        self.results_path = _pathlib.Path(results_dir or ROOT / "results") / f"{slug}.json"

    # -- the ways a claim is checked. Each returns whether it passed. ------------------------------------
    def close(self, cid, statement, measured, target, atol=None, rtol=None, **kw):
        """|measured - target| <= atol + rtol*|target|."""
        atol, rtol = atol or 0.0, rtol or 0.0
        if atol == 0 and rtol == 0:
            raise ValueError(f"claim {cid}: give atol or rtol")
        bound = atol + rtol * abs(target)
        ok = abs(float(measured) - float(target)) <= bound
        tol = f"within {_fmt(bound)} of {_fmt(target)}"
        return self._add(cid, statement, measured, tol, ok, **kw)

    def greater(self, cid, statement, measured, threshold, **kw):
        return self._add(cid, statement, measured, f"> {_fmt(threshold)}", float(measured) > threshold, **kw)

    def less(self, cid, statement, measured, threshold, **kw):
        return self._add(cid, statement, measured, f"< {_fmt(threshold)}", float(measured) < threshold, **kw)

    def between(self, cid, statement, measured, low, high, **kw):
        ok = low <= float(measured) <= high
        return self._add(cid, statement, measured, f"in [{_fmt(low)}, {_fmt(high)}]", ok, **kw)

    def holds(self, cid, statement, condition, measured, tolerance, **kw):
        """A claim whose test is a boolean the notebook computed (say so in `tolerance`, e.g. 'all 8 seeds')."""
        return self._add(cid, statement, measured, tolerance, bool(condition), **kw)

    def _add(self, cid, statement, measured, tolerance, ok, reported=None, source=None, known_gap=None):
        if any(r["id"] == cid for r in self.rows):
            raise ValueError(f"claim id {cid!r} used twice")
        if hasattr(ok, "item"):
            ok = ok.item()
        ok = bool(ok)
        if ok:
            status = self.STATUS_OK
        elif known_gap:
            status = self.STATUS_GAP
        else:
            status = self.STATUS_FAIL
        row = dict(id=cid, statement=statement, reported=reported, source=source, measured=_num(measured),
                   tolerance=tolerance, passed=ok, status=status, known_gap=known_gap)
        self.rows.append(row)
        mark = {"reproduced": "PASS", "not reproduced": "GAP ", "FAILED": "FAIL"}[status]
        print(f"[{mark}] {cid}: measured {_fmt(row['measured'])} ({tolerance})")
        return ok

    # -- summary ----------------------------------------------------------------------------------------
    @property
    def n_reproduced(self):
        return sum(r["status"] == self.STATUS_OK for r in self.rows)

    def badge_text(self):
        return f"reproduced {self.n_reproduced}/{len(self.rows)}"

    def badge_color(self):
        if any(r["status"] == self.STATUS_FAIL for r in self.rows):
            return "danger"
        return "success" if self.n_reproduced == len(self.rows) else "warning"

    def full_results(self):
        """The committed full-mode record, if there is one (see `results/README.md`)."""
        if not self.results_path.exists():
            return None
        try:
            data = _json.loads(self.results_path.read_text(encoding="utf-8"))
            data["claims"] = {c["id"]: c for c in data["claims"]}
            return data
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(f"{self.results_path} is not a valid results file ({e}); delete it or re-run the "
                             f"notebook with -p QUICK False to regenerate it.") from e

    def markdown(self, full=None):
        head = ["Claim", "Article says", "Reported", "Measured (this run)"]
        if full:
            head.append("Measured (full mode)")
        head += ["Tolerance", "Status"]
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in self.rows:
            rep = _fmt(r["reported"]) + (f" ({r['source']})" if r["source"] else "")
            st = {"reproduced": "✅ reproduced", "not reproduced": "⚠️ not reproduced",
                  "FAILED": "❌ FAILED"}[r["status"]]
            if r["known_gap"] and r["status"] != self.STATUS_OK:
                st += f": {r['known_gap']}"
            cells = [f"`{r['id']}`", r["statement"], rep, _fmt(r["measured"])]
            if full:
                fr = full["claims"].get(r["id"])
                cells.append(_fmt(fr["measured"]) + ("" if fr["passed"] else " (outside tolerance)") if fr else "–")
            cells += [r["tolerance"], st]
            lines.append("| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
        return "\n".join(lines)

    def html(self, full=None):
        """A plain HTML table: the status page embeds it from another document (cross-page glue needs HTML)."""
        head = ["Claim", "Article says", "Reported", "Measured"] + (["Full mode"] if full else []) + [
            "Tolerance", "Status"]
        out = ['<div class="claims-wrapper" style="overflow-x: auto; max-width: 100%">'
               '<table class="table claims-table"><thead><tr>' + "".join(f"<th>{h}</th>" for h in head)
               + "</tr></thead><tbody>"]
        for r in self.rows:
            rep = _fmt(r["reported"]) + (f" ({r['source']})" if r["source"] else "")
            cells = [f"<code>{_html.escape(r['id'])}</code>", _html.escape(r["statement"]), _html.escape(rep),
                     _html.escape(_fmt(r["measured"]))]
            if full:
                fr = full["claims"].get(r["id"])
                cells.append(_html.escape(_fmt(fr["measured"])) if fr else "–")
            cls = {"reproduced": "sd-text-success", "not reproduced": "sd-text-warning", "FAILED": "sd-text-danger"}
            cells += [_html.escape(r["tolerance"]),
                      f'<span class="{cls[r["status"]]}">{_html.escape(r["status"])}</span>']
            out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        out.append("</tbody></table></div>")
        return "".join(out)

    def badge_html(self):
        c = self.badge_color()
        return (f'<span class="sd-sphinx-override sd-badge sd-bg-{c} sd-bg-text-{c} repro-badge" '
                f'data-slug="{self.slug}">{self.badge_text()}</span>')

    def report(self, extra=None):
        """Show the table, glue it for the book, write the full-mode results file, and assert.

        `extra` is a dict of figure-data summaries to keep in the results file (full mode)."""
        from IPython.display import HTML, Markdown, display

        if not self.rows:
            raise AssertionError("no claims were checked")
        elapsed = _time.time() - _T0
        full = None if not self.quick else self.full_results()
        md = self.markdown(full)
        mode = "quick" if self.quick else "full"
        caption = (f"**{self.badge_text()}** ({mode} mode, seed {self.seed}, {elapsed:.0f} s since the notebook "
                   f"started)")
        if full:
            caption += (f"; the full-mode column was recorded on {full.get('date', '?')} on "
                        f"{full.get('environment', {}).get('accelerator', '?')} "
                        f"({full.get('environment', {}).get('cpu_count', '?')} CPU cores) in "
                        f"{full.get('runtime_s', 0):.0f} s")
            if full.get("notebook_sha256") != notebook_fingerprint(self.slug):
                caption += " — ⚠️ recorded before the notebook's last change: re-run the full mode to refresh it"
        display(Markdown(md + "\n\n" + caption))
        try:
            from myst_nb import glue
        except ImportError:  # running outside the book's environment (e.g. Colab): nothing to glue
            glue = None
        if glue is not None:
            c = self.badge_color()
            glue("badge", Markdown(f"{{bdg-{c}}}`{self.badge_text()}`"), display=False)
            glue("badge_html", HTML(self.badge_html()), display=False)
            glue("claims_table", Markdown(md), display=False)
            glue("claims_html", HTML(self.html(full) + f"<p>{_html.escape(caption.replace('**', ''))}</p>"),
                 display=False)
            glue("runtime_s", round(elapsed, 1), display=False)
            env = environment()
            glue("environment", HTML("; ".join(f"{k} {_html.escape(str(v))}" for k, v in env.items())),
                 display=False)
        self.write_run_record(elapsed)
        if not self.quick:
            self.write_results(elapsed, extra)
        failed = [r["id"] for r in self.rows if r["status"] == self.STATUS_FAIL]
        assert not failed, f"claims failed: {failed} (see the table above)"

    def write_run_record(self, elapsed):
        """The claims of this run under _build/claims/ (the tests compare them with the committed results)."""
        out = ROOT / "_build" / "claims" / f"{self.slug}.{'quick' if self.quick else 'full'}.json"
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(_json.dumps(dict(slug=self.slug, quick=self.quick, runtime_s=round(elapsed, 1),
                                            claims=self.rows), indent=1, ensure_ascii=False, default=_num))
        except OSError:  # a read-only checkout: the record is a convenience, not a requirement
            pass

    def write_results(self, elapsed, extra=None):
        self.results_path.parent.mkdir(parents=True, exist_ok=True)
        data = dict(slug=self.slug, mode="full", seed=self.seed,
                    date=_dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                    runtime_s=round(elapsed, 1), environment=environment(),
                    notebook_sha256=notebook_fingerprint(self.slug), git_commit=_git_commit(),
                    reproduced=self.n_reproduced, total=len(self.rows), claims=self.rows,
                    figures=extra or {})
        self.results_path.write_text(_json.dumps(data, indent=1, ensure_ascii=False, default=_num) + "\n",
                                     encoding="utf-8")
        print(f"full-mode results written to {self.results_path}")
