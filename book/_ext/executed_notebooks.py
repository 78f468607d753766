"""Offer each chapter's *executed* notebook for download, and keep the pages that gather glued results fresh.

The theme's download button serves the source notebook, which is committed without outputs. This extension writes
the page's notebook merged with its cached execution (the one the page shows) into `_executed/` in the site, and
puts a link to it under the page title.
"""
import html
import pathlib


def _write_executed(app, pagename, dest):
    """Write the page's notebook with the outputs of its cached execution; False if there is none."""
    import nbformat
    from jupyter_cache import get_cache

    src = pathlib.Path(app.env.doc2path(pagename))
    if src.suffix != ".ipynb" or not app.config.nb_execution_cache_path:
        return False
    nb = nbformat.read(src, as_version=4)
    try:
        _, merged = get_cache(app.config.nb_execution_cache_path).merge_match_into_notebook(nb)
    except KeyError:  # not in the cache (e.g. execution turned off)
        return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(merged, dest)
    return True


def add_download_link(app, pagename, templatename, context, doctree):
    if not pagename.startswith("notebooks/") or "body" not in context:
        return
    name = pagename.split("/")[-1] + ".ipynb"
    if not _write_executed(app, pagename, pathlib.Path(app.outdir) / "_executed" / name):
        return
    depth = pagename.count("/")
    href = "../" * depth + f"_executed/{name}"
    link = (f'<p class="executed-download"><a class="reference download" href="{html.escape(href)}" download>'
            f'Download this notebook with its outputs</a> (as executed for this page) · the source without '
            f'outputs is under the download button at the top.</p>')
    body = context["body"]
    i = body.find("</h1>")
    context["body"] = body[: i + 5] + link + body[i + 5:] if i >= 0 else link + body


# Sphinx decides what to re-read from the source files alone. It does not notice that the tests put a new
# execution of an unchanged notebook into the cache (say after notebooks/reprocheck.py changed), nor that the
# intro and status pages paste outputs glued in the notebooks. Re-read those every build: notebooks come from the
# cache, so this costs a second or two, and the site never shows a previous run's numbers.
GATHERING_PAGES = ["book/intro", "book/status"]


def always_reread(app, env, added, changed, removed):
    return [d for d in env.found_docs if d.startswith("notebooks/") or d in GATHERING_PAGES]


def setup(app):
    app.connect("html-page-context", add_download_link)
    app.connect("env-get-outdated", always_reread)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
