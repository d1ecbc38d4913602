"""Optimised vs plain, measured in one run: inference and training per model (fp32 and bf16), PSNR/SSIM vs scikit-image.

Every ratio compares two forms of the same computation timed in the same process, interleaved (A, B, A, B, ...;
median), with torch limited to `--threads` threads, so that load from other processes hits both alike.

- **inference**: the plain model (eval, `torch.no_grad`, torchvision's `deform_conv2d`, PCD alignment frame by
  frame: the library before issue 17) vs `deblur_nb.inference.prepare_inference(model)` in fp32 and bf16; one window
  (1 x T x 3 x S x S) per call; tiny configs of every zoo model, and the paper configs of EDVR and PRO-MOTION. fp32
  outputs are compared too (max |difference|).
- **training**: the Learner at every recipe's cpu preset (its model, batch, crop, loss and data; the recipe's longest
  phase), plain (torchvision DCN, frame-by-frame alignment, NCHW) vs optimised (the library's defaults) in fp32, and
  optimised in bf16. Steps/s is the median step time; the data-load time per step (the time between two steps, spent
  fetching and moving the batch) is printed separately; the fp32 losses of the first steps of both forms are compared
  (same seed, same batches: they must agree to float rounding).
- **bf16** is timed everywhere only on CPUs with native bf16 (AVX-512 BF16 / AMX) or with `--force-bf16`; elsewhere
  (e.g. AVX2, where it is emulated and many times slower) once per tiny-config model, so the run stays short.
- **metrics**: `benchmarks/metrics.py` (720p pairs, PSNR/SSIM vs scikit-image on the same float32 arrays).

    python benchmarks/bench.py                       # everything, ~10 minutes on a 2-core machine
    python benchmarks/bench.py --only train --train hide face --steps 6 --rounds 2
    python benchmarks/bench.py --json benchmarks/results/bench_cpu.json
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing


def machine(threads: int) -> dict:
    import torch
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"): cpu = line.split(":", 1)[1].strip(); break
        flags = next(l for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("flags")).split()
        isa = [f for f in ("avx2", "avx512f", "avx512_bf16", "amx_bf16") if f in flags]
    except (OSError, StopIteration): isa = []
    try:
        git = lambda *a: subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        commit = git("rev-parse", "--short", "HEAD") + ("+uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else "")
    except OSError: commit = "?"
    return {"cpu": cpu, "isa": isa, "cpus": os.cpu_count(), "torch_threads": threads, "torch": torch.__version__,
            "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(), "python": platform.python_version(),
            "commit": commit, "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime())}


def plain_form(model):
    "The library's pre-issue-17 forward: torchvision's DCN kernel and PCD alignment one frame at a time."
    from deblur_nb.models.edvr import EDVR, set_dcn_impl
    set_dcn_impl(model, "torchvision")
    for m in model.modules():
        if isinstance(m, EDVR): m.align_batched = False
    return model


def _median_ratio(ta: list, tb: list) -> float:
    return statistics.median(ta) / statistics.median(tb)


# -- inference -----------------------------------------------------------------------------------------------------
def bench_inference(cases, *, size: int, reps: int, precisions, slow: tuple = ()) -> list[dict]:
    "`slow` precisions (no native support on this CPU) are timed once per case instead of `reps` times."
    import torch
    from deblur_nb.evaluate import model_output
    from deblur_nb.inference import prepare_inference
    from deblur_nb.zoo import build_model
    rows = []
    for name, cfg in cases:
        torch.manual_seed(0)
        model = build_model(name, cfg).eval()
        t = getattr(model, "num_frames", 1)
        x = torch.rand((1, 3, size, size) if t == 1 else (1, t, 3, size, size), generator=torch.Generator().manual_seed(0))
        plain = plain_form(model)
        forms = {"plain": lambda: model_output(plain(x))}
        precs = [p for p in precisions if cfg == "tiny" or p not in slow]   # paper configs: native precisions only
        prepared = {p: prepare_inference(model, precision=p) for p in precs}
        for p, pm in prepared.items(): forms[p] = (lambda pm: lambda: model_output(pm(x)))(pm)
        with torch.no_grad():
            outs = {k: f() for k, f in forms.items()}   # warm-up, and the outputs compared
            times = {k: [] for k in forms}
            for r in range(reps):
                for k, f in forms.items():
                    if r and k in slow: continue
                    t0 = time.perf_counter(); f(); times[k].append(time.perf_counter() - t0)
        row = {"model": name, "config": cfg, "input": list(x.shape), "reps": reps,
               "plain_ms": 1e3 * statistics.median(times["plain"])}
        for p in precs:
            row[f"{p}_ms"] = 1e3 * statistics.median(times[p])
            row[f"{p}_speedup"] = _median_ratio(times["plain"], times[p])
            row[f"{p}_max_abs_diff"] = float((outs[p] - outs["plain"]).abs().max())
        row["memory_format"] = str(prepared[precisions[0]].memory_format).replace("torch.", "")
        rows.append(row)
        print(f"  {name:10s} {cfg:6s} {'x'.join(map(str, x.shape)):>16s} plain {row['plain_ms']:8.1f} ms | "
              + " | ".join(f"{p} {row[f'{p}_ms']:8.1f} ms  x{row[f'{p}_speedup']:.2f} (max diff {row[f'{p}_max_abs_diff']:.1e})"
                           for p in precs) + f" | {row['memory_format']}", flush=True)
    return rows


# -- training --------------------------------------------------------------------------------------------------------
RECIPES = {  # name -> (recipe module, recipe kwargs)
    "hide": ("deblur_nb.recipes.hide", {}),
    "david": ("deblur_nb.recipes.david", {}),
    "edvr": ("deblur_nb.recipes.promotion", {"model": "edvr"}),
    "promotion": ("deblur_nb.recipes.promotion", {"model": "promotion"}),
    "face": ("deblur_nb.recipes.face", {}),
}


def _recipe(name: str, preset: str):
    mod, kw = RECIPES[name]
    return importlib.import_module(mod).recipe(preset, **kw)


def _fit(recipe, phase, *, steps: int, form: str, precision: str, memory_format: str = "auto") -> dict:
    "`steps` Learner steps of `recipe`'s `phase` from the recipe's initial weights; step/load times and losses."
    import copy
    import torch
    from deblur_nb.learner import Callback
    model = copy.deepcopy(recipe._initial_model)
    mf = memory_format
    if form == "plain": plain_form(model); mf = "contiguous"

    class Clock(Callback):
        def __init__(self): self.begin, self.end, self.loss = [], [], []
        def on_step_begin(self, learner, batch): self.begin.append(time.perf_counter())
        def on_step_end(self, learner, logs): self.end.append(time.perf_counter()); self.loss.append(logs["loss"])

    clock = Clock()
    loaders = recipe.train_dl.values() if isinstance(recipe.train_dl, dict) else [recipe.train_dl]
    for dl, state in zip(loaders, recipe._generator_states):   # every form sees the same batches
        if state is not None: dl.generator.set_state(state)
    kw = {k: v for k, v in recipe.learner_kwargs.items() if k not in ("val_every", "ckpt_every", "precision", "device", "progress")}
    with tempfile.TemporaryDirectory() as d:
        from deblur_nb.learner import Learner
        learner = Learner(model, recipe.train_dl, loss_fn=recipe.loss_fn, loss_weights=recipe.loss_weights,
                          phases=[dataclasses.replace(phase, steps=steps)], forward_fn=recipe.forward_fn, out_dir=d,
                          progress=False, device="cpu", precision=precision, callbacks=[clock], memory_format=mf, **kw)
        learner.fit()
    step = [e - b for b, e in zip(clock.begin, clock.end)]
    load = [b - e for b, e in zip(clock.begin[1:], clock.end[:-1])]
    return {"step": step[2:], "load": load[1:], "loss": clock.loss, "memory_format": learner.memory_format}


def bench_training(names, *, preset: str, steps: int, rounds: int, precisions, memory_format: str = "auto") -> list[dict]:
    import copy
    import torch
    rows = []
    for name in names:
        t0 = time.time()
        r = _recipe(name, preset)
        r._initial_model = copy.deepcopy(r.model)
        loaders = r.train_dl.values() if isinstance(r.train_dl, dict) else [r.train_dl]
        r._generator_states = [dl.generator.get_state() if getattr(dl, "generator", None) is not None else None
                               for dl in loaders]
        phase = max(r.phases, key=lambda p: p.steps)      # the phase that takes most of the recipe's steps
        built = time.time() - t0
        forms = [("plain", "fp32")] + [("optimised", p) for p in precisions]
        res = {f: {"step": [], "load": [], "loss": None} for f in forms}
        for _ in range(rounds):                            # interleaved: plain, optimised, plain, optimised, ...
            for form, prec in forms:
                out = _fit(r, phase, steps=steps, form=form, precision=prec, memory_format=memory_format)
                res[(form, prec)]["step"] += out["step"]; res[(form, prec)]["load"] += out["load"]
                res[(form, prec)]["loss"] = out["loss"]; res[(form, prec)]["memory_format"] = out["memory_format"]
        dl = r.train_dl if not isinstance(r.train_dl, dict) else r.train_dl[phase.data or next(iter(r.train_dl))]
        med = lambda v: statistics.median(v) if v else float("nan")
        row = {"recipe": name, "preset": preset, "phase": phase.name, "batch": dl.batch_size,
               "num_workers": dl.num_workers, "steps_per_round": steps, "rounds": rounds, "build_s": built}
        base = med(res[("plain", "fp32")]["step"])
        for (form, prec), v in res.items():
            k = "plain" if form == "plain" else f"opt_{prec}"
            row[f"{k}_step_ms"] = 1e3 * med(v["step"])
            row[f"{k}_load_ms"] = 1e3 * med(v["load"])
            row[f"{k}_memory_format"] = v["memory_format"]
            if form != "plain":
                row[f"{k}_speedup"] = base / med(v["step"])
                a, b = res[("plain", "fp32")]["loss"], v["loss"]
                row[f"{k}_max_rel_loss_diff"] = max(abs(x - y) / max(abs(x), 1e-12) for x, y in zip(a, b))
        rows.append(row)
        print(f"  {name:10s} batch {row['batch']:3d} phase {phase.name:20s} plain {row['plain_step_ms']:7.1f} ms/step "
              f"(load {row['plain_load_ms']:5.1f} ms) | "
              + " | ".join(f"opt {p} {row[f'opt_{p}_step_ms']:7.1f} ms/step (load {row[f'opt_{p}_load_ms']:5.1f} ms) "
                           f"x{row[f'opt_{p}_speedup']:.2f}, losses rel diff {row[f'opt_{p}_max_rel_loss_diff']:.1e}"
                           for p in precisions) + f" | {row['opt_fp32_memory_format']}", flush=True)
    return rows


# -- metrics -----------------------------------------------------------------------------------------------------------
def bench_metrics(frames: int, repeats: int) -> dict:
    "benchmarks/metrics.py in a subprocess (it sets thread counts before importing numpy/torch); its printed lines."
    p = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "metrics.py"), "--frames", str(frames),
                        "--repeats", str(repeats)], capture_output=True, text=True, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    print("  " + p.stdout.strip().replace("\n", "\n  "), flush=True)
    if p.returncode: print(p.stderr[-2000:], file=sys.stderr)
    ratios = {}
    for line in p.stdout.splitlines():
        if "speed-up (wall)" in line:
            m = line.split()[0].lower()
            ratios[f"{m}_vs_skimage_f32"] = float(line.split(":")[1].split("x")[0])
    return {"returncode": p.returncode, "ratios": ratios, "output": p.stdout}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", default=["inference", "train", "metrics"], choices=["inference", "train", "metrics"])
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    ap.add_argument("--size", type=int, default=128, help="inference frame side S (default 128)")
    ap.add_argument("--reps", type=int, default=3, help="interleaved inference repetitions (default 3)")
    ap.add_argument("--paper", nargs="*", default=["edvr", "promotion"], help="models also timed at their paper config")
    ap.add_argument("--models", nargs="*", default=None, help="tiny-config inference models (default: every zoo model)")
    ap.add_argument("--train", nargs="*", default=list(RECIPES), help="recipes trained at --preset")
    ap.add_argument("--preset", default="cpu", help="recipe preset for training (default cpu)")
    ap.add_argument("--steps", type=int, default=6, help="Learner steps per round (first 2 are warm-up; default 6)")
    ap.add_argument("--rounds", type=int, default=2, help="interleaved training rounds (default 2)")
    ap.add_argument("--precisions", nargs="*", default=["fp32", "bf16"], help="optimised forms (default fp32 bf16)")
    ap.add_argument("--memory-format", default="auto", help="optimised training's Learner memory_format (default auto)")
    ap.add_argument("--force-bf16", action="store_true", help="time bf16 everywhere even without native bf16")
    ap.add_argument("--metric-frames", type=int, default=4)
    ap.add_argument("--json", default=None, help="also write the results to this JSON file")
    a = ap.parse_args(argv)
    for v in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"): os.environ.setdefault(v, str(a.threads))
    import torch
    import warnings
    torch.set_num_threads(a.threads)
    warnings.filterwarnings("ignore", message=".*LPIPS.*")
    from deblur_nb.zoo import available_models
    info = machine(a.threads)
    print(f"deblur_nb bench | {info['cpu']} ({', '.join(info['isa'])}; torch sees {info['torch_cpu_capability']}), "
          f"{info['cpus']} CPUs, torch {info['torch']} with {a.threads} thread(s) | commit {info['commit']} | {info['date_utc']} UTC")
    out = {"machine": info, "args": vars(a)}
    native_bf16 = any(f in info["isa"] for f in ("avx512_bf16", "amx_bf16"))
    slow = () if native_bf16 or a.force_bf16 else ("bf16",)
    if slow:
        print("note: this CPU has no native bf16 (AVX-512 BF16 / AMX): bf16 is timed once per tiny-config model only; "
              "paper-config inference and training run fp32 only (pass --force-bf16 to time them all)")
    t_all = time.time()
    if "inference" in a.only:
        cases = [(n, "tiny") for n in (a.models or available_models())] + [(n, "paper") for n in a.paper]
        print(f"\n== inference: one window 1 x T x 3 x {a.size} x {a.size} per call, median of {a.reps} interleaved "
              f"runs; speed-up = plain / prepared")
        out["inference"] = bench_inference(cases, size=a.size, reps=a.reps, precisions=a.precisions, slow=slow)
    if "train" in a.only:
        print(f"\n== training: Learner at each recipe's '{a.preset}' preset, {a.rounds} interleaved rounds of {a.steps} "
              f"steps per form (2 warm-up steps per round not timed); speed-up = plain / optimised step time")
        out["training"] = bench_training(a.train, preset=a.preset, steps=a.steps, rounds=a.rounds,
                                         precisions=[p for p in a.precisions if p not in slow],
                                         memory_format=a.memory_format)
    if "metrics" in a.only:
        print(f"\n== metrics: benchmarks/metrics.py --frames {a.metric_frames} --repeats 3")
        out["metrics"] = bench_metrics(a.metric_frames, 3)
    out["total_s"] = time.time() - t_all
    print(f"\nbench finished in {out['total_s'] / 60:.1f} min")
    if a.json:
        Path(a.json).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json).write_text(json.dumps(out, indent=1))
        print(f"results written to {a.json}")
    return 0 if out.get("metrics", {}).get("returncode", 0) == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
