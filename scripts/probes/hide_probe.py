"""HIDE cpu probe: identity init + warmup-cosine; validation PSNR vs blurry over training (val split only).
    PYTHONPATH=$PWD OMP_NUM_THREADS=1 .venv/bin/python scripts/probes/hide_probe.py steps=1500 lr=2e-3
(written for the preset before it was changed; the logs in benchmarks/results/probes/ are its output)"""
import sys
from dataclasses import replace
from pathlib import Path
import numpy as np, torch
from deblur_nb.recipes.hide import recipe, hide_roots, hide_val_set, get_preset
from deblur_nb.learner import Phase
from _probe import blurry_psnr, fit_and_report, iou
torch.set_num_threads(1)
args = dict(a.split("=") for a in sys.argv[1:])
steps = int(args.get("steps", 1500)); lr = float(args.get("lr", 2e-3)); crop = int(args.get("crop", 64))
bs = int(args.get("bs", 4)); warm = int(args.get("warmup", 100)); ident = args.get("ident", "1") == "1"
attn = int(args.get("attn", 1000)); seed = int(args.get("seed", 0)); abl = args.get("abl", "full")
ve = int(args.get("val_every", 250)); tag = args.get("tag", "x")
attn_lr = float(args.get("attn_lr", 3e-3)); attn_warmup = int(args.get("attn_warmup", 0))   # attention pre-training
cfg = {"identity_init": ident, "global_residual": True}
if "attn_chans" in args: cfg["attn_channels"] = tuple(int(c) for c in args["attn_chans"].split(","))
r = recipe("cpu", seed=seed, ablation=abl, config=cfg, attn_steps=attn, attn_lr=attn_lr, attn_warmup=attn_warmup,
           main_steps=steps, lr=lr, crop=crop, batch_size=bs, val_every=ve, ckpt_every=None)
ph = [replace(q, schedule="warmup_cosine", schedule_kwargs=dict(warmup=warm, eta_min=lr * 0.01)) if q.name == "whole" else q
      for q in r.phases]
r = replace(r, phases=ph)
val = r.val_dl.dataset
bl = blurry_psnr(val)
print(f"{tag}: {len(r.train_dl.dataset)} train crops src, val {len(val)} images, blurry val PSNR {bl:.3f}", flush=True)
d = fit_and_report(r, tag, bl)
if r.model.attention is not None:    # the attention after both phases: IoU of A > 0.5 with G on the validation images
    io, la = [], []
    with torch.no_grad():
        for i in range(len(val)):
            g = val[i]["mask"][0].numpy(); a = r.model.eval().attention(val[i]["lq"][None])[0, 0].numpy()
            io.append(iou(a, g)); la.append(np.mean((a - g) ** 2))
    print(f"{tag}: attention on validation: IoU {np.nanmean(io):.3f}, L_A {np.mean(la):.4f}", flush=True)
from deblur_nb.learner import save_safetensors
save_safetensors(r.model, d / "model.safetensors")
print("dir", d)
