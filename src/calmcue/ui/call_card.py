"""The call card: after a call with at least one cue, a small panel with one or two plain sentences about it.

The overlay's look (dark panel, light rim, amber accent, white text), in the same corner. It never takes focus
(shown without activation, no focus policy), is dismissed after a few seconds or by the hotkey, and a click on it
opens the agent's own calls report. No score, no grade, nothing about feelings.
"""

from __future__ import annotations

from PyQt6.QtCore import QRectF, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QFont, QGuiApplication, QMouseEvent, QPainter, QPaintEvent, QPen
from PyQt6.QtWidgets import QLabel, QVBoxLayout, QWidget

from calmcue.config.schema import OverlaySettings
from calmcue.detector.calls import CallSummary
from calmcue.history.card_text import card_sentences, duration
from calmcue.ui import trace
from calmcue.ui.overlay import ACCENT, MARGIN_PX, PANEL, REASON, RIM, TEXT

WIDTH_EM = 24


class CallCard(QWidget):
    clicked = pyqtSignal()  # open the report
    shown = pyqtSignal()
    closed = pyqtSignal()

    def __init__(self, settings: OverlaySettings | None = None, *, show_s: float = 8.0) -> None:
        flags = (Qt.WindowType.Tool | Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
                 | Qt.WindowType.WindowDoesNotAcceptFocus | Qt.WindowType.NoDropShadowWindowHint)
        super().__init__(None, flags)
        self.settings = settings or OverlaySettings()
        self.show_s = show_s
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setAttribute(Qt.WidgetAttribute.WA_X11DoNotAcceptFocus)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setWindowTitle("CalmCue call summary")
        self.title, self.body, self.hint = QLabel(self), QLabel(self), QLabel(self)
        self._style()
        self._hold = QTimer(self)
        self._hold.setSingleShot(True)
        self._hold.timeout.connect(self.dismiss)

    def show_summary(self, summary: CallSummary) -> None:
        self.title.setText(f"Last call · {duration(summary.duration_s)}")
        self.body.setText(" ".join(card_sentences(summary)))
        self.setAccessibleName(self.body.text())
        self.adjustSize()
        self._place()
        trace.event("call_card_show", text=self.body.text())
        self.show()
        self.raise_()
        self._hold.start(round(self.show_s * 1000))
        self.shown.emit()

    def dismiss(self) -> None:
        self._hold.stop()
        if self.isVisible():
            self.hide()
            trace.event("call_card_hidden")
            self.closed.emit()

    # --- Qt ----------------------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent | None) -> None:
        if event is not None and event.button() == Qt.MouseButton.LeftButton:
            trace.event("call_card_clicked")
            self.clicked.emit()
            self.dismiss()

    def paintEvent(self, event: QPaintEvent | None) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        radius = self.title.fontMetrics().height() / 1.5
        p.setPen(QPen(RIM, 1.5))
        p.setBrush(PANEL)
        p.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), radius, radius)
        accent = max(2, self.body.fontMetrics().height() // 4)
        layout = self.layout()
        left = (layout.contentsMargins().left() if layout is not None else 12) - accent * 2
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(ACCENT)
        p.drawRoundedRect(QRectF(left, self.title.y(), accent, self.body.geometry().bottom() - self.title.y()),
                          accent / 2, accent / 2)
        p.end()

    # --- inside ------------------------------------------------------------------------------------------

    def _style(self) -> None:
        base = QFont(self.font())
        size = base.pointSizeF() if base.pointSizeF() > 0 else 10.0
        for label, scale, color, bold in ((self.title, 1.0, REASON, False), (self.body, 1.35, TEXT, True),
                                          (self.hint, 0.95, REASON, False)):
            font = QFont(base)
            font.setPointSizeF(size * scale)
            font.setWeight(QFont.Weight.DemiBold if bold else QFont.Weight.Normal)
            label.setFont(font)
            label.setStyleSheet(f"color: {color.name()}; background: transparent;")
            label.setWordWrap(True)
        self.hint.setText("Click to see your calls report")
        em = self.body.fontMetrics().horizontalAdvance("M")
        self.body.setFixedWidth(em * WIDTH_EM)
        pad = self.body.fontMetrics().height() // 2
        layout = QVBoxLayout(self)
        layout.setContentsMargins(pad * 2 + pad // 2, pad, pad * 2, pad)
        layout.setSpacing(pad // 2)
        for label in (self.title, self.body, self.hint):
            layout.addWidget(label)

    def _place(self) -> None:
        screens = QGuiApplication.screens()
        index = self.settings.screen
        screen = screens[index] if 0 <= index < len(screens) else QGuiApplication.primaryScreen()
        assert screen is not None, "no screen"
        area = screen.availableGeometry()
        size = self.sizeHint()
        corner = self.settings.corner
        x = area.left() + MARGIN_PX if corner.endswith("left") else area.right() - MARGIN_PX - size.width() + 1
        y = area.top() + MARGIN_PX if corner.startswith("top") else area.bottom() - MARGIN_PX - size.height() + 1
        self.setGeometry(x, y, size.width(), size.height())
