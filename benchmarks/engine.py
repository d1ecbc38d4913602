"""Engine benchmark: training steps/s and inference frames/s of the library's tiny models.

Runs on this CPU always, and on the GPU too when CUDA is available (its name, the precision and the input sizes
are printed with every number). Training steps are forward + L1 loss + backward + Adam step on a batch of random
patches, timed twice: as a bare loop ("train steps/s") and through `deblur_nb.learner.Learner.fit` ("Learner
steps/s", its data loading, AMP and logging included); both report the median step time, which resists the bursts
of other processes on a shared machine;
inference is `deblur_nb.evaluate.deblur_frames` on whole frames (padding, temporal windows, batching, device
synchronisation included; file I/O excluded). The first iterations are warm-up and not timed.

    python benchmarks/engine.py                      # CPU (+ GPU if present), tiny models, default sizes
    python benchmarks/engine.py --models edvr --frame 720x1280 --frames 8 --device cuda
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

import numpy as np
import torch

from deblur_nb.core import autocast, get_device, resolve_precision
from deblur_nb.evaluate import Timer, deblur_frames, model_output, synchronize
from deblur_nb.zoo import available_models, build_model


def _size(s: str) -> tuple[int, int]:
    h, _, w = s.lower().partition("x")
    return int(h), int(w or h)


def train_steps_per_s(model, device, *, batch: int, patch: int, steps: int, warmup: int, precision: str) -> float:
    "Forward + Charbonnier-style L1 loss + backward + Adam step on random patches; steps per second."
    model.train().to(device)
    t = getattr(model, "num_frames", 1)
    m = getattr(model, "size_multiple", 1)
    p = max(m, patch - patch % m)
    shape = (batch, 3, p, p) if t == 1 else (batch, t, 3, p, p)
    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(shape, generator=g).to(device), torch.rand(batch, 3, p, p, generator=g).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    scaler = torch.amp.GradScaler(enabled=resolve_precision(device, precision) == torch.float16)

    def step():
        opt.zero_grad(set_to_none=True)
        with autocast(device, precision):
            loss = (model_output(model(x)).float() - y).abs().mean()
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()

    for _ in range(warmup): step()
    times = []
    for _ in range(steps):
        synchronize(device); t0 = time.perf_counter()
        step()
        synchronize(device); times.append(time.perf_counter() - t0)
    return 1.0 / float(np.median(times))  # the median resists other processes' bursts on a shared machine


class _RandomPairs(torch.utils.data.Dataset):
    "Random (lq, gt) patches in the batch contract of CONTRIBUTING.md."
    def __init__(self, num_frames: int, patch: int, n: int = 64):
        self.t, self.p, self.n = num_frames, patch, n
    def __len__(self): return self.n
    def __getitem__(self, i):
        g = torch.Generator().manual_seed(i)
        shape = (3, self.p, self.p) if self.t == 1 else (self.t, 3, self.p, self.p)
        return {"lq": torch.rand(shape, generator=g), "gt": torch.rand(3, self.p, self.p, generator=g), "key": str(i)}


def learner_steps_per_s(build, device, *, batch: int, patch: int, steps: int, warmup: int, precision: str) -> float:
    """Steps/s of `deblur_nb.learner.Learner.fit` itself (data loading, AMP, logging included): the median interval
    between consecutive `on_step_end` callbacks (synchronised), after `warmup` steps."""
    import tempfile
    from deblur_nb.learner import Callback, Learner, Phase

    class StepClock(Callback):
        def __init__(self): self.t = []
        def on_step_end(self, learner, logs):
            synchronize(device); self.t.append(time.perf_counter())

    model = build()
    m = getattr(model, "size_multiple", 1)
    p = max(m, patch - patch % m)
    dl = torch.utils.data.DataLoader(_RandomPairs(getattr(model, "num_frames", 1), p), batch_size=batch, shuffle=True)
    loss = lambda out, b: {"l1": (model_output(out).float() - b["gt"]).abs().mean()}
    clock = StepClock()
    with tempfile.TemporaryDirectory() as d:
        learner = Learner(model, dl, loss_fn=loss, loss_weights={"l1": 1.0}, out_dir=d, device=device,
                          phases=[Phase("all", warmup + steps + 1, 1e-4)], precision=precision, progress=False,
                          callbacks=[clock])
        learner.fit()
    return 1.0 / float(np.median(np.diff(clock.t[warmup:])))


def infer_frames_per_s(model, device, *, frame: tuple[int, int], frames: int, batch: int, precision: str,
                       tile: int | None) -> float:
    "deblur_frames on a random clip of `frames` frames of size `frame`; frames per second (network time)."
    model.eval().to(device)
    clip = np.random.default_rng(0).random((frames, *frame, 3), dtype=np.float32)
    deblur_frames(model, clip[: min(frames, batch)], batch_size=batch, precision=precision, tile=tile)  # warm-up
    timer = Timer(device)
    deblur_frames(model, clip, batch_size=batch, precision=precision, tile=tile, timer=timer)
    return timer.fps


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="*", default=None, help="model names (default: every importable one)")
    ap.add_argument("--config", default="tiny", help="config preset (tiny, cpu, paper)")
    ap.add_argument("--device", default=None, help="cpu, cuda, ... (default: cpu, plus cuda when available)")
    ap.add_argument("--precision", default="auto", help="auto (fp32 on CPU, bf16/fp16 on CUDA), fp32, bf16, fp16")
    ap.add_argument("--batch", type=int, default=4, help="training batch (patches)")
    ap.add_argument("--patch", type=int, default=64, help="training patch size")
    ap.add_argument("--steps", type=int, default=10, help="timed training steps")
    ap.add_argument("--frame", type=_size, default=None, help="inference frame HxW (default 256x256 on CPU, 720x1280 on GPU)")
    ap.add_argument("--frames", type=int, default=8, help="inference frames")
    ap.add_argument("--infer-batch", type=int, default=4, help="inference batch (frames)")
    ap.add_argument("--tile", type=int, default=None, help="tile size for inference")
    args = ap.parse_args(argv)

    names = args.models or available_models()
    devices = [get_device(args.device)] if args.device else \
        [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    print(f"deblur_nb engine benchmark | torch {torch.__version__} | {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}")
    for dev in devices:
        prec = args.precision
        dtype = resolve_precision(dev, prec)
        prec_name = "fp32" if dtype is None else str(dtype).replace("torch.", "")
        name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "CPU"
        frame = args.frame or ((256, 256) if dev.type == "cpu" else (720, 1280))
        print(f"\n== device {dev} ({name}), precision {prec_name}, config '{args.config}'")
        print(f"   training: batch {args.batch} x {args.patch}x{args.patch} patches, {args.steps} timed steps; "
              f"inference: {args.frames} frames of {frame[0]}x{frame[1]}, batch {args.infer_batch}, tile {args.tile}")
        print(f"   {'model':10s} {'params':>10s} {'frames in':>9s} {'train steps/s':>14s} {'Learner steps/s':>16s} "
              f"{'infer frames/s':>15s}")
        for n in names:
            torch.manual_seed(0)
            model = build_model(n, args.config)
            params = sum(p.numel() for p in model.parameters())
            try:
                sps = train_steps_per_s(model, dev, batch=args.batch, patch=args.patch, steps=args.steps, warmup=2,
                                        precision=prec)
                try:
                    lsps = learner_steps_per_s(lambda: build_model(n, args.config), dev, batch=args.batch,
                                               patch=args.patch, steps=args.steps, warmup=2, precision=prec)
                except ImportError:
                    lsps = float("nan")  # deblur_nb.learner not installed
                fps = infer_frames_per_s(model, dev, frame=frame, frames=args.frames, batch=args.infer_batch,
                                         precision=prec, tile=args.tile)
            except (RuntimeError, ValueError) as e:  # e.g. out of memory at this size: report, go on
                print(f"   {n:10s} failed: {str(e).splitlines()[0][:120]}")
                continue
            finally:
                if dev.type == "cuda": torch.cuda.empty_cache()
            print(f"   {n:10s} {params:10,d} {getattr(model, 'num_frames', 1):9d} {sps:14.2f} {lsps:16.2f} {fps:15.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
