# The two commands a new user needs: `make demo` and `make test`. Both set up everything they use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= data/newsdesk.db

.PHONY: demo test install install-test browser clean

$(BIN)/newsdesk: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

install: $(BIN)/newsdesk

demo: install
	$(BIN)/newsdesk --db $(DB) demo

install-test: install
	$(BIN)/pip install -q -e '.[test]'

# Debian's Chromium for the browser test: Playwright cannot download its own browser here.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; fi; }

test: install-test browser
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) data site *.egg-info
