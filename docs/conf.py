"""Sphinx configuration for lucid's documentation.

Build (offline, warnings are errors)::

    sphinx-build -W --keep-going -b html docs docs/_build/html

Nothing here reaches the network, neither at build time (no intersphinx, no
remote images, no linkcheck) nor when the pages are read: MathJax and its
fonts are copied into ``_static/mathjax`` from a Python package, so formulas
render in a browser with no internet.  ``docs/build.sh`` fails if a built
page loads a script, stylesheet or font from the network.
"""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(HERE.parent))  # the lucid package, also when it is not installed

import lucid  # noqa: E402

project = "lucid"
author = "The lucid authors"
copyright = "2025, the lucid authors"  # noqa: A001
version = release = lucid.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.doctest",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_copybutton",
    "lucid_docs",  # docs/_ext/lucid_docs.py: the `lucid-api` directive and docstring helpers
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "conftest.py", "build.sh"]
root_doc = "index"
default_role = "code"
nitpicky = False

# -- autodoc / autosummary ----------------------------------------------------
autosummary_generate = True          # stubs for any hand-written autosummary with :toctree:
autosummary_generate_overwrite = True
autosummary_imported_members = False
autodoc_default_options = {"member-order": "bysource"}
# Type hints in the signature, as the course shows them: ``SEModule(in_channels: int, reduction: int = 16)``;
# the numpydoc Parameters section explains each one.  A signature too long for one line of the text
# column is written one parameter per line instead of being wrapped mid-way.
autodoc_typehints = "signature"
maximum_signature_line_length = 55  # name + parameters; with "class lucid.nn." that fills one line of the column
autodoc_inherit_docstrings = True
add_module_names = True
toc_object_entries_show_parents = "hide"  # page outline: "requires_grad_()", not "Tensor.requires_grad_()"

# -- numpydoc ------------------------------------------------------------------
numpydoc_show_class_members = False   # members are documented by autodoc on the same page
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_attributes_as_param_list = True
numpydoc_use_plots = False

# -- doctest (sphinx-build -b doctest; CI runs the same blocks with pytest) -----
# Only the explicit ``.. doctest::`` / ``.. testcode::`` blocks of the guides are run here;
# docstring examples are run by pytest (``--doctest-modules``, see pyproject.toml).
# Blocks that need a part of lucid still being written carry ``:skipif: not HAVE_...``
# and start running, unchanged, the day that part lands.
doctest_test_doctest_blocks = ""
doctest_global_setup = f"""
import importlib, pathlib
import numpy as np
import lucid

DOCS = pathlib.Path({str(HERE)!r})

def _has(module, *names):
    try:
        m = importlib.import_module(module)
    except ImportError:
        return False
    return all(hasattr(m, n) for n in names)

HAVE_NN = _has("lucid.nn", "Module", "Linear", "ReLU", "Sequential")
HAVE_SE = HAVE_NN and _has("lucid.nn", "SEModule")
HAVE_TORCH = _has("torch", "nn")
HAVE_TRAINING = (_has("lucid.nn", "Conv2d", "BatchNorm2d", "CrossEntropyLoss")
                 and _has("lucid.optim", "Adam") and _has("lucid.data", "DataLoader", "load_digits")
                 and _has("sklearn"))
"""

# -- copy buttons: copy the code, not the prompts or the output ------------------
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True

# -- math: MathJax from a package, not from a CDN ----------------------------------
# The PyPI package ``sphinx-mathjax-offline`` (in the docs extra) ships MathJax 3.2.2: the
# TeX-to-HTML component and its web fonts.  Its ``static/`` folder goes onto html_static_path,
# so the build copies it to ``_static/mathjax`` like any static file, and every page loads
# ``_static/mathjax/tex-chtml.js`` from disk.  (We do not list it as an extension: we only
# want its files, copied by the HTML builder only.)
_mathjax_spec = importlib.util.find_spec("sphinx-mathjax-offline")
if _mathjax_spec is None or _mathjax_spec.origin is None:
    raise RuntimeError(
        "the docs need MathJax from the package sphinx-mathjax-offline, so that formulas render "
        "offline; install the docs extra: pip install -e '.[docs]'"
    )
MATHJAX_STATIC = Path(_mathjax_spec.origin).resolve().parent / "static"
mathjax_path = "mathjax/tex-chtml.js"  # relative: resolved against each page's _static/

# -- HTML ------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"lucid {release}"
html_static_path = ["_static", str(MATHJAX_STATIC)]
html_css_files = ["lucid.css"]  # more room for the text; long code lines wrap; wide formulas fit or scroll
html_js_files = [("lucid.js", {"defer": "defer"})]  # shrink a too-wide display formula to fit, within limits
# The guides have no sub-pages: no empty "Section Navigation" sidebar beside them.
html_sidebars = {page: [] for page in ("index", "getting_started", "coming_from_pytorch", "how_lucid_works")}
html_show_sourcelink = False
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "navbar_align": "left",
    "header_links_before_dropdown": 6,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_context = {"default_mode": "light"}
