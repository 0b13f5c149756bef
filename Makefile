# LayerLoom: `make run` sets up and starts the editor; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.layerloom-installed

.PHONY: run test test-fast setup bench lint clean

run: setup
	$(BIN)/layerloom

test: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

# The quick subset for development: no slow tests, a quarter of the property-test examples.
test-fast: setup
	QT_QPA_PLATFORM=offscreen HYPOTHESIS_PROFILE=fast $(BIN)/python -m pytest -q -m "not slow"

setup: $(STAMP)

$(STAMP): pyproject.toml
	@# Qt's offscreen and desktop platforms need these system libraries (present on most desktops).
	@ldconfig -p | grep -q 'libEGL.so.1' && ldconfig -p | grep -q 'libxkbcommon.so.0' || \
	  (apt-get update -qq && apt-get install -y -qq libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 \
	   libfontconfig1 libdbus-1-3 fonts-dejavu-core) || echo "warning: could not install Qt's system libraries"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

bench: setup
	for b in bench/bench_*.py; do QT_QPA_PLATFORM=offscreen $(BIN)/python $$b || exit 1; done

lint: setup
	$(BIN)/ruff check editor graph_core codegen tests bench

clean:
	rm -rf $(VENV) build *.egg-info
