"""Open every page of the built site in headless Chromium, from disk and with the network cut off, as a reader
without network would. Runs after test_site.py (which builds the site); builds it first if needed.

Fails on: math left as raw TeX (or a MathJax error), an image that does not load, a broken internal link or anchor,
a JavaScript error or console error, a request that would need the network, a missing badge, a page wider than a
390 px phone screen. Saves screenshots (desktop, dark mode, 390 px phone) under _build/screenshots/.
"""
import json
import pathlib
import shutil
import subprocess
import time
import urllib.parse

import pytest

from conftest import BUILD, HTML, ROOT, article_notebooks, toc_files

SHOTS = BUILD / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--host-resolver-rules=MAP * ~NOTFOUND"]   # no name resolves: nothing can reach the network


def chromium_path():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    # Test setup: install Debian's Chromium (and an emoji font for the claims tables' status marks).
    if shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True, timeout=600)
        proc = subprocess.run(["apt-get", "install", "-y", "-qq", "chromium", "fonts-noto-color-emoji"],
                              capture_output=True, text=True, timeout=1200)
        if proc.returncode == 0 and shutil.which("chromium"):
            return shutil.which("chromium")
        pytest.fail("could not install Chromium with apt-get (needs root):\n" + proc.stderr[-2000:])
    pytest.fail("the browser test needs Chromium: install it with your package manager (Debian: apt-get install "
                "chromium)")


@pytest.fixture(scope="module")
def site():
    if not (HTML / "index.html").exists():
        jb = shutil.which("jupyter-book", path=str(ROOT / ".venv" / "bin")) or shutil.which("jupyter-book")
        subprocess.run([jb, "build", str(ROOT), "-W", "-n", "--keep-going"], cwd=ROOT, check=True,
                       capture_output=True)
    return HTML


def ensure_fonts():
    """Screenshots only: a CJK font for the articles' Chinese titles (readers' machines have their own)."""
    fc = shutil.which("fc-list")
    if fc and subprocess.run([fc, ":lang=zh"], capture_output=True, text=True).stdout.strip():
        return
    if shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "fonts-noto-cjk"], capture_output=True, timeout=1200)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    ensure_fonts()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


def open_page(browser, path, width=1280, dark=False):
    ctx = browser.new_context(viewport={"width": width, "height": 900}, color_scheme="dark" if dark else "light",
                              device_scale_factor=1)
    if dark:  # the theme keeps the reader's choice in localStorage
        ctx.add_init_script("localStorage.setItem('mode', 'dark'); localStorage.setItem('theme', 'dark');")
    page = ctx.new_page()
    problems = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console error: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"JavaScript error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed request: {r.url} ({r.failure})"))

    def route(r):
        if r.request.url.startswith(("file://", "data:", "blob:")):
            return r.continue_()
        problems.append(f"page needs the network: {r.request.url}")
        return r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri(), wait_until="load")
    # Let MathJax finish typesetting, if the page loaded it.
    page.wait_for_function("!window.MathJax || (MathJax.startup && MathJax.startup.promise)", timeout=20000)
    page.evaluate("window.MathJax && MathJax.startup && MathJax.startup.promise ? MathJax.startup.promise : null")
    page.wait_for_timeout(200)
    return ctx, page, problems


def ids_of(path, cache={}):
    if path not in cache:
        from test_site import parse
        cache[path] = parse(path).ids
    return cache[path]


def check_ledger_in_viewport(page, width):
    """Every claims table fits the viewport: its verdict column and its right edge are on screen, with no
    horizontal scrolling. Saves a screenshot of the article's ledger."""
    boxes = page.evaluate("""() => [...document.querySelectorAll('table.claims-table')].map(t => {
        const r = t.getBoundingClientRect();
        const v = [...t.querySelectorAll('tbody tr td:first-child')].map(td => td.getBoundingClientRect());
        const wrap = t.closest('.output, .cell_output') || t.parentElement;
        return {left: r.left, right: r.right, vmax: Math.max(...v.map(b => b.right)), vmin: Math.min(...v.map(b => b.left)),
                scroll: wrap ? wrap.scrollWidth - wrap.clientWidth : 0};
    })""")
    assert boxes, "no claims table on the page"
    for b in boxes:
        assert b["vmin"] >= 0 and b["vmax"] <= width, f"verdict column outside the {width}px viewport: {b}"
        assert b["right"] <= width + 1, f"claims table wider than the {width}px viewport: {b}"
        assert b["scroll"] <= 2, f"claims table scrolls horizontally at {width}px: {b}"
    ledger = page.locator("#claims-ledger table.claims-table").first
    ledger.scroll_into_view_if_needed()
    name = page.url.rsplit("/", 1)[-1].replace(".html", "")
    ledger.screenshot(path=str(SHOTS / f"{name}_ledger_{width}px.png"))


def record_page_height(page, doc):
    """Plotting and bookkeeping cells are folded behind a toggle (tag hide-input): measure the page's height as a
    reader gets it and with every folded cell opened (the page without folding), into _build/page_heights.json."""
    folded = page.evaluate("document.documentElement.scrollHeight")
    n = page.evaluate("document.querySelectorAll('details.hide').length")
    assert n >= 1, f"{doc}: no code cell is folded (tag plotting/bookkeeping cells hide-input)"
    page.evaluate("document.querySelectorAll('details.hide').forEach(d => d.open = true)")
    page.wait_for_timeout(100)
    unfolded = page.evaluate("document.documentElement.scrollHeight")
    page.evaluate("document.querySelectorAll('details.hide').forEach(d => d.open = false)")
    assert folded < unfolded, f"{doc}: folding does not shorten the page ({folded} vs {unfolded} px)"
    out = BUILD / "page_heights.json"
    data = json.loads(out.read_text()) if out.exists() else {}
    data[doc] = {"folded_px": folded, "unfolded_px": unfolded, "folded_cells": n, "width_px": 1280}
    out.write_text(json.dumps(data, indent=1))


PAGES = toc_files()


@pytest.mark.parametrize("doc", PAGES)
def test_page_in_browser(site, browser, doc):
    path = site / f"{doc}.html"
    assert path.exists(), f"{path} was not built"
    t0 = time.time()
    ctx, page, problems = open_page(browser, path)
    try:
        math = page.evaluate("""() => {
            const els = [...document.querySelectorAll('span.math, div.math')];
            return {total: els.length,
                    raw: els.filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 80)),
                    errors: document.querySelectorAll('mjx-merror').length};
        }""")
        assert not math["raw"], f"math left as raw TeX: {math['raw'][:3]}"
        assert math["errors"] == 0, f"{math['errors']} MathJax error(s) on the page"

        broken = page.evaluate("""() => [...document.images]
            .filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'))""")
        assert not broken, f"images that do not load: {broken}"

        for href in page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)"):
            if not href.startswith("file://"):
                continue
            url = urllib.parse.urlparse(href)
            target = pathlib.Path(urllib.parse.unquote(url.path))
            assert target.exists(), f"broken internal link: {href}"
            if url.fragment and target.suffix == ".html" and target.is_file():
                assert url.fragment in ids_of(target), f"link to a missing anchor: {href}"

        if doc.startswith("notebooks/") or doc == "book/intro":
            assert page.locator(".repro-badge").count() >= 1, "no article-claims badge on the page"
        if doc.startswith("notebooks/"):
            check_ledger_in_viewport(page, 1280)
            record_page_height(page, doc)
        if doc == "book/status":
            bottom = page.evaluate("() => Math.max(...[...document.querySelectorAll('.status-row')]"
                                   ".map(e => e.getBoundingClientRect().bottom + window.scrollY))")
            assert bottom <= 2 * 900, f"the status dashboard ends at {bottom:.0f}px: more than two 900px screens"
        name = doc.replace("/", "_")
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        assert not problems, "\n".join(problems)
    finally:
        ctx.close()

    # A reader on a phone: the page must not be wider than the screen (wide tables scroll inside their box).
    ctx, page, problems = open_page(browser, path, width=390)
    try:
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        page.screenshot(path=str(SHOTS / f"{name}_390px.png"), full_page=doc == "book/status")
        if doc.startswith("notebooks/"):
            check_ledger_in_viewport(page, 390)
        assert overflow <= 2, f"page is {overflow}px wider than a 390px screen"
        assert not problems, "\n".join(problems)
    finally:
        ctx.close()
    print(f"{doc}: {time.time() - t0:.1f} s, {math['total']} math elements")


def test_dark_mode_keeps_math_and_figures_readable(site, browser):
    nbs = article_notebooks()
    if not nbs:
        pytest.skip("no article notebooks")
    ctx, page, problems = open_page(browser, site / "notebooks" / f"{nbs[0].stem}.html", dark=True)
    try:
        assert page.evaluate("document.documentElement.dataset.theme") == "dark"
        colors = page.evaluate("""() => {
            const m = document.querySelector('mjx-container');
            const bg = getComputedStyle(document.body).backgroundColor;
            return {math: m ? getComputedStyle(m).color : null, bg};
        }""")
        if colors["math"] is not None:
            assert colors["math"] != colors["bg"], f"math is drawn in the background colour: {colors}"
        page.screenshot(path=str(SHOTS / f"{nbs[0].stem}_dark.png"), full_page=False)
        assert not problems, "\n".join(problems)
    finally:
        ctx.close()


def test_executed_notebooks_are_downloadable(site):
    for nb in article_notebooks():
        page = (site / "notebooks" / f"{nb.stem}.html").read_text(encoding="utf-8")
        assert f"_executed/{nb.stem}.ipynb" in page, f"{nb.stem}: no link to the executed notebook"
        executed = site / "_executed" / f"{nb.stem}.ipynb"
        assert executed.exists(), f"{executed} missing"
        cells = json.loads(executed.read_text(encoding="utf-8"))["cells"]
        assert any(c.get("outputs") for c in cells if c["cell_type"] == "code"), f"{executed} has no outputs"
        meta = json.loads(executed.read_text(encoding="utf-8"))["metadata"]
        assert "widgets" not in meta, (f"{executed} holds ipywidgets state: the page would load widget scripts from "
                                       "a CDN (batch runs set REPRO_BATCH and HF_HUB_DISABLE_PROGRESS_BARS)")
