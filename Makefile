# Two commands set up everything on a fresh machine: `make demo` and `make test`.
# Tools are pinned: Python packages in uv.lock, the spec linter in spec/lint/package-lock.json.

SHELL := /bin/bash
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
SPECTRAL := spec/lint/node_modules/.bin/spectral
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: setup generate check-spec check-generated lint typecheck pytest test demo sandbox bench bench-smoke clean

setup: $(VENV)/.synced $(SPECTRAL)

$(UV):
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

# Reinstall when the lock or the project metadata changes.
$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --locked --all-extras --quiet
	touch $@

$(SPECTRAL): spec/lint/package.json spec/lint/package-lock.json
	cd spec/lint && npm ci --silent --no-audit --no-fund
	touch $@

generate: $(VENV)/.synced
	$(PY) spec/generate.py

check-spec: setup
	$(PY) -m openapi_spec_validator spec/atono.openapi.yaml
	$(SPECTRAL) lint --ruleset spec/lint/.spectral.yaml --fail-severity=warn spec/atono.openapi.yaml

check-generated: $(VENV)/.synced
	$(PY) spec/generate.py --check

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check overlay tests examples bench spec/generate.py
	$(VENV)/bin/ruff format --check overlay tests examples bench spec/generate.py

typecheck: $(VENV)/.synced
	$(VENV)/bin/mypy

pytest: $(VENV)/.synced
	$(PY) -m pytest -q

test: check-spec check-generated lint typecheck pytest bench-smoke

demo: $(VENV)/.synced
	$(PY) examples/quickstart.py

sandbox: $(VENV)/.synced
	$(PY) -m atono.sandbox --port 8750 --stories 5000 --latency-ms 20

# Speed and memory figures, measured side by side in one run (bench/README.md).
bench: $(VENV)/.synced
	$(PY) -m bench.run

# The benchmarks on small inputs: checks their results, never their times, so they cannot rot.
bench-smoke: $(VENV)/.synced
	$(PY) -m bench.run --smoke

clean:
	rm -rf $(TOOLS) $(VENV) spec/lint/node_modules .pytest_cache .mypy_cache .ruff_cache
