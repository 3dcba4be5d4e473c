# CalmCue - developer tasks. `make run` and `make test` are all a new checkout needs (see README.md).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
DEMO := build/demo/demo_call.wav

# Real speech for the accuracy tests; it is read in place, never copied into the repo.
export CALMCUE_DATA ?= $(abspath ../shared/data)

# Debian 12 packages: PortAudio + the ALSA pulse plugin, a user-mode PulseAudio, speech synthesis for the demo,
# Xvfb with a window manager, compositor and tray for the UI tests, the libraries the Qt 6 wheels load, and music
# the activity model never heard for the detection benchmark's music rows (hyperrogue-music, asc-music), key
# sounds for its typing rows (bucklespring-data), and telephone prompts of voices nobody tuned on for the calm-voice
# check on real narrowband lines (benchmarks/phone_prompts.py; the test reads the fr set, the benchmark all four).
SYS_PACKAGES := libportaudio2 libasound2-plugins libsndfile1 pulseaudio pulseaudio-utils espeak-ng flite sox \
	xvfb xauth xdotool imagemagick openbox xcompmgr trayer \
	libegl1 libgl1 libfontconfig1 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 \
	libxcb-keysyms1 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libdbus-1-3 fonts-dejavu-core \
	asterisk-moh-opsound-wav hyperrogue-music asc-music bucklespring-data asterisk-core-sounds-fr-wav
# Training data for `make model` (licences in models/README.md): telephone prompts, hold and instrumental music.
MODEL_PACKAGES := asterisk-moh-opsound-wav asterisk-core-sounds-en-wav asterisk-core-sounds-it-wav \
	fretsonfire-songs-sectoid fretsonfire-songs-muldjord singularity-music

# Building and checking the packages (make package): the .deb's own venv, lintian, the MSI (wixl), the Windows
# launchers (mingw-w64), the embeddable CPython's signatures (osslsigncode), and Wine to run the Windows build.
PKG_PACKAGES := python3-venv zstd lintian desktop-file-utils wixl msitools osslsigncode wine wine64 \
	gcc-mingw-w64-x86-64-win32

VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
WHEEL := build/pkg/wheel/calmcue-$(VERSION)-py3-none-any.whl
DEB := dist/calmcue_$(VERSION)_amd64.deb
MSI := dist/calmcue-$(VERSION)-x64.msi
PACKAGE_INPUTS := pyproject.toml $(shell git ls-files src 2>/dev/null)

.PHONY: help venv sysdeps demo demo-asset test run analyze-demo bench lint typecheck package admx model clean distclean

help:
	@echo "make run        start the tray app (builds everything it needs; demo call without a microphone)"
	@echo "make analyze-demo   the demo call analysed offline: JSON + timeline plot"
	@echo "make test       tests with a private PulseAudio and Xvfb, then lint, type check, quick bench"
	@echo "make bench      full benchmark -> benchmarks/results/latest.json"
	@echo "make package    dist/: the .deb (Debian 12), the MSI (Windows x64), the Group Policy templates"
	@echo "make model      train the voice-activity model -> src/calmcue/models/ (torch, CPU, under 30 min)"
	@echo "make lint | typecheck | demo | demo-asset | admx | venv | sysdeps | clean | distclean"

# --- set-up ---------------------------------------------------------------------------------------------------

venv: $(VENV)/.stamp

$(VENV)/.stamp: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "CalmCue needs Python >= 3.11 (try PYTHON=...)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || \
		{ echo "venv: '$(PYTHON) -m venv' failed (on Debian: apt-get install python3-venv)" >&2; exit 1; }
	$(BIN)/python -m pip install -e '.[dev]'
	@touch $@

# As root, install what is missing; otherwise only say what is missing (the tests that need it will skip).
sysdeps:
	@if ! command -v dpkg-query >/dev/null 2>&1; then \
		echo "sysdeps: no dpkg here; install the equivalents of: $(SYS_PACKAGES) $(PKG_PACKAGES)"; exit 0; \
	fi; \
	installed=" $$( { dpkg-query -W -f='$${Package} $${db:Status-Abbrev}\n' $(SYS_PACKAGES) $(PKG_PACKAGES) \
		2>/dev/null || true; } | awk '$$2 == "ii" { printf "%s ", $$1 }') "; \
	missing=""; \
	for p in $(SYS_PACKAGES) $(PKG_PACKAGES); do \
		case "$$installed" in *" $$p "*) ;; *) missing="$$missing $$p" ;; esac; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" -eq 0 ]; then \
		echo "sysdeps: installing$$missing"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -q; \
		apt-get install -y --no-install-recommends $$missing; \
	else \
		echo "sysdeps: missing system packages (run 'sudo make sysdeps' to install them):$$missing"; \
	fi

demo: $(DEMO)

$(DEMO): scripts/make_demo.py | sysdeps $(VENV)/.stamp
	$(BIN)/python scripts/make_demo.py --out $@

# The demo call shipped inside the package (src/calmcue/demo/demo_call.flac, committed): rebuild it after
# changing scripts/make_demo.py; a test checks the shipped file still matches what the script makes.
demo-asset: sysdeps venv
	$(BIN)/python scripts/make_demo.py --out src/calmcue/demo/demo_call.flac

# --- packages (dist/) -------------------------------------------------------------------------------------------

package: $(DEB) $(MSI) dist/policy-templates/calmcue.admx

$(WHEEL): $(PACKAGE_INPUTS) | $(VENV)/.stamp
	rm -rf build/pkg/wheel
	$(BIN)/python -m pip wheel --quiet --no-deps -w build/pkg/wheel .

$(DEB): $(WHEEL) $(wildcard packaging/linux/*) | sysdeps
	PY=$(BIN)/python bash packaging/linux/build_deb.sh $(WHEEL) dist

$(MSI): $(WHEEL) $(wildcard packaging/windows/*) | sysdeps
	$(BIN)/python packaging/windows/build_msi.py --wheel $(WHEEL) --out dist

# Group Policy templates and the guide's key table, generated from the settings schema (a test fails when the committed ones drift).
admx: venv
	$(BIN)/python -m calmcue.config.admx packaging/windows
	$(BIN)/python -m calmcue.config.keys docs/deploying.md

dist/policy-templates/calmcue.admx: packaging/windows/calmcue.admx packaging/windows/en-US/calmcue.adml
	mkdir -p dist/policy-templates/en-US
	cp packaging/windows/calmcue.admx dist/policy-templates/
	cp packaging/windows/en-US/calmcue.adml dist/policy-templates/en-US/

# --- everyday targets -------------------------------------------------------------------------------------------

# The package tests install the .deb on this machine (root) and run the MSI's Windows build under Wine.
test: sysdeps venv demo package
	bash scripts/with_services.sh $(BIN)/python -m pytest $(PYTEST_ARGS)
	$(BIN)/ruff check src tests benchmarks scripts packaging
	$(BIN)/mypy
	HARNESS_READERS=off bash scripts/with_services.sh $(BIN)/calmcue bench --quick --json build/bench-quick.json

# The tray app; with no microphone it offers the demo call, with no display it runs the terminal monitor.
run: sysdeps venv demo
	$(BIN)/calmcue

# The demo call analysed offline: JSON and a timeline plot.
analyze-demo: venv demo
	$(BIN)/calmcue analyze $(DEMO) --plot build/demo/demo_call.png --json build/demo/demo_call.json
	@echo "Timeline plot: $(abspath build/demo/demo_call.png)"
	@echo "Analysis JSON: $(abspath build/demo/demo_call.json); scripted events: $(abspath $(DEMO:.wav=.events.json))"

# HARNESS_READERS=off: no 5 ms test readers on the private sound server's sources, so that the capture floor and
# the apps get their audio in the packets they ask for, as on a desktop (benchmarks/README.md).
bench: venv
	@mkdir -p benchmarks/results
	HARNESS_READERS=off bash scripts/with_services.sh $(BIN)/calmcue bench --json benchmarks/results/latest.json --readme README.md

# The activity model: Debian data packages, the `train` extra (torch CPU build, onnx), then training under nice.
model: venv
	$(MAKE) sysdeps SYS_PACKAGES="$(MODEL_PACKAGES)" PKG_PACKAGES=
	$(BIN)/python -m pip install -e '.[train]'
	nice -n 10 $(BIN)/python models/train/train.py
	$(BIN)/python models/train/fixtures.py

lint: venv
	$(BIN)/ruff check src tests benchmarks scripts packaging

typecheck: venv
	$(BIN)/mypy

clean:
	rm -rf build dist test-artifacts .pytest_cache .mypy_cache .ruff_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) src/*.egg-info
