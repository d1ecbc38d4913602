"Every reports/<paper>/results.json present follows deblur_nb.report's schema and holds only finite numbers."
import json
from pathlib import Path

import pytest

from deblur_nb.report import PAPERS, results_json_schema_errors

ROOT = Path(__file__).resolve().parents[1]
RESULTS = sorted((ROOT / "reports").glob("*/results.json"))


@pytest.mark.skipif(not RESULTS, reason="no reports/*/results.json yet: run `make reproduce` (scripts/reproduce.py) first")
@pytest.mark.parametrize("path", RESULTS, ids=[p.parent.name for p in RESULTS])
def test_results_json_is_valid_and_finite(path):
    errs = results_json_schema_errors(path)
    assert not errs, "\n".join(errs)
    doc = json.loads(path.read_text())
    assert doc["paper"] == path.parent.name, f"{path}: paper {doc['paper']!r} written under reports/{path.parent.name}/"
    assert doc["rows"], f"{path}: no rows"
    executed = path.parent / f"reproduce_{doc['paper']}.ipynb"
    assert executed.is_file(), f"{executed} is missing: reports are written by scripts/reproduce.py (papermill)"


@pytest.mark.skipif(not RESULTS, reason="no reports/*/results.json yet")
def test_report_folders_are_papers():
    assert {p.parent.name for p in RESULTS} <= set(PAPERS)


@pytest.mark.skipif(not RESULTS, reason="no reports/*/results.json yet")
@pytest.mark.parametrize("path", RESULTS, ids=[p.parent.name for p in RESULTS])
def test_committed_report_comes_from_committed_code(path):
    "Issue 12: a committed report was written from a clean tree at a commit this checkout contains."
    import shutil
    import subprocess
    doc = json.loads(path.read_text())
    assert doc["dirty"] is False, f"{path}: written from uncommitted code (dirty: {doc['dirty']!r})"
    assert doc.get("packages", {}).get("torch") and doc.get("wall_seconds", 0) > 0, f"{path}: no package versions / wall time"
    if shutil.which("git") is None or not (ROOT / ".git").exists(): pytest.skip("no git checkout")
    r = subprocess.run(["git", "merge-base", "--is-ancestor", doc["commit"], "HEAD"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, f"{path}: commit {doc['commit']} is not an ancestor of HEAD ({r.stderr.strip()})"
