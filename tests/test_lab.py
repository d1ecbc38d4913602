"JupyterLab from the project's install: the server starts headless on 127.0.0.1, serves nbs/ over its REST API, stops."
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, token: str | None):
    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"} if token else {})
    with urllib.request.urlopen(req, timeout=5) as r:
        return r.status, json.loads(r.read())


def test_lab_server_lists_the_notebooks(tmp_path):
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
           "--ServerApp.port_retries=0", "--ServerApp.allow_root=True", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={ROOT}"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}/api/contents/nbs"
    try:
        deadline, listing = time.monotonic() + 25, None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status, listing = _get(base, token)
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.3)
        assert listing is not None, f"JupyterLab did not answer on port {port}: {proc.poll()=}"
        assert status == 200 and listing["type"] == "directory"
        served = sorted(c["name"] for c in listing["content"] if c["type"] == "notebook")
        assert served == sorted(p.name for p in (ROOT / "nbs").glob("*.ipynb"))
        try:                                       # the token is required
            _get(base, None)
            raise AssertionError("the contents API answered without a token")
        except urllib.error.HTTPError as e:
            assert e.code == 403
        lab = urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}", timeout=5)
        assert lab.status == 200 and b"JupyterLab" in lab.read()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill(); proc.wait()
    assert proc.returncode is not None
