# LayerLoom: `make run` sets up and starts the editor; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.layerloom-installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
QT_SYSTEM_PACKAGES := libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 fonts-dejavu-core \
  libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-image0 libxcb-render-util0 libxcb-xinerama0 libxcb-randr0 \
  libxcb-shape0 libxcb-xfixes0 libxcb-xkb1 libx11-xcb1

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
	@# Qt's offscreen and desktop (xcb) platforms need these system libraries; many desktops lack a few
	@# of the xcb ones (libxcb-icccm4, libxcb-keysyms1, ...), and Qt then aborts before any window.
	@for lib in libEGL.so.1 libxkbcommon.so.0 libxkbcommon-x11.so.0 libxcb-icccm.so.4 libxcb-keysyms.so.1 \
	    libxcb-cursor.so.0 libxcb-image.so.0 libxcb-render-util.so.0 libxcb-xinerama.so.0 libxcb-randr.so.0 \
	    libxcb-shape.so.0 libxcb-xfixes.so.0 libxcb-xkb.so.1 libX11-xcb.so.1; do \
	  ldconfig -p | grep -q "$$lib" || { missing=1; break; }; done; \
	if [ -n "$$missing" ]; then \
	  ( $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $(QT_SYSTEM_PACKAGES) ) \
	  || echo "warning: could not install Qt's system libraries: $(SUDO) apt-get install -y $(QT_SYSTEM_PACKAGES)"; fi
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
