"""Sphinx configuration of the popdyn site (``make docs``; the quick check in tests/docs).

Stack: Sphinx with the PyData theme, MyST Markdown (every page, including the pages that were
Markdown in docs/ before the site), MyST-NB for the tutorial (notebooks written as MyST text
files, executed at build time and cached in docs/_build/.jupyter_cache), numpydoc for the
docstrings and sphinx-click for the command line.
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # popdyn, analysis and figures from this checkout

from popdyn import __version__  # noqa: E402

project = "popdyn"
author = "the popdyn authors"
copyright = "2026, the popdyn authors"
version = release = __version__

extensions = [
    "myst_nb",  # brings myst_parser
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_click",
]

# ---------------------------------------------------------------- sources
root_doc = "index"
exclude_patterns = [
    "_build",
    "data",            # the scripts and tables behind docs/transition.md and docs/validation.md
    "figures/*.md",    # the figures' captions: included by gallery.md
    "**/.ipynb_checkpoints",
]
suppress_warnings = []

# Options are spelled --name: no en dashes, no curly quotes in the command line's help.
smartquotes = False

# ---------------------------------------------------------------- MyST
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist", "substitution"]
myst_heading_anchors = 3  # docs/offsets.md links to transition.md#the-same-study-...
myst_dmath_double_inline = True

# ---------------------------------------------------------------- MyST-NB (the tutorial)
nb_execution_mode = "cache"  # `-D nb_execution_mode=off` for the quick check
nb_execution_cache_path = str(HERE / "_build" / ".jupyter_cache")
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
nb_kernel_rgx_aliases = {".*": "python3"}

# ---------------------------------------------------------------- API reference
autodoc_default_options = {"members": True, "member-order": "bysource"}
autodoc_typehints = "none"
autodoc_inherit_docstrings = False
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = set()
numpydoc_xref_param_type = False
nitpicky = False

# ---------------------------------------------------------------- HTML
html_theme = "pydata_sphinx_theme"
html_title = f"popdyn {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"**": ["sidebar-nav-bs"]}
html_static_path = ["_static"]
html_css_files = ["popdyn.css"]
html_last_updated_fmt = None


# ---------------------------------------------------------------- docstrings written as plain text
# popdyn's docstrings are numpydoc-style plain text: |x| is an absolute value there, never a
# reStructuredText substitution. Escape the bars outside ``literals`` and doctests, in the
# docstrings (autodoc) and in the command line's help (sphinx-click), rather than edit the code.
def _escape_bars(lines):
    in_doctest = False
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        if stripped.startswith("| ") or stripped == "|":  # a line block (sphinx-click writes click's \b paragraphs so)
            indent = line[: len(line) - len(stripped)]
            rest = [stripped[2:]]
            _escape_bars(rest)
            lines[i] = indent + stripped[:2] + rest[0]
            continue
        if stripped.startswith(">>>"):
            in_doctest = True
        elif not stripped:
            in_doctest = False
        if in_doctest or "|" not in line:
            continue
        parts = line.split("``")
        for j in range(0, len(parts), 2):  # outside inline literals
            parts[j] = parts[j].replace("\\|", "|").replace("|", "\\|")
        lines[i] = "``".join(parts)


# The one docstring whose layout reStructuredText cannot read as it stands: popdyn.store's
# module docstring shows the run directory as an indented block after a single colon. Read it
# as the literal block it is meant to be (the same text appears in reference/run-directory.md).
_LITERAL_AFTER = {"popdyn.store": "the unit every other popdyn tool reads:"}


def _process_docstring(app, what, name, obj, options, lines):
    tail = _LITERAL_AFTER.get(name)
    if tail is not None:
        for i, line in enumerate(lines):
            if line.rstrip().endswith(tail):
                lines[i] = line.rstrip() + ":"
    _escape_bars(lines)


def _process_click(app, ctx, lines):
    _escape_bars(lines)


def setup(app):
    app.connect("autodoc-process-docstring", _process_docstring, priority=400)  # before numpydoc (500)
    for event in ("description", "usage", "options", "arguments", "epilog"):
        app.connect(f"sphinx-click-process-{event}", _process_click)
