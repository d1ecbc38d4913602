"""`benchmarks/gpu_check.py --dry-run`: every paper preset trains one step with its paper-sized model (small crop) and
PRO-MOTION's paper config runs through `prepare_inference`, on CPU, so that shape bugs surface without a GPU."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_gpu_check_dry_run(tmp_path):
    out = tmp_path / "gpu_check_dry.json"
    p = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "gpu_check.py"), "--dry-run", "--out", str(out)],
                       capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                       timeout=1800)
    assert p.returncode == 0, (p.stdout + p.stderr)[-4000:]
    res = json.loads(out.read_text())
    assert res["dry_run"] and res["errors"] == []
    assert sorted(r["paper"] for r in res["train"]) == ["david", "edvr", "face", "hide", "promotion"]
    for r in res["train"]:
        assert r["params"] > 1e6 and all(l == l and l < 1e3 for l in r["losses"]), r   # paper-sized, finite loss
    inf = {r["form"]: r for r in res["inference"]}
    assert inf["prepared"]["max_abs_diff_vs_plain"] < 1e-4
