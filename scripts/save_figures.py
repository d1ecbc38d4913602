"""Run notebooks as `nbdev_test` does and save the outputs of their figure cells into them (the docs site shows them).

    python scripts/save_figures.py nbs/15_priors.ipynb [more.ipynb ...]   # cells tagged "figure"
    python scripts/save_figures.py --all nbs/index.ipynb                   # every code cell

Only the chosen cells' outputs change; every other cell is left exactly as it is (other saved outputs included).
Cells flagged `slow`/`cuda` are skipped as in `nbdev_test`. Then run `nbdev_clean`: it keeps outputs
(settings.ini clear_all = False) and removes execution counts and metadata.
"""
import argparse
import json
import os
import sys
from pathlib import Path

from execnb.shell import CaptureShell
from fastcore.xtras import working_directory
from nbdev.frontmatter import FrontmatterProc
from nbdev.process import NBProcessor

SKIP = {"slow", "cuda"}


def run(fn: Path, everything: bool) -> int:
    nb = NBProcessor(fn, procs=FrontmatterProc, process=True).nb

    def no_eval(cell):
        if cell.cell_type != "code": return True
        d = getattr(cell, "directives_", {}) or {}
        return d.get("eval:", [""])[0].lower() == "false" or bool(SKIP & d.keys())

    os.environ["IN_TEST"] = "1"
    k = CaptureShell(fn)
    with working_directory(fn.parent):
        k.run_all(nb, exc_stop=True, preproc=no_eval)
    outs = {c.id: c.get("outputs", []) for c in nb.cells if c.cell_type == "code"}
    raw = json.loads(fn.read_text())
    n = 0
    for c in raw["cells"]:
        if c["cell_type"] != "code": continue
        if everything or "figure" in c.get("metadata", {}).get("tags", []):
            c["outputs"] = [dict(o) for o in outs.get(c["id"], [])]
            n += 1
    fn.write_text(json.dumps(raw, indent=1, ensure_ascii=False) + "\n")
    return n


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="+", type=Path)
    ap.add_argument("--all", action="store_true", help="save the outputs of every code cell")
    a = ap.parse_args(argv)
    for fn in a.notebooks:
        if not fn.is_file(): sys.exit(f"{fn}: no such notebook")
        print(f"{fn}: saved the outputs of {run(fn.resolve(), a.all)} cell(s)")


if __name__ == "__main__":
    main()
