"""torch.profiler table of 5 training steps (forward, loss, backward, Adam) of a recipe's cpu-preset model on one
fixed batch, after 3 warm-up steps; `cl` as second argument: channels-last. A probe for issue 17.
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/profile_step.py face"""
import sys, time, copy, torch
from pathlib import Path
sys.path.insert(0, str(Path(__file__).parent)); torch.set_num_threads(1)
import bench
name = sys.argv[1]
r = bench._recipe(name, "cpu")
phase = max(r.phases, key=lambda p: p.steps)
dl = r.train_dl if not isinstance(r.train_dl, dict) else r.train_dl[phase.data or next(iter(r.train_dl))]
batch = next(iter(dl))
fwd = r.forward_fn or (lambda m, b: m(b["lq"]))
m = r.model.train(); opt = torch.optim.Adam(m.parameters(), 1e-4)
if len(sys.argv) > 2 and sys.argv[2] == "cl": m.to(memory_format=torch.channels_last)
def step():
    out = fwd(m, batch); terms = r.loss_fn(out, batch)
    tot = sum(r.loss_weights.get(k, 1) * t for k, t in terms.items() if r.loss_weights.get(k, 1))
    opt.zero_grad(set_to_none=True); tot.backward(); opt.step()
for _ in range(3): step()
from torch.profiler import profile
with profile() as p:
    for _ in range(5): step()
print(p.key_averages().table(sort_by="self_cpu_time_total", row_limit=25))
from torch.utils.flop_counter import FlopCounterMode
with FlopCounterMode(display=False) as fc: fwd(m, batch)
conv = sum(v for k, v in fc.get_flop_counts()["Global"].items() if "convolution" in str(k))
print(f"forward FLOPs per step (one batch, torch.utils.flop_counter): {fc.get_total_flops() / 1e9:.2f} G, "
      f"of which convolutions {conv / 1e9:.2f} G; backward does about twice the forward's")
