"""The cue overlay: a small calm panel in a screen corner that never takes focus and lets clicks through.

Frameless, always on top, translucent and click-through; shown without activation, faded in and out. On X11 it
is an override-redirect window, so a focused full-screen window cannot cover it (a window manager puts those
above "always on top" windows). On Windows it is re-asserted as topmost each time it shows and is excluded
from screen capture (display affinity). The panel is dark with a light rim and white text, so it reads the same
on light and dark desktops, and every size comes from font metrics, so it scales with the screen.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from PyQt6.QtCore import QRect, QRectF, Qt, QTimer, QVariantAnimation, pyqtSignal
from PyQt6.QtGui import QColor, QFont, QFontMetrics, QGuiApplication, QPainter, QPaintEvent, QPen, QScreen
from PyQt6.QtWidgets import QWidget

from calmcue.config.schema import OverlaySettings
from calmcue.ui import trace, winapi

FADE_IN_MS = 120
FADE_IN_FROM = 0.3  # the first frame is already clearly there; the fade only softens the arrival
FADE_OUT_MS = 450
MARGIN_PX = 24  # logical pixels from the screen edge
PAD_EM = 0.45  # inner padding, in heights of the message font
TEXT_WIDTH_EM = 22  # the text column, in 'M' widths of the message font: fixed, so the panel's edge never jumps
# (every English cue message fits on one line; longer words wrap)
PANEL = QColor(22, 26, 32, 238)
RIM = QColor(255, 255, 255, 110)
TEXT = QColor(255, 255, 255)
REASON = QColor(214, 220, 228)
ACCENT = QColor("#f0b400")  # the call card's bar (ui/call_card.py)
# The bar on the panel's left edge says whom the cue is about: a soft blue for the agent's own voice, a soft amber
# for the caller. Blue against amber/orange stays apart for protan, deutan and tritan colour vision alike (the pair
# the Okabe-Ito palette keeps for two categories), and their lightness differs too (relative luminance 0.23 and
# 0.50: 2:1 between them, so they differ in grey as well); each stands out from the dark panel (4.6:1 and 9.2:1,
# above the 3:1 WCAG asks of graphics). Both are calm, neither is red. The legend in Settings is ui/cue_legend.py.
SPEAKER_BARS = {"agent": QColor("#4a86c8"), "customer": QColor("#f0b04a")}


def bar_colour(speaker: str) -> QColor:
    """The left-edge bar of a cue about `speaker` ("agent" or "customer")."""
    return QColor(SPEAKER_BARS.get(speaker, SPEAKER_BARS["agent"]))


@dataclass(frozen=True)
class Layout:
    size: tuple[int, int]
    message: QRect
    reason: QRect
    pad: int
    accent: int


class Overlay(QWidget):
    painted = pyqtSignal()  # the first paint after show_cue: the cue is on screen
    faded_in = pyqtSignal()
    closed = pyqtSignal()

    def __init__(self, settings: OverlaySettings | None = None) -> None:
        super().__init__(None, _window_flags())
        self.settings = settings or OverlaySettings()
        self.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setAttribute(Qt.WidgetAttribute.WA_X11DoNotAcceptFocus)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setWindowTitle("CalmCue cue")
        self.message = ""
        self.reason = ""
        self.speaker = "agent"
        self.opacity = 0.0
        self.capture_excluded: bool | None = None  # None: the platform offers no way to exclude it
        self._fresh = False
        self._fade = QVariantAnimation(self)
        self._fade.valueChanged.connect(self._set_opacity)
        self._fade.finished.connect(self._fade_done)
        self._hold = QTimer(self)
        self._hold.setSingleShot(True)
        self._hold.timeout.connect(self.dismiss)

    # --- public ------------------------------------------------------------------------------------------

    def configure(self, settings: OverlaySettings) -> None:
        self.settings = settings
        if self.isVisible():
            self._place()

    def show_cue(self, message: str, reason: str = "", *, speaker: str = "agent") -> None:
        """Shows a cue about `speaker` ("agent": the agent's own voice; "customer": the caller)."""
        self.message, self.reason, self.speaker = message, reason, speaker
        self.setAccessibleName(message)
        self.setAccessibleDescription(reason)
        self._place()
        self._fresh = True
        trace.event("overlay_show", message=message, reason=reason, speaker=speaker)
        if not self.isVisible():
            self.show()
            self._after_map()
        self.raise_()
        winapi.make_topmost(self)
        self.opacity = max(self.opacity, FADE_IN_FROM)
        self.update()
        self._animate(to=1.0, ms=FADE_IN_MS)
        self._hold.start(round(self.settings.show_s * 1000))

    def set_detail(self, detail: str) -> None:
        """The figure behind the reason line ("+13 dB above your usual level"): tooltip and accessible text."""
        self.setToolTip(detail)
        self.setAccessibleDescription(f"{self.reason} ({detail})" if detail and self.reason else detail or self.reason)

    def dismiss(self) -> None:
        """Fades out now (tray action, hotkey, or the end of the show time)."""
        self._hold.stop()
        if self.isVisible() and not (self._fade.state() == self._fade.State.Running
                                     and self._fade.endValue() == 0.0):
            trace.event("overlay_dismiss")
            self._animate(to=0.0, ms=FADE_OUT_MS)

    @property
    def showing(self) -> bool:
        return self.isVisible() and not (self._fade.endValue() == 0.0 and self._fade.state() ==
                                         self._fade.State.Running)

    def target_screen(self) -> QScreen:
        screens = QGuiApplication.screens()
        index = self.settings.screen
        screen = screens[index] if 0 <= index < len(screens) else QGuiApplication.primaryScreen()
        assert screen is not None, "no screen"
        return screen

    def layout_for(self, message: str, reason: str) -> Layout:
        big, small = self._fonts()
        fm_big, fm_small = QFontMetrics(big), QFontMetrics(small)
        text_w = fm_big.horizontalAdvance("M") * TEXT_WIDTH_EM
        flags = int(Qt.TextFlag.TextWordWrap)
        msg = fm_big.boundingRect(QRect(0, 0, text_w, 10_000), flags, message)
        why = fm_small.boundingRect(QRect(0, 0, text_w, 10_000), flags, reason) if reason else QRect()
        accent = max(2, fm_big.height() // 4)
        pad = round(fm_big.height() * PAD_EM)
        gap = fm_small.height() // 3 if reason else 0
        w = pad * 2 + accent * 2 + text_w
        h = pad * 2 + msg.height() + gap + why.height()
        left = pad + accent * 2
        return Layout((w, h), QRect(left, pad, text_w, msg.height()),
                      QRect(left, pad + msg.height() + gap, text_w, why.height()), pad, accent)

    # --- Qt ----------------------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent | None) -> None:
        layout = self.layout_for(self.message, self.reason)
        big, small = self._fonts()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        p.fillRect(self.rect(), Qt.GlobalColor.transparent)
        p.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceOver)
        p.setOpacity(self.opacity)
        radius = QFontMetrics(big).height() / 2.5
        p.setPen(QPen(RIM, 1.5))
        p.setBrush(PANEL)
        p.drawRoundedRect(QRectF(self.rect()).adjusted(1, 1, -1, -1), radius, radius)
        accent = layout.accent
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(bar_colour(self.speaker))
        p.drawRoundedRect(QRectF(layout.pad, layout.pad, accent, layout.reason.bottom() + 1 - layout.pad
                                 if self.reason else layout.message.height()), accent / 2, accent / 2)
        wrap = int(Qt.TextFlag.TextWordWrap)
        p.setFont(big)
        p.setPen(TEXT)
        p.drawText(layout.message, wrap, self.message)
        if self.reason:
            p.setFont(small)
            p.setPen(REASON)
            p.drawText(layout.reason, wrap, self.reason)
        p.end()
        if self._fresh and self.opacity > 0.0:
            self._fresh = False
            trace.event("overlay_painted", opacity=round(self.opacity, 3))
            self.painted.emit()

    # --- inside ------------------------------------------------------------------------------------------

    def _fonts(self) -> tuple[QFont, QFont]:
        base = QFont(self.font())
        size = base.pointSizeF() if base.pointSizeF() > 0 else 10.0
        big = QFont(base)
        big.setPointSizeF(size * 1.6)
        big.setWeight(QFont.Weight.DemiBold)
        small = QFont(base)
        small.setPointSizeF(size * 1.1)
        return big, small

    def _place(self) -> None:
        w, h = self.layout_for(self.message, self.reason).size
        area = self.target_screen().availableGeometry()
        corner = self.settings.corner
        x = area.left() + MARGIN_PX if corner.endswith("left") else area.right() - MARGIN_PX - w + 1
        y = area.top() + MARGIN_PX if corner.startswith("top") else area.bottom() - MARGIN_PX - h + 1
        self.setGeometry(x, y, w, h)

    def _after_map(self) -> None:
        handle = self.windowHandle()
        if handle is not None:
            handle.setScreen(self.target_screen())
        if self.capture_excluded is None:
            self.capture_excluded = winapi.exclude_from_capture(self)

    def _animate(self, *, to: float, ms: int) -> None:
        self._fade.stop()
        self._fade.setStartValue(self.opacity)
        self._fade.setEndValue(to)
        self._fade.setDuration(max(1, round(ms * abs(to - self.opacity))))
        self._fade.start()

    def _set_opacity(self, value: object) -> None:
        self.opacity = float(value)  # type: ignore[arg-type]
        self.update()

    def _fade_done(self) -> None:
        if self.opacity >= 1.0:
            ratio, g = self.devicePixelRatioF(), self.geometry()
            trace.event("overlay_visible", window=int(self.winId()),
                        geometry=[round(v * ratio) for v in (g.x(), g.y(), g.width(), g.height())])
            self.faded_in.emit()
        elif self.opacity <= 0.0:
            self.hide()
            trace.event("overlay_hidden")
            self.closed.emit()


def _window_flags() -> Qt.WindowType:
    flags = (Qt.WindowType.Tool | Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint
             | Qt.WindowType.WindowTransparentForInput | Qt.WindowType.WindowDoesNotAcceptFocus
             | Qt.WindowType.NoDropShadowWindowHint)
    if sys.platform.startswith("linux") and QGuiApplication.platformName() == "xcb":
        flags |= Qt.WindowType.X11BypassWindowManagerHint  # above focused full-screen windows too
    return flags
