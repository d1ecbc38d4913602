"""One training step (forward, loss, backward, Adam) of a recipe's cpu-preset model on one fixed batch, timed in
several forms side by side (interleaved, median of 6): base, nomkldnn (oneDNN off: ATen's im2col + GEMM
convolutions), cl (channels-last weights and input), compile (torch.compile, inductor). A probe for issue 17, not
the Learner (no data loading, no callbacks).
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/step_variants.py face base,nomkldnn,cl,compile"""
import sys, time, copy, statistics, importlib, torch
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent))
torch.set_num_threads(1)
import bench
name = sys.argv[1]; variants = sys.argv[2].split(",")
r = bench._recipe(name, "cpu")
phase = max(r.phases, key=lambda p: p.steps)
dl = r.train_dl if not isinstance(r.train_dl, dict) else r.train_dl[phase.data or next(iter(r.train_dl))]
batch = next(iter(dl))
fwd = r.forward_fn or (lambda m, b: m(b["lq"]))
print(name, {k: tuple(v.shape) for k, v in batch.items() if torch.is_tensor(v)}, sum(p.numel() for p in r.model.parameters())/1e6, "M")
def make(v):
    m = copy.deepcopy(r.model).train()
    if "cl" in v: m = m.to(memory_format=torch.channels_last)
    if "compile" in v: m = torch.compile(m)
    opt = torch.optim.Adam(m.parameters(), 1e-4)
    return m, opt
def step(m, opt, v):
    with torch.backends.mkldnn.flags(enabled="nomkldnn" not in v):
        out = fwd(m, batch); terms = r.loss_fn(out, batch)
        tot = sum(r.loss_weights.get(k, 1) * t for k, t in terms.items() if r.loss_weights.get(k, 1))
        opt.zero_grad(set_to_none=True); tot.backward(); opt.step()
    return float(tot)
ms = {v: make(v) for v in variants}
times = {v: [] for v in variants}
for v in variants:
    t = time.time(); step(*ms[v], v); print(v, "first step", round(time.time() - t, 1), "s", flush=True)
for rep in range(6):
    for v in variants:
        t = time.perf_counter(); step(*ms[v], v); times[v].append(time.perf_counter() - t)
base = statistics.median(times[variants[0]])
for v in variants:
    med = statistics.median(times[v]); print(f"{name} {v:14s} {1e3*med:8.1f} ms  x{base/med:.2f}")
