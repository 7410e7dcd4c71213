# Every target sets itself up: a virtual environment in .venv, created on first use from the
# hash-checked lock requirements.txt (generated from pyproject.toml by `make lock`), and refreshed
# when requirements.txt or pyproject.toml change.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Keep TensorFlow's C++ runtime quiet in every process and kernel started from here.
export TF_CPP_MIN_LOG_LEVEL := 3
export TF_ENABLE_ONEDNN_OPTS := 0
export PYTHONHASHSEED := 0

.PHONY: help setup lock test test-portable book notebooks translations lab kernel bench lint clean

help:
	@echo "make book       execute every notebook (fresh copies) and render build/html/"
	@echo "make test       the whole suite: unit tests + strict nbval on every notebook"
	@echo "make test-portable  strict nbval under other BLAS kernels, 1 CPU and 8 threads"
	@echo "make notebooks  re-execute notebooks in place to refresh the stored outputs"
	@echo "make translations  write the Chinese notebooks notebooks-zh-CN/ from the translations"
	@echo "make lab        JupyterLab, opened on the first notebook"
	@echo "make kernel     register .venv as the Jupyter kernel \"SVD with TensorFlow\""
	@echo "make setup      .venv from the hash-checked lock requirements.txt"
	@echo "make lock       regenerate requirements.txt from pyproject.toml (LOCK_ARGS=--upgrade)"
	@echo "make bench      the asv benchmarks: benchmarks/results.md and build/asv/html/"
	@echo "make lint       ruff over helpers, tests, scripts, benchmarks and notebooks"

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
		-r requirements.txt
	$(BIN)/python scripts/sync_env.py
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps \
		--no-build-isolation -e .
	touch $(STAMP)

setup: $(STAMP)

# One pytest-xdist worker per core; a file's tests (a notebook's cells) stay on one worker.
test: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadfile

test-portable: $(STAMP)
	$(BIN)/python scripts/check_portable.py

book: $(STAMP)
	$(BIN)/python scripts/book.py

notebooks: $(STAMP)
	$(BIN)/python scripts/run_notebooks.py --in-place $(NB)
	$(BIN)/python scripts/normalize_notebooks.py $(NB)

# The Simplified Chinese notebooks: the English ones with translations/zh-CN/ (it fails, naming
# the cells, when a translation is missing or stale; `--update` marks what to translate).
translations: $(STAMP)
	$(BIN)/python scripts/translations.py

# One universal lock: Python 3.11-3.13 on Linux (x86-64, aarch64), macOS and Windows, one version
# of every package wherever possible (--fork-strategy fewest). The existing file's versions are
# kept unless pyproject.toml asks otherwise; `make lock LOCK_ARGS=--upgrade` moves to the newest.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --group dev --universal --fork-strategy fewest \
		--python-version 3.11 --generate-hashes --no-emit-package svd-with-tensorflow \
		--custom-compile-command "make lock" --quiet -o requirements.txt $(LOCK_ARGS)

# Jupyter refuses to start as root without --allow-root (containers, hosted services): pass it
# only then. The server's root is the project, so the notebooks' links to ../README.md work.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)
LAB_ARGS ?=
lab: $(STAMP)
	$(BIN)/jupyter lab $(ALLOW_ROOT) --ServerApp.root_dir=. \
		--LabApp.default_url=/lab/tree/notebooks/01_svd_basics.ipynb $(LAB_ARGS)

# For your own JupyterLab or VS Code: the environment as a named kernel (in your user's Jupyter
# data folder; JUPYTER_DATA_DIR moves it).
kernel: $(STAMP)
	$(BIN)/python -m ipykernel install --user --name svd-with-tensorflow \
		--display-name "SVD with TensorFlow"

# airspeed velocity against the installed environment (offline, nothing built): every
# benchmarks/bench_*.py, then benchmarks/results.md (each check against its bound) and the asv
# history as HTML in build/asv/html. One module: `make bench BENCH_ARGS="-b bench_randomized"`.
BENCH_ARGS ?=
bench: $(STAMP)
	$(BIN)/python -m benchmarks.report --mark-start
	$(BIN)/asv machine --yes > /dev/null
	$(BIN)/asv run --python=same --set-commit-hash=$$(git rev-parse HEAD) --show-stderr $(BENCH_ARGS)
	$(BIN)/asv publish > /dev/null
	$(BIN)/python -m benchmarks.report

lint: $(STAMP)
	$(BIN)/ruff check helpers tests scripts benchmarks notebooks

clean:
	rm -rf build
