"""Attention-only probe of the HIDE cpu preset: pre-train the attention module alone and score it on the validation
split (IoU of A > 0.5 with G, L_A against the best constant map). Run from the repository root:
    PYTHONPATH=$PWD OMP_NUM_THREADS=1 .venv/bin/python scripts/probes/hide_attention_probe.py ch=16,32,64 steps=3000 lr=1e-3
"""
import sys, time, tempfile, torch, numpy as np
from dataclasses import replace
from pathlib import Path
from deblur_nb.recipes.hide import recipe
from deblur_nb.core import pad_to_multiple, unpad
torch.set_num_threads(1)
args = dict(a.split("=") for a in sys.argv[1:])
ch = tuple(int(c) for c in args.get("ch", "4,8,8").split(",")); steps = int(args.get("steps", 3000)); lr = float(args.get("lr", 3e-3))
crop = int(args.get("crop", 64)); fg = float(args.get("fg", 0.5))
r = recipe("cpu", seed=0, config={"identity_init": True, "global_residual": True, "attn_channels": ch}, attn_steps=steps,
           attn_lr=lr, main_steps=10, val_every=None, crop=crop, fg_fraction=fg)
r = replace(r, phases=r.phases[:1])
t0 = time.time(); r.learner(Path(tempfile.mkdtemp(prefix="deblur_probe_")), progress=False).fit(); t = time.time() - t0
m = r.model.eval()
from deblur_nb.recipes.hide import hide_roots, hide_val_set, get_preset
val = hide_val_set(hide_roots("cpu"), replace(get_preset("cpu"), val_images=3))
ious, la, lc = [], [], []
for i in range(len(val)):
    it = val[i]; g = it["mask"][0].numpy()
    x, size = pad_to_multiple(it["lq"][None], m.size_multiple)
    with torch.no_grad(): a = unpad(m.attention(x), size)[0, 0].numpy()
    u = np.logical_or(a > .5, g > .5).sum(); ious.append(np.logical_and(a > .5, g > .5).sum() / u if u else np.nan)
    la.append(((a - g) ** 2).mean()); lc.append(((g.mean() - g) ** 2).mean())
print(f"ch {ch} steps {steps} lr {lr} crop {crop} fg_fraction {fg}: {t:.0f}s params {sum(p.numel() for p in m.attention.parameters())} val IoU {np.nanmean(ious):.3f} L_A {np.mean(la):.4f} const L_A {np.mean(lc):.4f}", flush=True)
