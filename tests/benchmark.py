"""Benchmark every article notebook in quick mode, one at a time (run it on a quiet machine; no test calls it).

    .venv/bin/python tests/benchmark.py            # all notebooks
    .venv/bin/python tests/benchmark.py 04 06      # only these

For each notebook it prints wall time, CPU time (kernel included) and the peak resident memory of the largest
process (the kernel), each against the quick-mode budget (90 s on 2 cores, 4 GB), then totals. The figures, with
the date, the machine and the library versions, go to _build/benchmark.json and _build/benchmark.md (a table to
paste into the README).
"""
import datetime
import json
import os
import pathlib
import platform
import resource
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
NB_DIR, OUT = ROOT / "notebooks", ROOT / "_build" / "benchmark"
BUDGET_S, BUDGET_GB = 90.0, 4.0


def run_one(nb):
    """Child mode: execute one notebook, then report this process tree's resource use as JSON on stdout."""
    import papermill as pm

    t0 = time.time()
    error = None
    try:
        pm.execute_notebook(str(nb), str(OUT / pathlib.Path(nb).name), kernel_name="python3", cwd=str(NB_DIR),
                            progress_bar=False, log_output=False)
    except Exception as e:  # report it, keep benchmarking the others
        error = f"{type(e).__name__}: {str(e)[-500:]}"
    wall = time.time() - t0
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps(dict(wall_s=wall, cpu_s=me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
                          kernel_cpu_s=kids.ru_utime + kids.ru_stime, peak_kernel_gb=kids.ru_maxrss / 2**20,
                          error=error)))


def main(args):
    nbs = sorted(NB_DIR.glob("[0-9][0-9]_*.ipynb"))
    if args:
        nbs = [p for p in nbs if any(p.stem == a or p.stem.startswith(a + "_") for a in args)]
        if not nbs:
            sys.exit(f"no notebook matches {args}")
    OUT.mkdir(parents=True, exist_ok=True)
    rows = []
    print(f"{'notebook':<26}{'wall s':>8}{'CPU s':>8}{'peak GB':>9}  budget")
    for nb in nbs:
        proc = subprocess.run([sys.executable, __file__, "--one", str(nb)], capture_output=True, text=True,
                              env=dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", REPRO_BATCH="1", HF_HUB_DISABLE_PROGRESS_BARS="1"))
        try:
            r = json.loads(proc.stdout.strip().splitlines()[-1])
        except (IndexError, ValueError):
            r = dict(wall_s=float("nan"), cpu_s=float("nan"), kernel_cpu_s=float("nan"), peak_kernel_gb=float("nan"),
                     error=proc.stderr[-500:])
        r["notebook"] = nb.stem
        r["within_budget"] = r["wall_s"] <= BUDGET_S and r["peak_kernel_gb"] <= BUDGET_GB and not r["error"]
        rows.append(r)
        flag = "ok" if r["within_budget"] else ("ERROR " + r["error"][:80] if r["error"] else "OVER")
        print(f"{nb.stem:<26}{r['wall_s']:>8.1f}{r['cpu_s']:>8.1f}{r['peak_kernel_gb']:>9.2f}  {flag}", flush=True)
    tot_w, tot_c = sum(r["wall_s"] for r in rows), sum(r["cpu_s"] for r in rows)
    print(f"{'total':<26}{tot_w:>8.1f}{tot_c:>8.1f}")
    import torch  # noqa: F401 (version only)
    meta = dict(date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                machine=platform.platform(), cpu_count=os.cpu_count(), python=platform.python_version(),
                torch=sys.modules["torch"].__version__, budget_s=BUDGET_S, budget_gb=BUDGET_GB)
    (ROOT / "_build" / "benchmark.json").write_text(json.dumps(dict(meta, notebooks=rows), indent=1))
    md = [f"Measured with `tests/benchmark.py` on {meta['date']} ({meta['cpu_count']} CPU cores, {meta['machine']}), "
          "one notebook at a time, quick mode.", "", "| notebook | wall | CPU | peak memory |", "|---|---|---|---|"]
    md += [f"| {r['notebook']} | {r['wall_s']:.0f} s | {r['cpu_s']:.0f} s | {r['peak_kernel_gb']:.2f} GB |" for r in rows]
    md.append(f"| total | {tot_w:.0f} s | {tot_c:.0f} s | |")
    (ROOT / "_build" / "benchmark.md").write_text("\n".join(md) + "\n")
    print("written: _build/benchmark.json, _build/benchmark.md")
    return 0 if all(r["within_budget"] for r in rows) else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        run_one(sys.argv[2])
    else:
        sys.exit(main(sys.argv[1:]))
