"""Write README's results tables from the committed reports/<paper>/results.json (so README never drifts from them).

    python scripts/readme_results.py          # rewrites the block between the results markers in README.md
    python scripts/readme_results.py --check  # exit 1 when README's block differs from what the reports say

Each paper's block leads with the paper's claims as judged by its reproduce notebook (paper delta, measured delta,
95 % interval, verdict) and the gains of its full models over their blurry input, from the results.json's "claims"
and "gains" (a report written before claims were judged says so); then sentences generated from its rows (for
every test set with a blurry-input row: the best reproduced PSNR and by how much it beats, or does not beat, the
blurry input), then lists its PSNR
rows that have both a paper value and a reproduced value, plus the blurry-input rows that give the scale; the full
tables (SSIM, not-run rows, per-seed values) are in reports/<paper>/. Reports written from uncommitted code
("dirty": true in results.json) say so on every row.
"""
import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from deblur_nb.report import claims_markdown  # noqa: E402
START, END = "<!-- results:start -->", "<!-- results:end -->"
PAPERS = {"hide": "HIDE", "david": "DAVID", "promotion": "PRO-MOTION", "face": "Deep face deblurring"}


def _fmt(v, std=None):
    "PSNR in dB with two decimals."
    if v is None: return "-"
    return f"{v:.2f}" + (f" ± {std:.2f}" if std else "")


def _is_blurry(method: str) -> bool:
    m = method.lower()
    return "blur" in m and ("input" in m or m.startswith("blurred"))


def findings(rows: list[dict]) -> list[str]:
    "One sentence per (table, test set) with a blurry-input PSNR row: the best model there against that input."
    out = []
    keys = dict.fromkeys((r["table"], r["dataset"]) for r in rows if r["metric"] == "PSNR" and r["reproduced"] is not None)
    for t, ds in keys:
        here = [r for r in rows if r["table"] == t and r["dataset"] == ds and r["metric"] == "PSNR" and r["reproduced"] is not None]
        blur = [r for r in here if _is_blurry(r["method"])]
        models = [r for r in here if not _is_blurry(r["method"])]
        if not blur or not models: continue
        b = blur[0]["reproduced"]
        best = max(models, key=lambda r: r["reproduced"])
        above = sum(r["reproduced"] > b for r in models)
        spread = f" ± {best['std']:.2f}" if best.get("std") else ""
        out.append(f"- {t}, {ds}: best {best['method']} {best['reproduced']:.2f}{spread} dB against "
                   f"{b:.2f} dB for the blurry input ({best['reproduced'] - b:+.2f} dB); {above} of {len(models)} "
                   f"model rows above the blurry input.")
    return out


def claims_block(d: dict) -> list[str]:
    "The claims and gains tables of a results.json, or a line saying that the report predates them."
    if "claims" not in d and "gains" not in d:
        return ["Not yet judged: report predates claims (regenerate it with `make reproduce PRESET=cpu`).", ""]
    return claims_markdown(d.get("claims"), d.get("gains"), heading="####").splitlines() + [""]


def paper_block(paper: str) -> str:
    path = ROOT / "reports" / paper / "results.json"
    if not path.exists(): return f"### {PAPERS[paper]}\n\nNo committed report yet (`reports/{paper}/results.json`).\n"
    d = json.loads(path.read_text())
    mark = " (uncommitted code)" if d.get("dirty") else ""
    rows = [r for r in d["rows"] if r["metric"] == "PSNR" and r["reproduced"] is not None
            and (r["paper_value"] is not None or "blur" in r["method"].lower())]
    presets = sorted({r["preset"] for r in d["rows"]})
    wall = f"; {d['wall_seconds'] / 60:.0f} min wall time" if d.get("wall_seconds") else ""
    out = [f"### {PAPERS[paper]}", "",
           f"Preset {', '.join(presets)}; commit {d['commit']}"
           + (" with uncommitted code" if d.get("dirty") else "" if d.get("dirty") is False else " (clean state unknown)")
           + f"{wall}; full tables in `reports/{paper}/`.", ""] + claims_block(d) + findings(d["rows"]) + ["",
           "| table | method | paper's dataset | reproduced on | paper PSNR | reproduced PSNR | delta |",
           "|---|---|---|---|---|---|---|"]
    for r in rows:
        source = r["data_source"].split(" (")[0]  # the data's name; the full description is in the report
        out.append(f"| {r['table']} | {r['method']}{mark} | {r['dataset']} | {source} | {_fmt(r['paper_value'])} | "
                   f"{_fmt(r['reproduced'], r.get('std'))} | {_fmt(r['delta'])} |")
    return "\n".join(out) + "\n"


def render() -> str:
    return "\n".join(paper_block(p) for p in PAPERS)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="only check that README is up to date")
    a = ap.parse_args(argv)
    readme = (ROOT / "README.md").read_text()
    if START not in readme or END not in readme: sys.exit(f"README.md: missing the markers {START} / {END}")
    head, rest = readme.split(START, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{START}\n{render()}{END}{tail}"
    if a.check:
        if new != readme: sys.exit("README.md: the results block is out of date; run python scripts/readme_results.py")
        print("README results block matches reports/*/results.json")
        return
    (ROOT / "README.md").write_text(new)
    print("README.md results block rewritten")


if __name__ == "__main__":
    main()
