"""The few Windows calls Qt does not make for us (ctypes, user32). Elsewhere each function is a no-op.

- exclude_from_capture: SetWindowDisplayAffinity(WDA_EXCLUDEFROMCAPTURE) keeps the overlay out of screen
  sharing and recordings (Windows 10 2004+; older versions get WDA_MONITOR, which shows a black box instead).
- make_topmost: SetWindowPos(HWND_TOPMOST) again each time a cue shows, since other topmost windows (or a
  session start) may have been placed above it since.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from PyQt6.QtWidgets import QWidget

log = logging.getLogger(__name__)

WDA_MONITOR = 0x01
WDA_EXCLUDEFROMCAPTURE = 0x11
HWND_TOPMOST = -1
SWP_NOSIZE, SWP_NOMOVE, SWP_NOACTIVATE = 0x0001, 0x0002, 0x0010


def _user32() -> Any:
    import ctypes

    return ctypes.WinDLL("user32", use_last_error=True)  # type: ignore[attr-defined]


def exclude_from_capture(widget: QWidget) -> bool | None:
    """True when excluded, False when Windows refused, None where no platform API exists (X11, Wayland)."""
    if sys.platform != "win32":
        return None
    user32 = _user32()
    hwnd = int(widget.winId())
    for affinity in (WDA_EXCLUDEFROMCAPTURE, WDA_MONITOR):
        if user32.SetWindowDisplayAffinity(hwnd, affinity):
            log.info("overlay display affinity 0x%02x set", affinity)
            return True
    log.warning("SetWindowDisplayAffinity failed; the overlay may show in screen sharing")
    return False


def make_topmost(widget: QWidget) -> None:
    if sys.platform != "win32":
        return
    import ctypes

    flags = SWP_NOSIZE | SWP_NOMOVE | SWP_NOACTIVATE
    _user32().SetWindowPos(int(widget.winId()), ctypes.c_void_p(HWND_TOPMOST), 0, 0, 0, 0, flags)
