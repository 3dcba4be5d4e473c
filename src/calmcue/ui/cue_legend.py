"""The legend for the cue panel's left-edge bar, for the Settings dialog: which colour means a cue about the agent's
own voice and which a cue about the caller. Each sample is drawn as the overlay draws it (the dark panel, the
bar in `overlay.bar_colour`), so the legend and the cue cannot disagree."""

from __future__ import annotations

from PyQt6.QtCore import QRectF, QSize, Qt
from PyQt6.QtGui import QPainter, QPaintEvent
from PyQt6.QtWidgets import QGridLayout, QLabel, QWidget

from calmcue.detector.kinds import Speaker
from calmcue.detector.texts import cue_message
from calmcue.ui.i18n import translate
from calmcue.ui.overlay import PANEL, RIM, bar_colour


class Sample(QWidget):
    """A small piece of the cue panel: its dark background and the bar of one speaker."""

    def __init__(self, speaker: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.speaker = speaker
        self.setObjectName(f"legend-sample:{speaker}")
        height = max(16, self.fontMetrics().height() + 6)
        self.setFixedSize(QSize(round(height * 1.6), height))

    def paintEvent(self, event: QPaintEvent | None) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        radius = self.height() / 4
        p.setPen(RIM)
        p.setBrush(PANEL)
        p.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), radius, radius)
        bar = max(3.0, self.height() / 5)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(bar_colour(self.speaker))
        p.drawRoundedRect(QRectF(bar, bar, bar, self.height() - 2 * bar), bar / 2, bar / 2)
        p.end()


class CueLegend(QWidget):
    """Two rows: the agent's bar, "Cues about your voice"; the caller's bar, "Cues about the caller"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cue-legend")
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        rows = ((Speaker.AGENT, translate("CalmCue", "Cues about your voice"),
                 cue_message("raised_voice", "agent", translate=translate)),
                (Speaker.CUSTOMER, translate("CalmCue", "Cues about the caller"),
                 cue_message("raised_voice", "customer", translate=translate)))
        self.labels: dict[str, QLabel] = {}
        for row, (speaker, text, example) in enumerate(rows):
            sample, label = Sample(speaker.value), QLabel(text)
            tip = translate("CalmCue", "For example: %1").replace("%1", example)
            for widget in (sample, label):
                widget.setToolTip(tip)
            grid.addWidget(sample, row, 0)
            grid.addWidget(label, row, 1)
            self.labels[speaker.value] = label
        grid.setColumnStretch(1, 1)
