"""Build the site strictly (warnings are errors) from the cache the notebook tests filled, then check the HTML."""
import html.parser
import re
import shutil
import subprocess
import sys
import time
import urllib.parse

import pytest

from conftest import BUILD, HTML, ROOT, article_notebooks, toc_files



@pytest.fixture(scope="module")
def build():
    jb = shutil.which("jupyter-book", path=str(ROOT / ".venv" / "bin")) or shutil.which("jupyter-book")
    assert jb, "jupyter-book is not installed (pip install -r requirements.txt)"
    t0 = time.time()
    proc = subprocess.run([jb, "build", str(ROOT), "-W", "-n", "--keep-going"], cwd=ROOT,
                          capture_output=True, text=True, timeout=3600)
    log = proc.stdout + proc.stderr
    (BUILD / "build.log").write_text(log)
    print(f"jupyter-book build: {time.time() - t0:.1f} s")
    return proc.returncode, log


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.imgs, self.links, self.ids, self.classes = [], [], set(), []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "img" and a.get("src"):
            self.imgs.append(a["src"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        self.classes.append(a.get("class", ""))


def parse(path):
    p = Page()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def test_build_is_clean(build):
    code, log = build
    warnings = [line for line in log.splitlines() if "WARNING" in line and "Kernel is running over TCP" not in line]
    assert code == 0, "jupyter-book build failed:\n" + "\n".join(log.splitlines()[-40:])
    assert not warnings, "build warnings:\n" + "\n".join(warnings)
    assert (HTML / "index.html").exists()
    assert not list((HTML / "reports").glob("**/*.err.log")) if (HTML / "reports").exists() else True


def test_notebooks_came_from_the_cache(build):
    """The notebook tests fed the cache, so the build should execute nothing (when they ran first)."""
    _, log = build
    if "Executing notebook" in log:
        pytest.skip("notebooks were executed by the build (run the notebook tests first to use the cache)")
    for nb in article_notebooks():
        assert f"notebooks/{nb.stem}" in log or nb.stem in log


@pytest.mark.parametrize("doc", toc_files())
def test_page_exists_and_resources_load(build, doc):
    page = HTML / f"{doc}.html"
    assert page.exists(), f"{page} missing"
    p = parse(page)
    for src in p.imgs:
        if src.startswith("data:") or src.startswith("http"):
            continue
        target = (page.parent / urllib.parse.unquote(src.split("#")[0])).resolve()
        assert target.exists(), f"{doc}: image {src} does not exist"
    for href in p.links:
        if href.startswith(("http", "mailto:", "#", "javascript:")) or not href:
            continue
        path, _, anchor = href.partition("#")
        target = (page.parent / urllib.parse.unquote(path)).resolve()
        assert target.exists(), f"{doc}: broken link {href}"
        if anchor and target.suffix == ".html":
            assert anchor in parse(target).ids, f"{doc}: link {href} points to a missing anchor"


@pytest.mark.parametrize("nb", article_notebooks(), ids=lambda p: p.stem)
def test_article_page_has_badge_claims_and_figures(build, nb):
    page = HTML / "notebooks" / f"{nb.stem}.html"
    text = page.read_text(encoding="utf-8")
    assert re.search(r'class="[^"]*sd-badge[^"]*"[^>]*>\s*reproduced \d+/\d+', text), "badge missing at the top"
    assert "Reproduction check" in text and "Tolerance" in text, "claims table missing"
    assert "❌ FAILED" not in text, "a failed claim is on the page"
    assert 'class="output traceback' not in text and "Traceback (most recent call last)" not in text, \
        "a cell raised"
    figures = [s for s in parse(page).imgs if s.endswith(".png") and "_static" not in s]
    assert len(figures) >= 1, "no figures on the page"
    assert "&lt;Figure size" not in text, "a figure was rendered as text (no image/png output)"


def test_status_and_intro_gather_every_article(build):
    status = (HTML / "book" / "status.html").read_text(encoding="utf-8")
    intro = (HTML / "book" / "intro.html").read_text(encoding="utf-8")
    nbs = article_notebooks()
    assert status.count("claims-table") >= len(nbs), "a claims table is missing from the status page"
    for text, name in ((status, "status"), (intro, "intro")):
        assert text.count("repro-badge") >= len(nbs), f"a badge is missing from the {name} page"
