"""Build the site strictly (warnings are errors) from the cache the notebook tests filled, then check the HTML."""
import html.parser
import json
import re
import shutil
import subprocess
import sys
import time
import urllib.parse

import pytest

from conftest import BUILD, HTML, NB_DIR, ROOT, article_notebooks, toc_files

sys.path.insert(0, str(NB_DIR))
from reprocheck import VERDICTS  # noqa: E402



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


def page_counts(text, slug):
    """The verdict counts of the badge(s) of `slug` on a page: {verdict: n} from the data attributes."""
    out = []
    for m in re.finditer(r'<span class="repro-badge" data-slug="%s" ([^>]*)>' % re.escape(slug), text):
        attrs = dict(re.findall(r'data-([a-z-]+)="(\d+)"', m.group(1)))
        out.append({v: int(attrs[v.replace(" ", "-")]) for v in VERDICTS})
    return out


def ledger_record(slug):
    path = BUILD / "claims" / f"{slug}.json"
    if not path.exists():
        pytest.skip("run the notebook tests first: they write the ledgers")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("nb", article_notebooks(), ids=lambda p: p.stem)
def test_article_page_has_badge_summary_ledger_and_figures(build, nb):
    slug = nb.stem.split("_", 1)[1].replace("_", "-")
    page = HTML / "notebooks" / f"{nb.stem}.html"
    text = page.read_text(encoding="utf-8")
    led = ledger_record(slug)
    counts = page_counts(text, slug)
    assert counts, "badge missing"
    assert all(c == led["counts"] for c in counts), f"badge counts {counts} differ from the ledger {led['counts']}"
    assert "Reproducibility summary" in text, "the reproducibility summary is missing"
    assert text.index("Reproducibility summary") < text.index('id="claims-ledger"'), "the summary must come first"
    assert 'id="claims-ledger"' in text and "Reproduction check" in text, "the ledger is missing"
    for r in led["claims"]:
        assert f'id="claim-{r["id"]}"' in text, f"claim {r['id']} is not on the page"
        if r["kind"] == "article" and r.get("full") is not None:
            row = text[text.index(f'id="claim-{r["id"]}"'):]
            row = row[:row.index("</tr>")]
            assert "full:" in row, f"claim {r['id']}: its committed full-mode value is not on the page"
            assert f">{r['verdict']}<" in row, f"claim {r['id']}: the page does not show the verdict {r['verdict']}"
    assert "[PASS]" not in text, "a text dump repeats the ledger"
    assert ">FAILED<" not in text, "a failed check is on the page"
    assert 'class="output traceback' not in text and "Traceback (most recent call last)" not in text, \
        "a cell raised"
    figures = [s for s in parse(page).imgs if s.endswith(".png") and "_static" not in s]
    assert len(figures) >= 1, "no figures on the page"
    assert "&lt;Figure size" not in text, "a figure was rendered as text (no image/png output)"


def test_status_and_intro_gather_every_article(build):
    status = (HTML / "book" / "status.html").read_text(encoding="utf-8")
    intro = (HTML / "book" / "intro.html").read_text(encoding="utf-8")
    for nb in article_notebooks():
        slug = nb.stem.split("_", 1)[1].replace("_", "-")
        led = ledger_record(slug)
        assert f'class="status-row" data-slug="{slug}"' in status, f"{slug}: no row on the status page"
        row = status[status.index(f'class="status-row" data-slug="{slug}"'):]
        row = row[:row.index('class="status-row"', 10)] if row.count('class="status-row"') > 1 else row
        n_art = sum(r["kind"] == "article" for r in led["claims"])
        assert row.count(f"#claim-") == n_art, f"{slug}: the status page does not show every article claim"
        assert page_counts(intro, slug) == [led["counts"]], f"{slug}: the intro badge differs from the ledger"
