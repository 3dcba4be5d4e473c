"""Tray icons drawn with QPainter, one per state: the colour and the glyph both differ, so a state can be told
apart without colour vision, on light and dark panels (every disc has a contrasting rim)."""

from __future__ import annotations

from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap, QPolygonF

STATES = ("starting", "listening", "cue", "paused", "snoozed", "calibrating", "no_microphone", "no_call_audio",
          "device_lost", "error", "on_hold")
SIZES = (16, 22, 24, 32, 48, 64)

_COLOURS = {
    "starting": "#8a9099", "listening": "#2e8b57", "cue": "#d98b00", "paused": "#6b7280", "snoozed": "#5b5fa8",
    "calibrating": "#2f6fb5", "no_microphone": "#6b7280", "no_call_audio": "#2e8b57",
    "device_lost": "#6b7280", "error": "#c0392b", "on_hold": "#1f7a8c",
}
WHITE = QColor("#ffffff")


def state_icon(state: str) -> QIcon:
    icon = QIcon()
    for size in SIZES:
        icon.addPixmap(state_pixmap(state, size))
    return icon


def state_pixmap(state: str, size: int, *, device_pixel_ratio: float = 1.0) -> QPixmap:
    if state not in _COLOURS:
        raise ValueError(f"unknown tray state {state!r}; expected one of {', '.join(STATES)}")
    pixmap = QPixmap(round(size * device_pixel_ratio), round(size * device_pixel_ratio))
    pixmap.setDevicePixelRatio(device_pixel_ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(size / 64.0, size / 64.0)  # draw on a 64 x 64 grid
    _disc(p, QColor(_COLOURS[state]), hollow=state == "starting")
    _GLYPHS[state](p)
    p.end()
    return pixmap


def _disc(p: QPainter, colour: QColor, *, hollow: bool) -> None:
    p.setPen(QPen(QColor(0, 0, 0, 150), 3.0))
    p.setBrush(colour if not hollow else QColor(colour.red(), colour.green(), colour.blue(), 90))
    p.drawEllipse(QRectF(3, 3, 58, 58))


def _bars(p: QPainter, colour: QColor = WHITE) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(colour)
    for x, h in ((18, 14), (29, 26), (40, 18)):
        p.drawRoundedRect(QRectF(x, 32 - h / 2, 7, h), 3, 3)


def _pause(p: QPainter) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(WHITE)
    p.drawRoundedRect(QRectF(20, 18, 9, 28), 2, 2)
    p.drawRoundedRect(QRectF(35, 18, 9, 28), 2, 2)


def _zed(p: QPainter) -> None:
    """A "Z": snoozed (still listening, no cues for a while)."""
    p.setPen(QPen(WHITE, 7.0, cap=Qt.PenCapStyle.RoundCap, join=Qt.PenJoinStyle.RoundJoin))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawPolyline(QPolygonF([QPointF(21, 20), QPointF(43, 20), QPointF(21, 44), QPointF(43, 44)]))


def _exclaim(p: QPainter) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(WHITE)
    p.drawRoundedRect(QRectF(27.5, 13, 9, 26), 4, 4)
    p.drawEllipse(QRectF(27.5, 43, 9, 9))


def _ring(p: QPainter) -> None:
    p.setPen(QPen(WHITE, 7.0, cap=Qt.PenCapStyle.RoundCap))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawArc(QRectF(17, 17, 30, 30), 90 * 16, -270 * 16)


def _mic(p: QPainter, slash: QColor | None) -> None:
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(WHITE)
    p.drawRoundedRect(QRectF(25, 12, 14, 26), 7, 7)
    p.setPen(QPen(WHITE, 4.0, cap=Qt.PenCapStyle.RoundCap))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawArc(QRectF(18, 20, 28, 24), 180 * 16, 180 * 16)
    p.drawLine(QPointF(32, 44), QPointF(32, 52))
    if slash is not None:
        p.setPen(QPen(slash, 6.0, cap=Qt.PenCapStyle.RoundCap))
        p.drawLine(QPointF(14, 14), QPointF(50, 50))


def _badge(p: QPainter) -> None:
    _bars(p)
    p.setPen(QPen(QColor(0, 0, 0, 170), 2.5))
    p.setBrush(QColor("#f0b400"))
    p.drawEllipse(QRectF(40, 40, 21, 21))


def _cross(p: QPainter) -> None:
    p.setPen(QPen(WHITE, 7.0, cap=Qt.PenCapStyle.RoundCap))
    p.drawLine(QPointF(22, 22), QPointF(42, 42))
    p.drawLine(QPointF(42, 22), QPointF(22, 42))


def _note(p: QPainter) -> None:
    """A music note: on hold (music on the call channel, no cues until the caller is back)."""
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(WHITE)
    p.drawEllipse(QRectF(17, 38, 14, 11))
    p.drawRect(QRectF(27, 15, 4, 29))
    p.setPen(QPen(WHITE, 5.0, cap=Qt.PenCapStyle.RoundCap))
    p.drawLine(QPointF(30, 17), QPointF(43, 25))


_GLYPHS = {
    "starting": lambda p: _bars(p, QColor("#e6e8eb")),
    "listening": _bars,
    "cue": _exclaim,
    "paused": _pause,
    "snoozed": _zed,
    "calibrating": _ring,
    "no_microphone": lambda p: _mic(p, QColor("#e23b3b")),
    "no_call_audio": _badge,
    "device_lost": lambda p: _mic(p, QColor("#f0b400")),
    "error": _cross,
    "on_hold": _note,
}
