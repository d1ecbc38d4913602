#!/usr/bin/env python
"""Ship trained models inside the package: copy `<reports>/<paper>/models/<paper>_<method>.safetensors` (with its
`.json` sidecar, written by the reproduce notebooks at preset cpu/paper) into `deblur_nb/weights/<model>.safetensors`
plus a model card `<model>.md` and `<model>.json`. The shipped name is the model name recorded in the file
(`hide`, `david`, `edvr`, `promotion`, `face`), so `deblur_nb.zoo.load_model("promotion")` loads it.

    python scripts/ship_weights.py --reports reports                 # every models/ folder under reports/
    python scripts/ship_weights.py --reports /work/wt-repro/reports --only hide,promotion --dry-run

Sidecar fields used (contracts.md; deblur_nb.report.keep_model writes them): recipe, preset, steps, seed, commit,
datasets, and `scores` = {test set: {"model": {"PSNR": .., "SSIM": ..}, "blurry": {...}}} (any nesting works:
PSNR/SSIM keys under a key naming "blur" or "input" are the blurry input's).
Refuses: smoke-preset models (not worth shipping), two candidates for one model name, a missing sidecar or test
results, and a total over --budget-mb (25 MB). Existing shipped files of the chosen names are replaced.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from deblur_nb.zoo import MODELS, load_model, read_metadata  # noqa: E402

def limits(preset: str, test: dict) -> list[str]:
    out = ["Trained on the embedded synthetic benchmark (real photos and clips from Python packages, synthetic "
           "blur), not on the paper's real datasets: expect little or no gain on real camera blur.",
           (f"A small network trained for minutes on a CPU ('{preset}' preset), not the paper's model or schedule."
            if preset != "paper" else "The paper's network and schedule ('paper' preset)."),
           "The test numbers below are on the embedded benchmark's test split; they say nothing about your data."]
    worse = [s for s, r in test.items() if r["psnr"] <= r["blurry_psnr"]]
    if worse: out.append(f"It does not beat its blurry input on {', '.join(worse)} (PSNR): on such blur it makes images worse.")
    return out
TRAINING_DATA = "embedded synthetic benchmark (deblur_nb.embedded: packaged images/clips with synthetic blur)"


def _flat(d, prefix=""):
    out = {}
    for k, v in (d or {}).items():
        key = f"{prefix}_{k}" if prefix else str(k)
        if isinstance(v, dict): out.update(_flat(v, key))
        elif isinstance(v, (int, float)) and not isinstance(v, bool): out[key] = float(v)
    return out


def test_table(side: dict) -> dict:
    "{test set: {'psnr', 'ssim', 'blurry_psnr', 'blurry_ssim'}} from the sidecar's test results."
    tests = side.get("scores") or side.get("test") or side.get("results")
    if not isinstance(tests, dict) or not tests: raise ValueError("no test results ('scores': {set: {...}})")
    table = {}
    for name, vals in tests.items():
        row = {}
        for k, v in _flat(vals).items():
            kl = k.lower()
            metric = "psnr" if "psnr" in kl else "ssim" if "ssim" in kl else None
            if metric is None: continue
            key = ("blurry_" if ("blur" in kl or "input" in kl) else "") + metric
            row.setdefault(key, v)
        if "psnr" not in row or "blurry_psnr" not in row:
            raise ValueError(f"test set {name!r}: needs the model's and the blurry input's PSNR, got {sorted(_flat(vals))}")
        table[name] = row
    return table


def candidates(reports: Path) -> list[dict]:
    found = []
    for w in sorted(reports.glob("**/models/*.safetensors")):
        side = w.with_suffix(".json")
        if not side.is_file(): raise SystemExit(f"ship_weights: {w} has no sidecar {side.name}")
        meta = json.loads(side.read_text())
        model = read_metadata(w)["model"]
        if model not in MODELS: raise SystemExit(f"ship_weights: {w} records model {model!r}, not one of {list(MODELS)}")
        found.append({"path": w, "sidecar": meta, "model": model})
    return found


def _datasets(d) -> str:
    if isinstance(d, dict): return "; ".join(f"{k}: {v}" for k, v in d.items()).replace("|", "/")
    return ", ".join(map(str, d)) if isinstance(d, (list, tuple)) else str(d)


def card_md(c: dict) -> str:
    rows = "\n".join(f"| {s} | {r['blurry_psnr']:.2f} | {r['psnr']:.2f} | {r['psnr'] - r['blurry_psnr']:+.2f} | "
                     + (f"{r['blurry_ssim']:.3f} | {r['ssim']:.3f} |" if "ssim" in r and "blurry_ssim" in r else "- | - |")
                     for s, r in c["test"].items())
    return f"""# Shipped weights: `{c['name']}`

`deblur_nb.zoo.load_model("{c['name']}")` (or `deblur-nb deblur --weights {c['name']} ...`) loads this file,
`{c['file']}` ({c['bytes'] / 1e6:.2f} MB, sha256 `{c['sha256'][:16]}...`, {c['parameters']:,} parameters).

| field | value |
|---|---|
| model | `{c['model']}` |
| recipe | `{c['recipe']}` |
| preset | `{c['preset']}` |
| steps | {c['steps']} |
| seed | {c.get('seed')} |
| commit | `{c.get('commit')}` |
| training data | {c['training_data']} |
| datasets | {_datasets(c.get('datasets'))} |
| source | `{c['source']}` |

## Test results (embedded benchmark, PSNR in dB)

| test set | blurry input PSNR | model PSNR | gain | blurry input SSIM | model SSIM |
|---|---|---|---|---|---|
{rows}

## Limits
""" + "\n".join(f"- {x}" for x in c["limits"]) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=Path, default=ROOT / "reports", help="root holding <paper>/models/")
    ap.add_argument("--out", type=Path, default=ROOT / "deblur_nb" / "weights", help="package weights folder")
    ap.add_argument("--only", default=None, help="comma-separated model names to ship (default: all found)")
    ap.add_argument("--budget-mb", type=float, default=25.0, help="refuse when the shipped files exceed this")
    ap.add_argument("--allow-preset", default="cpu,paper", help="presets that may ship (smoke never should)")
    ap.add_argument("--dry-run", action="store_true")
    a = ap.parse_args(argv)
    if not a.reports.is_dir(): raise SystemExit(f"ship_weights: --reports {a.reports} is not a folder")
    found = candidates(a.reports)
    if a.only:
        want = a.only.split(",")
        bad = [w for w in want if w not in MODELS]
        if bad: raise SystemExit(f"ship_weights: --only: unknown model(s) {bad}; models: {list(MODELS)}")
        found = [f for f in found if f["model"] in want]
    if not found: raise SystemExit(f"ship_weights: no <paper>/models/*.safetensors under {a.reports}")
    by = {}
    for f in found: by.setdefault(f["model"], []).append(f)
    dup = {k: [str(x["path"]) for x in v] for k, v in by.items() if len(v) > 1}
    if dup: raise SystemExit(f"ship_weights: several candidates for one model (pick with --reports/--only): {dup}")
    allowed = a.allow_preset.split(",")
    cards, total = [], 0
    for model, (f,) in sorted(by.items()):
        s = f["sidecar"]
        missing = [k for k in ("recipe", "preset", "steps") if k not in s]
        if missing: raise SystemExit(f"ship_weights: {f['path'].with_suffix('.json')}: missing {missing}")
        if s["preset"] not in allowed:
            raise SystemExit(f"ship_weights: {f['path']}: preset {s['preset']!r} is not shippable (allowed: {allowed})")
        try: test = test_table(s)
        except ValueError as e: raise SystemExit(f"ship_weights: {f['path'].with_suffix('.json')}: {e}")
        net = load_model(f["path"])
        data = f["path"].read_bytes()
        c = {"name": model, "model": model, "file": f"{model}.safetensors", "bytes": len(data),
             "sha256": hashlib.sha256(data).hexdigest(), "parameters": sum(p.numel() for p in net.parameters()),
             "source": str(f["path"].relative_to(a.reports.parent) if a.reports.parent in f["path"].parents else f["path"]),
             "recipe": s["recipe"], "preset": s["preset"], "steps": s["steps"], "seed": s.get("seed"),
             "commit": s.get("commit"), "datasets": s.get("datasets"), "training_data": TRAINING_DATA,
             "test": test, "limits": limits(s["preset"], test), "sidecar": s}
        total += len(data) + len(card_md(c)) + len(json.dumps(c, indent=1))
        cards.append((f, c))
    print(f"ship_weights: {len(cards)} model(s), {total / 1e6:.2f} MB in all (budget {a.budget_mb} MB)")
    for f, c in cards:
        gains = ", ".join(f"{k} {v['psnr'] - v['blurry_psnr']:+.2f} dB" for k, v in c["test"].items())
        print(f"  {c['name']:10s} {c['bytes'] / 1e6:6.2f} MB  {c['recipe']} ({c['preset']}, {c['steps']} steps)  {gains}  <- {f['path']}")
    if total > a.budget_mb * 1e6:
        raise SystemExit(f"ship_weights: {total / 1e6:.2f} MB exceeds the budget of {a.budget_mb} MB; ship fewer models (--only)")
    if a.dry_run: return 0
    a.out.mkdir(parents=True, exist_ok=True)
    for f, c in cards:
        shutil.copyfile(f["path"], a.out / c["file"])
        (a.out / f"{c['name']}.json").write_text(json.dumps(c, indent=1) + "\n")
        (a.out / f"{c['name']}.md").write_text(card_md(c))
    print(f"ship_weights: wrote {', '.join(c['name'] for _, c in cards)} to {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
