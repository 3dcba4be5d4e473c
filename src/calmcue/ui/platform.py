"""What this desktop lets CalmCue do, said plainly (shown in About, logged at start; the README has the table)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from PyQt6.QtGui import QGuiApplication
from PyQt6.QtWidgets import QSystemTrayIcon

from calmcue.ui import autostart
from calmcue.ui.i18n import translate


@dataclass(frozen=True)
class Capability:
    name: str
    works: bool
    note: str = ""


def prefer_xwayland() -> bool:
    """On a Wayland session with XWayland, run through X11: overlay placement, stacking and the hotkey need it.

    Only when the user has not chosen a Qt platform. Call before the QApplication exists."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return False
    if os.environ.get("WAYLAND_DISPLAY") and os.environ.get("DISPLAY"):
        os.environ["QT_QPA_PLATFORM"] = "xcb"
        return True
    return False


def capabilities(*, hotkey_available: bool, hotkey_reason: str, capture_excluded: bool | None) -> list[Capability]:
    platform = QGuiApplication.platformName()
    wayland = platform.startswith("wayland")
    offscreen = platform in ("offscreen", "minimal")
    placed = not wayland and not offscreen
    through_xwayland = platform == "xcb" and bool(os.environ.get("WAYLAND_DISPLAY"))
    auto_ok, auto_why = autostart.supported()
    if capture_excluded is None:
        capture_note = translate("CalmCue", "Windows only (display affinity); elsewhere the cue shows in screen "
                                            "sharing")
    else:
        capture_note = "" if capture_excluded else translate("CalmCue", "Windows refused the display affinity")
    tray = QSystemTrayIcon.isSystemTrayAvailable()
    return [
        Capability(translate("CalmCue", "Tray icon"), tray,
                   "" if tray else translate("CalmCue", "no system tray: a small window instead")),
        Capability(translate("CalmCue", "Cue in the chosen corner"), placed,
                   translate("CalmCue", "running through XWayland") if through_xwayland else
                   ("" if placed else translate("CalmCue", "the desktop places windows itself"))),
        Capability(translate("CalmCue", "Cue above full-screen windows"), placed,
                   "" if placed else translate("CalmCue", "the desktop decides the stacking")),
        Capability(translate("CalmCue", "Clicks pass through the cue"), not offscreen),
        Capability(translate("CalmCue", "Cue hidden from screen sharing"), bool(capture_excluded), capture_note),
        Capability(translate("CalmCue", "Global hotkey to dismiss a cue"), hotkey_available, hotkey_reason),
        Capability(translate("CalmCue", "Start with the session"), auto_ok, auto_why),
    ]


def describe(caps: list[Capability]) -> list[str]:
    out = []
    for cap in caps:
        mark = translate("CalmCue", "yes") if cap.works else translate("CalmCue", "no")
        out.append(f"{cap.name}: {mark}" + (f" ({cap.note})" if cap.note else ""))
    return out
