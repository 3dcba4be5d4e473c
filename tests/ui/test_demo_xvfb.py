"""`calmcue demo` while the tray app runs, on the real X server with the real tray: the running app plays the
demo (one icon), starts it from the demo voice's saved baseline so the first cue comes within seconds, says
so in its status, ends with a notice that stays until closed, and goes back to the microphone without ever
touching the agent's own calibration."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from calmcue.config import paths
from calmcue.detector.baseline import BaselineValues, save_baseline
from calmcue.ui.first_run import MARKER
from needs import missing
from ui.test_tray_menu_xvfb import assert_has_content, geometry, visible_windows
from ui.ui_support import needs_xvfb
from ui.xvfb_support import BOUND_S, ENGINE_BOUND_S, REPO, Driven, app_env, screenshot, wait_for, xdotool

SPEED = 3.0  # the demo at 3x real time keeps the test short; the first cue still comes at its engine time
FIRST_CUE_AUDIO_S = 10.0  # with the saved baseline the first cue is due within this much demo audio
NOTICE = "^Demo call ended$"
NOTICE_STAYS_S = 4.0

pytestmark = pytest.mark.xvfb


@pytest.fixture(autouse=True)
def _x_server() -> None:
    needs_xvfb()


def test_calmcue_demo_asks_the_running_tray_app_which_plays_it_and_returns_to_the_microphone(
        start: Callable[..., Driven], tmp_path: Path, user_dirs: dict[str, Path]) -> None:
    if paths.demo_file() is None:
        missing("no demo call: run 'make demo'", what="demo call")
    (user_dirs["data"] / MARKER).write_text("")  # the first-run notice was read before
    save_baseline(paths.baseline_file(), BaselineValues(-31.0, 3.0, -7.5, 4.2))  # the agent's own calibration
    agent_baseline = paths.baseline_file().read_bytes()
    trace = tmp_path / "trace.jsonl"
    app = start([sys.executable, "-m", "calmcue"], trace=trace)
    app.wait("tray_visible")
    app.wait("engine_started", timeout_s=ENGINE_BOUND_S)
    app.wait("tray_state", timeout_s=ENGINE_BOUND_S, state="listening")  # on the microphone, with its baseline

    cli = subprocess.run([sys.executable, "-m", "calmcue", "demo", "--speed", f"{SPEED:g}"], cwd=REPO,
                         env=app_env(CALMCUE_UI_TRACE=str(trace)), capture_output=True, text=True, timeout=BOUND_S)
    assert cli.returncode == 0, cli.stderr
    lines = cli.stdout.splitlines()
    assert lines[0] == "The running CalmCue is playing the demo call - watch the screen's bottom-right corner"
    assert lines[1].startswith("It plays for 0:") and "microphone again" in lines[1], lines
    assert "Traceback" not in cli.stderr

    started = app.wait("demo_started", saved_baseline=True)
    assert started["start_s"] > 20.0, "the calm opening (only there for learning) is skipped"
    shown = app.wait("tray_state", state="demo")
    assert shown["detail"].startswith("Playing the demo call - ") and shown["detail"].endswith(" left")
    cue = app.wait("cue_received", timeout_s=ENGINE_BOUND_S)
    assert cue["t_s"] <= FIRST_CUE_AUDIO_S, f"first cue after {cue['t_s']} s of demo audio"
    app.wait("overlay_show")

    app.wait("demo_ended", timeout_s=ENGINE_BOUND_S)
    app.wait("demo_notice")
    window = wait_for(lambda: (visible_windows(NOTICE) or [None])[0], "the end-of-demo notice")
    ended = time.monotonic()
    while time.monotonic() - ended < NOTICE_STAYS_S:  # it stays: not a balloon that times out
        assert window in visible_windows(NOTICE), f"the notice vanished {time.monotonic() - ended:.1f} s after"
        time.sleep(0.1)
    image = screenshot("demo_end_notice")
    assert_has_content(image, geometry(window), "the end-of-demo notice")
    app.wait("action", name="stop_demo")
    app.wait("tray_state", timeout_s=ENGINE_BOUND_S, state="listening")  # the microphone and its baseline again
    assert paths.baseline_file().read_bytes() == agent_baseline, "the agent's calibration is untouched"

    again = subprocess.run([sys.executable, "-m", "calmcue"], cwd=REPO, env=app_env(CALMCUE_UI_TRACE=str(trace)),
                           capture_output=True, text=True, timeout=BOUND_S)  # a second start only says so
    assert again.returncode == 0 and "CalmCue is already running" in again.stderr, again.stderr
    app.wait("request", action="show")
    xdotool("windowactivate", "--sync", window, check=False)
    xdotool("key", "--clearmodifiers", "Return")
    app.wait("demo_notice_closed")
    assert app.proc.poll() is None, "the tray app keeps running after the notice"
    tray_icons = [r for r in _records(trace) if r["event"] == "tray_shown"]
    assert len(tray_icons) == 1, "one tray icon all along"


def _records(trace: Path) -> list[dict[str, object]]:
    import json

    return [json.loads(line) for line in trace.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_without_a_running_app_calmcue_demo_plays_alone_and_quits_once_its_notice_is_closed(
        start: Callable[..., Driven], tmp_path: Path, user_dirs: dict[str, Path]) -> None:
    if paths.demo_file() is None:
        missing("no demo call: run 'make demo'", what="demo call")
    app = start([sys.executable, "-m", "calmcue", "demo", "--speed", "10"], trace=tmp_path / "trace.jsonl")
    app.wait("tray_visible")
    assert app.wait("demo_started")["saved_baseline"]
    app.wait("demo_ended", timeout_s=ENGINE_BOUND_S)
    window = wait_for(lambda: (visible_windows(NOTICE) or [None])[0], "the end-of-demo notice")
    ended = time.monotonic()
    while time.monotonic() - ended < NOTICE_STAYS_S:  # the app waits for the agent, it does not quit by itself
        assert window in visible_windows(NOTICE) and app.proc.poll() is None
        time.sleep(0.1)
    assert not paths.baseline_file().exists(), "the demo voice never becomes the agent's calibration"
    xdotool("windowactivate", "--sync", window, check=False)
    xdotool("key", "--clearmodifiers", "Return")
    app.wait("quit")
    assert app.proc.wait(timeout=BOUND_S) == 0
