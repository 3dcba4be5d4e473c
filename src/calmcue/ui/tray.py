"""The tray icon and its menu. A view only: it shows the state it is given and emits what the user chose.

Where the desktop has no system tray (bare X servers, some Wayland desktops) the same menu lives in a small
window instead, and the window says why.
"""

from __future__ import annotations

from PyQt6.QtCore import QObject, QRect, QTimer, pyqtSignal
from PyQt6.QtGui import QGuiApplication, QIcon
from PyQt6.QtWidgets import QLabel, QMenu, QPushButton, QSystemTrayIcon, QVBoxLayout, QWidget

from calmcue.ui import trace
from calmcue.ui.app_state import AppState, Shown
from calmcue.ui.i18n import translate
from calmcue.ui.icons import state_icon
from calmcue.ui.menu_trace import device_rect
from calmcue.ui.tray_menu import TrayMenu, state_text

EMBED_PROBE_MS = 10_000




class Tray(QObject):
    """The system tray icon, or a small window with the same menu where there is no tray."""

    activated = pyqtSignal()  # left click: show the last cue / status
    embedded = pyqtSignal()  # the tray host shows the icon (X11 XEmbed; a StatusNotifier host may never say)

    def __init__(self, menu: TrayMenu, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.menu = menu
        self.shown = Shown()
        self.available = QSystemTrayIcon.isSystemTrayAvailable()
        self.icon = QSystemTrayIcon(state_icon("starting"), self)
        self.icon.setContextMenu(menu)
        self.icon.activated.connect(self._on_activated)
        self.window: NoTrayWindow | None = None
        self._probe = QTimer(self)
        self._probe.setInterval(25)
        self._probes = 0
        self._last_rect = QRect()
        self._probe.timeout.connect(self._check_embedded)

    def show(self) -> None:
        if self.available:
            self.icon.show()
            self._probe.start()
        else:
            self.window = NoTrayWindow(self.menu)
            self.window.show()
            trace.event("no_tray_window")
        self._refresh()

    def hide(self) -> None:
        self._probe.stop()
        self.icon.hide()
        if self.window is not None:
            self.window.close()

    def follow(self, state: AppState) -> None:
        state.changed.connect(self.show_state)
        self.show_state(state.shown)

    def show_state(self, shown: Shown) -> None:
        before, self.shown = self.shown, shown
        self._refresh()
        if (shown.state, shown.detail) != (before.state, before.detail):
            trace.event("tray_state", state=shown.state, detail=shown.detail)

    @property
    def state(self) -> str:
        return self.shown.state

    @property
    def detail(self) -> str:
        return self.shown.detail

    @property
    def cue_showing(self) -> bool:
        return self.shown.cue_showing

    def notify(self, title: str, text: str, *, warning: bool = False) -> None:
        """A balloon/notification where the tray has them; the fallback window shows it as text."""
        trace.event("notify", title=title, text=text)
        if self.available and self.icon.supportsMessages():
            icon = QSystemTrayIcon.MessageIcon.Warning if warning else QSystemTrayIcon.MessageIcon.Information
            self.icon.showMessage(title, text, icon, 10_000)
        elif self.window is not None:
            self.window.note.setText(f"{title}\n{text}")

    def tooltip(self) -> str:
        line = one_line(state_text("cue" if self.cue_showing else self.state), self.detail)
        count = translate("CalmCue", "Cues today: %1").replace("%1", str(self.shown.cues_today))
        if self.shown.not_helpful_today:
            count += " " + translate("CalmCue", "(%1 not helpful)").replace("%1", str(self.shown.not_helpful_today))
        return f"CalmCue\n{line}\n{count}"

    def _icon_state(self) -> str:
        if self.cue_showing:
            return "cue"
        if self.state == "finished":
            return "paused"
        if self.state == "demo":
            return "listening"
        return self.state if self.state in _ICON_STATES else "listening"

    def _refresh(self) -> None:
        icon = state_icon(self._icon_state())
        self.icon.setIcon(icon)
        self.icon.setToolTip(self.tooltip())
        if self.window is not None:
            self.window.set_state(icon, self.tooltip())

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.activated.emit()

    def _check_embedded(self) -> None:
        rect = self.icon.geometry()
        settled = not rect.isEmpty() and rect == self._last_rect  # the same place twice: the host has placed it
        self._last_rect = rect
        if not settled:
            self._probes += 1
            if self._probes * self._probe.interval() > EMBED_PROBE_MS:
                self._probe.stop()  # a StatusNotifier host may never tell the geometry
            return
        self._probe.stop()
        screen = QGuiApplication.screenAt(rect.center()) or QGuiApplication.primaryScreen()
        ratio = screen.devicePixelRatio() if screen is not None else 1.0
        trace.event("tray_visible", geometry=device_rect(rect, ratio))
        self.embedded.emit()


def one_line(label: str, detail: str) -> str:
    """The state and its detail, saying each thing once: a detail that repeats the label replaces it."""
    if not detail:
        return label
    if label.lower() in detail.lower():
        return detail[0].upper() + detail[1:]
    return f"{label} - {detail}"


_ICON_STATES = ("starting", "listening", "cue", "paused", "snoozed", "calibrating", "no_microphone", "no_call_audio",
                "device_lost", "error", "on_hold")


class NoTrayWindow(QWidget):
    """Stands in for the tray icon where the desktop has none; says so."""

    def __init__(self, menu: QMenu) -> None:
        super().__init__()
        self.setWindowTitle("CalmCue")
        layout = QVBoxLayout(self)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.note = QLabel(translate("CalmCue", "Your desktop has no system tray, so CalmCue shows this small "
                                                "window instead. Closing it does not stop CalmCue; use Menu > Quit."))
        self.note.setWordWrap(True)
        button = QPushButton(translate("CalmCue", "Menu"))
        button.setMenu(menu)
        layout.addWidget(self.status)
        layout.addWidget(self.note)
        layout.addWidget(button)
        self.resize(340, 160)

    def set_state(self, icon: QIcon, text: str) -> None:
        self.setWindowIcon(icon)
        self.status.setText(text)
