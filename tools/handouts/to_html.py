"""Converts executed notebooks to self-contained HTML handouts with nbconvert's HTMLExporter.

    python to_html.py EXECUTED.ipynb OUT.html SOURCE_DIR TEMPLATE_DIR [TITLE]
    python to_html.py --serve TEMPLATE_DIR

The first form converts one notebook. The second reads one JSON object per line on stdin,
{"executed", "out", "source_dir", "title"}, converts it and answers one JSON line on stdout,
{"ok": true} or {"ok": false, "error": "..."}: tools/handouts/export.ts starts it while the
notebooks run, so nbconvert's slow import is paid once and early.

SOURCE_DIR is the folder of the original notebook, so that embedded images that its Markdown
references by relative path are found. The HTML is written under a temporary name and renamed:
OUT.html is either absent or complete.
"""
import json
import os
import sys
import traceback

import nbformat
from nbconvert import HTMLExporter
from traitlets.config import Config

TEMPLATE_NAME = "conclab-handout"


def make_exporter(template_dir):
    config = Config()
    config.TemplateExporter.extra_template_basedirs = [template_dir]
    config.HTMLExporter.template_name = TEMPLATE_NAME
    config.HTMLExporter.theme = "light"
    config.HTMLExporter.embed_images = True
    config.HTMLExporter.exclude_anchor_links = True
    # The template drops the blocks that use these; empty so that no host name can appear anyway.
    config.HTMLExporter.require_js_url = ""
    config.HTMLExporter.mathjax_url = ""
    config.HTMLExporter.mermaid_js_url = ""
    return HTMLExporter(config=config)


def convert(exporter, executed, out, source_dir, title=None):
    notebook = nbformat.read(executed, as_version=4)
    if title:
        notebook.metadata["title"] = title
    name = os.path.splitext(os.path.basename(out))[0]
    body, _ = exporter.from_notebook_node(notebook, resources={"metadata": {"name": name, "path": source_dir}})
    partial = out + ".partial"
    with open(partial, "w", encoding="utf-8") as f:
        f.write(body)
    os.replace(partial, out)


def serve(template_dir):
    answers = sys.stdout
    sys.stdout = sys.stderr  # anything a library prints must not mix with the answers
    exporter = make_exporter(template_dir)

    def answer(value):
        answers.write(json.dumps(value) + "\n")
        answers.flush()

    answer({"ready": True})
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            job = json.loads(line)
            convert(exporter, job["executed"], job["out"], job["source_dir"], job.get("title"))
            answer({"ok": True})
        except Exception:  # the caller reports it with the notebook's name
            answer({"ok": False, "error": traceback.format_exc(limit=8)})
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "--serve":
        return serve(argv[2])
    if len(argv) not in (5, 6):
        sys.stderr.write(__doc__)
        return 2
    convert(make_exporter(argv[4]), argv[1], argv[2], argv[3], argv[5] if len(argv) == 6 else None)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
