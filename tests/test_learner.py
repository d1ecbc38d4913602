"""deblur_nb.learner end to end in subprocesses: SIGKILL mid-training + resume is exact; 2-process DDP on gloo."""
import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

ROOT = Path(__file__).resolve().parents[1]
WORKER = ROOT / "tests" / "_train_worker.py"
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}


def _launch(*args):
    return subprocess.Popen([sys.executable, str(WORKER), *map(str, args)], cwd=ROOT, env=ENV,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _finish(p, timeout=120):
    out, _ = p.communicate(timeout=timeout)
    assert p.returncode == 0, out
    return out


def _same(a: Path, b: Path):
    ta, tb = load_file(str(a)), load_file(str(b))
    assert sorted(ta) == sorted(tb)
    for k in ta: assert torch.equal(ta[k], tb[k]), f"{k} differs between {a} and {b}"


@pytest.mark.parametrize("fmt", ["auto", "channels_last"])   # the Learner's memory layouts: resume stays exact
def test_sigkill_then_resume_matches_uninterrupted_run(tmp_path, fmt):
    ref, cut = tmp_path / "ref", tmp_path / "cut"
    mf = ("--memory-format", fmt)
    p_ref, p_cut = _launch(ref, *mf), _launch(cut, "--hang-at", 13, *mf)   # checkpoints at 5, 6 (phase end), 10: killed after 10
    t0 = time.monotonic()
    try:
        while not (cut / "reached").exists():
            assert p_cut.poll() is None, p_cut.communicate()[0]
            assert time.monotonic() - t0 < 120, "worker never reached step 13"
            time.sleep(0.05)
    finally:
        if p_cut.poll() is None: os.kill(p_cut.pid, signal.SIGKILL)
        p_cut.wait()
    assert p_cut.returncode == -signal.SIGKILL
    assert sorted(p.name for p in (cut / "checkpoints").iterdir()) == ["step_00000006", "step_00000010"]
    assert not (cut / "model.safetensors").exists()
    _finish(_launch(cut, "--resume", *mf))
    _finish(p_ref)
    _same(ref / "model.safetensors", cut / "model.safetensors")
    _same(ref / "model_ema.safetensors", cut / "model_ema.safetensors")
    with open(ref / "log.csv") as f: ref_rows = list(csv.DictReader(f))
    with open(cut / "log.csv") as f: cut_rows = list(csv.DictReader(f))
    assert [r["step"] for r in cut_rows] == [r["step"] for r in ref_rows]        # rows 11-13 of the killed run dropped
    assert [r["val/psnr"] for r in cut_rows] == [r["val/psnr"] for r in ref_rows]


def test_ddp_two_processes_on_gloo_end_with_identical_weights(tmp_path):
    out = tmp_path / "ddp"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", str(WORKER),
           str(out), "--ddp"]
    r = subprocess.run(cmd, cwd=ROOT, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=180)
    assert r.returncode == 0, r.stdout
    _same(out / "rank0.safetensors", out / "rank1.safetensors")
    init, final = load_file(str(out / "init.safetensors")), load_file(str(out / "rank0.safetensors"))
    assert all(not torch.equal(init[k], final[k]) for k in init), "training did not change every tensor"
    _same(out / "rank0.safetensors", out / "model.safetensors")
    with open(out / "log.csv") as f: steps = [r["step"] for r in csv.DictReader(f) if r["loss"]]
    assert steps == [str(i) for i in range(1, 31)]                                # one row per step: rank 0 only
