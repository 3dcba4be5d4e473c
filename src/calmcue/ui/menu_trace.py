"""Where menu items are on screen, for the tests on the real X server: with the UI trace on (CALMCUE_UI_TRACE),
a menu that opens reports each item's rectangle in device pixels and which items are disabled (`menu_shown`).
"""

from __future__ import annotations

from PyQt6.QtCore import QRect, QTimer
from PyQt6.QtGui import QShowEvent
from PyQt6.QtWidgets import QMenu

from calmcue.ui import trace


class TracedMenu(QMenu):
    """A submenu that, like the tray menu, reports where its items are when the UI trace is on (tests)."""

    def showEvent(self, event: QShowEvent | None) -> None:
        super().showEvent(event)
        trace_shown(self, self.title())


def trace_shown(menu: QMenu, name: str) -> None:
    if trace.enabled():
        QTimer.singleShot(0, lambda: report_geometry(menu, name))


def report_geometry(menu: QMenu, name: str) -> None:
    """menu_shown: each item's rectangle in device pixels, and which items are disabled."""
    ratio = menu.devicePixelRatioF()
    actions, disabled = {}, []
    for action in menu.actions():
        rect = menu.actionGeometry(action)
        if action.isSeparator() or rect.isEmpty():
            continue
        text = action.text().split("\t")[0]
        actions[text] = device_rect(QRect(menu.mapToGlobal(rect.topLeft()), rect.size()), ratio)
        if not action.isEnabled():
            disabled.append(text)
    trace.event("menu_shown", menu=name, actions=actions, disabled=disabled)


def device_rect(rect: QRect, ratio: float) -> list[int]:
    return [round(rect.x() * ratio), round(rect.y() * ratio), round(rect.width() * ratio),
            round(rect.height() * ratio)]
