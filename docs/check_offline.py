"""Fail if the built site would load anything from the network when a page is opened.

Run by ``docs/build.sh`` after the HTML build::

    python docs/check_offline.py docs/_build/html

A page must render, formulas included, on a machine with no internet (a lab, a
train).  So no built page may *load* a resource from another host: no
``<script src>``, no stylesheet, font, icon or preload ``<link href>``, no
``<img>``/``<iframe>``/``<video>``... ``src``, and no CSS (file, ``<style>``
block or ``style=""`` attribute) that ``@import``\\ s or ``url()``\\ s a remote
file.  A remote address is one that starts with ``http:``, ``https:`` or
``//`` (protocol-relative).

Plain links to other sites (``<a href="https://...">``) are fine: the reader
follows them or not; nothing is fetched to show the page.

Exit status 0 when the site is self-contained, 1 (with every offending
file, line and address listed) when it is not.
"""
from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

REMOTE = re.compile(r"^\s*(?:https?:)?//", re.I)
# CSS: @import "x" / @import url(x) / url(x), quoted or not.
CSS_REF = re.compile(r"""@import\s+(?:url\(\s*)?["']?([^"')\s;]+)|url\(\s*["']?([^"')\s]+)""", re.I)
# <link rel=...> values that only name a related page, and fetch nothing to show this one.
NAVIGATION_RELS = {"canonical", "alternate", "next", "prev", "previous", "index", "search", "author",
                   "license", "help", "home", "up", "first", "last", "top", "contents", "copyright"}
# Elements whose src (or data/poster) the browser fetches while showing the page.
FETCHED_SRC = {"script", "img", "iframe", "frame", "embed", "video", "audio", "source", "track", "input", "image"}


def remote_css_refs(css: str):
    """Remote addresses that CSS text would fetch (@import and url())."""
    for m in CSS_REF.finditer(css):
        ref = m.group(1) or m.group(2)
        if ref and REMOTE.match(ref):
            yield ref


class PageScanner(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str, str]] = []   # (line, what, address)
        self._in_style = False

    def _add(self, what, address):
        self.found.append((self.getpos()[0], what, address))

    def handle_starttag(self, tag, attrs):
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag in FETCHED_SRC:
            for key in ("src", "data", "poster", "srcset"):
                for ref in a.get(key, "").split(","):
                    ref = ref.strip().split(" ")[0]
                    if ref and REMOTE.match(ref):
                        self._add(f"<{tag} {key}>", ref)
        elif tag == "object" and REMOTE.match(a.get("data", "")):
            self._add("<object data>", a["data"])
        elif tag == "link":
            rels = set(a.get("rel", "").lower().split())
            href = a.get("href", "")
            if href and REMOTE.match(href) and not rels <= NAVIGATION_RELS:
                self._add(f"<link rel={a.get('rel', '')!r}>", href)
        if "style" in a:
            for ref in remote_css_refs(a["style"]):
                self._add(f"<{tag} style>", ref)
        if tag == "style":
            self._in_style = True

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            for ref in remote_css_refs(data):
                self._add("<style>", ref)


def check(site: Path) -> list[str]:
    problems = []
    pages = sorted(site.rglob("*.html"))
    for page in pages:
        scanner = PageScanner()
        scanner.feed(page.read_text(encoding="utf-8", errors="replace"))
        scanner.close()
        for line, what, ref in scanner.found:
            problems.append(f"{page.relative_to(site)}:{line}: {what} loads {ref}")
    for sheet in sorted(site.rglob("*.css")):
        text = sheet.read_text(encoding="utf-8", errors="replace")
        for ref in remote_css_refs(text):
            line = text.count("\n", 0, text.find(ref)) + 1
            problems.append(f"{sheet.relative_to(site)}:{line}: CSS loads {ref}")
    if not pages:
        problems.append(f"{site}: no HTML pages found (build the docs first)")
    return problems


def main(argv: list[str]) -> int:
    site = Path(argv[1] if len(argv) > 1 else "docs/_build/html")
    problems = check(site)
    if problems:
        print(f"check_offline: {len(problems)} reference(s) to the network in {site}; "
              f"a reader without internet would miss them:", file=sys.stderr)
        for p in problems:
            print("  " + p, file=sys.stderr)
        print("Ship the file in docs/_static (or a package copied there) instead.", file=sys.stderr)
        return 1
    n_html = sum(1 for _ in site.rglob("*.html"))
    n_css = sum(1 for _ in site.rglob("*.css"))
    print(f"check_offline: {n_html} pages and {n_css} stylesheets load nothing from the network.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
