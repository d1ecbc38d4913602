"""Ready for the first GPU: one command that exercises everything CUDA-specific and writes one JSON.

On a CUDA machine (target: under 8 minutes):

1. runs the `#| cuda`-flagged cells of every notebook that has them (`nbdev_test --flags cuda`);
2. trains every paper preset (HIDE, DAVID, EDVR, PRO-MOTION, face) for `--steps` Learner steps at its paper crop and
   batch on the embedded data (the paper-sized model, the Learner's defaults: bf16/fp16 autocast, channels-last),
   printing steps/s (median step time after 5 warm-up steps) and peak GPU memory;
3. times PRO-MOTION's paper config at 1280x720 with 5-frame windows through `deblur_frames`, fp32 and bf16, plain
   and `prepare_inference`d, in frames/s (its priors, i.e. OpenCV's DIS optical flow, run on the CPU: included);
4. with more than one GPU, trains EDVR's paper preset under DDP over NCCL (`torchrun`) and reports steps/s.

`--dry-run` (any machine, CPU): each paper preset one Learner step with the paper-sized model at a small crop and
batch 1-2, plus `prepare_inference` of the PRO-MOTION paper config on a small window (fp32 output equal to the plain
model's): shape bugs of the paper presets surface without a GPU. `tests/test_gpu_check.py` runs it (marked slow).

    python benchmarks/gpu_check.py                      # on the GPU machine -> benchmarks/results/gpu_check_<gpu>.json
    python benchmarks/gpu_check.py --dry-run --out /tmp/gpu_check_dry.json
    python benchmarks/gpu_check.py --data .devdata --steps 15 --time-budget 330 --out $OUT/gpu_check_h200.json

Validation hold-outs are switched off (`val_every=None`, no held-out videos/images/faces): only training steps are
timed, and a trimmed data folder (`--data`, e.g. `.devdata/` made by `benchmarks/gpu_devdata.py`) then suffices.
PRO-MOTION's LPIPS term runs with a random backbone when the ImageNet weights are not on the machine (the same
compute; the row's `perceptual` says which). The JSON is rewritten after every stage and every preset, so a run
stopped by a timeout keeps what finished; `--time-budget` skips what would start after that many seconds.
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# paper presets: recipe module, recipe kwargs (embedded data, no validation hold-out: only training steps are timed),
# crop, batch and workers override keys
PAPERS = {
    "hide": ("deblur_nb.recipes.hide", {"data_preset": "cpu", "val_every": None, "val_images": 0}, "crop", "batch_size",
             "workers"),
    "david": ("deblur_nb.recipes.david", {"val_every": None, "val_videos": 0}, "crop", "batch", "workers"),
    "edvr": ("deblur_nb.recipes.promotion", {"model": "edvr", "val_every": None, "val_clips": 0}, "crop", "batch_size",
             "num_workers"),
    "promotion": ("deblur_nb.recipes.promotion", {"model": "promotion", "val_every": None, "val_clips": 0}, "crop",
                  "batch_size", "num_workers"),
    "face": ("deblur_nb.recipes.face", {"val_every": None, "val_faces": 0}, "size", "batch", "workers"),
}
DRY = {"hide": (64, 2), "david": (64, 2), "edvr": (64, 1), "promotion": (64, 1), "face": (64, 2)}  # crop, batch


def _perceptual():
    "PRO-MOTION's LPIPS term: 'auto' (ImageNet backbone) when its weights are here, else the same network with a random backbone."
    from deblur_nb.metrics import LPIPS, lpips_backbone_checkpoint
    if lpips_backbone_checkpoint("alex")[0].is_file(): return "auto"
    try: return LPIPS("alex", pnet_rand=True)
    except ImportError: return "auto"   # no `lpips` package: the recipe switches the term off (the row says so)


def _recipe(paper: str, dry: bool, workers: int | None = None):
    mod, kw, crop_key, batch_key, workers_key = PAPERS[paper]
    kw = dict(kw)
    if dry:
        crop, batch = DRY[paper]
        kw.update({crop_key: crop, batch_key: batch, workers_key: 0})
        if paper == "face": kw["patch"] = None
    if workers is not None: kw[workers_key] = workers
    if paper == "promotion": kw["perceptual"] = _perceptual()
    return importlib.import_module(mod).recipe("paper", **kw)


def train_paper(paper: str, *, steps: int, dry: bool, device: str, workers: int | None = None) -> dict:
    "`steps` Learner steps of the paper preset's last phase; median step time after warm-up, peak GPU memory."
    import torch
    from deblur_nb.learner import Callback
    t0 = time.time()
    r = _recipe(paper, dry, workers)
    phase = dataclasses.replace(r.phases[-1], steps=steps)    # the last phase trains the whole network
    dl = r.train_dl if not isinstance(r.train_dl, dict) else r.train_dl[phase.data or next(iter(r.train_dl))]

    class Clock(Callback):
        def __init__(self): self.t = []
        def on_step_end(self, learner, logs):
            if learner.device.type == "cuda": torch.cuda.synchronize(learner.device)
            self.t.append((time.perf_counter(), logs["loss"]))

    clock = Clock()
    if device == "cuda": torch.cuda.reset_peak_memory_stats()
    kw = {k: v for k, v in r.learner_kwargs.items() if k not in ("val_every", "ckpt_every", "device", "progress")}
    with tempfile.TemporaryDirectory() as d:
        from deblur_nb.learner import Learner
        learner = Learner(r.model, r.train_dl, loss_fn=r.loss_fn, loss_weights=r.loss_weights, phases=[phase],
                          forward_fn=r.forward_fn, out_dir=d, device=device, progress=False, callbacks=[clock], **kw)
        t1 = time.perf_counter()
        learner.fit()
    times = [b[0] - a[0] for a, b in zip([(t1, None)] + clock.t[:-1], clock.t)]
    timed = times[5:] if len(times) > 6 else times
    x = next(iter(dl))["lq"]
    row = {"paper": paper, "phase": r.phases[-1].name, "crop": list(x.shape[-2:]), "batch": int(x.shape[0]),
           "input": list(x.shape), "params": sum(p.numel() for p in r.model.parameters()), "steps": steps,
           "precision": str(learner.amp_dtype), "memory_format": learner.memory_format,
           "steps_per_s": 1.0 / statistics.median(timed), "first_step_s": times[0], "losses": [l for _, l in clock.t],
           "build_s": t1 - t0, "total_s": time.time() - t0,
           "workers": getattr(dl, "num_workers", None), "perceptual": getattr(r.loss_fn, "perceptual_status", None)}
    if device == "cuda": row["peak_gpu_mem_gib"] = torch.cuda.max_memory_allocated() / 2**30
    del learner, r
    if device == "cuda": torch.cuda.empty_cache()
    return row


def infer_promotion(*, dry: bool, device: str) -> list[dict]:
    "PRO-MOTION paper config: plain vs prepared, fp32 and bf16 frames/s (1280x720, 5-frame windows; dry: 64x64)."
    import numpy as np
    import torch
    from deblur_nb.evaluate import Timer, deblur_frames, model_output
    from deblur_nb.inference import prepare_inference
    from deblur_nb.zoo import build_model
    torch.manual_seed(0)
    model = build_model("promotion", "paper").eval().to(device)
    h, w, n = (64, 64, 2) if dry else (720, 1280, 8)
    clip = np.random.default_rng(0).random((n, h, w, 3), dtype=np.float32)
    rows = []
    precisions = ["fp32"] if device == "cpu" else ["fp32", "bf16"]
    ref = None
    for prec in precisions:
        for form in ("plain", "prepared"):
            m = model if form == "plain" else prepare_inference(model, device=device, precision=prec)
            deblur_frames(m, clip[:1], batch_size=1, precision=prec if form == "plain" else "fp32")   # warm-up
            timer = Timer(device)
            out = deblur_frames(m, clip, batch_size=1, precision=prec if form == "plain" else "fp32", timer=timer)
            row = {"model": "promotion", "config": "paper", "frame": [h, w], "frames": n, "window": 5,
                   "precision": prec, "form": form, "fps": timer.fps}
            if prec == "fp32":
                if ref is None: ref = out
                else: row["max_abs_diff_vs_plain"] = float(np.abs(out - ref).max())
            if device == "cuda": row["peak_gpu_mem_gib"] = torch.cuda.max_memory_allocated() / 2**30
            rows.append(row)
            print(f"  promotion paper {h}x{w} {prec} {form:8s} {row['fps']:7.2f} frames/s"
                  + (f"  max diff vs plain {row['max_abs_diff_vs_plain']:.1e}" if "max_abs_diff_vs_plain" in row else ""),
                  flush=True)
    return rows


def cuda_cells(timeout: int, deadline: float = float("inf")) -> list[dict]:
    "Run every notebook that has `#| cuda` cells with `nbdev_test --flags cuda` (nbdev's function: works wherever nbdev imports)."
    nbs = sorted(p for p in (ROOT / "nbs").glob("*.ipynb") if re.search(r'"#\|\s*cuda', p.read_text()))
    rows = []
    for nb in nbs:
        if time.time() > deadline:
            rows.append({"notebook": nb.name, "skipped": "time budget"}); continue
        t0 = time.time()
        p = subprocess.run([sys.executable, "-c", "import sys; from nbdev.test import nbdev_test; "
                            "nbdev_test(path=sys.argv[1], flags=sys.argv[2], n_workers=0)", str(nb), "cuda"],
                           capture_output=True, text=True, cwd=ROOT, timeout=timeout)
        rows.append({"notebook": nb.name, "returncode": p.returncode, "seconds": time.time() - t0,
                     "tail": (p.stdout + p.stderr)[-1500:]})
        print(f"  {nb.name:34s} {'passed' if p.returncode == 0 else 'FAILED'} in {time.time() - t0:.0f} s", flush=True)
    return rows


def ddp_worker(steps: int, out: str):
    "Run under torchrun: EDVR paper preset, `steps` steps under DDP (NCCL); rank 0 writes the steps/s."
    import torch
    row = train_paper("edvr", steps=steps, dry=False, device="auto")
    if int(os.environ.get("RANK", "0")) == 0:
        row["world_size"] = int(os.environ.get("WORLD_SIZE", "1"))
        Path(out).write_text(json.dumps(row))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dry-run", action="store_true", help="CPU: one step per paper preset at a small crop")
    ap.add_argument("--steps", type=int, default=20, help="training steps per paper preset on the GPU (default 20)")
    ap.add_argument("--papers", nargs="*", default=list(PAPERS))
    ap.add_argument("--skip", nargs="*", default=[], choices=["cells", "train", "infer", "ddp"])
    ap.add_argument("--out", default=None, help="JSON path (default benchmarks/results/gpu_check_<device>.json)")
    ap.add_argument("--data", default=None, help="embedded-benchmark folder (sets $DEBLUR_NB_DATA), e.g. .devdata")
    ap.add_argument("--workers", type=int, default=None, help="DataLoader workers of every preset (default: the preset's)")
    ap.add_argument("--time-budget", type=float, default=None,
                    help="seconds: stages and presets that would start later are skipped (recorded in the JSON)")
    ap.add_argument("--ddp-worker", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.data: os.environ["DEBLUR_NB_DATA"] = str(Path(a.data).resolve())
    import torch
    if a.ddp_worker: ddp_worker(a.steps, a.ddp_worker); return 0
    cuda = torch.cuda.is_available()
    if not cuda and not a.dry_run:
        print("error: no CUDA device; run with --dry-run on a CPU machine", file=sys.stderr)
        return 2
    device = "cpu" if a.dry_run else "cuda"
    if a.dry_run: torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS") or max(1, min(4, os.cpu_count() or 1))))
    name = torch.cuda.get_device_name(0) if device == "cuda" else (platform.processor() or platform.machine())
    res = {"device": device, "device_name": name, "gpus": torch.cuda.device_count() if cuda else 0,
           "dry_run": a.dry_run, "torch": torch.__version__, "cuda": torch.version.cuda,
           "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
           "data": os.environ.get("DEBLUR_NB_DATA", str(Path.home() / ".cache" / "deblur_nb")),
           "args": {k: v for k, v in vars(a).items() if k != "ddp_worker"}, "skipped": [], "errors": []}
    print(f"gpu_check on {device} ({name}), torch {torch.__version__}, dry_run={a.dry_run}", flush=True)
    t_all = time.time()
    deadline = t_all + a.time_budget if a.time_budget else float("inf")
    out = Path(a.out) if a.out else ROOT / "benchmarks" / "results" / \
        f"gpu_check_{re.sub(r'[^A-Za-z0-9]+', '_', name).strip('_').lower() or device}{'_dry' if a.dry_run else ''}.json"
    out.parent.mkdir(parents=True, exist_ok=True)

    def save():   # after every stage and preset: a run stopped by a timeout keeps what finished
        res["total_s"] = time.time() - t_all
        tmp = out.with_name(out.name + ".tmp"); tmp.write_text(json.dumps(res, indent=1)); os.replace(tmp, out)

    def guarded(key, fn, label=None):
        if time.time() > deadline:
            res["skipped"].append(label or key); print(f"  {label or key} skipped (time budget)", flush=True); save(); return
        try: res[key] = fn()
        except Exception as e:   # keep going: one JSON with every result and every failure
            res["errors"].append({"stage": label or key, "error": f"{type(e).__name__}: {e}", "trace": traceback.format_exc()[-3000:]})
            print(f"  {label or key} FAILED: {type(e).__name__}: {str(e)[:300]}", flush=True)
        save()

    if device == "cuda" and "cells" not in a.skip:
        print("== cuda-flagged notebook cells", flush=True)
        guarded("cuda_cells", lambda: cuda_cells(timeout=150, deadline=deadline))
        for r in res.get("cuda_cells", []):   # a failing notebook is an error: it sets the exit status
            if r.get("returncode"): res["errors"].append({"stage": f"cells:{r['notebook']}", "error": "nbdev_test failed",
                                                         "trace": r.get("tail", "")})
    if "train" not in a.skip:
        print(f"== paper presets, {1 if a.dry_run else a.steps} step(s) each", flush=True)
        res["train"] = []
        for p in a.papers:
            def one(p=p):
                try: row = train_paper(p, steps=1 if a.dry_run else a.steps, dry=a.dry_run, device=device, workers=a.workers)
                except RuntimeError as e:   # DataLoader workers killed (e.g. a small /dev/shm): once more in-process
                    if "DataLoader worker" not in str(e) or a.workers == 0: raise
                    print(f"  {p}: {str(e)[:200]}; again with workers=0", flush=True)
                    row = train_paper(p, steps=1 if a.dry_run else a.steps, dry=a.dry_run, device=device, workers=0)
                    row["workers_fallback"] = str(e)[:300]
                res["train"].append(row)
                print(f"  {p:10s} {row['params']:>11,d} params  batch {row['batch']:2d} x {row['crop']}  "
                      f"{row['steps_per_s']:.3f} steps/s  first step {row['first_step_s']:.1f} s"
                      + (f"  peak {row['peak_gpu_mem_gib']:.2f} GiB" if "peak_gpu_mem_gib" in row else "")
                      + f"  loss {row['losses'][-1]:.4f}", flush=True)
                return res["train"]
            guarded("train", one, label=f"train:{p}")
    if "infer" not in a.skip:
        print("== PRO-MOTION paper config inference", flush=True)
        guarded("inference", lambda: infer_promotion(dry=a.dry_run, device=device))
    if device == "cuda" and torch.cuda.device_count() > 1 and "ddp" not in a.skip:
        print(f"== DDP over NCCL, {torch.cuda.device_count()} GPUs", flush=True)
        def ddp():
            with tempfile.TemporaryDirectory() as d:
                out = Path(d) / "ddp.json"
                p = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                                    f"--nproc_per_node={torch.cuda.device_count()}", __file__, "--steps", str(a.steps),
                                    "--ddp-worker", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=300)
                if p.returncode: raise RuntimeError(f"torchrun failed ({p.returncode}): {(p.stdout + p.stderr)[-1500:]}")
                row = json.loads(out.read_text())
                print(f"  edvr paper DDP x{row['world_size']}: {row['steps_per_s']:.3f} steps/s", flush=True)
                return row
        guarded("ddp", ddp)
    save()
    print(f"gpu_check finished in {res['total_s']:.0f} s with {len(res['errors'])} error(s); wrote {out}", flush=True)
    return 1 if res["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
