# `make demo`: set up and run the workflow end to end on the simulated mini-release.
# `make test`: set up and run the test suite.
# Both create .venv from Python 3.11 and install what they need; nothing else is assumed.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WARM := $(VENV)/.tomtom-compiled
CORES ?= all

.PHONY: setup system-deps demo test lint bench clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: no python3.11 on PATH; set PYTHON=/path/to/python3.11"; exit 1; }
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), sys.version' 2>/dev/null || \
	  { echo "error: $(PYTHON) is older than Python 3.11; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# TOMTOM's JIT code (the interpret step's motif matching), compiled once and cached by numba;
# redone after each install, and run for a .venv made before this step existed
$(WARM): $(STAMP)
	@echo "compiling TOMTOM's JIT code once (about a minute; cached for every later run)"
	$(BIN)/dreamtf warm-up
	@touch $@

setup: $(STAMP) $(WARM)

# bedtools backs pybedtools, which the tests use as an independent check of the labels.
system-deps:
	@command -v bedtools >/dev/null 2>&1 || { \
	  echo "bedtools not found: installing Debian's package (pybedtools needs it)"; \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    { apt-get install -y -q bedtools || { apt-get update -q && apt-get install -y -q bedtools; }; } >/dev/null 2>&1 || \
	    { echo "error: apt-get could not install bedtools; install it (apt-get install bedtools, or conda install -c bioconda bedtools) and rerun"; exit 1; }; \
	  else \
	    echo "error: bedtools is missing and cannot be installed here (needs root and apt-get); install it (conda install -c bioconda bedtools) and rerun"; exit 1; \
	  fi; }

demo: setup
	$(BIN)/snakemake --profile profiles/default --cores $(CORES)
	@$(BIN)/python -c "from dreamtf.report import print_scores; print_scores('results/scores/scores.tsv')"
	@echo "HTML report: $(CURDIR)/results/report/report.html (plots, captions, provenance)"

test: setup system-deps
	$(BIN)/python -m pytest; rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; exit 0; fi; exit $$rc

lint: setup
	$(BIN)/ruff check scripts tests bench
	$(BIN)/snakefmt --check Snakefile rules
	$(BIN)/snakemake --lint

bench: setup system-deps
	$(BIN)/python bench/bench_score.py
	$(BIN)/python bench/bench_labels.py
	$(BIN)/python bench/bench_demo.py
	$(BIN)/python bench/bench_catchitt.py
	$(BIN)/python bench/bench_factornet.py

clean:
	rm -rf results logs benchmarks .snakemake resources
