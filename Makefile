# Cancer Alliance Insights: two commands do everything on a fresh machine.
#   make reports   set up .venv, register the kernel, generate the default data if needed, run all
#   make test      set up the same way, lint, and run the test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
KERNEL := cancer-alliance-insights
JOBS ?= 2
INSTALLED := $(VENV)/.installed
KERNEL_STAMP := $(VENV)/.kernel

.PHONY: install kernel reports test lint bench lock clean-outputs

$(INSTALLED): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $@

install: $(INSTALLED)

$(KERNEL_STAMP): $(INSTALLED)
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) \
		--display-name "Python (Cancer Alliance Insights)"
	touch $@

kernel: $(KERNEL_STAMP)

# `alliances run` generates the SYNTHETIC default data itself when data/raw has none.
reports: kernel
	$(BIN)/alliances run --jobs $(JOBS)

lint: install
	$(BIN)/ruff check src tests benchmarks notebooks

# axe-core (pinned in package-lock.json) for the browser tests' accessibility checks; without npm
# or Chromium (/usr/bin/chromium, from Debian) the browser tests skip and say why.
AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --silent; \
	else echo "npm not found: the browser tests will skip"; fi

test: kernel lint $(AXE)
	$(BIN)/python -m pytest

bench: kernel
	$(BIN)/python benchmarks/bench.py

# Refresh the pinned versions after changing dependencies in pyproject.toml.
lock: install
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^cancer-alliance-insights' > requirements.lock

clean-outputs:
	rm -rf data/processed/* reports/*
	touch data/processed/.gitkeep reports/.gitkeep
