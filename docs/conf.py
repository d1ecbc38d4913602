# Sphinx configuration of the documentation site. Build it with `make docs` (scripts/build_docs.py stages the
# notebooks next to this file's copy and runs sphinx-build -W); do not run sphinx-build on docs/ directly.
import os

project = "deblur_nb"
author = "deblur_nb developers"
copyright = "2026 onwards, deblur_nb developers"

extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.mathjax"]
source_suffix = {".rst": "restructuredtext", ".ipynb": "myst-nb", ".md": "myst-nb"}
exclude_patterns = ["_build"]

# notebooks are rendered with the outputs saved in them: nothing is executed at build time
nb_execution_mode = "off"
nb_ipywidgets_js = {}                   # no widget JavaScript from a CDN
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3
suppress_warnings = ["mystnb.unknown_mime_type", "misc.highlighting_failure"]  # a JSON sketch with "..." is not valid JSON

# API reference from docstrings; signatures keep the source's annotations
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
add_module_names = False

# equations render offline: MathJax 2.7 from the jupyter-server-mathjax package, copied into _static by the build
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
mathjax2_config = {"tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]],
                               "processEscapes": True, "processRefs": False}}

html_theme = "sphinx_book_theme"
html_title = "deblur_nb"
html_static_path = ["_static"]
html_theme_options = {"show_toc_level": 2, "use_download_button": False, "use_fullscreen_button": False,
                      "home_page_in_toc": True}
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False
html_baseurl = os.environ.get("DEBLUR_NB_DOCS_BASEURL", "")

# The docstrings are written in Markdown (nbdev's convention: `code` in single backticks). Turn each docstring line
# into reStructuredText that says the same: `x` becomes the literal ``x``, and characters that reST would read as
# markup (* | trailing _ and backslashes) are escaped, so autodoc renders the text as written.
import re as _re

_SPAN = _re.compile(r"(`+)(.+?)\1")


def _plain(s: str) -> str:
    s = s.replace("\\", "\\\\").replace("*", "\\*").replace("|", "\\|")
    return _re.sub(r"(?<=\w)_(?=\W|$)", r"\\_", s)


def _md_line(line: str) -> str:
    out, pos = [], 0
    for m in _SPAN.finditer(line):
        out.append(_plain(line[pos:m.start()]))
        lit = "``" + m.group(2).strip() + "``"
        if out[-1] and (out[-1][-1].isalnum() or out[-1][-1] in ")]}"): lit = "\\ " + lit
        nxt = line[m.end():m.end() + 1]
        if nxt and (nxt.isalnum() or nxt in "([{"): lit += "\\ "
        out.append(lit); pos = m.end()
    out.append(_plain(line[pos:]))
    return "".join(out)


def _markdown_docstring(app, what, name, obj, options, lines):
    lines[:] = [_md_line(l) for l in lines]


def setup(app):
    app.connect("autodoc-process-docstring", _markdown_docstring)
