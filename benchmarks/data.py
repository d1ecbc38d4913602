"""deblur_nb.data / deblur_nb.embedded on this machine: time to build the benchmark of every kind (`--preset cpu` must
stay under 10 minutes for all kinds on 2 cores; measure it with OMP_NUM_THREADS=1 when others share the machine), its blur strength (blurry-vs-sharp
PSNR from the datasheets), and loader throughput (training samples per second) of the datasets the recipes use.
Run: `.venv/bin/python benchmarks/data.py [--preset smoke]`."""
import argparse
import os
import tempfile
import time
from pathlib import Path

import torch

from deblur_nb.data import (EpochDataLoader, PairedImageDataset, VideoDataset, read_cdvd, read_gopro, read_hide, read_reds,
                            sequences_to_pairs)
from deblur_nb.embedded import BUILD_KINDS, build_synthetic, read_datasheet


def throughput(ds, *, batch_size, num_workers, min_seconds=2.0):
    "Training samples per second over whole epochs (at least `min_seconds`)."
    dl = EpochDataLoader(ds, batch_size=batch_size, shuffle=True, drop_last=True, num_workers=num_workers, seed=0)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < min_seconds:
        for b in dl: n += b["lq"].shape[0]
    return n / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--preset", default="smoke", choices=["smoke", "cpu"])
    ap.add_argument("--root", default=None, help="build here (default: a fresh temporary folder, so the time is a real build)")
    args = ap.parse_args()
    root = Path(args.root) if args.root else Path(tempfile.mkdtemp(prefix="deblur_nb_bench_"))
    print(f"torch threads {torch.get_num_threads()}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}, cpus {os.cpu_count()}")
    roots, total = {}, 0.0
    for k in BUILD_KINDS:
        t0, c0 = time.perf_counter(), time.process_time()
        roots[k] = build_synthetic(root, k, args.preset)
        dt = time.perf_counter() - t0; total += dt
        print(f"build {args.preset:5s} {k:6s}: {dt:6.2f} s wall, {time.process_time() - c0:6.2f} s CPU (this process)")
    print(f"build {args.preset} all kinds: {total:.2f} s wall ({total / 60:.1f} min; budget for preset cpu: 10 min on 2 cores)")
    for k, r in roots.items():
        sheet = read_datasheet(r)
        sets = ", ".join(f"{n} {v['mean']:.2f}" for n, v in sheet["blur_psnr"].items())
        print(f"blur {k:6s} (blurry vs sharp PSNR, dB; target: {sheet['blur_psnr_target']['note']}): {sets}")
        print(f"count {k:6s}: {sheet['counts']}")
    crop = 64
    sets = {
        "GoPro pairs, crop 64 + flips": PairedImageDataset(sequences_to_pairs(read_gopro(roots["gopro"], "train")), crop=crop, augment=True),
        "HIDE FG/BG-balanced, crop 64": PairedImageDataset(read_hide(roots["hide"], "train"), crop=crop, augment=True, fg_fraction=0.5),
        "REDS 5-frame windows, crop 64": VideoDataset(read_reds(roots["reds"], "reds4-train"), num_frames=5, crop=crop, augment=True),
        "C-DVD mixed 7-frame windows, crop 64": VideoDataset(read_cdvd(roots["cdvd"], "train", level="mixed"), num_frames=7, crop=crop, augment=True),
    }
    for name, ds in sets.items():
        for w in (0, 2):
            print(f"loader {name:38s} workers={w}: {throughput(ds, batch_size=4, num_workers=w):7.1f} samples/s")


if __name__ == "__main__":
    main()
