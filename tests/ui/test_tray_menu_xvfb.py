"""Every tray menu item, clicked for real on the X server, does what it says; the windows it opens are on
screen with their content a second later (screenshots in test-artifacts/).

One app process goes through the menu as an agent would: the first-run notice, About, Settings, Recalibrate,
Snooze, Sensitivity, Cues, Call audio, Microphone, the demo call, Pause and Resume, Quit (Dismiss is checked to
be disabled while no cue shows; test_xvfb.py dismisses a real cue with the hotkey). Windows are found and
checked from outside (xdotool and a screenshot), as the agent sees them.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PyQt6.QtGui import QImage

from calmcue.config import paths
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


def check_window(title: str, name: str) -> None:
    """The window is on screen, still there STAYS_S later, with content; then Escape closes it."""
    window = wait_for(lambda: (visible_windows(title) or [None])[0], f"the window {title!r}")
    opened = time.monotonic()
    while time.monotonic() - opened < STAYS_S:
        assert window in visible_windows(title), f"{title!r} vanished {time.monotonic() - opened:.2f} s after opening"
        time.sleep(0.05)
    image = screenshot(f"menu_{name}")
    assert_has_content(image, geometry(window), title)
    xdotool("windowactivate", "--sync", window, check=False)
    xdotool("key", "--clearmodifiers", "Escape")
    wait_for(lambda: window not in visible_windows(title), f"{title!r} to close on Escape")


def test_every_tray_menu_item_works_and_its_window_stays_on_screen(start: Callable[..., Driven],
                                                                   tmp_path: Path) -> None:
    app = start([sys.executable, "-m", "calmcue"], trace=tmp_path / "trace.jsonl")
    agent = Agent(app, app.wait("tray_visible")["geometry"])
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
        check_window(title, name)
    agent.choose("Snooze cues", "For 15 minutes")
    app.wait("tray_state", state="snoozed")
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
    agent.choose("Pause")
    app.wait("tray_state", state="paused")
    shown = agent.menu()
    assert "Snooze cues" in shown["disabled"], "nothing to snooze while paused"
    agent.close_menu()
    agent.choose("Resume")
    app.wait("action", name="resume")
    agent.choose("Quit")
    app.wait("quit")
    assert app.proc.wait(timeout=30) == 0
