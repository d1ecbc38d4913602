#!/usr/bin/env python
"""Copy README.md's title, introduction and the sections the home page repeats ("Two commands", "Notebooks in
JupyterLab") into the first markdown cells of nbs/index.ipynb, so that the two stay word for word the same
(tests/test_docs.py checks it). Run after editing those parts of README.md."""
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ("Two commands", "Notebooks in JupyterLab")

def main():
    md = (ROOT / "README.md").read_text().strip()
    parts = re.split(r"(?m)^## (.+)\n", md)
    secs = {parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts), 2)}
    nbp = ROOT / "nbs" / "index.ipynb"
    nb = json.loads(nbp.read_text())
    want = {0: parts[0].strip()}
    for c_i, c in enumerate(nb["cells"]):
        src = "".join(c["source"])
        for name in SHARED:
            if c["cell_type"] == "markdown" and src.startswith(f"## {name}\n"):
                want[c_i] = f"## {name}\n\n{secs[name]}"
    for i, text in want.items():
        nb["cells"][i]["source"] = text.splitlines(keepends=True)
    nbp.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    print(f"{nbp}: {len(want)} cells copied from README.md")

if __name__ == "__main__":
    main()
