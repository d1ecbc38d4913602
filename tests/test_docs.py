"The documentation site: README agrees with its home page nbs/index.ipynb, and the site checker finds broken links."
import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ("Two commands", "Notebooks in JupyterLab")   # README sections that the home page repeats word for word


def _sections(md: str) -> tuple[str, str, dict]:
    parts = re.split(r"(?m)^## (.+)\n", md.strip())
    title, _, intro = parts[0].partition("\n")
    return title.strip(), intro.strip(), {parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts), 2)}


def test_readme_names_index_as_its_notebook():
    assert re.search(r"(?m)^readme_nb = index\.ipynb$", (ROOT / "settings.ini").read_text())
    assert (ROOT / "nbs" / "index.ipynb").is_file()


def test_index_repeats_readme_word_for_word():
    nb = json.loads((ROOT / "nbs" / "index.ipynb").read_text())
    index = "\n\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    r_title, r_intro, r_secs = _sections((ROOT / "README.md").read_text())
    i_title, i_intro, i_secs = _sections(index)
    assert i_title == r_title == "# deblur_nb"
    assert i_intro == r_intro, "the introduction (title to first '## ') differs between README.md and nbs/index.ipynb"
    for name in SHARED:
        assert name in r_secs and name in i_secs, f"section '## {name}' must be in README.md and nbs/index.ipynb"
        assert i_secs[name] == r_secs[name], f"section '## {name}' differs: run python scripts/sync_index.py (copies README.md's text into nbs/index.ipynb)"


@pytest.fixture(scope="module")
def build_docs():
    spec = importlib.util.spec_from_file_location("build_docs", ROOT / "scripts" / "build_docs.py")
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    return mod


def _page(path: Path, body: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"<html><head></head><body>{body}</body></html>")


def test_site_checker_accepts_a_sound_site_and_names_each_fault(tmp_path, build_docs, monkeypatch):
    nbs = tmp_path / "nbs"; nbs.mkdir()
    fig = {"output_type": "display_data", "data": {"image/png": "iVBOR"}, "metadata": {}}
    (nbs / "a.ipynb").write_text(json.dumps({"cells": [{"cell_type": "code", "outputs": [fig]}]}))
    monkeypatch.setattr(build_docs, "NBS", nbs)
    out = tmp_path / "site"
    _page(out / "index.html", '<a href="a.html#sec">a</a> <a href="api/">api</a> <a href="https://x.org">ext</a>'
                              '<img src="_images/f.png"/> <a href="#top" id="top">top</a>')
    _page(out / "a.html", '<h2 id="sec">S</h2><img src="_images/f.png"/>')
    _page(out / "api" / "index.html", '<a href="../index.html">home</a>')
    (out / "_images").mkdir(); (out / "_images" / "f.png").write_bytes(b"png")
    assert build_docs.check_site(out, ["a"]) == []
    _page(out / "index.html", '<a href="a.html#nope">a</a> <a href="b.html">b</a> <img src="_images/g.png"/>'
                              '<script src="https://cdn.example/x.js"></script>')
    _page(out / "a.html", "<p>no figure</p>")
    errs = "\n".join(build_docs.check_site(out, ["a", "c"]))
    for fault in ("broken anchor a.html#nope", "broken link b.html", "broken link _images/g.png",
                  "loads https://cdn.example/x.js from the network", "no page for notebook c",
                  "a.html shows fewer images than the 1 saved"):
        assert fault in errs, (fault, errs)


def test_docstrings_stand_alone():
    "help() of a public name must not point at text around it in the notebook ('see the table above')."
    import importlib, inspect, pkgutil
    import deblur_nb
    bad = []
    for m in pkgutil.walk_packages(deblur_nb.__path__, "deblur_nb."):
        if m.name.rsplit(".", 1)[-1].startswith("_"): continue
        mod = importlib.import_module(m.name)
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name, None)
            if getattr(obj, "__module__", None) != m.name: continue
            doc = inspect.getdoc(obj) or ""
            if re.search(r"(?<!at or )\b(above|below)\b|\b(this|the) notebook\b|\b(previous|next) cell\b", doc, re.I):
                bad.append(f"{m.name}.{name}: {doc[:100]!r}")
    assert not bad, "docstrings that refer to the notebook around them:\n" + "\n".join(bad)


def test_no_cell_mixes_imports_with_code():
    "nbdev's doc processors execute every cell that imports something; mixed cells warn and may fail (NameError)."
    import ast
    bad = []
    for nb in sorted((ROOT / "nbs").glob("*.ipynb")):
        for i, c in enumerate(json.loads(nb.read_text())["cells"]):
            src = "".join(c["source"])
            if c["cell_type"] != "code" or re.search(r"(?m)^#\|\s*(export|exporti|exports)\b", src): continue
            try: tree = ast.parse("\n".join("" if l.lstrip().startswith(("%", "!")) else l for l in src.splitlines()))
            except SyntaxError: continue
            nodes = list(ast.walk(tree))
            if any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in nodes) and \
               any(isinstance(n, (ast.Expr, ast.Assign)) for n in nodes):
                bad.append(f"{nb.name} cell {i}: {src[:60]!r}")
    assert not bad, "cells that mix imports with other code (put the imports in a cell of their own):\n" + "\n".join(bad)
