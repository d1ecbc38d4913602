"""Tests of the `deblur-nb` command line on the library's real tiny models and files the tests write themselves."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from deblur_nb.cli import main
from deblur_nb.core import read_image, read_video, write_image, write_video
from deblur_nb.evaluate import deblur_image
from deblur_nb.zoo import build_model, save_weights

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    torch.manual_seed(0)
    face, edvr = build_model("face", "tiny").eval(), build_model("edvr", "tiny").eval()
    rng = np.random.default_rng(0)
    write_image(d / "a.png", rng.random((18, 22, 3)))
    (d / "imgs").mkdir()
    for i, hw in enumerate([(16, 16), (10, 14), (9, 7)]):
        write_image(d / "imgs" / f"{i}.png", rng.random((*hw, 3)))
    write_video(d / "clip.mp4", rng.random((6, 32, 48, 3)).astype(np.float32), 12.0)
    return {"dir": d, "face": face, "wface": save_weights(face, d / "face.safetensors", name="face"),
            "wedvr": save_weights(edvr, d / "edvr.safetensors", name="edvr")}


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_png_through_the_real_console_entry(env):
    d = env["dir"]
    p = subprocess.run([sys.executable, "-m", "deblur_nb.cli", "deblur", "--model", "face", "--weights", str(env["wface"]),
                        str(d / "a.png"), "-o", str(d / "sub_out.png"), "--device", "cpu"],
                       cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"},
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    expected = deblur_image(env["face"], read_image(d / "a.png"))
    np.testing.assert_allclose(read_image(d / "sub_out.png"), np.round(expected * 255) / 255, atol=1e-6)


def test_refuses_to_overwrite_without_force(env, capsys):
    d = env["dir"]
    args = ["deblur", "--model", "face", "--weights", env["wface"], d / "a.png", "-o", d / "ow.png"]
    assert run(capsys, *args)[0] == 0
    before = (d / "ow.png").read_bytes()
    (d / "ow.png").write_bytes(b"user's file")
    code, _, err = run(capsys, *args)
    assert code == 1 and "exists; pass --force" in err
    assert (d / "ow.png").read_bytes() == b"user's file"
    assert run(capsys, *args, "--force")[0] == 0
    assert (d / "ow.png").read_bytes() == before


def test_folder(env, capsys):
    d = env["dir"]
    code, out, err = run(capsys, "deblur", "--model", "face", "--weights", env["wface"], d / "imgs", "-o", d / "imgs_out")
    assert code == 0, err
    assert sorted(p.name for p in (d / "imgs_out").iterdir()) == ["0.png", "1.png", "2.png"]
    assert read_image(d / "imgs_out" / "2.png").shape == (9, 7, 3)
    assert "deblurred 3 frame(s)" in out


def test_mp4_keeps_frame_count_and_fps(env, capsys):
    d = env["dir"]
    code, _, err = run(capsys, "deblur", "--model", "edvr", "--weights", env["wedvr"], d / "clip.mp4", "-o", d / "clip_out.avi")
    assert code == 0, err
    src, dst = read_video(d / "clip.mp4"), read_video(d / "clip_out.avi")
    assert dst.frames.shape == src.frames.shape == (6, 32, 48, 3)
    assert abs(dst.fps - 12.0) < 1e-3


@pytest.mark.parametrize("argv,msg", [
    (["--model", "face", "--weights", "{wedvr}"], "holds weights of model 'edvr', not 'face'"),
    (["--model", "nafnet", "--weights", "{wface}"], "unknown model"),
    (["--model", "face", "--weights", "{dir}/missing.safetensors"], "does not exist"),
])
def test_user_errors(env, capsys, argv, msg):
    argv = [a.format(**{k: str(v) for k, v in env.items()}) for a in argv]
    code, _, err = run(capsys, "deblur", *argv, env["dir"] / "a.png", "-o", env["dir"] / "never.png")
    assert code == 1 and msg in err, err
    assert not (env["dir"] / "never.png").exists()


def test_unreadable_input(env, capsys):
    bad = env["dir"] / "bad.jpg"
    bad.write_bytes(b"\xff\xd8 not really a jpeg")
    code, _, err = run(capsys, "deblur", "--model", "face", "--weights", env["wface"], bad, "-o", env["dir"] / "x.png")
    assert code == 1 and "bad.jpg" in err


def test_models_lists_every_name(capsys):
    code, out, _ = run(capsys, "models")
    assert code == 0
    for n in ("hide", "david", "edvr", "promotion", "face"):
        assert n in out
