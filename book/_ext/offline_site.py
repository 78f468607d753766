"""Keep pages free of scripts that need the network or break offline.

sphinx-thebe (always enabled by Jupyter Book 1) injects an inline script that declares `THEBE_JS_URL`, a CDN
address, and with these versions it is added twice, which raises "Identifier 'THEBE_JS_URL' has already been
declared" in the browser. This book has no live-code (Thebe) button, so the thebe scripts are dropped from every
page. It also deduplicates any other script that ends up listed twice.
"""


def _is_thebe(js):
    filename = str(getattr(js, "filename", js) or "")
    body = str(getattr(js, "attributes", {}).get("body", "")) if hasattr(js, "attributes") else ""
    return "thebe" in filename or "THEBE_JS_URL" in body


def clean_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for js in scripts:
        if _is_thebe(js):
            continue
        key = (str(getattr(js, "filename", js)), str(getattr(js, "attributes", {}).get("body", ""))
               if hasattr(js, "attributes") else "")
        if key in seen:
            continue
        seen.add(key)
        kept.append(js)
    context["script_files"] = kept


def setup(app):
    app.connect("html-page-context", clean_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}
