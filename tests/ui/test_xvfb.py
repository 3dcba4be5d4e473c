"""Real windows on a real X server (Xvfb + openbox + xcompmgr + trayer from scripts/with_services.sh).

Each test starts a separate app process on the xcb platform and looks at it from outside, as a user would:
screenshots (`import -window root`, kept in test-artifacts/), real clicks and keys (xdotool), the window
manager's idea of the active window. Qt warnings in those processes fail the test (allow-list: ui_support.py).
Skipped without the X server; under CI=1 that is a failure instead.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PyQt6.QtGui import QColor, QImage

from calmcue.config.paths import demo_file
from ui.ui_support import QT_MESSAGE_PATTERN, needs_xvfb, unexpected_stderr

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
DRIVER = Path(__file__).with_name("overlay_driver.py")
BOUND_S = 30.0  # generous bound for any window-system event
ENGINE_BOUND_S = 60.0
MESSAGE = "Lower your voice - stay calm"
REASON = "+9 dB above your usual level"
T = TypeVar("T")

pytestmark = pytest.mark.xvfb


@pytest.fixture(autouse=True)
def _x_server() -> None:
    needs_xvfb()


def wait_for(check: Callable[[], T | None], what: str, timeout_s: float = BOUND_S) -> T:
    """Polls `check` until it returns something truthy; fails after `timeout_s` saying what was awaited."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s:.0f} s waiting for {what}")
        time.sleep(0.05)


def xdotool(*args: str, check: bool = True) -> str:
    return subprocess.run(["xdotool", *args], check=check, capture_output=True, text=True, timeout=BOUND_S).stdout


def active_window() -> str:
    """The window the window manager calls active ("" while there is none)."""
    return xdotool("getactivewindow", check=False).strip()


def screenshot(name: str) -> QImage:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    subprocess.run(["import", "-window", "root", str(path)], check=True, timeout=BOUND_S)
    image = QImage(str(path))
    assert not image.isNull(), f"screenshot {path} unreadable"
    return image


def app_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("QT_SCALE_FACTOR", None)
    env.update(QT_QPA_PLATFORM="xcb", QT_MESSAGE_PATTERN=QT_MESSAGE_PATTERN, PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


class Driven:
    """An app process whose JSON-lines events (stdout or a trace file) are read on a thread."""

    def __init__(self, args: list[str], *, env: dict[str, str], trace: Path | None = None) -> None:
        self.trace = trace
        self.ready: dict[str, Any] = {}
        self.proc = subprocess.Popen(args, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, cwd=REPO)
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self.stderr = ""
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()
        if trace is not None:
            threading.Thread(target=self._read_trace, daemon=True).start()

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if self.trace is None and line.startswith("{"):
                self.events.put(json.loads(line))

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr += line

    def _read_trace(self) -> None:
        assert self.trace is not None
        offset = 0
        while self.proc.poll() is None or offset < (self.trace.stat().st_size if self.trace.exists() else 0):
            if self.trace.exists():
                with open(self.trace, encoding="utf-8") as f:
                    f.seek(offset)
                    for line in f:
                        if line.endswith("\n"):
                            self.events.put(json.loads(line))
                            offset += len(line.encode())
                        else:
                            break
            time.sleep(0.02)

    def wait(self, event: str, timeout_s: float = BOUND_S, **match: Any) -> dict[str, Any]:
        for record in self.seen:
            if record["event"] == event and all(record.get(k) == v for k, v in match.items()):
                self.seen.remove(record)
                return record
        deadline = time.monotonic() + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or (self.proc.poll() is not None and self.events.empty()):
                pytest.fail(f"no '{event}' {match or ''} within {timeout_s:.0f} s; process "
                            f"{'ended ' + str(self.proc.returncode) if self.proc.poll() is not None else 'alive'}"
                            f"; stderr:\n{self.stderr[-3000:]}")
            try:
                record = self.events.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            if record["event"] == event and all(record.get(k) == v for k, v in match.items()):
                return record
            self.seen.append(record)

    def send(self, line: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=BOUND_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def qt_problems(self) -> list[str]:
        return unexpected_stderr(self.stderr)


@pytest.fixture
def start() -> Iterator[Callable[..., Driven]]:
    started: list[Driven] = []

    def run(args: list[str], *, trace: Path | None = None, **env: str) -> Driven:
        extra = dict(env)
        if trace is not None:
            extra["CALMCUE_UI_TRACE"] = str(trace)
        driven = Driven(args, env=app_env(**extra), trace=trace)
        started.append(driven)
        return driven

    yield run
    for driven in started:
        driven.stop()
    problems = [p for d in started for p in d.qt_problems()]
    assert not problems, "Qt warned in an app process:\n" + "\n".join(problems)


def driver(start: Callable[..., Driven], *, corner: str = "top-right", background: str = "#3060a0",
           fullscreen: bool = False, **env: str) -> tuple[Driven, dict[str, Any]]:
    args = [sys.executable, str(DRIVER), "--corner", corner, "--background", background]
    d = start(args + (["--fullscreen"] if fullscreen else []), **env)
    ready = d.ready = d.wait("ready")
    wait_for(lambda: active_window() == str(ready["background"]),
             "the background window to become the active window")
    d.send(f"show {MESSAGE}|{REASON}")
    visible = d.wait("visible")
    return d, visible


# --- pixels ------------------------------------------------------------------------------------------------


def lightness(c: QColor) -> float:
    """Relative luminance (WCAG), 0..1."""
    def channel(v: int) -> float:
        s = v / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4
    return 0.2126 * channel(c.red()) + 0.7152 * channel(c.green()) + 0.0722 * channel(c.blue())


def contrast(a: float, b: float) -> float:
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def region_stats(image: QImage, rect: list[int]) -> dict[str, float]:
    x, y, w, h = rect
    values = sorted(lightness(image.pixelColor(i, j)) for i in range(x + 4, x + w - 4, 2)
                    for j in range(y + 4, y + h - 4, 2))
    light = [v for v in values if v > 0.6]
    return {"panel": values[len(values) // 2], "text": light[-1] if light else 0.0, "light_count": len(light),
            "count": len(values)}


def assert_overlay_drawn(image: QImage, rect: list[int], background: str) -> dict[str, float]:
    x, y, w, h = rect
    assert x >= 0 and y >= 0 and x + w <= image.width() and y + h <= image.height(), "overlay fits the screen"
    stats = region_stats(image, rect)
    assert stats["light_count"] > 30, "light text pixels on the overlay"
    assert stats["panel"] < 0.05, "a dark panel under the text"
    assert contrast(stats["text"], stats["panel"]) >= 7.0, "text readable on the panel (WCAG AAA)"
    bg = lightness(QColor(background))
    assert contrast(stats["panel"], bg) >= 1.5 or _rim_visible(image, rect, bg), "the panel stands out"
    return stats


def _rim_visible(image: QImage, rect: list[int], bg: float) -> bool:
    x, y, w, h = rect
    rim = [lightness(image.pixelColor(x + 1, y + h // 2)), lightness(image.pixelColor(x + w - 2, y + h // 2))]
    return min(contrast(v, bg) for v in rim) >= 1.5


# --- the overlay -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("corner", ["bottom-left", "top-right"])
def test_screenshot_shows_the_cue_in_the_configured_corner(start: Callable[..., Driven], corner: str) -> None:
    _d, visible = driver(start, corner=corner)
    image = screenshot(f"overlay_{corner}")
    x, y, w, h = visible["geometry"]
    assert_overlay_drawn(image, visible["geometry"], "#3060a0")
    width, height = image.width(), image.height()
    if corner == "bottom-left":
        assert x == 24 and y + h > height * 0.6
    else:
        assert x + w == width - 24 and y == 24
    assert image.pixelColor(width // 2, height // 2) == QColor("#3060a0"), "the rest of the screen is untouched"


@pytest.mark.parametrize("background", ["#ffffff", "#000000"])
def test_the_cue_is_readable_on_light_and_dark_desktops(start: Callable[..., Driven], background: str) -> None:
    _d, visible = driver(start, background=background)
    image = screenshot(f"overlay_on_{background.strip('#')}")
    assert_overlay_drawn(image, visible["geometry"], background)
    if background == "#000000":
        assert _rim_visible(image, visible["geometry"], 0.0), "a light rim marks the panel on black"


def test_the_cue_is_readable_at_200_percent_scaling(start: Callable[..., Driven]) -> None:
    d, normal = driver(start, corner="top-left")
    d.stop()
    _d2, scaled = driver(start, corner="top-left", QT_SCALE_FACTOR="2")
    image = screenshot("overlay_scaled_200")
    assert scaled["ratio"] == 2.0
    stats = assert_overlay_drawn(image, scaled["geometry"], "#3060a0")
    assert scaled["geometry"][0] == 48, "the margin scales too"
    assert scaled["geometry"][2] >= 1.8 * normal["geometry"][2]
    assert scaled["geometry"][3] >= 1.8 * normal["geometry"][3]
    assert stats["light_count"] > 3 * 30


def test_clicks_pass_through_the_cue_to_the_window_below(start: Callable[..., Driven]) -> None:
    d, visible = driver(start, corner="top-right")
    x, y, w, h = visible["geometry"]
    cx, cy = x + w // 2, y + h // 2
    xdotool("mousemove", "--sync", str(cx), str(cy), "click", "1")
    clicked = d.wait("clicked")
    assert abs(clicked["x"] - cx) <= 1 and abs(clicked["y"] - cy) <= 1
    assert active_window() == str(visible["background"])


def test_the_cue_is_not_activated_and_stays_above_the_active_window(start: Callable[..., Driven]) -> None:
    _d, visible = driver(start, corner="top-right")
    active = active_window()
    assert active == str(visible["background"]) and active != str(visible["overlay"])
    xdotool("windowactivate", "--sync", active)  # the agent clicks into their own window again
    xdotool("windowraise", active)
    image = screenshot("overlay_above_active_window")
    assert_overlay_drawn(image, visible["geometry"], "#3060a0")


def test_the_cue_stays_above_a_full_screen_window(start: Callable[..., Driven]) -> None:
    _d, visible = driver(start, corner="bottom-right", fullscreen=True, background="#ff00ff")
    image = screenshot("overlay_above_fullscreen")
    assert image.pixelColor(5, 5) == QColor("#ff00ff"), "the full-screen window covers the screen"
    assert_overlay_drawn(image, visible["geometry"], "#ff00ff")


def test_the_global_hotkey_dismisses_the_cue(start: Callable[..., Driven]) -> None:
    d, _visible = driver(start)
    assert d.ready["hotkey"], d.ready["hotkey_reason"]
    xdotool("key", "--clearmodifiers", "ctrl+alt+shift+c")
    d.wait("closed")


# --- the real app --------------------------------------------------------------------------------------------


def test_a_real_right_click_on_the_tray_icon_pauses_calmcue(start: Callable[..., Driven], tmp_path: Path,
                                                             user_dirs: dict[str, Path]) -> None:
    (user_dirs["data"] / "notice-shown").write_text("1\n")  # no first-run dialog over the tray
    app = start([sys.executable, "-m", "calmcue"], trace=tmp_path / "trace.jsonl")
    tray = app.wait("tray_visible")
    x, y, w, h = tray["geometry"]
    app.wait("engine_started")
    xdotool("mousemove", "--sync", str(x + w // 2), str(y + h // 2), "click", "3")
    menu = app.wait("menu_shown")
    screenshot("tray_menu_open")
    assert {"Pause", "Snooze cues", "Recalibrate…", "Microphone", "Call audio", "Sensitivity", "Cues",
            "Settings…", "About CalmCue", "Quit"} <= set(menu["actions"])
    px, py, pw, ph = menu["actions"]["Pause"]
    xdotool("mousemove", "--sync", str(px + pw // 2), str(py + ph // 2), "click", "1")
    app.wait("action", name="pause")
    app.wait("tray_state", state="paused")
    xdotool("mousemove", "--sync", str(x + w // 2), str(y + h // 2), "click", "3")
    menu = app.wait("menu_shown")
    assert "Resume" in menu["actions"]
    qx, qy, qw, qh = menu["actions"]["Quit"]
    xdotool("mousemove", "--sync", str(qx + qw // 2), str(qy + qh // 2), "click", "1")
    app.wait("quit")
    assert app.proc.wait(timeout=BOUND_S) == 0


def test_calmcue_demo_plays_into_the_overlay_where_configured(start: Callable[..., Driven], tmp_path: Path,
                                                              user_dirs: dict[str, Path]) -> None:
    demo = demo_file()
    if demo is None:
        if os.environ.get("CI"):
            pytest.fail("build/demo/demo_call.wav is missing: run 'make demo'")
        pytest.skip("build/demo/demo_call.wav is missing: run 'make demo'")
    (user_dirs["config"] / "settings.toml").write_text('[overlay]\ncorner = "bottom-left"\nshow_s = 30.0\n')
    app = start([sys.executable, "-m", "calmcue", "demo", "--speed", "8"], trace=tmp_path / "trace.jsonl")
    app.wait("tray_visible")
    shown = app.wait("overlay_show", timeout_s=ENGINE_BOUND_S)
    visible = app.wait("overlay_visible")
    image = screenshot("demo_overlay")
    assert_overlay_drawn(image, visible["geometry"], "#000000")
    x, y, _w, h = visible["geometry"]
    assert x == 24 and y + h > image.height() * 0.6, "bottom-left, as configured"
    assert shown["message"] in ("Let them vent - listen, don't interrupt", "Lower your voice - stay calm")
    app.proc.terminate()
    assert app.proc.wait(timeout=BOUND_S) == 0
