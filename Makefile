# Every target sets itself up: a virtual environment in .venv, created on first use from the
# hash-checked lock requirements.txt (generated from pyproject.toml by `make lock`), and refreshed
# when requirements.txt or pyproject.toml change.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# TensorFlow's environment variables are set in one module, helpers/_env.py, which `import helpers`,
# the test suite and the scripts that start kernels all import. Python's hash seed is fixed here for
# the kernels of `make lab` (a set prints in the same order as in the stored outputs).
export PYTHONHASHSEED := 0

.PHONY: help setup lock test test-fast test-portable test-assignments book notebooks \
	translations assignments grade lab kernel bench lint clean

help:
	@echo "make book       execute every notebook (fresh copies), render build/html/, test the book"
	@echo "make test       the suite: unit tests, doctests, project tests, strict nbval"
	@echo "make test-fast  the helpers' unit tests and doctests only (tests/unit, helpers/)"
	@echo "make test-portable  strict nbval under other BLAS kernels, 1 CPU and 8 threads"
	@echo "make notebooks  re-execute notebooks in place to refresh the stored outputs"
	@echo "make translations  write the Chinese notebooks notebooks-zh-CN/ from the translations"
	@echo "make assignments   homework for every notebook (both editions) in build/assignments/"
	@echo "make grade ASSIGNMENT=NN SUBMISSIONS=DIR [TIMEOUT=s]  grade offline, write DIR/grades.csv"
	@echo "make test-assignments  build every assignment and grade solutions, blanks and bad ones"
	@echo "make lab        JupyterLab, opened on the first notebook (EDITION=zh-CN: the Chinese one)"
	@echo "make kernel     register .venv as the Jupyter kernel \"SVD with TensorFlow\""
	@echo "make setup      .venv from the hash-checked lock requirements.txt"
	@echo "make lock       regenerate requirements.txt from pyproject.toml (LOCK_ARGS=--upgrade)"
	@echo "make bench      the asv benchmarks: benchmarks/results.md and build/asv/html/"
	@echo "make lint       ruff over the whole project (both editions' notebooks included)"

# pip installs the lock (hash-checked, with pip's own configuration); `uv pip sync` (uv is in the
# lock) then makes the environment exactly the lock, uninstalling what it no longer lists (pip only
# adds and upgrades). It runs offline: pip installed everything, so uv only compares and removes
# (the project too, reinstalled last). It keeps pip, which it did not install.
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
		-r requirements.txt
	$(BIN)/uv pip sync --quiet --offline --require-hashes --python $(BIN)/python requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps \
		--no-build-isolation -e .
	touch $(STAMP)

setup: $(STAMP)

# One pytest-xdist worker per core; a file's tests (a notebook's cells) stay on one worker.
test: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadfile

# The helpers alone (tests/unit/ and the docstring examples of helpers/): seconds, not minutes.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadfile tests/unit helpers

test-portable: $(STAMP)
	$(BIN)/python -m scripts.check_portable

# The book's tests (tests/book: every page, link and figure, then headless Chromium) run on the
# book just built; they are not part of `make test`, whose notebooks nbval checks already.
book: $(STAMP)
	$(BIN)/python -m scripts.book
	$(BIN)/python -m pytest -p no:cacheprovider -n auto --dist loadfile tests/book --book-root build

notebooks: $(STAMP)
	$(BIN)/python -m scripts.run_notebooks --in-place $(NB)
	$(BIN)/python -m scripts.normalize_notebooks $(NB)

# The Simplified Chinese notebooks: the English ones with translations/zh-CN/ (it fails, naming
# the cells, when a translation is missing or stale; `--update` marks what to translate).
translations: $(STAMP)
	$(BIN)/python -m scripts.translations

# Homework (otter-grader): assignments/NN_topic.yml + the notebooks' exercises -> build/assignments/
# (student/, solution/, autograder/ per notebook, and zh-CN/ for the Chinese edition).
assignments: $(STAMP)
	$(BIN)/python -m scripts.assignments $(if $(ONLY),--only $(ONLY),)

# Offline, without Docker: every .ipynb in SUBMISSIONS, each in its own temporary copy.
grade: $(STAMP)
	@test -n "$(ASSIGNMENT)" && test -n "$(SUBMISSIONS)" || \
		{ echo "usage: make grade ASSIGNMENT=NN SUBMISSIONS=DIR [TIMEOUT=seconds]"; exit 2; }
	$(BIN)/python -m scripts.grade $(ASSIGNMENT) $(SUBMISSIONS) $(if $(TIMEOUT),--timeout $(TIMEOUT),)

# Not in `make test` (it grades a notebook per assignment, several minutes): .ci/run runs it.
test-assignments: $(STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider -n auto --dist load tests/assignments

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
# The Chinese classroom: `make lab EDITION=zh-CN` (or `make lab LANG=zh-CN`) opens the Chinese 01.
EDITION ?= $(if $(and $(filter command line,$(origin LANG)),$(filter zh-CN zh_CN%,$(LANG))),zh-CN,en)
LAB_DIR := $(if $(filter zh-CN zh_CN,$(EDITION)),notebooks-zh-CN,notebooks)
lab: $(STAMP)
	$(BIN)/jupyter lab $(ALLOW_ROOT) --ServerApp.root_dir=. \
		--LabApp.default_url=/lab/tree/$(LAB_DIR)/01_svd_basics.ipynb $(LAB_ARGS)

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
	$(BIN)/ruff check .

clean:
	rm -rf build
