"""Shared by the probe scripts: the blurry input's validation PSNR, and one training run with its validation rows."""
import math
import tempfile
import time
from pathlib import Path

import numpy as np
from deblur_nb.report import read_training_log


def blurry_psnr(val) -> float:
    "Mean PSNR of the blurry input (a window's centre frame, or the image) against the sharp frame over `val`."
    def lq(s): return s["lq"][s["lq"].shape[0] // 2] if s["lq"].ndim == 4 else s["lq"]
    return float(np.mean([10 * math.log10(1 / float(((lq(val[i]) - val[i]["gt"]) ** 2).mean())) for i in range(len(val))]))


def iou(a, g) -> float:
    "IoU of a > 0.5 with g > 0.5 (an attention map against the FG mask G); NaN when both are empty."
    inter, union = np.logical_and(a > 0.5, g > 0.5).sum(), np.logical_or(a > 0.5, g > 0.5).sum()
    return inter / union if union else np.nan


def fit_and_report(r, tag: str, bl: float) -> Path:
    "Train recipe `r` in a temporary folder; print the time and every validation row with its gain over `bl`."
    t0 = time.time()
    d = Path(tempfile.mkdtemp(prefix="deblur_probe_"))
    r.learner(d, progress=False).fit()
    log = read_training_log(d)
    vc = [c for c in log.columns if c.startswith("val/")]
    s = time.time() - t0
    print(f"{tag}: {s:.0f}s, {s / sum(q.steps for q in r.phases):.3f} s/step", flush=True)
    for _, row in log.dropna(subset=[vc[0]]).iterrows():
        p = row[[c for c in vc if "psnr" in c.lower()][0]]
        print(f"  {row['phase']} step {int(row['step'])}: " + ", ".join(f"{c} {row[c]:.3f}" for c in vc)
              + f"  gain {p - bl:+.3f}", flush=True)
    return d
