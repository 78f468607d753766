"""Re-run the full mode of every article notebook (or the ones named) and record results/<slug>.json.

    .venv/bin/python tests/full_mode.py            # all notebooks, as many at once as there are cores
    .venv/bin/python tests/full_mode.py 03 07      # only these
    FULL_WORKERS=1 .venv/bin/python tests/full_mode.py   # one after the other

Each notebook runs with papermill and `-p QUICK False`; the notebook itself writes results/<slug>.json (claims,
runtime, hardware, versions, date, code fingerprint). The executed notebook and a log go to _build/full/. A failing
notebook does not stop the others; the summary at the end lists what failed, and the exit code is non-zero then.
"""
import concurrent.futures as cf
import multiprocessing
import os
import pathlib
import sys
import time
import traceback

import papermill as pm

ROOT = pathlib.Path(__file__).resolve().parents[1]
NB_DIR, OUT = ROOT / "notebooks", ROOT / "_build" / "full"


def run_full(nb):
    """One notebook in full mode, in a worker process; output and errors go to its log."""
    log = OUT / f"{nb.stem}.log"
    t0 = time.time()
    try:
        with open(log, "w") as fh:
            pm.execute_notebook(str(nb), str(OUT / nb.name), parameters={"QUICK": False}, kernel_name="python3",
                                cwd=str(NB_DIR), progress_bar=False, log_output=True, stdout_file=fh,
                                stderr_file=fh)
        status = "ok"
    except Exception as e:  # keep going: report at the end
        with open(log, "a") as fh:
            traceback.print_exc(file=fh)
        status = f"FAILED ({type(e).__name__}: {str(e).splitlines()[0][:120] if str(e) else ''})"
    return nb.stem, status, (time.time() - t0) / 60


def main(args):
    nbs = sorted(p for p in NB_DIR.glob("[0-9][0-9]_*.ipynb"))
    if args:
        unknown = [a for a in args if not any(p.stem == a or p.stem.startswith(a + "_") for p in nbs)]
        if unknown:
            sys.exit(f"no notebook matches {unknown}; choose from {[p.stem for p in nbs]}")
        nbs = [p for p in nbs if any(p.stem == a or p.stem.startswith(a + "_") for a in args)]
    OUT.mkdir(parents=True, exist_ok=True)
    summary = []
    workers = max(1, min(int(os.environ.get("FULL_WORKERS", os.cpu_count() or 1)), len(nbs)))
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(var, "1")   # one thread per kernel, one kernel per core
    os.environ["REPRO_BATCH"] = "1"   # explorers draw their static figure (reprocheck.explorer)
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"   # transformers' loading bars would be ipywidgets: the site would load widget scripts from a CDN
    # longest first (full-mode minutes on the reference machine), so the pool ends with short ones
    longest = {"06": 17, "05": 10, "01": 5, "08": 7, "02": 6, "04": 21, "03": 2.5, "07": 0.5}
    nbs = sorted(nbs, key=lambda p: -longest.get(p.stem[:2], 5))
    print(f"{len(nbs)} notebook(s), {workers} at a time; logs in {OUT.relative_to(ROOT)}/", flush=True)
    t_all = time.time()
    with cf.ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = {pool.submit(run_full, nb): nb for nb in nbs}
        for f in cf.as_completed(futures):
            stem, status, minutes = f.result()
            summary.append((stem, status, minutes))
            print(f"    {stem}: {status} in {minutes:.1f} min", flush=True)
    print("\nfull-mode summary:")
    for stem, status, minutes in summary:
        print(f"  {stem:28s} {minutes:6.1f} min  {status}")
    print(f"  {'total wall time':28s} {(time.time() - t_all) / 60:6.1f} min")
    failed = [s for s in summary if s[1] != "ok"]
    if failed:
        print(f"{len(failed)} notebook(s) failed; see their logs in {OUT.relative_to(ROOT)}/")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
