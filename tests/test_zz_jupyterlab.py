"""The notebooks as a JupyterLab reader meets them: start a real JupyterLab server from the project's environment
(with the project's settings, `.jupyter-settings/`, as `./lab.sh` does), open a chapter through the JupyterLab UI in
headless Chromium, run all cells from the Run menu, and check what the reader sees:

- every cell ran (execution counts everywhere, no traceback in any output);
- the claims ledger rendered as a table under the last cell;
- the MyST prose rendered (admonitions as boxes, equations typeset) with no raw markup left visible in it:
  `{cite`, `{glue`, `{eq}`, `{numref}`, `:filter:`, a `(label)=` target, a code fence;
- the chapter's explorer is a live widget: changing a control redraws its figure;
- no news or update pop-up.

Autosave is off in the test's copy of the settings, so the committed notebooks never receive outputs.
Screenshots go to _build/screenshots/jupyterlab_<chapter>*.png.
"""
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request

import pytest

from conftest import BUILD, NB_DIR, ROOT, article_notebooks
from test_zz_browser import chromium_path

SHOTS = BUILD / "screenshots"
# 07 (pandas/SciPy) and 08 (a PyTorch chapter); both have an explorer.
CHAPTERS = {"07_benchmark_means": "task_set", "08_vae_density": "proposal"}
RAW_MARKUP = ["{cite", "{glue", "{eq}", "{numref}", "{ref}", ":filter:", ")=", "```", "\\begin{"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    jupyter = ROOT / ".venv" / "bin" / "jupyter"
    if not jupyter.exists():
        jupyter = shutil.which("jupyter")
    settings = tmp_path_factory.mktemp("lab-settings")
    overrides = json.loads((ROOT / ".jupyter-settings" / "overrides.json").read_text())
    overrides["@jupyterlab/docmanager-extension:plugin"] = {"autosave": False}   # never write outputs to notebooks/
    (settings / "overrides.json").write_text(json.dumps(overrides))
    port, token = free_port(), "reproduced-test"
    env = {k: v for k, v in os.environ.items() if k != "REPRO_BATCH"}           # a live session: explorers are widgets
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", JUPYTER_CONFIG_DIR=str(settings / "config"),
               JUPYTERLAB_SETTINGS_DIR=str(settings / "user"), JUPYTERLAB_WORKSPACES_DIR=str(settings / "ws"))
    log = open(BUILD / "jupyterlab-server.log", "w")
    proc = subprocess.Popen([str(jupyter), "lab", "--no-browser", "--allow-root", f"--port={port}",
                             "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
                             f"--ServerApp.root_dir={ROOT}", f"--LabApp.app_settings_dir={settings}"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab did not start; see {log.name}")
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"JupyterLab did not answer within 60 s; see {log.name}")
    yield base, token
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                                                         "--disable-background-networking", "--disable-sync"])
        yield b
        b.close()


@pytest.mark.parametrize("stem", list(CHAPTERS))
def test_chapter_runs_and_reads_in_jupyterlab(lab, chromium, stem):
    nb = NB_DIR / f"{stem}.ipynb"
    if nb not in article_notebooks():
        pytest.skip(f"{stem} not selected")
    base, token = lab
    before = nb.read_bytes()
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    problems = []
    page.on("pageerror", lambda e: problems.append(f"JavaScript error: {e}"))
    try:
        page.goto(f"{base}/lab/tree/notebooks/{nb.name}?reset&token={token}")   # reset: only this tab open
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=90_000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle'], "
                               ".jp-KernelStatus-success, .jp-Toolbar-kernelStatus", timeout=90_000)
        page.wait_for_timeout(1500)
        page.screenshot(path=str(SHOTS / f"jupyterlab_{stem}_opened.png"))

        # Run > Run All Cells, through the UI.
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        n_code = page.locator(".jp-CodeCell").count()
        deadline = time.time() + 600
        while time.time() < deadline:
            prompts = page.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()
            done = [p for p in prompts if p.strip() not in ("[ ]:", "[*]:", "")]
            if len(done) == n_code and not any("*" in p for p in prompts):
                break
            if page.locator(".jp-OutputArea-output:has-text('Traceback')").count():
                break
            page.wait_for_timeout(1000)
        errors = page.locator(".jp-OutputArea-output").filter(has_text="Traceback (most recent call last)")
        assert errors.count() == 0, f"{stem}: a cell raised in JupyterLab: {errors.first.inner_text()[-1500:]}"
        prompts = page.locator(".jp-CodeCell .jp-InputPrompt").all_inner_texts()
        unrun = [i for i, p in enumerate(prompts) if p.strip() in ("[ ]:", "[*]:", "")]
        assert not unrun, f"{stem}: cells {unrun} did not run within 10 minutes"

        # The claims ledger under the last code cell.
        assert page.locator(".jp-OutputArea-output table.claims-table").count() >= 1, \
            f"{stem}: the claims ledger did not render"

        # The prose: MyST rendered, no raw markup.
        md = page.evaluate("""() => [...document.querySelectorAll('.jp-MarkdownCell .myst')].map(el => {
            const copy = el.cloneNode(true);                    // the prose without its typeset equations
            copy.querySelectorAll('.katex, .katex-display').forEach(k => k.remove());
            return copy.innerText; }).join('\\n')""")        # jupyterlab-myst's rendering of every markdown cell
        assert len(md) > 2000, f"{stem}: the markdown cells did not render through jupyterlab-myst"
        raw = {m: md.count(m) for m in RAW_MARKUP if m in md}
        assert not raw, f"{stem}: raw MyST markup visible in JupyterLab: {raw}"
        # The one directive JupyterLab cannot render is the site's glued summary under the title ({glue:md}, filled
        # in by the book build after the run); in JupyterLab the same ledger is the output of the last cell.
        unknown = [t for t in page.locator(".jp-MarkdownCell .myst").all_inner_texts() if "Unknown Directive" in t]
        bad = [line for t in unknown for line in t.splitlines() if "Unknown Directive" in line
               and not line.startswith("glue:md")]
        assert not bad, f"{stem}: directives JupyterLab shows as unknown: {bad}"
        assert page.locator(".jp-MarkdownCell aside.myst-admonition").count() >= 1, \
            f"{stem}: no admonition rendered as a box (is jupyterlab-myst active?)"
        assert page.locator(".jp-MarkdownCell .myst .katex").count() >= 1, f"{stem}: no equation typeset"
        toasts = page.locator(".jp-toast-message, .Toastify__toast").all_inner_texts()
        assert not [t for t in toasts if "news" in t.lower() or "update" in t.lower()], f"pop-ups: {toasts}"

        # The explorer is a live widget: change its first drop-down and the figure is redrawn.
        control = CHAPTERS[stem]
        widget = page.locator(".jp-OutputArea-output .widget-interact, .jp-OutputArea-output .jupyter-widgets")
        assert widget.count() >= 1, f"{stem}: the explorer did not render as a widget"
        if control:
            box = widget.first
            box.scroll_into_view_if_needed()
            img = box.locator("img").first
            src0 = img.get_attribute("src")
            select = box.locator("select").first
            options = select.locator("option").all_inner_texts()
            select.select_option(label=options[-1])
            for _ in range(60):
                page.wait_for_timeout(250)
                img = box.locator("img").first
                if img.count() and img.get_attribute("src") != src0:
                    break
            assert img.get_attribute("src") != src0, f"{stem}: the explorer's figure did not redraw"
            box.screenshot(path=str(SHOTS / f"jupyterlab_{stem}_explorer.png"))
        page.locator(".jp-MarkdownCell").first.scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / f"jupyterlab_{stem}_top.png"))
        assert not problems, problems
    finally:
        page.close()
    assert nb.read_bytes() == before, f"{nb.name} was modified by the JupyterLab session"
