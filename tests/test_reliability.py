"""Issue 15, point 5: each reliability failure of the bad-input run, reproduced through the real command line.
Every test here failed on the code before the fix (checked once by running this file against commit ef7831b)."""
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from deblur_nb.cli import main
from deblur_nb.core import write_image, write_video
from deblur_nb.zoo import MODELS, build_model, save_weights

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def cli(*argv, **kw):
    "The real console entry in a subprocess (needed for crashes, signals and other users)."
    return subprocess.run([sys.executable, "-m", "deblur_nb.cli", *map(str, argv)], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, timeout=kw.pop("timeout", 300), **kw)


def one_line(err: str) -> str:
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{err}"
    return lines[0]


@pytest.fixture
def short_recipes(monkeypatch):
    "Every recipe phase cut to 2 steps: the smoke preset's data, model and phases, in seconds instead of minutes."
    from deblur_nb.learner import Recipe
    orig = Recipe.learner
    def learner(self, out_dir, **kw):
        self.phases = [dataclasses.replace(p, steps=min(p.steps, 2)) for p in self.phases]
        return orig(self, out_dir, **kw)
    monkeypatch.setattr(Recipe, "learner", learner)


# -- train and eval of every zoo model (DAVID crashed: the CLI's model= collided with its recipe's `model` field) --
@pytest.mark.parametrize("model", list(MODELS))
def test_train_then_eval_every_model_at_smoke(model, tmp_path, capsys, short_recipes):
    out = tmp_path / model
    code, stdout, err = run(capsys, "train", "--model", model, "--preset", "smoke", "--out", out, "--quiet", "--device", "cpu")
    assert code == 0, err
    w = out / "model.safetensors"
    assert w.is_file() and f"trained {model} (smoke)" in stdout
    code, stdout, err = run(capsys, "eval", "--model", model, "--weights", w, "--preset", "smoke", "--quiet",
                            "--out", tmp_path / "tables")
    assert code == 0, err
    assert "psnr_rgb" in stdout and (tmp_path / "tables" / "summary.csv").is_file()


# -- two runs into one --out: the second is refused while the first holds the folder ------------------------------
def test_second_run_into_a_busy_out_is_refused(tmp_path, capsys):
    out = tmp_path / "run"; out.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", "import filelock, sys, time; l = filelock.FileLock(sys.argv[1]); "
                               "l.acquire(); print('locked', flush=True); time.sleep(120)", str(out / ".deblur_nb.lock")],
                              stdout=subprocess.PIPE, text=True, env=ENV)
    try:
        assert holder.stdout.readline().strip() == "locked"
        code, _, err = run(capsys, "train", "--model", "hide", "--preset", "smoke", "--out", out, "--quiet")
    finally: holder.kill(); holder.wait()
    assert code == 1 and "in use by another training run" in one_line(err)
    assert not (out / "log.csv").exists() and not (out / "checkpoints").exists()


# -- hide-boxes on frames smaller than HOG's 64x128 window (segfault before) ---------------------------------------
def test_hide_boxes_on_frames_smaller_than_the_hog_window(tmp_path):
    from deblur_nb.data import build_synthetic, data_home
    src = build_synthetic(data_home(), "hide", "smoke")
    root = tmp_path / "HIDE_dataset"
    shutil.copytree(src, root, ignore=shutil.ignore_patterns("boxes"))
    gt = next((root / "GT").iterdir())
    from deblur_nb.core import read_image
    assert min(read_image(gt).shape[:2]) < 128, "the embedded HIDE frames must be smaller than the HOG window"
    p = cli("hide-boxes", root)
    assert p.returncode == 0, (p.returncode, p.stderr[-2000:])
    assert sorted(f.name for f in (root / "boxes").iterdir()), "no box file written"


# -- an output folder that cannot be written: refused before the compute, in one line ------------------------------
def _read_only_folder(d: Path) -> Path:
    "A folder nobody, root included, can create files in: chmod for users, the immutable attribute for root."
    d.mkdir()
    if os.getuid() != 0: d.chmod(0o555); return d
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(d)], capture_output=True).returncode != 0:
        pytest.skip("running as root without chattr +i: no way to make a folder unwritable")
    return d


def test_unwritable_output_folder(tmp_path, capsys):
    write_image(tmp_path / "a.png", np.random.default_rng(0).random((20, 24, 3)))
    w = save_weights(build_model("face", "tiny"), tmp_path / "face.safetensors", name="face")
    ro = _read_only_folder(tmp_path / "readonly")
    try:
        code, _, err = run(capsys, "deblur", "--model", "face", "--weights", w, tmp_path / "a.png", "-o", ro / "out.png")
        assert code == 1 and "not writable" in one_line(err), err
        code, _, err = run(capsys, "train", "--model", "face", "--preset", "smoke", "--out", ro / "run", "--quiet")
        assert code == 1 and "not writable" in one_line(err), err
        assert not any(ro.iterdir())
    finally:
        if os.getuid() == 0: subprocess.run(["chattr", "-i", str(ro)])
        else: ro.chmod(0o755)


# -- a truncated AVI: warn that frames are missing ------------------------------------------------------------------
def test_truncated_avi_warns(tmp_path, capsys):
    ramp = np.linspace(0, 1, 64, dtype=np.float32)
    clip = np.stack([np.dstack([np.roll(np.tile(ramp, (48, 1)), 4 * t, axis=1)] * 3) for t in range(40)])
    write_video(tmp_path / "full.avi", clip, 10.0)
    data = (tmp_path / "full.avi").read_bytes()
    (tmp_path / "cut.avi").write_bytes(data[: len(data) // 2])
    w = save_weights(build_model("face", "tiny"), tmp_path / "face.safetensors", name="face")
    code, _, err = run(capsys, "deblur", "--model", "face", "--weights", w, tmp_path / "cut.avi", "-o", tmp_path / "out.mp4")
    assert code == 0, err
    assert "container says 40" in err and "Traceback" not in err, err


# -- the remaining one-liners ----------------------------------------------------------------------------------------
def test_retry_after_a_failed_start_names_the_resume_flag(tmp_path, capsys):
    out = tmp_path / "run"; out.mkdir()
    (out / "log.csv").write_text("step,loss\n")  # what a run that died before its first checkpoint leaves
    code, _, err = run(capsys, "train", "--model", "hide", "--preset", "smoke", "--out", out, "--quiet")
    line = one_line(err)
    assert code == 1 and "--resume" in line and "resume=True" not in line


def test_negative_seed_names_the_flag(capsys):
    with pytest.raises(SystemExit) as e:
        main(["train", "--model", "hide", "--preset", "smoke", "--out", "/nonexistent/never", "--seed", "-1"])
    err = capsys.readouterr().err
    assert e.value.code == 2 and "--seed" in err.splitlines()[-1] and "Traceback" not in err, err


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_device_without_a_gpu(tmp_path, capsys):
    w = save_weights(build_model("face", "tiny"), tmp_path / "face.safetensors", name="face")
    write_image(tmp_path / "a.png", np.random.default_rng(0).random((16, 16, 3)))
    code, _, err = run(capsys, "deblur", "--model", "face", "--weights", w, tmp_path / "a.png", "-o", tmp_path / "o.png", "--device", "cuda")
    assert code == 1 and "--device cuda" in one_line(err) and "CUDA is not available" in err
    code, _, err = run(capsys, "train", "--model", "face", "--preset", "smoke", "--out", tmp_path / "r", "--device", "cuda")
    assert code == 1 and "--device cuda" in one_line(err)
    assert not (tmp_path / "o.png").exists() and not (tmp_path / "r" / "log.csv").exists()


def test_corrupt_training_state_on_resume(tmp_path, capsys, short_recipes):
    out = tmp_path / "run"
    assert run(capsys, "train", "--model", "face", "--preset", "smoke", "--out", out, "--quiet", "--device", "cpu")[0] == 0
    states = sorted(out.glob("checkpoints/step_*/state.pt"))
    assert states
    states[-1].write_bytes(b"\x80\x02 this is not a checkpoint" * 10)
    code, _, err = run(capsys, "train", "--model", "face", "--preset", "smoke", "--out", out, "--quiet", "--resume", "--device", "cpu")
    line = one_line(err)
    assert code == 1 and "state.pt" in line and "weights_only" not in line, line


def test_weights_folder_says_folder(tmp_path, capsys):
    write_image(tmp_path / "a.png", np.random.default_rng(0).random((16, 16, 3)))
    (tmp_path / "w").mkdir()
    code, _, err = run(capsys, "deblur", "--model", "face", "--weights", tmp_path / "w", tmp_path / "a.png", "-o", tmp_path / "o.png")
    assert code == 1 and "is a folder" in one_line(err) and "does not exist" not in err


def test_sigterm_during_a_video_leaves_no_partial_file(tmp_path):
    src = tmp_path / "in.avi"
    write_video(src, np.random.default_rng(0).random((300, 128, 128, 3)).astype(np.float32), 25.0)
    w = save_weights(build_model("edvr", "tiny"), tmp_path / "edvr.safetensors", name="edvr")
    out = tmp_path / "out"; out.mkdir()
    p = subprocess.Popen([sys.executable, "-m", "deblur_nb.cli", "deblur", "--model", "edvr", "--weights", str(w), str(src), "-o",
                          str(out / "o.mp4")], cwd=ROOT, env=ENV, stderr=subprocess.PIPE, text=True)
    try:
        t0 = time.time()
        while not list(out.iterdir()) and time.time() - t0 < 120 and p.poll() is None: time.sleep(0.05)
        assert p.poll() is None and list(out.iterdir()), "the video finished before it could be interrupted"
        time.sleep(0.5)
        p.send_signal(signal.SIGTERM)
        err = p.communicate(timeout=60)[1]
    finally:
        if p.poll() is None: p.kill()
    assert p.returncode == 143 and "terminated" in one_line(err), (p.returncode, err)
    assert list(out.iterdir()) == []
