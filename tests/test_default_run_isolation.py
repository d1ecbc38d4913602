"""A reproduce notebook run with its defaults never touches committed results (issue 12, point 1), and its
results.json carries the judged claims and gains (issue 14).

In a fresh clone of this repository, `papermill nbs/reproduce_face.ipynb <outside>/out.ipynb` with no `-p` (the
command README gives, at the smoke preset) must leave `git status --porcelain` empty: its report goes to the
git-ignored `reports/smoke/face/`."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from deblur_nb.claims import claims_schema_errors

ROOT = Path(__file__).resolve().parents[1]


def _git(*args, cwd):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs git and a checkout")
def test_default_papermill_run_leaves_the_clone_clean(tmp_path):
    clone = tmp_path / "clone"
    r = _git("clone", "--quiet", "--no-hardlinks", str(ROOT), str(clone), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert _git("status", "--porcelain", cwd=clone).stdout == ""
    env = {**os.environ, "PYTHONPATH": str(clone), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
           "MPLBACKEND": "Agg"}
    env.pop("DEBLUR_NB_STATIC", None)
    out = tmp_path / "out.ipynb"                       # outside the clone
    r = subprocess.run([sys.executable, "-m", "papermill", "nbs/reproduce_face.ipynb", str(out)], cwd=clone, env=env,
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    res = clone / "reports" / "smoke" / "face" / "results.json"
    assert res.is_file()                                                        # it did write its report ...
    doc = json.loads(res.read_text())                                           # with the judged claims and gains
    assert isinstance(doc.get("claims"), list) and doc["claims"] and isinstance(doc.get("gains"), list) and doc["gains"]
    assert claims_schema_errors(doc) == [], claims_schema_errors(doc)
    assert _git("status", "--porcelain", "reports/", cwd=clone).stdout == ""   # ... where git does not see it
    assert _git("status", "--porcelain", cwd=clone).stdout == ""
