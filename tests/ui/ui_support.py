"""Helpers for the UI tests: the Qt-message allow-lists and checks, and the X server requirement."""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass

from needs import missing

# Known platform noise, pattern -> why it is harmless. Anything else at warning level or worse fails the test.
OFFSCREEN_ALLOWED: dict[str, str] = {
    r"^This plugin does not support propagateSizeHints\(\)$":
        "offscreen platform: said on every top-level window show (REAL_PARTS.md)",
    r"^This plugin does not support raise\(\)$": "offscreen platform: there is no stacking to change",
    r"^This plugin does not support grabbing the keyboard$": "offscreen platform: an open menu grabs the keyboard",
}
XCB_ALLOWED: dict[str, str] = {  # seen under Xvfb + openbox + xcompmgr + trayer
}

WARNING_TYPES = ("QtWarningMsg", "QtCriticalMsg", "QtFatalMsg")
QT_MESSAGE_PATTERN = "QTMSG %{type} %{category}: %{message}"  # set in app subprocesses, parsed below


@dataclass(frozen=True)
class QtRecord:
    level: str
    category: str
    message: str

    def __str__(self) -> str:
        return f"{self.level} [{self.category}] {self.message}"


def allowed(message: str, allow: dict[str, str]) -> bool:
    return any(re.search(pattern, message) for pattern in allow)


class QtMessages:
    """A Qt message handler that keeps warnings and worse (from any thread)."""

    def __init__(self) -> None:
        self.records: list[QtRecord] = []
        self._lock = threading.Lock()

    def handler(self, mode: object, context: object, message: str | None) -> None:
        level = getattr(mode, "name", str(mode))
        if level in WARNING_TYPES:
            category = str(getattr(context, "category", "") or "")
            with self._lock:
                self.records.append(QtRecord(level, category, message or ""))

    def unexpected(self) -> list[QtRecord]:
        with self._lock:
            return [r for r in self.records if not allowed(r.message, OFFSCREEN_ALLOWED)]

    def clear(self) -> None:
        with self._lock:
            self.records.clear()


def unexpected_stderr(stderr: str, allow: dict[str, str] | None = None) -> list[str]:
    """Qt messages (printed with QT_MESSAGE_PATTERN) at warning level or worse that `allow` (by default
    XCB_ALLOWED) does not explain."""
    bad = []
    for line in stderr.splitlines():
        if not line.startswith("QTMSG "):
            continue
        _, level, rest = line.split(" ", 2)
        _category, _, message = rest.partition(": ")
        if level in ("warning", "critical", "fatal") and not allowed(message, XCB_ALLOWED if allow is None else allow):
            bad.append(line)
    return bad


def needs_xvfb() -> None:
    """Skips without the X server of scripts/with_services.sh; under CI that is a failure instead."""
    if os.environ.get("CALMCUE_XVFB") == "1" and os.environ.get("DISPLAY"):
        return
    message = "needs Xvfb with openbox, xcompmgr and trayer: run through scripts/with_services.sh"
    missing(message, what="X server")
