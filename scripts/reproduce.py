#!/usr/bin/env python
"""Run the reproduction notebooks `nbs/reproduce_<paper>.ipynb` with papermill into `reports/<paper>/`.

    python scripts/reproduce.py                          # all four papers, preset smoke, into reports/smoke/
    python scripts/reproduce.py --paper hide --preset cpu   # into reports/hide/ (needs a clean checkout)
    python scripts/reproduce.py --paper david,face --preset paper --data-root /data --device cuda --seeds 0 1 2

Each notebook runs on the `python3` kernel with the parameters `preset` and `out_dir` (= <out-root>/<paper>,
absolute; <out-root> defaults to reports/ for cpu and paper, to the git-ignored reports/smoke/ for smoke) and
`allow_dirty`, plus `data_root`, `device` and `seeds` when given here; the executed notebook is written to
`<out-root>/<paper>/reproduce_<paper>.ipynb` beside the notebook's results.json, tables and figures, and the
results.json is checked with `deblur_nb.report.results_json_schema_errors`, and must carry the judged `claims` and
the `gains` (`deblur_nb.claims.claims_schema_errors`). At cpu and paper the notebooks also get `runs_dir` =
<runs-root>/<paper> (default reports/.runs, git-ignored): finished training runs are kept there and reused by the
next run with the same configuration, seed and deblur_nb code, so an interrupted reproduction continues where it
stopped (--no-cache turns this off). `--jobs 2` uses a second core: a helper copy of the notebook runs beside
the main one with the seeds in reverse order, into a temporary folder, and trains into the same runs folder; each
run is trained by whichever process claims it first while the other waits for it (`deblur_nb.report.cached_run`),
so the two meet in the middle of each loop over seeds, and the report, written by the main copy alone, reuses
every run. Set OMP_NUM_THREADS=1 so that each process keeps to one core. The kernel gets DEBLUR_NB_STATIC=1
(viewers become static figures) and MPLBACKEND=Agg.

A cpu or paper run refuses to start when tracked code (anything outside reports/) has uncommitted changes,
unless --allow-dirty is given; its reports then say "uncommitted code" and their results.json has "dirty": true.

Exit status: 0 when every requested notebook ran and wrote a valid results.json; 1 when any run failed (or
wrote no valid results.json); 2 when none failed but some notebooks do not exist (unless --allow-missing).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from deblur_nb.claims import claims_schema_errors  # noqa: E402
from deblur_nb.report import PAPERS, PRESETS, code_changes, results_json_schema_errors  # noqa: E402


def _papers(spec: str | None) -> list[str]:
    if not spec:
        return list(PAPERS)
    out = [p.strip() for p in spec.split(",") if p.strip()]
    bad = [p for p in out if p not in PAPERS]
    if bad or not out:
        raise SystemExit(f"reproduce.py: --paper must be a comma-separated list of {', '.join(PAPERS)}; got {spec!r}")
    return list(dict.fromkeys(out))


def _is_papermill_output(path: Path) -> bool:
    "True when `path` is a notebook papermill wrote (so a new run may replace it)."
    try:
        return "papermill" in json.loads(path.read_text()).get("metadata", {})
    except (OSError, ValueError, AttributeError):
        return False


def run_paper(paper: str, args) -> dict:
    "Run one paper's notebook; returns {'paper', 'status' (ok|failed|missing), 'seconds', 'message'}."
    nb = Path(args.nbs_dir) / f"reproduce_{paper}.ipynb"
    if not nb.is_file():
        return dict(paper=paper, status="missing", seconds=0.0, message=f"{nb} does not exist")
    out_dir = (Path(args.out_root) / paper).resolve()
    out_nb = out_dir / f"reproduce_{paper}.ipynb"
    if out_nb.exists() and not _is_papermill_output(out_nb):
        return dict(paper=paper, status="failed", seconds=0.0,
                    message=f"{out_nb} exists and is not a papermill output; move it away or pick another --out-root")
    out_dir.mkdir(parents=True, exist_ok=True)
    params = {"preset": args.preset, "out_dir": str(out_dir), "allow_dirty": bool(args.allow_dirty)}
    if args.data_root is not None:
        params["data_root"] = str(Path(args.data_root).resolve())
    if args.device is not None:
        params["device"] = args.device
    if args.seeds is not None:
        params["seeds"] = list(args.seeds)
    if args.runs_root is not None:
        params["runs_dir"] = str((Path(args.runs_root) / paper).resolve())
    import papermill as pm
    t0 = time.time()
    helper = _start_helper(nb, params, args) if args.jobs > 1 and "runs_dir" in params else None
    try:
        pm.execute_notebook(str(nb), str(out_nb), parameters=params, kernel_name="python3", language="python",
                            cwd=str(nb.parent), progress_bar=args.progress, execution_timeout=args.cell_timeout)
    except Exception as e:  # papermill raises PapermillExecutionError (cell error) and others (kernel died, ...)
        msg = f"{type(e).__name__}: {str(e).strip().splitlines()[-1] if str(e).strip() else ''}"
        return dict(paper=paper, status="failed", seconds=time.time() - t0,
                    message=f"{msg} (executed notebook with the traceback: {out_nb})")
    finally:
        if helper is not None: _stop_helper(*helper)
    res = out_dir / "results.json"
    if not res.is_file():
        return dict(paper=paper, status="failed", seconds=time.time() - t0, message=f"ran, but wrote no {res}")
    errs = results_json_schema_errors(res)
    if errs:
        return dict(paper=paper, status="failed", seconds=time.time() - t0,
                    message=f"{res} is not valid: " + "; ".join(errs[:5]) + (" ..." if len(errs) > 5 else ""))
    doc = json.loads(res.read_text())
    missing = [k for k in ("claims", "gains") if k not in doc]
    errs = [f"no {k!r} list" for k in missing] or claims_schema_errors(doc)
    if errs:
        return dict(paper=paper, status="failed", seconds=time.time() - t0,
                    message=f"{res}: claims/gains: " + "; ".join(errs[:5]) + (" ..." if len(errs) > 5 else ""))
    verdicts = [c["verdict"] for c in doc["claims"]]
    return dict(paper=paper, status="ok", seconds=time.time() - t0,
                message=f"{len(doc['rows'])} rows, {len(verdicts)} claims ({verdicts.count('reproduced')} reproduced, "
                        f"{verdicts.count('contradicted')} contradicted, {verdicts.count('inconclusive')} inconclusive), "
                        f"{len(doc['gains'])} gains in {res}")


DEFAULT_SEEDS = [0, 1, 2]   # the reproduce notebooks' own default at cpu and paper


def _start_helper(nb: Path, params: dict, args):
    """A second papermill process on the same notebook and runs folder, seeds reversed, output to a temporary
    folder: (process, folder). Its output is a scratch copy; only its finished training runs are used."""
    tmp = Path(tempfile.mkdtemp(prefix=f"deblur_nb_helper_{nb.stem}_"))
    seeds = list(params.get("seeds") or DEFAULT_SEEDS)[::-1]
    hp = {**params, "out_dir": str(tmp / "out"), "seeds": seeds}
    cmd = [sys.executable, "-m", "papermill", str(nb), str(tmp / nb.name), "-y", json.dumps(hp), "-k", "python3",
           "--cwd", str(nb.parent), "--no-progress-bar"]
    with open(tmp / "helper.log", "w") as log:      # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    print(f"   helper process {proc.pid} (seeds {seeds}) trains into the same runs folder; its log: {tmp / 'helper.log'}",
          flush=True)
    return proc, tmp


def _stop_helper(proc, tmp: Path) -> None:
    "Stop the helper (and its kernel) once the main copy is done; every run it finished stays in the runs folder."
    if proc.poll() is None:
        try: os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError: pass
        try: proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL); proc.wait()
        print(f"   helper process {proc.pid} stopped (main copy finished)", flush=True)
    elif proc.returncode:
        print(f"   helper process {proc.pid} failed with status {proc.returncode}; its log: {tmp / 'helper.log'}", flush=True)
        return                                   # kept for reading
    shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--paper", help=f"comma-separated subset of {','.join(PAPERS)} (default: all four)")
    ap.add_argument("--preset", default="smoke", choices=PRESETS, help="smoke (CI), cpu (embedded benchmark), paper (GPU, real data)")
    ap.add_argument("--data-root", help="folder of the real dataset(s); default: the embedded synthetic benchmark")
    ap.add_argument("--device", help="auto | cpu | cuda | cuda:N (default: the notebook's own default, auto)")
    ap.add_argument("--seeds", type=int, nargs="+", help="seeds to run (default: the notebook's own default)")
    ap.add_argument("--out-root", default=None,
                    help="reports go to <out-root>/<paper>/ (default: reports for cpu/paper, reports/smoke for smoke)")
    ap.add_argument("--runs-root", default=None,
                    help="keep and reuse finished training runs in <runs-root>/<paper>/ (default: reports/.runs for cpu "
                         "and paper, none for smoke)")
    ap.add_argument("--jobs", type=int, default=1, choices=(1, 2),
                    help="2: a helper process trains the runs in the opposite seed order beside the main one (needs the "
                         "runs cache, so not with --no-cache or at smoke); set OMP_NUM_THREADS=1")
    ap.add_argument("--no-cache", action="store_true", help="do not keep or reuse training runs (no runs_dir)")
    ap.add_argument("--allow-dirty", action="store_true",
                    help="let a cpu/paper run use uncommitted code (its reports are marked 'uncommitted code')")
    ap.add_argument("--nbs-dir", default=str(ROOT / "nbs"), help=argparse.SUPPRESS)  # tests point this elsewhere
    ap.add_argument("--cell-timeout", type=int, default=None, help="seconds one cell may run (default: no limit)")
    ap.add_argument("--allow-missing", action="store_true", help="exit 0 even when some notebooks do not exist")
    ap.add_argument("--list", action="store_true", help="only list which notebooks exist")
    ap.add_argument("--progress", action="store_true", help="show papermill's per-cell progress bar")
    args = ap.parse_args(argv)
    papers = _papers(args.paper)
    if args.out_root is None: args.out_root = str(ROOT / "reports" / ("smoke" if args.preset == "smoke" else ""))
    if args.no_cache: args.runs_root = None
    elif args.runs_root is None and args.preset != "smoke": args.runs_root = str(ROOT / "reports" / ".runs")
    if args.list:
        for p in papers:
            nb = Path(args.nbs_dir) / f"reproduce_{p}.ipynb"
            print(f"{p:10s} {'present' if nb.is_file() else 'MISSING'}  {nb}")
        return 0
    if args.data_root is not None and not Path(args.data_root).is_dir():
        ap.error(f"--data-root {args.data_root!r} is not a folder")
    if args.preset != "smoke" and not args.allow_dirty:
        changed = code_changes(ROOT)
        if changed:
            print(f"reproduce.py: refusing a {args.preset} run from uncommitted code ({', '.join(changed[:5])}"
                  f"{' ...' if len(changed) > 5 else ''}); commit first, or pass --allow-dirty", file=sys.stderr)
            return 2
    os.environ["DEBLUR_NB_STATIC"] = "1"  # the kernel inherits it: viewers draw static figures
    os.environ.setdefault("MPLBACKEND", "Agg")
    results = []
    for p in papers:
        print(f"== {p}: running nbs/reproduce_{p}.ipynb (preset {args.preset})", flush=True)
        r = run_paper(p, args)
        results.append(r)
        print(f"   {r['status']} in {r['seconds']:.0f} s: {r['message']}", flush=True)
    print("\nsummary:")
    for r in results:
        print(f"  {r['paper']:10s} {r['status']:8s} {r['seconds']:7.0f} s  {r['message']}")
    failed = [r["paper"] for r in results if r["status"] == "failed"]
    missing = [r["paper"] for r in results if r["status"] == "missing"]
    if missing:
        print(f"missing notebooks: {', '.join(f'nbs/reproduce_{p}.ipynb' for p in missing)}")
    if failed:
        print(f"FAILED: {', '.join(failed)}")
        return 1
    if missing and not args.allow_missing:
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
