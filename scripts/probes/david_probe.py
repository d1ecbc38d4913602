"""DAVID cpu probe: how far one DAVID variant gets on the held-out validation video (mixed levels) with a longer
phase 1 and a warm-up + cosine schedule. Validation split only (never the test videos).
    PYTHONPATH=$PWD OMP_NUM_THREADS=1 .venv/bin/python scripts/probes/david_probe.py variant=single steps=2000 lr=1e-3
"""
import sys
from dataclasses import replace
from pathlib import Path
import numpy as np, torch
from deblur_nb.recipes.david import recipe
from _probe import blurry_psnr, fit_and_report
torch.set_num_threads(1)
args = dict(a.split("=") for a in sys.argv[1:])
variant = args.get("variant", "single"); steps = int(args.get("steps", 2000)); lr = float(args.get("lr", 1e-3))
bs = int(args.get("bs", 4)); crop = int(args.get("crop", 64)); warm = int(args.get("warmup", 100))
level = int(args.get("level", 11)); frames = int(args.get("frames", 7)); seed = int(args.get("seed", 0))
ve = int(args.get("val_every", 250)); sched = args.get("sched", "warmup_cosine"); tag = args.get("tag", variant)
from deblur_nb.models.david import DAVIDConfig
cfg = DAVIDConfig.cpu(**({"backbone_channels": tuple(int(c) for c in args["bc"].split(","))} if "bc" in args else {}))
r = recipe("cpu", None, seed=seed, config=cfg, variant=variant, level=level, frames=frames, batch=bs, crop=crop, val_every=ve,
           lengths=dict(backbones=steps), lr_scale=lr / 1e-4)
ph = [replace(q, schedule=sched, schedule_kwargs=dict(warmup=warm, eta_min=lr * 0.01) if sched == "warmup_cosine" else {})
      if q.name.startswith("1_") else q for q in r.phases]
ph = [q for q in ph if q.name.startswith("1_")]
r = replace(r, phases=ph)
if args.get("zero_last", "1") == "0":      # residual backbones whose correction's last conv keeps PyTorch's default init
    for m in r.model.modules():
        if getattr(m, "residual", False) and hasattr(m, "net"): m.net.last.reset_parameters()
val = r.val_dl.dataset
bl = blurry_psnr(val)
print(f"{tag}: phases {[(q.name, q.steps, q.lr, q.schedule) for q in ph]}; val {len(val)} frames, blurry {bl:.3f}", flush=True)
fit_and_report(r, tag, bl)
