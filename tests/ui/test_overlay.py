"""The overlay on the offscreen platform: placement, window flags, painting, fading, dismissal.

Stacking, focus and click-through need a real X server: test_xvfb.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QColor, QGuiApplication, QImage
from pytestqt.qtbot import QtBot

from calmcue.config.schema import OverlaySettings
from calmcue.ui.overlay import MARGIN_PX, Overlay, bar_colour
from ui.test_xvfb import lightness
from ui.ui_support import OFFSCREEN_ALLOWED, QT_MESSAGE_PATTERN, unexpected_stderr

WAIT_MS = 5000


@pytest.fixture
def overlay(qtbot: QtBot) -> Overlay:
    widget = Overlay(OverlaySettings(corner="top-right", show_s=30.0))
    qtbot.addWidget(widget)
    return widget


def _light_pixels(image: QImage) -> int:
    return sum(1 for x in range(0, image.width(), 2) for y in range(0, image.height(), 2)
               if image.pixelColor(x, y).lightness() > 200 and image.pixelColor(x, y).alpha() > 200)


def test_the_window_never_takes_focus_or_clicks_and_stays_on_top(overlay: Overlay) -> None:
    flags = overlay.windowFlags()
    for flag in (Qt.WindowType.FramelessWindowHint, Qt.WindowType.WindowStaysOnTopHint, Qt.WindowType.Tool,
                 Qt.WindowType.WindowTransparentForInput, Qt.WindowType.WindowDoesNotAcceptFocus):
        assert flags & flag, flag
    assert overlay.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
    assert overlay.testAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
    assert overlay.focusPolicy() == Qt.FocusPolicy.NoFocus


@pytest.mark.parametrize("corner", ["top-left", "top-right", "bottom-left", "bottom-right"])
def test_it_appears_in_the_configured_corner(qtbot: QtBot, overlay: Overlay, corner: str) -> None:
    overlay.configure(OverlaySettings(corner=corner, show_s=30.0))
    with qtbot.waitSignal(overlay.painted, timeout=WAIT_MS):
        overlay.show_cue("Lower your voice - stay calm", "+9 dB above your usual level")
    area = overlay.target_screen().availableGeometry()
    geo = overlay.geometry()
    assert area.contains(geo)
    left, top = corner.endswith("left"), corner.startswith("top")
    assert (geo.left() - area.left() if left else area.right() - geo.right()) == MARGIN_PX
    assert (geo.top() - area.top() if top else area.bottom() - geo.bottom()) == MARGIN_PX


def test_a_screen_that_does_not_exist_falls_back_to_the_primary(overlay: Overlay) -> None:
    overlay.configure(OverlaySettings(screen=9))
    assert overlay.target_screen() is QGuiApplication.primaryScreen()


def test_it_fades_in_shows_the_message_and_reason_and_has_a_translucent_outside(qtbot: QtBot,
                                                                                 overlay: Overlay) -> None:
    with qtbot.waitSignal(overlay.faded_in, timeout=WAIT_MS):
        overlay.show_cue("Lower your voice - stay calm", "+9 dB above your usual level")
    assert overlay.opacity == 1.0
    image = overlay.grab().toImage()
    assert image.pixelColor(0, 0).alpha() == 0, "the rounded corner is transparent"
    centre = image.pixelColor(image.width() // 2, image.height() - 4)
    assert centre.alpha() > 200 and centre.lightness() < 60, "a dark panel"
    assert _light_pixels(image) > 40, "light text on it"
    without_reason = overlay.layout_for("Lower your voice - stay calm", "")
    assert overlay.height() > without_reason.size[1], "the reason takes a line of its own"


def test_a_long_message_wraps_instead_of_running_off_the_screen(overlay: Overlay) -> None:
    short = overlay.layout_for("Slow down", "1.4x your usual pace")
    long = overlay.layout_for("Slow down " * 30, "1.4x your usual pace")
    assert long.size[0] <= overlay.target_screen().availableGeometry().width() - 2 * MARGIN_PX
    assert long.size[1] > 2 * short.size[1]
    assert long.message.width() <= long.size[0]


def test_the_panel_width_is_the_same_for_every_cue(overlay: Overlay) -> None:
    widths = {overlay.layout_for(message, reason).size[0] for message, reason in (
        ("Slow down", "1.4x your usual pace"), ("Let them vent - listen, don't interrupt", ""),
        ("Lower your voice - stay calm", "+13 dB above your usual level"))}
    assert len(widths) == 1, "the panel's edge must not jump from one cue to the next"
    one_line = overlay.layout_for("Let them vent - listen, don't interrupt", "")
    assert one_line.message.height() < 1.5 * overlay.fontMetrics().height() * 1.6, "the longest message on one line"


def test_dismiss_fades_out_and_hides(qtbot: QtBot, overlay: Overlay) -> None:
    with qtbot.waitSignal(overlay.faded_in, timeout=WAIT_MS):
        overlay.show_cue("Slow down", "1.4x your usual pace")
    assert overlay.showing
    with qtbot.waitSignal(overlay.closed, timeout=WAIT_MS):
        overlay.dismiss()
    assert not overlay.isVisible() and overlay.opacity == 0.0


def test_it_goes_away_by_itself_after_the_show_time(qtbot: QtBot, overlay: Overlay) -> None:
    overlay.configure(OverlaySettings(show_s=1.0))
    with qtbot.waitSignal(overlay.closed, timeout=WAIT_MS):
        overlay.show_cue("Slow down", "")
    assert not overlay.isVisible()


def test_a_new_cue_replaces_the_shown_one(qtbot: QtBot, overlay: Overlay) -> None:
    with qtbot.waitSignal(overlay.faded_in, timeout=WAIT_MS):
        overlay.show_cue("Slow down", "1.4x your usual pace")
    overlay.show_cue("Let them finish - listen", "they had been speaking for 2.0 s")
    assert overlay.message == "Let them finish - listen" and overlay.isVisible()
    assert overlay.accessibleName() == "Let them finish - listen"


def test_it_scales_with_the_font(overlay: Overlay) -> None:
    normal = overlay.layout_for("Lower your voice - stay calm", "+9 dB above your usual level")
    font = overlay.font()
    font.setPointSizeF(font.pointSizeF() * 2)
    overlay.setFont(font)
    big = overlay.layout_for("Lower your voice - stay calm", "+9 dB above your usual level")
    assert big.size[1] > 1.6 * normal.size[1]


def test_capture_exclusion_is_only_claimed_where_the_platform_has_it(qtbot: QtBot, overlay: Overlay) -> None:
    with qtbot.waitSignal(overlay.painted, timeout=WAIT_MS):
        overlay.show_cue("Slow down", "")
    assert overlay.capture_excluded is None  # not Windows: no display affinity to set


SCREENS = {"synchronousWindowSystemEvents": True, "windowFrameMargins": False, "screens": [
    {"name": "left", "x": 0, "y": 0, "width": 1280, "height": 720, "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1},
    {"name": "right", "x": 1280, "y": 0, "width": 1920, "height": 1080, "logicalDpi": 96, "logicalBaseDpi": 96,
     "dpr": 1}]}
SHOW_ON_SCREEN = """
import json, sys
from PyQt6.QtWidgets import QApplication
from calmcue.config.schema import OverlaySettings
from calmcue.ui.overlay import Overlay
app = QApplication([])
o = Overlay(OverlaySettings(screen=int(sys.argv[1]), corner=sys.argv[2]))
o.show_cue("Slow down", "1.4x your usual pace")
g = o.geometry()
print(json.dumps({"geometry": [g.x(), g.y(), g.width(), g.height()], "screen": o.windowHandle().screen().name()}))
"""


@pytest.mark.parametrize(("screen", "corner", "name"), [(1, "bottom-right", "right"), (0, "top-left", "left")])
def test_it_appears_on_the_chosen_screen(tmp_path: Path, screen: int, corner: str, name: str) -> None:
    config = tmp_path / "screens.json"
    config.write_text(json.dumps(SCREENS))
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}", QT_MESSAGE_PATTERN=QT_MESSAGE_PATTERN)
    out = subprocess.run([sys.executable, "-c", SHOW_ON_SCREEN, str(screen), corner], env=env, capture_output=True,
                         text=True, timeout=60, check=True)
    assert not unexpected_stderr(out.stderr, OFFSCREEN_ALLOWED)
    shown = json.loads(out.stdout)
    x, y, w, h = shown["geometry"]
    assert shown["screen"] == name
    if name == "right":
        assert (x + w, y + h) == (1280 + 1920 - MARGIN_PX, 1080 - MARGIN_PX)
    else:
        assert (x, y) == (MARGIN_PX, MARGIN_PX)


def _bar_pixel(qtbot: QtBot, overlay: Overlay, speaker: str) -> tuple[QColor, int]:
    """The colour in the middle of the left-edge bar of a cue about `speaker`, and the panel's width."""
    with qtbot.waitSignal(overlay.faded_in, timeout=WAIT_MS):
        overlay.show_cue("Lower your voice - stay calm", "+9 dB above your usual level", speaker=speaker)
    layout = overlay.layout_for(overlay.message, overlay.reason)
    image = overlay.grab().toImage()
    ratio = image.devicePixelRatio()
    x, y = layout.pad + layout.accent / 2, layout.message.center().y()
    colour = image.pixelColor(round(x * ratio), round(y * ratio))
    with qtbot.waitSignal(overlay.closed, timeout=WAIT_MS):
        overlay.dismiss()
    return colour, overlay.width()


def _close(a: QColor, b: QColor, tolerance: int = 6) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


def test_the_bar_says_whom_the_cue_is_about_and_the_width_stays(qtbot: QtBot, overlay: Overlay) -> None:
    agent, agent_width = _bar_pixel(qtbot, overlay, "agent")
    caller, caller_width = _bar_pixel(qtbot, overlay, "customer")
    assert _close(agent, bar_colour("agent")) and _close(caller, bar_colour("customer"))
    assert not _close(agent, caller, tolerance=40), "the agent's and the caller's bars look different"
    assert 190 <= agent.hslHue() <= 230 and 25 <= caller.hslHue() <= 50, "a soft blue and a soft amber"
    assert abs(lightness(agent) - lightness(caller)) > 0.15, "they differ in grey too (colour-blind safe)"
    assert agent_width == caller_width, "the panel's width does not depend on whom the cue is about"
