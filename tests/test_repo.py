"Repository-level checks: dependency lists agree, every notebook is runnable by papermill."
import json
from configparser import ConfigParser
from pathlib import Path

import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def _settings():
    cfg = ConfigParser(delimiters=["="])
    cfg.read(ROOT / "settings.ini")
    return cfg["DEFAULT"]


def _norm(spec: str):
    r = Requirement(spec)
    return r.name.lower().replace("_", "-"), str(r.specifier)


def test_environment_yml_matches_settings_ini():
    d = _settings()
    ini = {_norm(s) for s in d["requirements"].split() + d["dev_requirements"].split()}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = [x for x in env["dependencies"] if isinstance(x, dict) and "pip" in x]
    assert len(pip) == 1, "environment.yml needs exactly one pip: section"
    yml = {_norm(s) for s in pip[0]["pip"]}
    assert ini == yml, f"only in settings.ini: {sorted(ini - yml)}; only in environment.yml: {sorted(yml - ini)}"


def test_nbdev_pins_that_make_nbdev2_work():
    reqs = dict(_norm(s) for s in _settings()["requirements"].split())
    assert reqs["nbdev"] == "==2.4.14"
    assert set(reqs["fastcore"].split(",")) == {">=1.12.3", "<1.13"}
    assert set(reqs["execnb"].split(",")) == {">=0.1.12", "<0.2"}


def test_notebooks_have_kernelspec_and_one_default_exp():
    for nb in sorted((ROOT / "nbs").glob("*.ipynb")):
        meta = json.loads(nb.read_text())
        assert meta["metadata"].get("kernelspec", {}).get("name") == "python3", f"{nb.name}: no python3 kernelspec"
        srcs = ["".join(c["source"]) for c in meta["cells"] if c["cell_type"] == "code"]
        n_exp = sum(s.lstrip().startswith("#| default_exp") for s in srcs)
        if not nb.name.startswith("reproduce_") and nb.name[0].isdigit():
            assert n_exp == 1, f"{nb.name}: expected one '#| default_exp' cell, found {n_exp}"


def test_readme_results_match_the_committed_reports():
    import subprocess, sys
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "readme_results.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr + r.stdout
