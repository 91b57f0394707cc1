"""Render the project's Markdown pages (README, CONTRIBUTING, CHANGELOG) into the site, links between them kept.

    python docs/render_markdown.py OUTPUT_DIR README.md CONTRIBUTING.md CHANGELOG.md

pdoc's Markdown renderer (markdown2, which pdoc depends on) does it, so the site needs nothing more; a link to one
of the rendered pages (`CONTRIBUTING.md`) becomes a link to its HTML page.
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import markdown2

PAGE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  <style>
    body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; color: #222; }}
    a {{ color: #5b3cc4; }}
    pre {{ background: #f6f5fb; padding: 0.75rem; overflow: auto; }}
    code {{ background: #f3f1fa; padding: 0 0.2rem; }}
    table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #ddd; padding: 0.3rem 0.5rem; }}
  </style>
</head>
<body>
<p><a href="index.html">atono documentation</a></p>
{body}
</body>
</html>
"""


def main(output: Path, sources: list[Path]) -> None:
    pages = {source.name: source.with_suffix(".html").name.lower() for source in sources}
    for source in sources:
        text = source.read_text(encoding="utf-8")
        for name, page in pages.items():
            text = re.sub(rf"\]\({re.escape(name)}(#[^)]*)?\)", lambda m, p=page: f"]({p}{m.group(1) or ''})", text)
        body = markdown2.markdown(text, extras=["fenced-code-blocks", "tables", "header-ids"])
        title = html.escape(text.splitlines()[0].lstrip("# ").strip())
        (output / pages[source.name]).write_text(PAGE.format(title=title, body=body), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), [Path(arg) for arg in sys.argv[2:]])
