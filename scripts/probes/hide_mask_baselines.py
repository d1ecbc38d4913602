"""What an attention map that learned nothing scores against the HIDE FG masks G of the cpu preset, per split:
L_A (mean squared error) of each image's own mean of G (an oracle: the notebook's 'Constant map (mean of G)' rows),
of one global constant (the split's mean coverage: what a module that learned only the people's share reaches) and
of an all-zero map. Run from the repository root:
    PYTHONPATH=$PWD OMP_NUM_THREADS=1 .venv/bin/python scripts/probes/hide_mask_baselines.py
"""
from dataclasses import replace
import numpy as np
from deblur_nb.recipes.hide import get_preset, hide_eval_set, hide_roots, hide_val_set

roots = hide_roots("cpu")
sets = {"validation": hide_val_set(roots, replace(get_preset("cpu"), val_images=3)),
        "HIDE I": hide_eval_set(roots, "test-long-shot"), "HIDE II": hide_eval_set(roots, "test-close-ups")}
for name, ds in sets.items():
    G = [ds[i]["mask"][0].numpy() for i in range(len(ds))]
    cov = float(np.mean([g.mean() for g in G]))
    per_image = np.mean([((g.mean() - g) ** 2).mean() for g in G])
    glob = np.mean([((cov - g) ** 2).mean() for g in G])
    zero = np.mean([(g ** 2).mean() for g in G])
    print(f"{name}: {len(G)} images, coverage {cov:.3f}; L_A of each image's own mean {per_image:.4f}, "
          f"of one global constant {glob:.4f}, of zeros {zero:.4f}")
