"""The pretraining command of chapter 01 (NSP-BERT): pretrain the committed tiny BERTs, one at a time.

    .venv/bin/python tests/pretrain_nsp.py --list              # the checkpoints the notebook defines
    .venv/bin/python tests/pretrain_nsp.py seed1 seed2         # pretrain these (about 7 CPU-min each)
    .venv/bin/python tests/pretrain_nsp.py --all               # every checkpoint except seed0

It runs notebooks/01_nsp_bert.ipynb with papermill, cut after the cell that ends with
"# --- end of the pretraining command ---", with the parameter PRETRAIN=<name>. So the training code is the
notebook's own; the notebook writes the checkpoint (weights, config, vocabulary and training_meta.json with the
settings, seed, corpus hash and training curves) to the directory its PRETRAIN_SPECS names, usually
data/nsp-bert/checkpoints/<name>/. Progress goes to the terminal and to _build/pretrain/<name>.log; the executed
notebook to _build/pretrain/<name>.ipynb. Quick and full mode never pretrain: they evaluate the committed files.

"seed0" rewrites data/nsp-bert/checkpoint/, which chapter 04 also reads: it is refused unless --force is given
(a rerun does not reproduce the committed file bit for bit).
"""
import json
import os
import pathlib
import sys
import time

import papermill as pm

ROOT = pathlib.Path(__file__).resolve().parents[1]
NB = ROOT / "notebooks" / "01_nsp_bert.ipynb"
OUT = ROOT / "_build" / "pretrain"
MARK = "# --- end of the pretraining command ---"


def truncated_notebook():
    """The notebook up to and including the pretraining cell, written to _build/pretrain/."""
    nb = json.loads(NB.read_text(encoding="utf-8"))
    ends = [k for k, c in enumerate(nb["cells"]) if c["cell_type"] == "code" and MARK in "".join(c["source"])]
    if len(ends) != 1:
        sys.exit(f"{NB} must have exactly one cell containing {MARK!r} (found {len(ends)})")
    nb["cells"] = nb["cells"][:ends[0] + 1]
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "01_nsp_bert_pretrain.ipynb"
    path.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def spec_names():
    """The names of PRETRAIN_SPECS, read from the notebook's source (no execution)."""
    import re
    src = "".join("".join(c["source"]) for c in json.loads(NB.read_text(encoding="utf-8"))["cells"])
    block = src.split("PRETRAIN_SPECS = {", 1)[1].split("\n}", 1)[0]
    return re.findall(r'^\s+"([^"]+)":', block, re.M)


def main(args):
    names = spec_names()
    force = "--force" in args
    args = [a for a in args if a != "--force"]
    if not args or args == ["--list"]:
        print("checkpoints:", ", ".join(names)); return 0
    if args == ["--all"]:
        args = [n for n in names if n != "seed0"]
    unknown = [a for a in args if a not in names]
    if unknown:
        sys.exit(f"unknown checkpoint(s) {unknown}; choose from {names}")
    if "seed0" in args and not force:
        sys.exit("seed0 is data/nsp-bert/checkpoint, which chapter 04 also reads; add --force to rewrite it")
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    nb = truncated_notebook()
    failed = []
    for name in args:
        log = OUT / f"{name}.log"
        t0 = time.time()
        print(f"[{time.strftime('%H:%M:%S')}] pretraining {name}; log {log.relative_to(ROOT)}", flush=True)
        try:
            with open(log, "w") as fh:
                pm.execute_notebook(str(nb), str(OUT / f"{name}.ipynb"), parameters={"PRETRAIN": name},
                                    kernel_name="python3", cwd=str(ROOT / "notebooks"), progress_bar=False,
                                    log_output=True, stdout_file=fh, stderr_file=fh)
            print(f"[{time.strftime('%H:%M:%S')}] {name} done in {(time.time() - t0) / 60:.1f} min", flush=True)
        except Exception as e:  # keep going, report at the end
            failed.append(name)
            print(f"[{time.strftime('%H:%M:%S')}] {name} FAILED: {str(e).splitlines()[0][:200] if str(e) else e!r}"
                  f" (see {log})", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
