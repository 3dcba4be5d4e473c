"""Real windows on a real X server (Xvfb + openbox + xcompmgr + trayer from scripts/with_services.sh).

Each test starts a separate app process on the xcb platform and looks at it from outside, as a user would:
screenshots (`import -window root`, kept in test-artifacts/), real clicks and keys (xdotool), the window
manager's idea of the active window. Qt warnings in those processes fail the test (allow-list: ui_support.py).
Skipped without the X server; under CI=1 that is a failure instead.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PyQt6.QtGui import QColor, QImage

from calmcue.config.paths import demo_file
from needs import missing
from ui.ui_support import needs_xvfb
from ui.xvfb_support import BOUND_S, ENGINE_BOUND_S, Driven, active_window, screenshot, wait_for, xdotool

DRIVER = Path(__file__).with_name("overlay_driver.py")
MESSAGE = "Lower your voice - stay calm"
REASON = "+9 dB above your usual level"

pytestmark = pytest.mark.xvfb


@pytest.fixture(autouse=True)
def _x_server() -> None:
    needs_xvfb()


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


def _bar_colour_on_screen(image: QImage, rect: list[int]) -> QColor:
    """The most saturated pixel in the left quarter of the panel, along its middle row: its left-edge bar."""
    x, y, w, h = rect
    row = [image.pixelColor(i, y + h // 2) for i in range(x, x + w // 4)]
    return max(row, key=lambda c: c.hslSaturation() * (c.lightness() > 60))


def test_a_cue_about_the_caller_has_another_bar_than_one_about_the_agent(start: Callable[..., Driven]) -> None:
    d, agent = driver(start, corner="top-right")
    agent_bar = _bar_colour_on_screen(screenshot("overlay_bar_agent"), agent["geometry"])
    d.send("show Let them vent - listen, don't interrupt|+9 dB above their usual level|customer")
    caller = d.wait("visible")
    image = screenshot("overlay_bar_caller")
    assert_overlay_drawn(image, caller["geometry"], "#3060a0")
    caller_bar = _bar_colour_on_screen(image, caller["geometry"])
    assert caller["geometry"][2] == agent["geometry"][2], "the panel keeps its width"
    assert 190 <= agent_bar.hslHue() <= 230, f"a soft blue for the agent, got {agent_bar.name()}"
    assert 25 <= caller_bar.hslHue() <= 50, f"a soft amber for the caller, got {caller_bar.name()}"
    assert abs(lightness(agent_bar) - lightness(caller_bar)) > 0.15, "they differ without colour vision too"


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
    choices = app.wait("menu_shown", menu="Pause")
    assert list(choices["actions"]) == ["For 15 minutes", "For 1 hour", "Until I resume"]
    ux, uy, uw, uh = choices["actions"]["Until I resume"]
    xdotool("mousemove", "--sync", str(ux + uw // 2), str(uy + uh // 2), "click", "1")
    app.wait("action", name="pause", seconds=0.0)
    app.wait("tray_state", state="paused")
    xdotool("mousemove", "--sync", str(x + w // 2), str(y + h // 2), "click", "3")
    menu = app.wait("menu_shown")
    assert "Resume" in menu["actions"]
    qx, qy, qw, qh = menu["actions"]["Quit"]
    xdotool("mousemove", "--sync", str(qx + qw // 2), str(qy + qh // 2), "click", "1")
    app.wait("quit")
    assert app.proc.wait(timeout=BOUND_S) == 0


def test_calmcue_demo_plays_into_the_overlay_bottom_right_above_the_taskbar(
        start: Callable[..., Driven], tmp_path: Path, user_dirs: dict[str, Path]) -> None:
    demo = demo_file()
    if demo is None:
        missing("build/demo/demo_call.wav is missing: run 'make demo'", what="demo call")
    (user_dirs["config"] / "settings.toml").write_text('[overlay]\nshow_s = 30.0\n')  # the default corner
    app = start([sys.executable, "-m", "calmcue", "demo", "--speed", "8"], trace=tmp_path / "trace.jsonl")
    app.wait("tray_visible")
    shown = app.wait("overlay_show", timeout_s=ENGINE_BOUND_S)
    visible = app.wait("overlay_visible")
    image = screenshot("demo_overlay")
    assert_overlay_drawn(image, visible["geometry"], "#000000")
    x, y, w, h = visible["geometry"]
    assert x + w == image.width() - 24 and y + h > image.height() * 0.6, "bottom-right by default"
    panel = xdotool("search", "--onlyvisible", "--class", "trayer").split()[0]
    panel_top = int(dict(line.split("=", 1) for line in
                         xdotool("getwindowgeometry", "--shell", panel).splitlines())["Y"])
    assert y + h <= panel_top, "above the taskbar (the tray panel), not over it"
    assert shown["message"] in ("Let them vent - listen, don't interrupt", "Lower your voice - stay calm")
    xdotool("key", "--clearmodifiers", "ctrl+alt+shift+x")  # "that cue was wrong"
    app.wait("action", name="not_helpful")
    app.wait("overlay_hidden")
    app.wait("notify", title="Marked as not helpful")
    app.proc.terminate()
    assert app.proc.wait(timeout=BOUND_S) == 0
