# The workbook's two commands are `make lab` and `make test`; the rest are for maintainers.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 4566
LAB_PORT ?= 8888

.PHONY: lab test lint notebooks bench cloud lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements.txt pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

## make lab: the local cloud and JupyterLab on notebooks/, sharing one cloud across every kernel.
## make lab LAB_PORT=8890 picks JupyterLab's port (the next free one if it is busy); PORT the cloud's.
lab: $(STAMP)
	$(BIN)/python -m helpers.lab --cloud-port $(PORT) --lab-port $(LAB_PORT)

## make test: lint, unit tests, and every notebook under nbval (strict).
test: $(STAMP) lint
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check helpers lambda_examples tests notebooks

## make notebooks: re-execute every notebook in place against a fresh local cloud.
notebooks: $(STAMP)
	$(BIN)/python -m helpers.notebooks notebooks/*.ipynb

bench: $(STAMP)
	$(BIN)/python tests/bench.py

## make cloud: only the local cloud, in the foreground.
cloud: $(STAMP)
	$(BIN)/python -m helpers.local_cloud --port $(PORT)

lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	( echo "# The whole dependency tree, pinned: what CI ran. Regenerate with 'make lock'."; \
	  $(BIN)/python -m pip freeze --exclude-editable \
	  | sed 's/^awslambdaric==\(.*\)$$/awslambdaric==\1; sys_platform == "linux"/' ) > requirements.txt

clean:
	rm -rf $(VENV) .pytest_cache
