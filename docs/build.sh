#!/usr/bin/env bash
# Build the documentation offline with warnings as errors, check that the built pages load nothing
# from the network (MathJax and fonts are shipped in _static), then run every code block of the guides.
# Docstring examples are run by pytest (--doctest-modules in pyproject.toml), not here.
#
#   docs/build.sh              install the docs extra, build HTML, run the doctests
#   docs/build.sh --no-install skip the pip step (an environment that has it already)
#
# Not here (it needs a browser): python docs/check_pages.py opens the built pages in headless
# Chromium with the network unreachable, screenshots them and reports raw LaTeX or cut-off content.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" != "--no-install" ]]; then
    python -m pip install --quiet -e ".[docs]"
fi
# HTML: every page, warnings are errors (but report them all before failing).
python -m sphinx -W --keep-going -b html -d docs/_build/doctrees docs docs/_build/html
# Readable offline: no page may load a script, stylesheet or font from another host.
python docs/check_offline.py docs/_build/html
# Doctest: the `.. doctest::` blocks of the guides (blocks for unwritten features carry :skipif:).
python -m sphinx -W --keep-going -b doctest -d docs/_build/doctrees docs docs/_build/doctest
