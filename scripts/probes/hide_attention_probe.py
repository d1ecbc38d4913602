"""HIDE cpu probe of the attention module alone (phase 'attention', L_A only): mean IoU of A > 0.5 with G and L_A on
the validation images (held-out HIDE train images), against the best constant map, per attention width and length.
    PYTHONPATH=$PWD OMP_NUM_THREADS=1 .venv/bin/python scripts/probes/hide_attention_probe.py chans=4,8,8 steps=1000 lr=3e-3
Validation only: the test splits are never read here."""
import sys, time, tempfile
from dataclasses import replace
import numpy as np, torch
from deblur_nb.recipes.hide import recipe
from _probe import iou
torch.set_num_threads(1)
args = dict(a.split("=") for a in sys.argv[1:])
chans = tuple(int(c) for c in args.get("chans", "4,8,8").split(","))
steps = int(args.get("steps", 1000)); lr = float(args.get("lr", 3e-3)); seed = int(args.get("seed", 0))
val_images = int(args.get("val_images", 3))   # held-out training *sources* (the preset: 3)
every = int(args.get("every", 250)); cosine = int(args.get("cosine", 0))   # > 0: warm-up steps, then one cosine to lr/100

r = recipe("cpu", seed=seed, config={"attn_channels": chans}, attn_steps=steps, attn_lr=lr, attn_warmup=0, main_steps=1,
           val_every=None, val_images=val_images, ckpt_every=None)
from deblur_nb.recipes.hide import hide_val_set, hide_roots, get_preset
val = hide_val_set(hide_roots("cpu"), replace(get_preset("cpu"), val_images=val_images))
net = r.model
_cov = [float((val[i]["mask"] > 0.5).float().mean()) for i in range(len(val))]
print(f"attn_channels {chans}: {sum(p.numel() for p in net.attention.parameters())} params, lr {lr}"
      f"{f', warm-up {cosine} + cosine' if cosine else ''}, {len(val)} validation images; an all-FG map (A = 1) scores "
      f"IoU {np.mean([c for c in _cov if c > 0]):.3f}, L_A {1 - np.mean(_cov):.4f}", flush=True)

def score():
    net.eval(); io, ic, la, lc = [], [], [], []
    with torch.no_grad():
        for i in range(len(val)):
            it = val[i]; g = it["mask"][0].numpy()
            a = net.attention(it["lq"][None])[0, 0].numpy(); c = np.full_like(g, g.mean())
            io.append(iou(a, g)); ic.append(iou(c, g)); la.append(np.mean((a - g) ** 2)); lc.append(np.mean((c - g) ** 2))
    net.train()
    return np.nanmean(io), np.nanmean(ic), np.mean(la), np.mean(lc)

from deblur_nb.learner import Callback
class Score(Callback):
    def on_step_end(self, learner, logs):
        if learner.step % every == 0 and learner.phase.name == "attention":
            io, ic, la, lc = score()
            print(f"  step {learner.step:5d}  IoU {io:.3f} (constant {ic:.3f})  L_A {la:.4f} (constant {lc:.4f})"
                  f"  {time.time() - t0:.0f} s", flush=True)
t0 = time.time()
with tempfile.TemporaryDirectory() as d:
    L = r.learner(d, progress=False, callbacks=[Score()])
    L.phases = L.phases[:1]
    if cosine: L.phases = [replace(L.phases[0], schedule="warmup_cosine", schedule_kwargs=dict(warmup=cosine, eta_min=lr / 100))]
    L.fit()
