"""Every tray menu item, clicked for real on the X server, does what it says; the windows it opens are on
screen with their content a second later (screenshots in test-artifacts/).

One app process goes through the menu as an agent would: the first-run notice, About, Settings, Recalibrate,
Snooze, Sensitivity, Cues, Call audio, Microphone, the demo call, Pause (until I resume) and Resume, Quit (Dismiss
is checked to be disabled while no cue shows; test_xvfb.py dismisses a real cue with the hotkey). Windows are found
and checked from outside (xdotool and a screenshot), as the agent sees them: Settings shows the legend of the cue
bars, and the tray icon shown while snoozed differs from the one shown while paused.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PyQt6.QtGui import QColor, QImage

from calmcue.config import paths
from calmcue.ui.overlay import bar_colour
from ui.test_xvfb import lightness
from ui.ui_support import needs_xvfb
from ui.xvfb_support import ENGINE_BOUND_S, Driven, screenshot, wait_for, xdotool

STAYS_S = 1.0  # a window must still be there this long after it opened (About once vanished at once)

pytestmark = pytest.mark.xvfb


@pytest.fixture(autouse=True)
def _x_server() -> None:
    needs_xvfb()


class Agent:
    """Right-clicks the tray icon and clicks menu items where the app's trace says they are."""

    def __init__(self, app: Driven, icon: list[int]) -> None:
        self.app = app
        x, y, w, h = icon
        self.icon = (x + w // 2, y + h // 2)

    def menu(self) -> dict[str, Any]:
        click_at(*self.icon, button="3")
        return self.app.wait("menu_shown", menu="tray")

    def close_menu(self) -> None:
        """A click on the empty desktop closes an open menu (and moves the pointer away from the icon)."""
        click_at(10, 10)

    def choose(self, *path: str) -> None:
        """Clicks through the menu: `choose("Snooze cues", "For 15 minutes")`."""
        shown = self.menu()
        for depth, item in enumerate(path):
            assert item in shown["actions"], f"{item!r} not in {sorted(shown['actions'])}"
            assert item not in shown["disabled"], f"{item!r} is disabled"
            x, y, w, h = shown["actions"][item]
            click_at(x + w // 2, y + h // 2)
            if depth + 1 < len(path):
                shown = self.app.wait("menu_shown", menu=item)


def click_at(x: int, y: int, *, button: str = "1") -> None:
    """Moves the pointer there and clicks (`mousemove --sync` waits for a motion event: there is none when the
    pointer is already in place, so it is not asked to move then)."""
    here = dict(line.split("=", 1) for line in xdotool("getmouselocation", "--shell").splitlines())
    if (int(here["X"]), int(here["Y"])) != (x, y):
        xdotool("mousemove", "--sync", str(x), str(y))
    xdotool("click", button)


def visible_windows(title: str) -> list[str]:
    return xdotool("search", "--onlyvisible", "--name", title, check=False).split()


def geometry(window: str) -> list[int]:
    values = dict(line.split("=", 1) for line in xdotool("getwindowgeometry", "--shell", window).splitlines())
    return [int(values[k]) for k in ("X", "Y", "WIDTH", "HEIGHT")]


def assert_has_content(image: QImage, rect: list[int], what: str) -> None:
    """Text on a plain dialog background: many dark pixels and more than a few colours (not an empty frame)."""
    x, y, w, h = rect
    assert w > 100 and h > 60, f"{what}: {w} x {h} px is too small to hold its content"
    pixels = [image.pixelColor(i, j) for i in range(max(x, 0), min(x + w, image.width()), 2)
              for j in range(max(y, 0), min(y + h, image.height()), 2)]
    dark = sum(1 for c in pixels if lightness(c) < 0.2)
    colours = len({c.rgb() for c in pixels})
    assert dark > 150 and colours > 20, f"{what}: {dark} dark pixels, {colours} colours - no text drawn?"


def check_window(title: str, name: str) -> tuple[QImage, list[int]]:
    """The window is on screen, still there STAYS_S later, with content; then Escape closes it. Returns the
    screenshot and where the window was on it."""
    window = wait_for(lambda: (visible_windows(title) or [None])[0], f"the window {title!r}")
    opened = time.monotonic()
    while time.monotonic() - opened < STAYS_S:
        assert window in visible_windows(title), f"{title!r} vanished {time.monotonic() - opened:.2f} s after opening"
        time.sleep(0.05)
    image = screenshot(f"menu_{name}")
    rect = geometry(window)
    assert_has_content(image, rect, title)
    xdotool("windowactivate", "--sync", window, check=False)
    xdotool("key", "--clearmodifiers", "Escape")
    wait_for(lambda: window not in visible_windows(title), f"{title!r} to close on Escape")
    return image, rect


def pixels(image: QImage, rect: list[int]) -> list[int]:
    x, y, w, h = rect
    return [image.pixel(i, j) for i in range(x, x + w) for j in range(y, y + h)]


def count_colour(image: QImage, rect: list[int], colour: QColor, tolerance: int = 8) -> int:
    target = colour.getRgb()[:3]
    return sum(1 for p in pixels(image, rect)
               if all(abs(a - b) <= tolerance for a, b in zip(QColor(p).getRgb()[:3], target, strict=True)))


def tray_icon_when(app: Driven, icon: list[int], state: str, before: list[int] | None) -> list[int]:
    """The tray icon's pixels once the tray says `state` (and, given `before`, once the icon has changed)."""
    app.wait("tray_state", state=state)
    return wait_for(lambda: (now := pixels(screenshot(f"tray_icon_{state}"), icon)) != before and now,
                    f"the tray icon to change for {state}")


def test_every_tray_menu_item_works_and_its_window_stays_on_screen(start: Callable[..., Driven],
                                                                   tmp_path: Path) -> None:
    app = start([sys.executable, "-m", "calmcue"], trace=tmp_path / "trace.jsonl")
    app.ready["icon"] = app.wait("tray_visible")["geometry"]
    agent = Agent(app, app.ready["icon"])
    app.wait("dialog", name="first_run")
    check_window("About CalmCue - please read", "first_run")
    app.wait("tray_state", timeout_s=ENGINE_BOUND_S, state="calibrating")
    shown = agent.menu()
    assert "Dismiss the cue" in shown["disabled"], "no cue on screen: nothing to dismiss"
    agent.close_menu()
    for item, title, name in (("About CalmCue", "^About CalmCue$", "about"),
                              ("Settings…", "^CalmCue settings$", "settings"),
                              ("Recalibrate…", "^Learn my usual voice$", "calibration")):
        agent.choose(item)
        app.wait("dialog", name=name)
        image, rect = check_window(title, name)
        if name == "settings":  # the legend of the cue bars on the General page
            for speaker in ("agent", "customer"):
                assert count_colour(image, rect, bar_colour(speaker)) >= 10, f"the legend's {speaker} bar"
    icon = app.ready["icon"]
    calibrating = pixels(screenshot("tray_icon_calibrating"), icon)
    agent.choose("Snooze cues", "For 15 minutes")
    snoozed = tray_icon_when(app, icon, "snoozed", calibrating)
    agent.choose("Sensitivity", "Strict")
    app.wait("action", name="save", changes={"detector.sensitivity": "strict"})
    agent.choose("Cues", "Speaking fast")
    app.wait("action", name="save", changes={"detector.fast_speech.enabled": False})
    agent.choose("Call audio", "None (microphone only)")
    app.wait("action", name="save", changes={"audio.call": "none"})
    agent.choose("Microphone", "System default")
    app.wait("action", name="save", changes={"audio.mic": ""})
    if paths.demo_file() is not None:
        agent.choose("Play the demo call")
        wait_for(lambda: "demo call" in app.wait("tray_state").get("detail", ""), "the demo call to play")
        agent.choose("Stop the demo call")
        app.wait("action", name="stop_demo")
    agent.choose("Pause", "Until I resume")
    paused = tray_icon_when(app, icon, "paused", snoozed)
    assert paused != snoozed, "paused and snoozed have icons of their own"
    shown = agent.menu()
    assert "Snooze cues" in shown["disabled"], "nothing to snooze while paused"
    agent.close_menu()
    agent.choose("Resume")
    app.wait("action", name="resume")
    agent.choose("Quit")
    app.wait("quit")
    assert app.proc.wait(timeout=30) == 0
