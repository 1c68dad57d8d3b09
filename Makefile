# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
RUNS   ?= runs

.PHONY: run test test-slow figures docs clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip uninstall --quiet --yes popdyn 2>/dev/null || true  # the distribution's old name
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The main job at a small default scale: the term recursion at lam = 0.01 on both sides of
# the exact Tc = 1.649 (T = 0.7 Tc and 1.3 Tc, as in the paper's Fig. 4), N = 10^5, then
# the fitting reports of both runs.
run: $(STAMP)
	rm -rf $(RUNS)/insulator $(RUNS)/metal
	$(BIN)/popdyn run --lam 0.01 --T 1.154 --size 100000 --generations 60 --snapshot 1,2,3,60 --out $(RUNS)/insulator
	$(BIN)/popdyn run --lam 0.01 --T 2.144 --size 100000 --generations 60 --snapshot 1,2,3,60 --out $(RUNS)/metal
	$(BIN)/popdyn fit $(RUNS)/insulator $(RUNS)/metal

test: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

# Physics validations that take minutes: statistical tests at large N.
test-slow: $(STAMP)
	$(BIN)/python -m pytest -m slow

# Every figure at the quick scale into docs/figures (the gallery of the site, docs/gallery.md): under a minute on 2 cores.
figures: $(STAMP)
	$(BIN)/popdyn figures all --out docs/figures

# The site (Sphinx, MyST, numpydoc, sphinx-click) into docs/_build/html, warnings as errors, the
# tutorial's notebooks executed (their results cached in docs/_build/.jupyter_cache: a rerun
# executes only the notebooks that changed). `-E` re-reads every page so that no warning hides
# in an unchanged one.
docs: $(STAMP)
	$(BIN)/sphinx-build -b html -W --keep-going -E -q -d docs/_build/doctrees docs docs/_build/html
	@echo "site: docs/_build/html/index.html"

clean:
	rm -rf $(VENV) $(RUNS) .pytest_cache docs/_build
