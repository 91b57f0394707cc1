# Two commands set up everything on a fresh machine: `make demo` and `make test`.
# Tools are pinned: Python packages in uv.lock, the spec linter in spec/lint/package-lock.json, the HTTP
# reference builder in docs/package-lock.json.

SHELL := /bin/bash
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
SPECTRAL := spec/lint/node_modules/.bin/spectral
REDOCLY := docs/node_modules/.bin/redocly
PYRIGHT := tests/typing/node_modules/.bin/pyright
# pyright finds the project's packages through the venv it is told is active.
WITH_VENV := env VIRTUAL_ENV=$(CURDIR)/$(VENV) PATH="$(CURDIR)/$(VENV)/bin:$$PATH"
WHEEL_CHECK := build/wheel-check
export UV_PROJECT_ENVIRONMENT := $(VENV)
VERSION = $(shell sed -n 's/^__version__ = "\(.*\)"$$/\1/p' overlay/atono/_version.py)

.PHONY: setup prereqs redis-server test-all-pythons generate check-spec check-generated check-api changelog lint typecheck pytest test conformance-mutants demo sandbox bench bench-smoke docs docs-check wheel-check clean

setup: $(VENV)/.synced $(SPECTRAL) redis-server

# The tests and benchmarks of shared pacing start a real redis-server (Debian package) on a free loopback port.
redis-server:
	@command -v redis-server >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null; }
	@command -v redis-server >/dev/null || { echo "redis-server is missing: install the Debian package redis-server"; exit 1; }

$(UV):
	tools/check-prereqs python
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

# Reinstall when the lock or the project metadata changes.
$(VENV)/.synced: $(UV) uv.lock pyproject.toml sandbox/pyproject.toml
	$(UV) sync --locked --all-extras --quiet
	touch $@

$(SPECTRAL): spec/lint/package.json spec/lint/package-lock.json
	tools/check-prereqs node
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
	$(VENV)/bin/ruff check overlay sandbox tests examples bench release spec/*.py
	$(VENV)/bin/ruff format --check overlay sandbox tests examples bench release spec/*.py

$(PYRIGHT): tests/typing/package.json tests/typing/package-lock.json
	tools/check-prereqs node
	cd tests/typing && npm ci --silent --no-audit --no-fund
	touch $@

# mypy --strict over the SDK, the examples and tests/typing; pyright strict over what users write (tests/typing,
# examples), and the type completeness of the public API as pyright sees it.
typecheck: $(VENV)/.synced $(PYRIGHT)
	$(VENV)/bin/mypy
	$(WITH_VENV) $(PYRIGHT) --project pyproject.toml
	$(WITH_VENV) $(PYRIGHT) --verifytypes atono --ignoreexternal --outputjson | $(PY) tests/typing/type_completeness.py

pytest: $(VENV)/.synced redis-server
	$(PY) -m pytest -q

# The suite on the other Pythons the classifiers claim (3.12, 3.13), each in its own venv from uv.lock; CI runs it.
test-all-pythons: $(UV) redis-server
	tools/test-all-pythons

prereqs:
	tools/check-prereqs

# The public API against the last release's snapshot (release/<version>/public-api.json): a breaking change fails
# unless the version's minor (0.x) or major part was bumped and the changelog says so.
check-api: $(VENV)/.synced
	$(PY) release/check_api.py

# CHANGELOG.md for the version in overlay/atono/_version.py, from the fragments in changes/ (towncrier) and the
# spec-level diff against the last release; then the release's snapshots (its spec and public API) in release/.
changelog: $(VENV)/.synced
	@test -n "$(VERSION)" || { echo "no __version__ in overlay/atono/_version.py"; exit 1; }
	$(PY) release/spec_diff.py release/$$($(PY) release/check_api.py --last)/atono.openapi.yaml spec/atono.openapi.yaml \
		> changes/+spec.spec.md
	$(VENV)/bin/towncrier build --yes --version $(VERSION)
	mkdir -p release/$(VERSION)
	cp spec/atono.openapi.yaml release/$(VERSION)/atono.openapi.yaml
	$(PY) release/check_api.py --dump release/$(VERSION)

test: check-spec check-generated lint typecheck check-api pytest bench-smoke

# The mutation check of the conformance vectors: each patch of tests/conformance/mutants/ is a wrong SDK that some
# case must fail (tests/conformance/mutants/README.md). A few minutes long: CI runs it after `make test`.
MUTANT_JOBS ?= 2
conformance-mutants: $(VENV)/.synced
	$(PY) tests/conformance/mutants/run.py --jobs $(MUTANT_JOBS)

demo: $(VENV)/.synced
	$(PY) examples/quickstart.py

sandbox: $(VENV)/.synced
	$(PY) -m atono.sandbox --port 8750 --stories 5000 --latency-ms 20

# Speed and memory figures, measured side by side in one run (bench/README.md).
bench: $(VENV)/.synced redis-server
	$(PY) -m bench.run

# The benchmarks on small inputs: checks their results, never their times, so they cannot rot.
bench-smoke: $(VENV)/.synced redis-server
	$(PY) -m bench.run --smoke

$(REDOCLY): docs/package.json docs/package-lock.json
	tools/check-prereqs node
	cd docs && npm ci --silent --no-audit --no-fund
	touch $@

# The HTTP API reference from the spec (Redocly) and the Python API reference from the docstrings (pdoc), in site/.
docs: $(VENV)/.synced $(REDOCLY)
	rm -rf site && mkdir -p site && cp docs/index.html site/
	$(PY) docs/render_markdown.py site README.md CONTRIBUTING.md CHANGELOG.md
	REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true $(REDOCLY) build-docs spec/atono.openapi.yaml \
		--inlineBundle --title "Atono public API" --output site/http/index.html
	$(PY) -m pdoc --docformat markdown --output-directory site/python \
		atono atono.resources atono.types atono.pagination atono.testing atono.pytest_plugin
	@echo "Documentation in site/index.html"

# The built site in headless Chromium: every page opened, no console error, no broken link or anchor, the reference
# showing what users look for; screenshots in build/site/. Debian's chromium is installed where missing.
docs-check: docs
	@command -v chromium >/dev/null || { echo "installing Debian's chromium for the site check"; \
		$$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -q chromium >/dev/null; }
	node docs/check-site.mjs site build/site

# What users install: each distribution's sdist and its wheel built from it (atono from here, atono-sandbox from
# sandbox/); which packages each wheel carries (release/check_wheels.py); both installed, atono with [sandbox], into a
# new venv, and the quickstart run from there, so a file missing from a distribution fails here.
wheel-check: $(VENV)/.synced
	rm -rf dist $(WHEEL_CHECK) && mkdir -p $(WHEEL_CHECK)/run
	PATH="$(CURDIR)/$(TOOLS)/bin:$$PATH" $(PY) -m build --installer uv --outdir dist . > $(WHEEL_CHECK)/build.log
	PATH="$(CURDIR)/$(TOOLS)/bin:$$PATH" $(PY) -m build --installer uv --outdir dist sandbox > $(WHEEL_CHECK)/build-sandbox.log
	$(PY) release/check_wheels.py dist
	$(UV) venv --quiet --python $(PY) $(WHEEL_CHECK)/venv
	$(UV) pip install --quiet --python $(WHEEL_CHECK)/venv/bin/python "$$(ls dist/atono-*.whl)[sandbox]" dist/atono_sandbox-*.whl
	cp examples/quickstart.py examples/_common.py $(WHEEL_CHECK)/run/
	cd $(WHEEL_CHECK)/run && env -u PYTHONPATH -u ATONO_API_KEY -u ATONO_BASE_URL ../venv/bin/python -s -c \
		'import atono, atono_api, atono_sandbox, atono_wire, sys; \
		bad = [m.__file__ for m in (atono, atono_api, atono_sandbox, atono_wire) if "/wheel-check/venv/" not in m.__file__]; \
		sys.exit(f"imported from outside the new venv: {bad}" if bad else 0)'
	cd $(WHEEL_CHECK)/run && env -u PYTHONPATH -u ATONO_API_KEY -u ATONO_BASE_URL ../venv/bin/python -s quickstart.py
	@echo "wheel-check: built $$(echo dist/*), installed both wheels in a new venv, ran the quickstart from it"

clean:
	rm -rf $(TOOLS) $(VENV) .venv-3.12 .venv-3.13 spec/lint/node_modules docs/node_modules tests/typing/node_modules site dist build .pytest_cache .mypy_cache .ruff_cache
