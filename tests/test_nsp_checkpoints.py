"""Chapter 01 (NSP-BERT): the committed tiny-BERT checkpoints match the settings and corpus they claim, and the
`model_path` tokenizer route gives the ids of `BertTokenizerFast`. Cheap: no training, no model forward pass.

The checkpoints are made by the pretraining command `tests/pretrain_nsp.py NAME`, which runs the notebook with
PRETRAIN=NAME; quick and full mode only evaluate them. This test reads the notebook's own definitions (data split,
vocabulary, PRETRAIN_SPECS) by executing its definition cells, so it checks the files against the notebook as it
is now.
"""
import hashlib
import json
import pathlib
import re
import sys

import pytest

from conftest import NB_DIR, ROOT

NB = NB_DIR / "01_nsp_bert.ipynb"
DATA = ROOT / "data" / "nsp-bert"
FILES = ["config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json", "training_meta.json"]
# data/nsp-bert/checkpoint/ (seed 0) is read by chapter 04 too: it must stay byte-identical to the committed files
SEED0_SHA256 = {
    "config.json": "bb01897111ae12df2c08ca817994e9e9fe6ea4a5c93cb01f052ccfea6fec774b",
    "model.safetensors": "9e90550a277a5bd97723dcca05e7da2e7d4dc90bbd9b2b5b303b377d6a15e040",
    "tokenizer_config.json": "bb1ae7e32d610818c0faa4512c54bba236863c341f7c2462030e0e38b0c30f91",
    "training_meta.json": "3017764fb499196b09617744e1e6a03fbbb00f7e82d95f6bad67b8e90951ca93",
    "vocab.txt": "96dcf583a38ad5efc8078db26f57886dc44361e0d7a22fcb2de076b84b480f4e",
}
# the checkpoints the notebook evaluates (it stops with an error naming the pretraining command if one is missing)
REQUIRED = ["seed0", "seed1", "seed2"]
MAX_EXTRA_MB = 20.0


@pytest.fixture(scope="module")
def nb():
    """The notebook's definitions: parameters, setup, data, vocabulary, pretraining settings (no toy, no training)."""
    cells = [c for c in json.loads(NB.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]
    markers = ["QUICK = True", "# --- end of the stand-alone check ---", "import numpy as np",
               "def load_reviews", "reviews = load_reviews()", "PRETRAIN_SPECS = {"]
    chosen = []
    for m in markers:
        hits = ["".join(c["source"]) for c in cells if m in "".join(c["source"])]
        assert len(hits) == 1, f"expected one code cell containing {m!r} in {NB.name}, found {len(hits)}"
        chosen.append(hits[0])
    sys.path.insert(0, str(NB_DIR))
    ns = {}
    cwd = pathlib.Path.cwd()
    try:
        import os
        os.chdir(NB_DIR)
        for src in chosen:
            exec(compile(src, str(NB), "exec"), ns)
    finally:
        os.chdir(cwd)
    return ns


def sha256(path):
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


def test_seed0_checkpoint_unchanged():
    """Chapter 04 reads data/nsp-bert/checkpoint: no pretraining run may have rewritten it."""
    for name, want in SEED0_SHA256.items():
        assert sha256(DATA / "checkpoint" / name) == want, f"data/nsp-bert/checkpoint/{name} changed"


def test_required_checkpoints_exist(nb):
    specs = nb["PRETRAIN_SPECS"]
    for name in REQUIRED:
        assert name in specs, f"{name} is not in the notebook's PRETRAIN_SPECS"
        missing = [f for f in FILES if not (pathlib.Path(specs[name]["dir"]) / f).exists()]
        assert not missing, f"{specs[name]['dir']} lacks {missing}: run tests/pretrain_nsp.py {name}"


def test_no_stray_checkpoints(nb):
    """Every directory under data/nsp-bert/checkpoints/ is one the notebook defines."""
    dirs = {pathlib.Path(s["dir"]).resolve() for s in nb["PRETRAIN_SPECS"].values()}
    root = DATA / "checkpoints"
    stray = [p.name for p in root.iterdir() if p.is_dir() and p.resolve() not in dirs] if root.exists() else []
    assert not stray, f"data/nsp-bert/checkpoints/ has directories no PRETRAIN_SPECS entry names: {stray}"


def test_extra_checkpoints_small():
    root = DATA / "checkpoints"
    total = sum(f.stat().st_size for f in root.rglob("*") if f.is_file()) / 2**20 if root.exists() else 0.0
    assert total <= MAX_EXTRA_MB, f"data/nsp-bert/checkpoints/ holds {total:.1f} MB (limit {MAX_EXTRA_MB})"


def committed(nb):
    return [(n, s) for n, s in nb["PRETRAIN_SPECS"].items() if (pathlib.Path(s["dir"]) / "training_meta.json").exists()]


def test_checkpoints_match_settings_and_corpus(nb):
    """Each committed checkpoint: recorded settings = the notebook's spec, corpus and evaluation-set hashes = the
    notebook's data, vocabulary = the one the notebook builds, config.json = the architecture of its settings,
    stored dtype = the spec's, parameter count = the recorded one."""
    from safetensors import safe_open

    checked = []
    for name, spec in committed(nb):
        d = pathlib.Path(spec["dir"])
        meta = json.loads((d / "training_meta.json").read_text(encoding="utf-8"))
        where = f"{d.relative_to(ROOT)}/training_meta.json"
        assert meta.get("name", "seed0") == name, f"{where}: name {meta.get('name')!r}, spec {name!r}"
        assert meta["seed"] == spec["seed"], f"{where}: seed {meta['seed']} but the spec says {spec['seed']}"
        assert meta["config"] == spec["cfg"], f"{where}: settings {meta['config']} differ from {spec['cfg']}"
        assert meta["data_seed"] == nb["DATA_SEED"], f"{where}: data_seed differs"
        assert meta["corpus_sha256"] == nb["corpus_sha256"], f"{where}: pretrained on another corpus"
        assert meta["eval_sha256"] == nb["eval_sha256"], f"{where}: recorded with another evaluation set"
        assert meta["vocab_size"] == len(nb["tok"].itos), f"{where}: vocabulary size differs"
        assert meta.get("dtype", "float32") == spec["dtype"], f"{where}: dtype differs from the spec"
        vocab = (d / "vocab.txt").read_text(encoding="utf-8").rstrip("\n").split("\n")
        assert vocab == nb["tok"].itos, f"{d}/vocab.txt differs from the vocabulary the notebook builds"
        want = nb["tiny_bert_config"](len(vocab), spec["cfg"]).to_dict()
        have = json.loads((d / "config.json").read_text(encoding="utf-8"))
        for key in ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size",
                    "max_position_embeddings", "type_vocab_size", "hidden_dropout_prob",
                    "attention_probs_dropout_prob"):
            assert have[key] == want[key], f"{d}/config.json: {key} = {have[key]}, settings give {want[key]}"
        n, dtypes = 0, set()
        with safe_open(str(d / "model.safetensors"), framework="pt") as f:
            for k in f.keys():
                t = f.get_slice(k)
                shape = t.get_shape()
                n += int(__import__("math").prod(shape))
                dtypes.add(t.get_dtype())
        want_dtype = {"float32": "F32", "float16": "F16"}[spec["dtype"]]
        assert dtypes == {want_dtype}, f"{d}/model.safetensors stores {dtypes}, the spec says {spec['dtype']}"
        # save_pretrained ties the MLM decoder to the word embeddings: it is stored once, counted once
        assert n == meta["n_params"], f"{d}/model.safetensors has {n} parameters, training_meta.json says " \
                                      f"{meta['n_params']}"
        assert len(meta["log"]["step"]) > 0 and meta["log"]["step"][-1] == spec["cfg"]["steps"] - \
            spec["cfg"]["steps"] % spec["cfg"]["log_every"], f"{where}: the training log does not reach the end"
        checked.append(name)
    assert set(REQUIRED) <= set(checked)


def test_model_path_tokenizer_matches_bert_tokenizer_fast(nb, tmp_path):
    """The `model_path` route encodes text with the checkpoint's own BertTokenizerFast: on every held-out review,
    alone and as (prompt, review) pairs for NSP and PET, the notebook's encoder path gives the ids and segment ids
    of `BertTokenizerFast` itself (pairs that need no truncation; the notebook's truncation rule is its own)."""
    from transformers import BertTokenizerFast

    d = DATA / "checkpoint"
    fast = nb["FastTokenizer"](d)                      # what load_nsp_bert gives a model_path checkpoint
    hf = BertTokenizerFast.from_pretrained(str(d))
    texts = [t for t, _ in nb["test_reviews"]]
    assert len(texts) == 1000
    assert all(fast.ids(t) == ids for t, ids in zip(texts, hf(texts, add_special_tokens=False)["input_ids"]))
    maxlen, n_pairs = 128, 0
    prompts = [nb["DOMAIN_PET"][0], nb["DOMAIN_PET2"][0], "这次买的东西很好", "书"]
    for p in prompts:
        enc = hf([p] * len(texts), texts)
        for t, ids, seg in zip(texts, enc["input_ids"], enc["token_type_ids"]):
            if len(ids) > maxlen:
                continue
            mine_ids, mine_seg = fast.pair(p, t, maxlen)
            assert mine_ids == ids and mine_seg == seg, f"pair ({p!r}, {t[:30]!r}…) encodes differently"
            n_pairs += 1
    assert n_pairs >= 0.8 * len(prompts) * len(texts)     # 84 %: reviews run to 200 characters, maxlen 128


def test_char_encoder_matches_on_chinese_text(nb):
    """The tiny model's own character encoder equals BertTokenizerFast (same vocab.txt) on all-Chinese reviews;
    elsewhere they differ by design (spaces, Latin letters, digits), as the notebook says."""
    from transformers import BertTokenizerFast

    hf = BertTokenizerFast.from_pretrained(str(DATA / "checkpoint"))
    texts = [t for t, _ in nb["test_reviews"]]
    cjk = [t for t in texts if re.fullmatch(r"[\u4e00-\u9fff，。！？、；：]+", t)]
    assert len(cjk) > 300
    ids = hf(cjk, add_special_tokens=False)["input_ids"]
    assert all(nb["tok"].ids(t) == i for t, i in zip(cjk, ids))
