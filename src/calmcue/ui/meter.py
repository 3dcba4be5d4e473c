"""A live level meter: a bar from -70 to 0 dBFS, brighter while the engine hears speech.

The engine sends 20 meters a second only while someone can see one: every LevelMeter on screen is counted by
`meter_watch()`, whose `changed(bool)` the tray's engine link turns into SetMeters for the worker (issue 15).
"""

from __future__ import annotations

import math

from PyQt6.QtCore import QObject, QRectF, QSize, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QHideEvent, QPainter, QPaintEvent, QPalette, QShowEvent
from PyQt6.QtWidgets import QSizePolicy, QWidget

FLOOR_DBFS = -70.0


class MeterWatch(QObject):
    """How many level meters are on screen; `changed(True)` when the first appears, `changed(False)` when the
    last goes."""

    changed = pyqtSignal(bool)

    def __init__(self) -> None:
        super().__init__()
        self.shown = 0

    @property
    def active(self) -> bool:
        return self.shown > 0

    def count(self, delta: int) -> None:
        before = self.active
        self.shown = max(0, self.shown + delta)
        if self.active != before:
            self.changed.emit(self.active)


_watch: MeterWatch | None = None


def meter_watch() -> MeterWatch:
    """The one MeterWatch of this process (made on first use, on the Qt thread)."""
    global _watch
    if _watch is None:
        _watch = MeterWatch()
    return _watch


def _gone(counted: list[bool]) -> None:
    """A meter counted as shown is hidden (closing its window hides it too): it is not shown any more."""
    if counted[0]:
        counted[0] = False
        meter_watch().count(-1)


class LevelMeter(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.level_dbfs = -100.0
        self.speech = False
        self.available = True
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("level meter")
        # counted in meter_watch(). Not also un-counted on `destroyed`: a Python slot on a widget's destroyed
        # signal, run while the widget is torn down by garbage collection, crashed the test process (segfault
        # in Qt). Windows are closed (hidden) before they go, and a meter left counted only keeps meters on.
        self._counted = [False]

    def showEvent(self, event: QShowEvent | None) -> None:
        if not self._counted[0]:
            self._counted[0] = True
            meter_watch().count(+1)
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent | None) -> None:
        _gone(self._counted)
        super().hideEvent(event)

    def sizeHint(self) -> QSize:
        return QSize(160, max(10, self.fontMetrics().height() // 2 + 4))

    def set_level(self, level_dbfs: float, speech: bool) -> None:
        self.level_dbfs = level_dbfs if not math.isnan(level_dbfs) else -100.0
        self.speech = speech
        self.available = True
        if self.isVisible():  # 20 meters a second: nothing to repaint or describe while it is not shown
            self.setAccessibleDescription(f"{self.level_dbfs:.0f} dBFS")
            self.update()

    def set_unavailable(self) -> None:
        self.available = False
        self.level_dbfs = -100.0
        self.update()

    @property
    def fraction(self) -> float:
        return min(1.0, max(0.0, (self.level_dbfs - FLOOR_DBFS) / -FLOOR_DBFS))

    def paintEvent(self, event: QPaintEvent | None) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        p.setPen(self.palette().color(QPalette.ColorRole.Mid))
        p.setBrush(self.palette().color(QPalette.ColorRole.Base))
        p.drawRoundedRect(rect, 3, 3)
        if self.available and self.fraction > 0:
            colour = QColor("#2e8b57") if self.speech else QColor("#7fa98f")
            if self.level_dbfs > -6:
                colour = QColor("#d98b00")
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(colour)
            p.drawRoundedRect(QRectF(rect.x() + 1, rect.y() + 1, (rect.width() - 2) * self.fraction,
                                     rect.height() - 2), 2, 2)
        p.end()
