"""Re-run the full mode of every article notebook (or the ones named) and record results/<slug>.json.

    .venv/bin/python tests/full_mode.py            # all notebooks, one after the other
    .venv/bin/python tests/full_mode.py 03 07      # only these

Each notebook runs with papermill and `-p QUICK False`; the notebook itself writes results/<slug>.json (claims,
runtime, hardware, versions, date, code fingerprint). The executed notebook and a log go to _build/full/. A failing
notebook does not stop the others; the summary at the end lists what failed, and the exit code is non-zero then.
"""
import pathlib
import sys
import time
import traceback

import papermill as pm

ROOT = pathlib.Path(__file__).resolve().parents[1]
NB_DIR, OUT = ROOT / "notebooks", ROOT / "_build" / "full"


def main(args):
    nbs = sorted(p for p in NB_DIR.glob("[0-9][0-9]_*.ipynb"))
    if args:
        unknown = [a for a in args if not any(p.stem == a or p.stem.startswith(a + "_") for p in nbs)]
        if unknown:
            sys.exit(f"no notebook matches {unknown}; choose from {[p.stem for p in nbs]}")
        nbs = [p for p in nbs if any(p.stem == a or p.stem.startswith(a + "_") for a in args)]
    OUT.mkdir(parents=True, exist_ok=True)
    summary = []
    for i, nb in enumerate(nbs, 1):
        log = OUT / f"{nb.stem}.log"
        print(f"[{i}/{len(nbs)}] {nb.stem}: running full mode (log: {log.relative_to(ROOT)})", flush=True)
        t0 = time.time()
        try:
            with open(log, "w") as fh:
                sys_stdout, sys.stdout = sys.stdout, fh
                try:
                    pm.execute_notebook(str(nb), str(OUT / nb.name), parameters={"QUICK": False},
                                        kernel_name="python3", cwd=str(NB_DIR), progress_bar=False,
                                        log_output=True, stdout_file=fh, stderr_file=fh)
                finally:
                    sys.stdout = sys_stdout
            status = "ok"
        except Exception as e:  # keep going: report at the end
            with open(log, "a") as fh:
                traceback.print_exc(file=fh)
            status = f"FAILED ({type(e).__name__}: {str(e).splitlines()[0][:120] if str(e) else ''})"
        minutes = (time.time() - t0) / 60
        summary.append((nb.stem, status, minutes))
        print(f"    {status} in {minutes:.1f} min", flush=True)
    print("\nfull-mode summary:")
    for stem, status, minutes in summary:
        print(f"  {stem:28s} {minutes:6.1f} min  {status}")
    failed = [s for s in summary if s[1] != "ok"]
    if failed:
        print(f"{len(failed)} notebook(s) failed; see their logs in {OUT.relative_to(ROOT)}/")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
