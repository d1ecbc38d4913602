"""pytest set-up: the `slow` marker. Slow tests are skipped unless `--runslow` is given (CI runs `pytest tests`
without it), e.g. `pytest -q --runslow tests/test_gpu_check.py`."""
import pytest


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False, help="also run tests marked slow")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long test (minutes), skipped unless --runslow")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"): return
    skip = pytest.mark.skip(reason="slow: pass --runslow to run")
    for item in items:
        if "slow" in item.keywords: item.add_marker(skip)
