# Every target sets itself up: a virtual environment in .venv, created on first use from the
# pinned requirements.txt, and refreshed when requirements.txt or pyproject.toml change.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Keep TensorFlow's C++ runtime quiet in every process and kernel started from here.
export TF_CPP_MIN_LOG_LEVEL := 3
export TF_ENABLE_ONEDNN_OPTS := 0
export PYTHONHASHSEED := 0

.PHONY: help setup test book notebooks lab bench lint clean

help:
	@echo "make book       execute every notebook (fresh copies) and render build/html/"
	@echo "make test       the whole suite: unit tests + strict nbval on every notebook"
	@echo "make notebooks  re-execute notebooks in place to refresh the stored outputs"
	@echo "make lab        JupyterLab on notebooks/"
	@echo "make bench      run the benchmarks and write benchmarks/results.md"
	@echo "make lint       ruff over helpers, tests, scripts, benchmarks and notebooks"

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

setup: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest

book: $(STAMP)
	$(BIN)/python scripts/build_book.py

notebooks: $(STAMP)
	$(BIN)/python scripts/run_notebooks.py --in-place $(NB)
	$(BIN)/python scripts/normalize_notebooks.py $(NB)

lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

lint: $(STAMP)
	$(BIN)/ruff check helpers tests scripts benchmarks notebooks

clean:
	rm -rf build
