"Tests of deblur_nb.report (collector, tables, NaN refusal, parameters, static viewer) and scripts/reproduce.py."
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from deblur_nb import report as R

ROOT = Path(__file__).resolve().parents[1]


def _res(**kw):
    kw = {"preset": "smoke", "data_source": "synthetic faces", "seeds": [0], "convention": "PSNR RGB", "commit": "c0ffee1", **kw}
    return R.Results("face", **kw)


# ---- paper numbers -------------------------------------------------------------------------------------------
def test_paper_results_cover_every_paper_and_the_spec_numbers():
    assert {r.paper for r in R.PAPER_RESULTS} == set(R.PAPERS)
    # SPEC.md's summary, typed here independently of the module
    spec = {("hide", "Table 4", "Ours", "GoPro", "PSNR"): 30.26, ("hide", "Table 3", "w/o attention", "HIDE II", "PSNR"): 27.58,
            ("david", "Table 1", "Internal Att (C-DVD-7)", "C-DVD", "PSNR"): 31.32,
            ("promotion", "Table 2", "PROMOTION", "REDS (standard split)", "SSIM"): 0.9536,
            ("promotion", "Table 4", "PROMOTION", "GoPro (linear CRF)", "PSNR"): 33.25,
            ("promotion", "Table 6", "EDVR [12]", "256x256 input", "GMac"): 194.78,
            ("face", "Table 1", "Deblurred", "AFLW (70 images, Gaussian blur)", "SSIM"): 0.57,
            ("face", "Table 2", "Proposed", "300VW (4 videos, 7-11 averaged frames)", "SSIM"): 0.558}
    for k, v in spec.items():
        assert R.paper_result(*k).value == v, k
    assert all(math.isfinite(r.value) and r.convention for r in R.PAPER_RESULTS)


# ---- collector and tables ------------------------------------------------------------------------------------
def test_collector_rows_and_written_tables(tmp_path):
    res = _res()
    res.add("Table 1", "Deblurred", "AFLW (70 images, Gaussian blur)", "PSNR", 23.0)
    res.add("Table 1", "Blurred", "AFLW (70 images, Gaussian blur)", "PSNR", np.float32(21.5))
    res.add("Table 2", "Proposed", "300VW (4 videos, 7-11 averaged frames)", "PSNR", [24.0, 25.0], seeds=[3, 4])
    n = res.not_run_rest("needs AFLW and 300VW")
    assert n == len(R.paper_results("face")) - 3
    res.write(tmp_path)
    assert R.results_json_schema_errors(tmp_path / "results.json") == []
    df = R.load_results(tmp_path / "results.json")
    row = df.set_index(["table", "method", "metric"]).loc[("Table 1", "Deblurred", "PSNR")]
    assert row["paper_value"] == 22.42 and row["reproduced"] == 23.0
    assert row["delta"] == pytest.approx(23.0 - 22.42) and row["commit"] == "c0ffee1"
    row = df.set_index(["table", "method", "metric"]).loc[("Table 2", "Proposed", "PSNR")]
    assert row["reproduced"] == 24.5 and row["std"] == pytest.approx(np.std([24.0, 25.0], ddof=1)) and row["seeds"] == [3, 4]
    for stem in ("table_1", "table_2", "sec_4"):
        assert (tmp_path / f"{stem}.md").is_file() and (tmp_path / f"{stem}.csv").is_file()
    md = (tmp_path / "table_1.md").read_text()
    mark = " (uncommitted code)" if R._git_dirty() else ""
    assert f"| Deblurred | AFLW (70 images, Gaussian blur) | PSNR | 22.42 | 23.00 | +0.58 | smoke{mark} | synthetic faces |" in md
    # rows that did not run are not table rows: one line per (table, reason) after the table
    assert "| Deblurred | AFLW (70 images, Gaussian blur) | SSIM |" not in md
    assert "- Table 1: Blurred, Deblurred (2 numbers): needs AFLW and 300VW" in md.split("Not run:")[1]
    sec4 = pd.read_csv(tmp_path / "sec_4.csv")
    assert sec4["paper_value"].tolist() == [1150, 2_100_000] and sec4["reproduced"].isna().all()
    assert "## face" in (tmp_path / "results.md").read_text()


def test_nan_and_inf_are_refused_with_the_row_name():
    res = _res()
    for bad in (float("nan"), float("inf"), [1.0, float("-inf")]):
        with pytest.raises(ValueError, match=r"face Table 1 / Deblurred / AFLW .* / PSNR: value .* is not finite"):
            res.add("Table 1", "Deblurred", "AFLW (70 images, Gaussian blur)", "PSNR", bad, seeds=[0, 1])
    assert res.rows == []


def test_add_refusals():
    res = _res()
    with pytest.raises(KeyError, match="closest"):
        res.add("Table 1", "deblurred", "AFLW (70 images, Gaussian blur)", "PSNR", 1.0)
    with pytest.raises(ValueError, match="exactly one of"):
        res.add("Table 1", "Deblurred", "AFLW (70 images, Gaussian blur)", "PSNR")
    with pytest.raises(ValueError, match="seeds must be a non-empty list"):
        res.add("Table 1", "Deblurred", "AFLW (70 images, Gaussian blur)", "PSNR", 1.0, seeds=[])
    res.add("Table 1", "Deblurred", "AFLW (70 images, Gaussian blur)", "PSNR", 1.0)
    with pytest.raises(ValueError, match="already added"):
        res.add("Table 1", "Deblurred", "AFLW (70 images, Gaussian blur)", "PSNR", 2.0)
    with pytest.raises(ValueError, match="paper must be one of"):
        R.Results("edvr")


def test_user_files_are_not_overwritten(tmp_path):
    (tmp_path / "table_1.md").write_text("mine")
    res = _res()
    res.add("Table 1", "Deblurred", "AFLW (70 images, Gaussian blur)", "PSNR", 23.0)
    with pytest.raises(FileExistsError, match="table_1.md exists and was not written by deblur_nb.report"):
        res.write(tmp_path)
    assert (tmp_path / "table_1.md").read_text() == "mine"
    (tmp_path / "table_1.md").unlink()
    res.write(tmp_path)
    res.write(tmp_path)  # its own files are replaced on a re-run


def test_schema_errors_catch_nan_written_by_plain_json(tmp_path):
    res = _res()
    res.add("Table 1", "Deblurred", "AFLW (70 images, Gaussian blur)", "PSNR", 23.0)
    res.write(tmp_path)
    doc = json.loads((tmp_path / "results.json").read_text())
    doc["rows"][0]["reproduced"] = float("nan")
    (tmp_path / "results.json").write_text(json.dumps(doc))  # json.dumps writes the token NaN
    errs = R.results_json_schema_errors(tmp_path / "results.json")
    assert any("rows[0].reproduced" in e and "not a finite number" in e for e in errs), errs
    assert R.results_json_schema_errors(tmp_path / "nope.json")[0].endswith("cannot read JSON ([Errno 2] No such file or directory: '"
                                                                           + str(tmp_path / "nope.json") + "')")


# ---- parameters ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kw, msg", [
    (dict(preset="full"), r"preset must be one of \('smoke', 'cpu', 'paper'\), got 'full'"),
    (dict(device="tpu"), r"device must be one of 'auto', 'cpu', 'cuda', 'cuda:N', got 'tpu'"),
    (dict(seeds="0"), "seeds must be a non-empty list of ints"),
    (dict(seeds=[0, 0]), "seeds must not repeat"),
    (dict(data_root="/no/such/folder"), "data_root must be None .* is not a folder"),
    (dict(out_dir=""), "out_dir must be a path"),
])
def test_validate_params_errors_name_the_parameter(kw, msg):
    with pytest.raises(ValueError, match=msg):
        R.validate_params(**{"out_dir": "reports/x", **kw})


def test_validate_params_resolves_against_project_root(monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT / "nbs")  # where JupyterLab runs a notebook
    p = R.validate_params(preset="paper", seeds=[1, 2], out_dir="reports/david", device="cpu", window=7, allow_dirty=True)
    assert p == dict(preset="paper", data_root=None, device="cpu", seeds=[1, 2], out_dir=ROOT / "reports/david",
                     allow_dirty=True, window=7)
    monkeypatch.chdir(tmp_path)  # outside a checkout: the working directory
    assert R.validate_params(out_dir="r")["out_dir"] == tmp_path / "r"


# ---- viewer ----------------------------------------------------------------------------------------------------
def test_static_viewer_outside_jupyter(tmp_path, monkeypatch):
    monkeypatch.delenv("DEBLUR_NB_STATIC", raising=False)
    from matplotlib.figure import Figure
    from skimage.metrics import peak_signal_noise_ratio
    assert R.interactive_frontend() is False  # plain python (pytest)
    rng = np.random.default_rng(1)
    s = rng.random((12, 12, 3)).astype(np.float32)
    b = np.clip(s + 0.05, 0, 1)
    fig = R.compare_viewer({"blurry": b, "deblurred": s * 0.9, "sharp": s})
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    assert fig.axes[0].get_title() == f"blurry\nPSNR {peak_signal_noise_ratio(s, b, data_range=1):.2f} dB"
    p = R.save_figure(fig, tmp_path, "compare")
    assert p.read_bytes()[:4] == b"\x89PNG"
    monkeypatch.setenv("DEBLUR_NB_STATIC", "0")
    assert R.interactive_frontend() is True


# ---- claims and gains in results.json (issue 14) ------------------------------------------------------------------
def test_a_verdict_must_follow_from_its_interval(tmp_path):
    "Synthetic case: three seeds where the better model wins each time (reproduced); a claimed verdict that its"
    "interval does not support is refused when attached, and flagged in a results.json written by hand."
    from deblur_nb.claims import claims_schema_errors, gains, judge_claims, paper_claims
    scores = pd.DataFrame([dict(method=m, dataset=ds, seed=s, PSNR=v)
                           for ds, net, base in (("held-out faces", "Deblurred", 20.0), ("clip", "Proposed", 30.0))
                           for s in range(3) for m, v in ((net, base + 1.0 + 0.1 * s), ("Blurry input", base))])
    claims = judge_claims(paper_claims("face"), scores, method_map={"Blurred": "Blurry input"},
                          dataset_map={"AFLW (70 images, Gaussian blur)": "held-out faces",
                                       "300VW (4 videos, 7-11 averaged frames)": "clip"})
    assert [c["verdict"] for c in claims] == ["reproduced", "reproduced"]
    assert claims[0]["measured_delta"] == pytest.approx(1.1) and claims[0]["ci95"][0] == pytest.approx(1.1 - 4.3027 * 0.1 / 3 ** 0.5, abs=1e-3)
    res = _res(seeds=[0, 1, 2])
    res.add("Table 1", "Deblurred", "AFLW (70 images, Gaussian blur)", "PSNR", [21.0, 21.1, 21.2])
    bad = [{**claims[0], "verdict": "inconclusive"}]
    with pytest.raises(ValueError, match=r"claims\[0\] \(Deblurred > Blurred\): verdict 'inconclusive' does not follow"):
        res.set_claims(bad, [])
    res.set_claims(claims, gains(scores, ["Deblurred", "Proposed"]))
    res.write(tmp_path)
    assert R.results_json_schema_errors(tmp_path / "results.json") == []
    doc = json.loads((tmp_path / "results.json").read_text())
    assert claims_schema_errors(doc, min_seeds=3) == [] and len(doc["gains"]) == 2
    doc["claims"][1]["ci95"] = [-0.5, 2.0]                              # an interval across 0 ...
    (tmp_path / "results.json").write_text(json.dumps(doc))            # ... with the verdict "reproduced"
    assert any("claims[1] (Deblurred > Blurred): verdict 'reproduced' does not follow from ci95" in e
               for e in R.results_json_schema_errors(tmp_path / "results.json"))


# ---- the runner, end to end with a tiny notebook ----------------------------------------------------------------
_TINY = [
    ("preset, data_root, device, seeds, out_dir = 'smoke', None, 'auto', [0], None", ["parameters"]),
    "from deblur_nb.report import *\nimport numpy as np, os, json\n"
    "P = validate_params(preset=preset, data_root=data_root, device=device, seeds=seeds, out_dir=out_dir)",
    "res = Results('face', preset=P['preset'], seeds=P['seeds'], data_source='test', convention='PSNR RGB')\n"
    "res.add('Table 1', 'Blurred', 'AFLW (70 images, Gaussian blur)', 'PSNR', 20.0)\n"
    "res.not_run_rest('tiny test notebook')\nres.set_claims([], [])\nres.write(P['out_dir'])",
    "img = np.zeros((8, 8, 3), np.float32)\nv = compare_viewer({'blurry': img, 'sharp': img + 0.5})\n"
    "save_figure(v, P['out_dir'], 'viewer')\n"
    "json.dump(dict(zip(('interactive', 'reason'), frontend_reason())), open(P['out_dir'] / 'probe.json', 'w'))",
]


def _tiny_nb(path: Path, cells=_TINY):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "python3", "language": "python"}
    for c in cells:
        src, tags = (c if isinstance(c, tuple) else (c, []))
        cell = nbformat.v4.new_code_cell(src)
        if tags: cell.metadata["tags"] = tags
        nb.cells.append(cell)
    nbformat.write(nb, path)


def _run_script(*args, cwd=ROOT):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    env.pop("DEBLUR_NB_STATIC", None)
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "reproduce.py"), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_reproduce_script_runs_a_notebook_and_reports_missing_ones(tmp_path):
    nbs, out = tmp_path / "nbs", tmp_path / "reports"
    nbs.mkdir()
    _tiny_nb(nbs / "reproduce_face.ipynb")
    _tiny_nb(nbs / "reproduce_hide.ipynb", _TINY[:1] + ["raise RuntimeError('boom')"])
    r = _run_script("--paper", "face,david", "--nbs-dir", str(nbs), "--out-root", str(out), "--seeds", "5")
    assert r.returncode == 2, r.stdout + r.stderr  # face ran, david's notebook is missing
    assert "missing notebooks: nbs/reproduce_david.ipynb" in r.stdout
    assert R.results_json_schema_errors(out / "face" / "results.json") == []
    assert R.load_results(out / "face" / "results.json")["seeds"].iloc[0] == [5]
    executed = json.loads((out / "face" / "reproduce_face.ipynb").read_text())
    assert "papermill" in executed["metadata"]
    assert json.loads((out / "face" / "probe.json").read_text()) == {"interactive": False, "reason": "DEBLUR_NB_STATIC=1"}
    assert (out / "face" / "viewer.png").is_file()
    r = _run_script("--paper", "hide", "--nbs-dir", str(nbs), "--out-root", str(out))
    assert r.returncode == 1 and "FAILED: hide" in r.stdout and "boom" in r.stdout, r.stdout + r.stderr
    (out / "face" / "reproduce_face.ipynb").write_text("{}")  # not a papermill output: must not be replaced
    r = _run_script("--paper", "face", "--nbs-dir", str(nbs), "--out-root", str(out))
    assert r.returncode == 1 and "is not a papermill output" in r.stdout
    assert (out / "face" / "reproduce_face.ipynb").read_text() == "{}"


def test_papermill_kernel_is_detected_as_batch_without_the_env_var(tmp_path):
    "papermill called from Python (not through scripts/reproduce.py): nbclient's allow_stdin=False gives it away."
    import papermill as pm
    _tiny_nb(tmp_path / "nb.ipynb")
    env = os.environ.pop("DEBLUR_NB_STATIC", None)
    try:
        pm.execute_notebook(str(tmp_path / "nb.ipynb"), str(tmp_path / "out.ipynb"), kernel_name="python3",
                            parameters={"out_dir": str(tmp_path / "r")}, progress_bar=False)
    finally:
        if env is not None: os.environ["DEBLUR_NB_STATIC"] = env
    probe = json.loads((tmp_path / "r" / "probe.json").read_text())
    assert probe == {"interactive": False, "reason": "the front-end does not allow stdin (nbclient/papermill)"}, probe


_SHARED = [
    ("preset, data_root, device, seeds, out_dir, runs_dir, allow_dirty = 'smoke', None, 'auto', [0], None, None, False",
     ["parameters"]),
    "from deblur_nb.report import *\nimport os, time, torch\n"
    "P = validate_params(preset=preset, data_root=data_root, device=device, seeds=seeds, out_dir=out_dir)",
    "def train(run_dir):\n    (run_dir / 'trained_by').write_text(str(os.getpid())); time.sleep(3)\n    return torch.nn.Linear(1, 1)\n"
    "for s in P['seeds']:\n    cached_run(runs_dir, {'tiny': 1}, s, train, lambda: torch.nn.Linear(1, 1), label='tiny', code='abc')",
    "(P['out_dir'] / 'main_pid').write_text(str(os.getpid()))\n"
    "res = Results('face', preset=P['preset'], seeds=P['seeds'], data_source='test', convention='PSNR RGB')\n"
    "res.add('Table 1', 'Blurred', 'AFLW (70 images, Gaussian blur)', 'PSNR', 20.0)\n"
    "res.not_run_rest('tiny test notebook')\nres.set_claims([], [])\nres.write(P['out_dir'])",
]


def test_two_jobs_share_the_runs_and_train_each_once(tmp_path):
    "--jobs 2: the helper trains from the other end of the seed list; every run is trained exactly once."
    nbs, out, runs = tmp_path / "nbs", tmp_path / "reports", tmp_path / "runs"
    nbs.mkdir()
    _tiny_nb(nbs / "reproduce_face.ipynb", _SHARED)
    r = _run_script("--paper", "face", "--nbs-dir", str(nbs), "--out-root", str(out), "--runs-root", str(runs),
                    "--seeds", "0", "1", "2", "3", "--jobs", "2")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "helper process" in r.stdout
    dirs = sorted((runs / "face").glob("tiny_seed*"))
    assert [d.name.split("_")[1] for d in dirs] == ["seed0", "seed1", "seed2", "seed3"]
    assert all((d / "run.json").is_file() and (d / "model.safetensors").is_file() for d in dirs)
    trainers = {int((d / "trained_by").read_text()) for d in dirs}
    main = int((out / "face" / "main_pid").read_text())
    assert len(trainers) == 2 and main in trainers, (trainers, main)   # both processes trained, none twice
    assert not list((runs / "face").glob(".*.claim"))
