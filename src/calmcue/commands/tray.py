"""`calmcue` / `calmcue tray`: the tray app. Without a display it falls back to the terminal monitor (on the
demo call when there is no microphone either). Qt is imported only here, after that check."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass

from calmcue.errors import CalmCueError

HEADLESS_PLATFORMS = ("offscreen", "minimal", "vnc", "eglfs", "linuxfb")  # an explicit Qt choice needs no display


@dataclass(frozen=True)
class TrayOptions:
    """`calmcue tray` has no options of its own yet (the tray app reads the settings files)."""


def from_args(_args: argparse.Namespace) -> TrayOptions:
    return TrayOptions()


def has_display() -> bool:
    if not sys.platform.startswith("linux"):
        return True
    if os.environ.get("QT_QPA_PLATFORM", "").startswith(HEADLESS_PLATFORMS):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def require_qt() -> None:
    try:
        import PyQt6.QtWidgets  # noqa: F401
    except ImportError as err:
        raise CalmCueError(f"the tray app needs PyQt6 ({err}); install it with: pip install PyQt6") \
            from None


def run(_options: TrayOptions) -> int:
    if not has_display():
        print("calmcue: no display (DISPLAY and WAYLAND_DISPLAY are unset): showing the terminal monitor instead",
              file=sys.stderr)
        return terminal_fallback()
    require_qt()
    from calmcue.ui.launch import run as run_app
    from calmcue.ui.qt_app import Options

    return run_app(Options())


def terminal_fallback() -> int:
    """The monitor on the microphone, or on the demo call when there is no microphone."""
    from calmcue.audio.devices import resolve_mic
    from calmcue.errors import DeviceError

    try:
        resolve_mic("")
    except DeviceError as err:
        from calmcue.commands.demo import headless_demo
        from calmcue.config.paths import demo_file

        demo = demo_file()
        if demo is None:
            raise DeviceError(f"{err}; and the demo call is missing too (build it with 'make demo')") from None
        print(f"calmcue: {err}; playing the demo call instead", file=sys.stderr)
        return headless_demo(demo)
    from calmcue.commands.monitor import MonitorOptions
    from calmcue.commands.monitor import run as run_monitor

    return run_monitor(MonitorOptions())
