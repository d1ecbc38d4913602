"""Build the documentation site into `_docs/` from the notebooks, offline, then check every page and internal link.

    python scripts/build_docs.py              # what `make docs` runs; exit 1 on any Sphinx warning or broken link

The notebooks in `nbs/` are staged into `build/docs_src/` (cells flagged `#| hide` or `#| default_exp` dropped,
`#|` directive lines removed, saved outputs kept: nothing is executed), `nbs/index.ipynb` becomes the home page with
the navigation by paper appended, and `api/` gets one autodoc page per module of `deblur_nb`. Sphinx builds with
warnings as errors (a broken cross-reference, a missing page, a docstring that does not parse); then every `href`
and `src` inside the site is resolved, anchors included, and no page may load a script or stylesheet from the
network.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
NBS, STAGE = ROOT / "nbs", ROOT / "build" / "docs_src"
DROP = {"hide", "default_exp"}
# navigation by paper: (caption, rule on the notebook name); the first rule that matches wins
GROUPS = [
    ("HIDE: human-aware motion deblurring", lambda n: "hide" in n),
    ("DAVID: dual-attentional video deblurring", lambda n: "david" in n),
    ("PRO-MOTION: prior-enlightened video deblurring", lambda n: any(k in n for k in ("edvr", "promotion", "priors"))),
    ("Deep face deblurring (Chrysos & Zafeiriou)", lambda n: "face" in n),
    ("Foundations: I/O, metrics, blur synthesis, data", lambda n: n[:1] == "0"),
    ("Training, evaluation and tools", lambda n: True),
]


def _directives(src: str) -> dict:
    out = {}
    for line in src.splitlines():
        if not line.startswith("#|"): break
        k, _, v = line[2:].strip().partition(" ")
        out[k.rstrip(":")] = v.strip()
    return out


def stage_notebook(src: Path, dst: Path) -> None:
    nb = json.loads(src.read_text())
    cells = []
    for c in nb["cells"]:
        s = "".join(c["source"])
        if c["cell_type"] == "code":
            d = _directives(s)
            if d.keys() & DROP: continue
            s = "\n".join(l for l in s.splitlines() if not l.startswith("#|")).strip("\n")
            if not s and not c.get("outputs"): continue
            c["source"] = s
        cells.append(c)
    first = next((c for c in cells if c["cell_type"] == "markdown"), None)
    if first is None or not "".join(first["source"]).lstrip().startswith("# "):
        sys.exit(f"{src.relative_to(ROOT)}: the first markdown cell must be the page title ('# Title')")
    nb["cells"] = cells
    dst.write_text(json.dumps(nb))


def navigation(names: list[str]) -> str:
    groups = {cap: [] for cap, _ in GROUPS}
    for n in names:
        groups[next(cap for cap, rule in GROUPS if rule(n))].append(n)
    blocks = [f"```{{toctree}}\n:caption: {cap}\n:maxdepth: 1\n\n" + "\n".join(ns) + "\n```"
              for cap, ns in groups.items() if ns]
    blocks.append("```{toctree}\n:caption: API reference\n:maxdepth: 1\n\napi/index\n```")
    return "## Contents\n\n" + "\n\n".join(blocks)


def stage_api() -> list[str]:
    mods = sorted(".".join(p.relative_to(ROOT).with_suffix("").parts) for p in (ROOT / "deblur_nb").rglob("*.py")
                  if not p.name.startswith("_"))
    api = STAGE / "api"; api.mkdir()
    for m in mods:
        title = f"``{m}``"
        (api / f"{m}.rst").write_text(f"{title}\n{'=' * len(title)}\n\n.. automodule:: {m}\n")
    (api / "index.md").write_text("# API reference\n\nEvery public name of the library, from its docstrings. "
                                  "The notebook of each module explains and tests it.\n\n```{toctree}\n:maxdepth: 1\n\n"
                                  + "\n".join(mods) + "\n```\n")
    return mods


def stage() -> list[str]:
    if STAGE.exists(): shutil.rmtree(STAGE)
    (STAGE / "_static").mkdir(parents=True)
    shutil.copy(ROOT / "docs" / "conf.py", STAGE / "conf.py")
    import jupyter_server_mathjax
    shutil.copytree(Path(jupyter_server_mathjax.__file__).parent / "static", STAGE / "_static" / "mathjax",
                    ignore=shutil.ignore_patterns("localization"))
    if not (NBS / "index.ipynb").exists(): sys.exit("nbs/index.ipynb (the home page, settings.ini readme_nb) is missing")
    names = sorted(p.stem for p in NBS.glob("*.ipynb") if p.stem != "index")
    for n in names: stage_notebook(NBS / f"{n}.ipynb", STAGE / f"{n}.ipynb")
    stage_notebook(NBS / "index.ipynb", STAGE / "index.ipynb")
    idx = json.loads((STAGE / "index.ipynb").read_text())
    idx["cells"].append({"cell_type": "markdown", "id": "navigation", "metadata": {}, "source": navigation(names)})
    (STAGE / "index.ipynb").write_text(json.dumps(idx))
    stage_api()
    return names


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(); self.refs, self.ids, self.remote = [], set(), []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a: self.ids.add(a["id"])
        if tag == "a" and "name" in a: self.ids.add(a["name"])
        for k in ("href", "src"):
            v = a.get(k)
            if v is None: continue
            if urlsplit(v).scheme in ("http", "https") or v.startswith("//"):
                if tag in ("script", "img", "iframe") or (tag == "link" and "stylesheet" in (a.get("rel") or "")):
                    self.remote.append(v)
            else: self.refs.append(v)


def check_site(out: Path, names: list[str], src: Path | None = None) -> list[str]:
    "Broken pages, links and anchors of the built site `out`; `src` holds the (staged) notebooks `names`."
    src = NBS if src is None else src
    errors, pages = [], {}
    for p in out.rglob("*.html"):
        if "_static" in p.relative_to(out).parts: continue      # theme assets (template macros), not pages
        h = _Links(); h.feed(p.read_text(errors="replace")); pages[p.resolve()] = h
    for n in ["index", *names]:
        if not (out / f"{n}.html").exists(): errors.append(f"no page for notebook {n}")
    for p, h in pages.items():
        rel = p.relative_to(out.resolve())
        errors += [f"{rel}: loads {u} from the network" for u in h.remote]
        for ref in h.refs:
            u = urlsplit(ref)
            if u.scheme in ("mailto", "javascript", "data") or (not u.path and not u.fragment): continue
            if u.scheme: errors.append(f"{rel}: unsupported link {ref}"); continue
            target = (p.parent / unquote(u.path)).resolve() if u.path else p
            if target.is_dir(): target = target / "index.html"
            if not target.exists() or out.resolve() not in target.parents:
                errors.append(f"{rel}: broken link {ref}"); continue
            if u.fragment and target.suffix == ".html":
                t = pages.get(target)
                if t is not None and unquote(u.fragment) not in t.ids:
                    errors.append(f"{rel}: broken anchor {ref}")
    for n in names:                                     # every figure saved in a notebook is on its page
        if not (src / f"{n}.ipynb").exists(): continue
        nb = json.loads((src / f"{n}.ipynb").read_text())
        n_img = sum(1 for c in nb["cells"] for o in c.get("outputs", [])
                    if any(k.startswith("image/") for k in o.get("data", {})))
        page = out / f"{n}.html"
        if page.exists() and page.read_text().count("<img") < n_img:
            errors.append(f"{n}.html shows fewer images than the {n_img} saved in the notebook")
    return errors


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "_docs"), help="output folder (replaced)")
    ap.add_argument("-j", "--jobs", default=os.environ.get("DOCS_JOBS", "1"), help="sphinx-build parallel jobs")
    ap.add_argument("--check-only", action="store_true", help="only check an existing build in --out")
    a = ap.parse_args(argv)
    t0 = time.time()
    if a.check_only:
        errors = check_site(Path(a.out).resolve(), sorted(p.stem for p in NBS.glob("*.ipynb") if p.stem != "index"))
        for e in errors: print("build_docs:", e, file=sys.stderr)
        sys.exit(f"build_docs: {len(errors)} broken page(s) or link(s)" if errors else 0)
    names = stage()
    out = Path(a.out).resolve()
    if out.exists(): shutil.rmtree(out)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
               MPLBACKEND="Agg")
    html = ROOT / "build" / "docs_html"     # myst-nb writes jupyter_execute/ beside the output: keep it in build/
    if html.exists(): shutil.rmtree(html)
    r = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going", "-q", "-j", str(a.jobs),
                        "-d", str(ROOT / "build" / "docs_doctrees"), str(STAGE), str(html)], env=env)
    if r.returncode: sys.exit(f"build_docs: sphinx-build failed (exit {r.returncode}); see the warnings above")
    shutil.rmtree(html / ".doctrees", ignore_errors=True); (html / ".buildinfo").unlink(missing_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True); shutil.move(html, out)
    errors = check_site(out, names, STAGE)
    for e in errors: print("build_docs:", e, file=sys.stderr)
    if errors: sys.exit(f"build_docs: {len(errors)} broken page(s) or link(s)")
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    n_html = len(list(out.rglob("*.html")))
    print(f"build_docs: {out.relative_to(ROOT) if ROOT in out.parents else out}: {n_html} pages "
          f"({len(names) + 1} notebooks), {size / 2**20:.1f} MiB, links checked, built in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
