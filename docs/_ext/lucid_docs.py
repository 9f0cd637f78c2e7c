"""Sphinx glue for lucid's API reference: pages that fill themselves in from the package.

``.. lucid-api:: lucid.nn`` lists every public object of a module, grouped by
the file that defines it (the group's title is the first line of that file's
docstring), one autosummary table per group, each object with its own page.
The list is read from the package at build time, so a new layer, optimizer
or op gets a page as soon as it is exported, with no edit to the docs.

Public objects of a module: the names in ``__all__`` when it is defined,
else every name not starting with ``_`` that is a class or a function
defined inside lucid.  A second name for the same object (``clamp`` for
``clip``) is listed as an alias of the first.

Options of the directive:

``:exclude: a, b``   names to leave out (documented on another page);
``:optional:``       print nothing if the module does not exist;
``:no-module-docs:`` do not print each group's module docstring.

If a module is not written yet (``ModuleNotFoundError`` for that very
module), the page says so instead of failing; any other import error is a
build warning, so ``-W`` catches a broken module.

The stubs (one ``.rst`` per object, under ``api/generated/``) are written at
``builder-inited`` from ``_templates/autosummary/*.rst``; stale ones are
removed.

Docstring helpers around numpydoc:

* ``Forward Calculation`` and ``Backward Gradient Calculation`` are sections
  of their own on every page that has them (the course's layout): taken out
  before numpydoc (which knows only its fixed list of sections and would drop
  them) and put back after it, as headed sections right after Parameters and
  Attributes, followed by Examples, then Notes and References;
* other sections numpydoc does not know (``Shape``, ...) are moved into
  ``Notes`` under a rubric, instead of being dropped;
* a :class:`lucid.Tensor` method with no docstring that is the method form
  of an op (``t.exp()``) gets a line pointing to the op's page.
"""
from __future__ import annotations

import importlib
import inspect
import re
import sys
import tempfile
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

logger = logging.getLogger(__name__)

API_DIR = "api"
GENERATED = "generated"
DIRECTIVE_RE = re.compile(r"^\.\. lucid-api::\s*(\S+)\s*$")
OPTION_RE = re.compile(r"^\s+:(\w[\w-]*):\s*(.*)$")


# ---------------------------------------------------------------------------- discovery
class NotWrittenYet(Exception):
    pass


def import_module(name: str):
    """Import ``name``; NotWrittenYet if that module (or a parent) does not exist yet."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
            raise NotWrittenYet(name) from None
        raise


def _is_documentable(obj) -> bool:
    if inspect.ismodule(obj):
        return False
    if not (inspect.isclass(obj) or inspect.isfunction(obj) or inspect.isbuiltin(obj) or callable(obj)):
        return False
    module = getattr(obj, "__module__", None) or ""
    return module == "lucid" or module.startswith("lucid.")


def public_members(module, exclude=()) -> list[tuple[str, object]]:
    """(name, object) for each public object, in the module's order."""
    names = getattr(module, "__all__", None)
    if names is None:
        names = [n for n in vars(module) if not n.startswith("_")]
    out = []
    for name in names:
        if name in exclude:
            continue
        obj = getattr(module, name, None)
        if obj is not None and _is_documentable(obj):
            out.append((name, obj))
    return out


def grouped(module, exclude=()):
    """[(defining module name, [(name, obj, [aliases])])] in order of first appearance."""
    members = public_members(module, exclude)
    by_id: dict[int, list[str]] = {}
    for name, obj in members:
        by_id.setdefault(id(obj), []).append(name)
    groups: dict[str, list] = {}
    seen: set[int] = set()
    for name, obj in members:
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        names = by_id[id(obj)]
        own = getattr(obj, "__name__", None)
        canonical = own if own in names else names[0]
        aliases = [n for n in names if n != canonical]
        groups.setdefault(obj.__module__, []).append((canonical, obj, aliases))
    return list(groups.items())


def group_title(modname: str) -> tuple[str, list[str]]:
    """Title (first line of the module docstring, up to a colon) and the rest of the docstring."""
    try:
        doc = inspect.getdoc(importlib.import_module(modname)) or ""
    except Exception:  # noqa: BLE001 - a title is not worth failing for
        doc = ""
    lines = doc.splitlines()
    first = lines[0].strip() if lines else modname
    title = first.split(":", 1)[0].strip() if ":" in first[:60] else first.rstrip(".")
    if not title or title.startswith("``"):
        title = modname
    rest = lines[1:]
    while rest and not rest[0].strip():
        rest.pop(0)
    return title, rest


def source_file(modname: str) -> str:
    """The file that defines ``modname``, relative to the repository: a package is its ``__init__.py``."""
    try:
        path = Path(importlib.import_module(modname).__file__).resolve()
        root = Path(importlib.import_module(modname.split(".")[0]).__file__).resolve().parent.parent
        return path.relative_to(root).as_posix()
    except Exception:  # noqa: BLE001 - fall back to the dotted name
        return modname.replace(".", "/") + ".py"


# ---------------------------------------------------------------------------- the directive
class LucidAPI(SphinxDirective):
    required_arguments = 1
    has_content = False
    option_spec = {
        "exclude": directives.unchanged,
        "optional": directives.flag,
        "no-module-docs": directives.flag,
    }

    def run(self):
        modname = self.arguments[0]
        exclude = {n.strip() for n in self.options.get("exclude", "").split(",") if n.strip()}
        try:
            module = import_module(modname)
        except NotWrittenYet:
            if "optional" in self.options:
                return []
            text = (f"``{modname}`` is not written yet. This page fills itself in from the docstrings "
                    f"as soon as the module exists; nothing here needs editing.")
            note = nodes.note()
            self.state.nested_parse(StringList([text], source=f"<lucid-api {modname}>"), 0, note)
            return [note]
        except Exception as exc:  # noqa: BLE001 - report, keep building
            logger.warning(f"lucid-api: importing {modname} failed: {type(exc).__name__}: {exc}",
                           location=self.get_location())
            return []

        groups = grouped(module, exclude)
        lines: list[str] = [f".. currentmodule:: {modname}", ""]
        many = len(groups) > 1
        for defining, members in groups:
            title, rest = group_title(defining)
            if many:
                lines += [title, "-" * max(len(title), 3), ""]
            if "no-module-docs" not in self.options and many and rest:
                lines += rest + [""]
            if many:
                lines += [f"*Source:* ``{source_file(defining)}``", ""]
            lines += [".. autosummary::", f"   :toctree: {GENERATED}", "   :nosignatures:", ""]
            lines += [f"   {name}" for name, _, _ in members] + [""]
            aliases = [(a, name) for name, _, al in members for a in al]
            if aliases:
                lines.append("Aliases: " + "; ".join(f"``{a}`` is :obj:`{n}`" for a, n in aliases) + ".")
                lines.append("")
        node = nodes.section() if many else nodes.container()
        node.document = self.state.document
        nested_parse_with_titles(self.state, StringList(lines, source=f"<lucid-api {modname}>"), node)
        return node.children


# ---------------------------------------------------------------------------- stubs
def _api_directives(srcdir: Path):
    """Every ``.. lucid-api::`` in the sources: (module name, excluded names, optional)."""
    found = []
    for path in sorted((srcdir / API_DIR).glob("*.rst")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            m = DIRECTIVE_RE.match(line)
            if not m:
                continue
            options = {}
            for opt in lines[i + 1:]:
                om = OPTION_RE.match(opt)
                if not om:
                    break
                options[om.group(1)] = om.group(2)
            exclude = {n.strip() for n in options.get("exclude", "").split(",") if n.strip()}
            found.append((m.group(1), exclude, "optional" in options))
    return found


def generate_stubs(app) -> None:
    from sphinx.ext.autosummary.generate import generate_autosummary_docs

    srcdir = Path(app.srcdir)
    outdir = srcdir / API_DIR / GENERATED
    names: list[str] = []
    for modname, exclude, _optional in _api_directives(srcdir):
        try:
            module = import_module(modname)
        except NotWrittenYet:
            continue
        except Exception as exc:  # noqa: BLE001 - reported by the directive as well
            logger.warning(f"lucid-api: importing {modname} failed: {type(exc).__name__}: {exc}")
            continue
        for _defining, members in grouped(module, exclude):
            names += [f"{modname}.{name}" for name, _, _ in members]
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "lucid_api_listing.rst"
        listing.write_text(".. autosummary::\n   :toctree: .\n\n" + "".join(f"   {n}\n" for n in names),
                           encoding="utf-8")
        written = generate_autosummary_docs([str(listing)], output_dir=str(outdir), app=app,
                                            suffix=".rst", overwrite=True)
    keep = {Path(p).resolve() for p in written}
    for stale in outdir.glob("*.rst"):
        if stale.resolve() not in keep:
            stale.unlink()


# ---------------------------------------------------------------------------- docstrings
_NUMPYDOC_SECTIONS = {
    "parameters", "other parameters", "returns", "yields", "receives", "raises", "warns", "warnings",
    "see also", "notes", "references", "examples", "attributes", "methods", "summary",
    "extended summary", "signature", "index",
}
_MOVED_TO_NOTES = re.compile(
    r"^(forward.*|backward.*|gradient.*|shape|shapes|math|derivation|complexity|initiali[sz]ation|"
    r"parameter count|parameters count|numerical stability|differences from pytorch)$",
    re.I,
)


def _split_sections(lines):
    """[(title or None, body lines)] for a numpydoc docstring."""
    out = [(None, [])]
    i = 0
    while i < len(lines):
        if (i + 1 < len(lines) and lines[i].strip() and re.fullmatch(r"\s*-{3,}\s*", lines[i + 1])
                and len(lines[i + 1].strip()) == len(lines[i].strip())):
            out.append((lines[i].strip(), []))
            i += 2
            continue
        out[-1][1].append(lines[i])
        i += 1
    return out


# The course's two math sections, in this order, each a headed section of its own.
CALCULATION_SECTIONS = ("Forward Calculation", "Backward Gradient Calculation")
_CALCULATION_KEYS = {t.lower(): t for t in CALCULATION_SECTIONS}
_PENDING_CALCULATIONS: dict[str, list[tuple[str, list[str]]]] = {}


def take_calculation_sections(app, what, name, obj, options, lines) -> None:
    """Before numpydoc: take out the Forward/Backward Calculation sections (numpydoc would drop them)."""
    _PENDING_CALCULATIONS.pop(name, None)
    if not any(re.fullmatch(r"\s*-{3,}\s*", ln) for ln in lines):
        return
    sections = _split_sections(lines)
    calc = [(_CALCULATION_KEYS[t.lower()], b) for t, b in sections if t and t.lower() in _CALCULATION_KEYS]
    if not calc:
        return
    order = {t: i for i, t in enumerate(CALCULATION_SECTIONS)}
    if [t for t, _ in calc] != sorted((t for t, _ in calc), key=order.get):
        logger.warning(f"{name}: write 'Forward Calculation' before 'Backward Gradient Calculation'")
    _PENDING_CALCULATIONS[name] = calc
    lines[:] = _join_sections([(t, b) for t, b in sections if not (t and t.lower() in _CALCULATION_KEYS)])


def place_calculation_sections(app, what, name, obj, options, lines) -> None:
    """After numpydoc: the course's order, Parameters/Attributes, Forward, Backward, Examples, Notes, References."""
    calc = _PENDING_CALCULATIONS.pop(name, None)
    if not calc:
        return
    top = re.compile(r"^\.\. (rubric|only|seealso|warning)::")
    # split numpydoc's output at its top-level section starts
    head_end = next((i for i, ln in enumerate(lines) if top.match(ln)), len(lines))
    head, blocks, cur = lines[:head_end], [], None
    for ln in lines[head_end:]:
        if top.match(ln):
            cur = [ln]
            blocks.append(cur)
        else:
            cur.append(ln)
    first_tail = next((i for i, b in enumerate(blocks)
                       if re.match(r"^\.\. rubric:: (Notes|References|Examples)\s*$", b[0])), len(blocks))
    before, tail = blocks[:first_tail], blocks[first_tail:]
    examples = [b for b in tail if b[0].strip() == ".. rubric:: Examples"]
    rest = [b for b in tail if b[0].strip() != ".. rubric:: Examples"]
    math = []
    for title, body in calc:
        math += [f".. rubric:: {title}", ""] + _dedent(body) + [""]
    new = head + [""] + [ln for b in before for ln in b] + math
    new += [ln for b in examples + rest for ln in b]
    lines[:] = new


def _join_sections(sections):
    new = []
    for title, body in sections:
        if title:
            new += [title, "-" * len(title)]
        new += body
        if title and (not body or body[-1].strip()):
            new.append("")
    return new


def move_custom_sections(app, what, name, obj, options, lines) -> None:
    """Turn sections numpydoc does not know (``Shape``, ...) into rubrics inside ``Notes`` (numpydoc drops them)."""
    if not any(re.fullmatch(r"\s*-{3,}\s*", ln) for ln in lines):
        return
    sections = _split_sections(lines)
    custom = [(t, b) for t, b in sections if t and t.lower() not in _NUMPYDOC_SECTIONS]
    if not custom:
        return
    for title, _ in custom:
        if not _MOVED_TO_NOTES.match(title):
            logger.warning(f"{name}: docstring section {title!r} is not a numpydoc section; "
                           f"it is shown under Notes (rename it, or use Notes)")
    kept = [(t, b) for t, b in sections if not (t and t.lower() not in _NUMPYDOC_SECTIONS)]
    extra = []
    for title, body in custom:
        extra += [f".. rubric:: {title}", ""] + _dedent(body) + [""]
    notes = next((b for t, b in kept if t and t.lower() == "notes"), None)
    if notes is None:
        # Notes sits before References and Examples in numpydoc's order
        at = next((i for i, (t, _) in enumerate(kept) if t and t.lower() in ("references", "examples")), len(kept))
        kept.insert(at, ("Notes", extra))
    else:
        notes[:0] = extra
    lines[:] = _join_sections(kept)


def _dedent(body):
    import textwrap

    return textwrap.dedent("\n".join(body)).strip("\n").splitlines()


def tensor_method_docs(app, what, name, obj, options, lines) -> None:
    """Give ``lucid.Tensor.<op>`` methods without a docstring a pointer to the op's page."""
    if what != "method" or not name.startswith("lucid.Tensor.") or any(ln.strip() for ln in lines):
        return
    import lucid

    method = name.rsplit(".", 1)[1]
    target = {"view": "reshape", "clamp": "clip", "__add__": "add", "__sub__": "sub", "__mul__": "mul",
              "__truediv__": "div", "__pow__": "pow", "__matmul__": "matmul", "__neg__": "neg",
              "__getitem__": "getitem", "__setitem__": "setitem_", "__iadd__": "add_", "__isub__": "sub_",
              "__imul__": "mul_", "__itruediv__": "div_"}.get(method, method)
    if callable(getattr(lucid, target, None)) and not inspect.isclass(getattr(lucid, target)):
        lines[:] = [f"Method form of :func:`lucid.{target}`: ``t.{method}(...)`` is "
                    f"``lucid.{target}(t, ...)``; the math, the gradient and examples are on that page."]


def skip_slots(app, what, name, obj, skip, options):
    """Leave ``__slots__`` descriptors out of class pages (they are listed under Attributes)."""
    if type(obj).__name__ in ("member_descriptor", "getset_descriptor"):
        return True
    return None


def reread_api_pages(app, env, added, changed, removed):
    """Pages with ``lucid-api`` list what the package exports *now*: read them on every build."""
    srcdir = Path(app.srcdir)
    pages = []
    for path in sorted((srcdir / API_DIR).glob("*.rst")):
        if ".. lucid-api::" in path.read_text(encoding="utf-8"):
            pages.append(f"{API_DIR}/{path.stem}")
    return [p for p in pages if p in env.found_docs]


def setup(app):
    # numpydoc also parses each raw docstring for its signature hook (autodoc-process-signature), before our
    # autodoc-process-docstring hooks run, and warns about the two course sections there; they are handled here.
    import warnings

    warnings.filterwarnings("ignore", category=UserWarning,
                            message=r"Unknown section (%s)" % "|".join(CALCULATION_SECTIONS))
    app.connect("env-get-outdated", reread_api_pages)
    app.add_directive("lucid-api", LucidAPI)
    app.connect("builder-inited", generate_stubs, priority=400)
    # numpydoc's own hook runs at the default priority, 500: ours before it take sections out, after it put them back
    app.connect("autodoc-process-docstring", take_calculation_sections, priority=390)
    app.connect("autodoc-process-docstring", move_custom_sections, priority=400)
    app.connect("autodoc-process-docstring", place_calculation_sections, priority=600)
    app.connect("autodoc-process-docstring", tensor_method_docs, priority=400)
    app.connect("autodoc-skip-member", skip_slots)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
