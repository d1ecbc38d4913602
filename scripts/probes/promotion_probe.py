"""PRO-MOTION / EDVR cpu probe: validation PSNR gain (held-out training clip) over a longer `all` phase with
identity init and warm-up + cosine. Validation split only (never REDS4 or the GoPro test clips).
    PYTHONPATH=$PWD OMP_NUM_THREADS=1 .venv/bin/python scripts/probes/promotion_probe.py model=promotion net=tiny steps=1000
"""
import sys, warnings
from pathlib import Path
import numpy as np, torch
from deblur_nb.recipes.promotion import recipe
from _probe import blurry_psnr, fit_and_report
torch.set_num_threads(1)
warnings.simplefilter("ignore")
args = dict(a.split("=") for a in sys.argv[1:])
model = args.get("model", "promotion"); net = args.get("net", "tiny"); steps = int(args.get("steps", 1000))
lr = float(args.get("lr", 1e-3)); bs = int(args.get("bs", 4)); crop = int(args.get("crop", 64))
frames = int(args.get("frames", 5)); warm = int(args.get("warmup", 50)); pre = int(args.get("pre", 0))
dataset = args.get("dataset", "gopro"); seed = int(args.get("seed", 0)); ve = int(args.get("val_every", 250))
tag = args.get("tag", f"{model}-{net}-{dataset}")
r = recipe("cpu", None, seed=seed, model=model, dataset=dataset, model_preset=net, num_frame=frames, crop=crop,
           batch_size=bs, predeblur_steps=pre, tsa_steps=pre, main_steps=steps, lr=lr, warmup=warm,
           identity_init=args.get("ident", "1") == "1",
           num_workers=0, ckpt_every=None, val_every=ve, val_clips=1, val_stride=int(args.get("val_stride", 3)),
           init_from=args.get("init"))
val = r.val_dl.dataset
bl = blurry_psnr(val)
print(f"{tag}: phases {[(q.name, q.steps, q.lr, q.schedule) for q in r.phases]}; {len(r.train_dl.dataset)} train windows, "
      f"val {len(val)} frames, blurry {bl:.3f}", flush=True)
fit_and_report(r, tag, bl)
if "save" in args:
    from safetensors.torch import save_model
    save_model(r.model, args["save"]); print("saved", args["save"])
