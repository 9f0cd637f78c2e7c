"""Open the built pages in headless Chromium with the network unreachable, screenshot them, and check them.

Not run in CI (it needs a browser); run it after changing the theme, ``_static/lucid.css`` or a
page's layout, and look at the screenshots::

    apt-get install chromium            # Debian's package
    python -m pip install playwright    # drives the installed chromium; downloads no browser
    bash docs/build.sh --no-install
    python docs/check_pages.py          # screenshots in docs/_build/screenshots/

For every guide page (``docs/*.rst``, ``docs/tutorials/*.rst``) and a few API pages it reports, and
exits 1 if any page has one of them:

* a request that left the machine (the browser runs with an unreachable proxy and every host name
  unresolvable, and every request that is not ``file:`` or ``data:`` is listed);
* a formula MathJax did not typeset (raw LaTeX left in the page) or typeset with an error;
* something cut off: a block wider than its box that does not scroll, or anything in the article
  or the sidebars running past the window's right edge.

It also lists, without failing, code blocks whose long lines the CSS wrapped (worth shortening in
the source) and display formulas that were shrunk or scroll.  Options: ``--width 1280`` (window
width in CSS pixels), ``--out DIR``, ``--pages a.html,b.html`` (relative to the built site).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SITE = HERE / "_build" / "html"
API_PAGES = ["api/autograd.html", "api/generated/lucid.nn.SEModule.html", "api/generated/lucid.Tensor.html",
             "api/generated/lucid.nn.Linear.html", "api/generated/lucid.nn.Conv2d.html"]

# Runs in the page once it has loaded: waits for MathJax, then measures.
CHECK = r"""
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  await document.fonts.ready;
  await new Promise(done => setTimeout(done, 200));   // let _static/lucid.js fit the formulas
  const main = document.querySelector('.bd-article') || document.body;
  const colRight = main.getBoundingClientRect().right;
  const r = {mathjax: (window.MathJax && MathJax.version) || null};
  r.raw_tex = Array.from(document.querySelectorAll('.math'))
    .filter(e => !e.querySelector('mjx-container')).map(e => e.textContent.slice(0, 80));
  r.tex_errors = Array.from(document.querySelectorAll('mjx-merror'))
    .map(e => e.getAttribute('data-mjx-error') || e.textContent.slice(0, 80));
  r.cut = []; r.scrolls = []; r.wrapped = [];
  for (const el of main.querySelectorAll('pre, mjx-container[display="true"], table, dt.sig, p, li')) {
    const over = el.scrollWidth - el.clientWidth;
    const text = el.textContent.trim().slice(0, 80);
    if (over > 1) {
      (['auto', 'scroll'].includes(getComputedStyle(el).overflowX) ? r.scrolls : r.cut).push({tag: el.tagName, over, text});
    }
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > colRight + 1) r.cut.push({tag: el.tagName, beyond_column: box.right - colRight, text});
  }
  for (const el of document.querySelectorAll('.bd-sidebar-primary a, .bd-sidebar-secondary a, .bd-sidebar-secondary code, .bd-header a')) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > window.innerWidth + 0.5) r.cut.push({tag: el.tagName, sidebar: true, text: el.textContent.trim().slice(0, 60)});
  }
  for (const pre of main.querySelectorAll('pre')) {
    const lines = pre.textContent.replace(/\n$/, '').split('\n');
    const cs = getComputedStyle(pre);
    const inner = pre.clientHeight - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom);
    if (inner > lines.length * parseFloat(cs.lineHeight) + 2) {
      const longest = lines.reduce((a, b) => (a.length >= b.length ? a : b));
      r.wrapped.push(`${longest.length} chars: ${longest.slice(0, 80)}`);
    }
  }
  r.scaled = Array.from(main.querySelectorAll('mjx-container[display="true"]'))
    .filter(e => e.style.fontSize).map(e => `${e.style.fontSize}: ${e.textContent.slice(0, 60)}`);
  return r;
}
"""


def default_pages(site: Path) -> list[str]:
    skip = {"genindex.html", "search.html", "py-modindex.html"}
    guides = [p for p in sorted(site.glob("*.html")) + sorted((site / "tutorials").glob("*.html"))
              if p.name not in skip]
    return [p.relative_to(site).as_posix() for p in guides] + API_PAGES


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--out", type=Path, default=HERE / "_build" / "screenshots")
    ap.add_argument("--pages", default="")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args(argv)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("check_pages: needs playwright (python -m pip install playwright) and Debian's chromium", file=sys.stderr)
        return 2
    pages = args.pages.split(",") if args.pages else default_pages(SITE)
    args.out.mkdir(parents=True, exist_ok=True)
    report, failed = {}, False
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=[
            "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND", "--no-sandbox"])
        context = browser.new_context(viewport={"width": args.width, "height": 900})
        for rel in pages:
            page = context.new_page()
            remote: list[str] = []
            page.on("request", lambda req, remote=remote: None if req.url.startswith(("file:", "data:", "blob:"))
                    else remote.append(req.url))
            page.goto((SITE / rel).as_uri(), wait_until="load")
            r = page.evaluate(CHECK)
            r["remote_requests"] = remote
            shot = args.out / (rel.replace("/", "__").removesuffix(".html") + f"_{args.width}.png")
            page.screenshot(path=str(shot), full_page=True)
            page.close()
            bad = bool(r["raw_tex"] or r["tex_errors"] or r["cut"] or remote)
            failed |= bad
            report[rel] = r
            print(f"{'FAIL' if bad else 'ok  '} {rel}: MathJax {r['mathjax']}, raw TeX {len(r['raw_tex'])}, "
                  f"errors {len(r['tex_errors'])}, cut {len(r['cut'])}, remote {len(remote)}; "
                  f"wrapped code {len(r['wrapped'])}, shrunk formulas {len(r['scaled'])}, scrolling {len(r['scrolls'])}")
            for key in ("raw_tex", "tex_errors", "cut", "remote_requests", "wrapped", "scaled", "scrolls"):
                for item in r[key][:6]:
                    print(f"       {key}: {item}")
        browser.close()
    (args.out / f"report_{args.width}.json").write_text(json.dumps(report, indent=1))
    print(f"screenshots in {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
