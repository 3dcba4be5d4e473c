"""The guided calibration: speak normally for about 20 s while a live meter shows your level.

It asks the engine to forget the agent's baseline (Recalibrate) and follows the engine's own progress
(Meter.agent_calibration, 0..1); the engine saves the new baseline in the user data folder when it is done.
"""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import QT_TRANSLATE_NOOP, pyqtSignal
from PyQt6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QProgressBar, QVBoxLayout, QWidget

from calmcue.ui.i18n import tr_label, translate
from calmcue.ui.meter import LevelMeter

READ_ALOUD = QT_TRANSLATE_NOOP(
    "CalmCue", "Thank you for calling. I can see your account here, and I will go through the last bill with you "
    "step by step. If anything is unclear, just stop me and ask. Let me check the payment date and the amount, "
    "and then we can look at the options together.")


class CalibrationDialog(QDialog):
    start = pyqtSignal()  # the controller sends Recalibrate to the engine

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(translate("CalmCue", "CalmCue - learning your usual voice"))
        self.started = False
        self.restarted = False  # the engine has confirmed it is learning afresh
        self.learned = False
        layout = QVBoxLayout(self)
        intro = QLabel(translate("CalmCue", "Speak normally for about 20 seconds, as on a calm call. "
                                            "You can read this aloud:"))
        intro.setWordWrap(True)
        sample = QLabel(f"<i>{tr_label(READ_ALOUD)}</i>")
        sample.setWordWrap(True)
        self.meter = LevelMeter()
        self.hearing = QLabel(translate("CalmCue", "Waiting for your voice…"))
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.note = QLabel(translate("CalmCue", "Nothing is recorded: only a few numbers about your usual voice "
                                                "are kept."))
        self.note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        for widget in (intro, sample, self.meter, self.hearing, self.progress, self.note, self.buttons):
            layout.addWidget(widget)
        self.setMinimumWidth(intro.fontMetrics().horizontalAdvance("M") * 30)

    def begin(self) -> None:
        self.started, self.restarted, self.learned = True, False, False
        self.progress.setValue(0)
        self.start.emit()

    def on_status(self, state: str, detail: str) -> None:
        if state == "calibrating":
            self.restarted = True
        elif state in ("no_microphone", "device_lost", "paused"):
            self.hearing.setText(detail or state)

    def on_meter(self, meter: Any) -> None:
        if not meter.level_dbfs:
            return
        self.meter.set_level(meter.level_dbfs[0], meter.speech[0])
        if meter.muted:
            self.hearing.setText(translate("CalmCue", "Your microphone is muted."))
        elif meter.speech[0]:
            self.hearing.setText(translate("CalmCue", "Hearing you - keep going."))
        if not self.started or self.learned:
            return
        if meter.agent_calibration < 1.0:
            self.restarted = True  # an old, finished calibration reads 1.0 until the engine has restarted it
        if not self.restarted:
            return
        self.progress.setValue(round(100 * meter.agent_calibration))
        if meter.agent_calibration >= 1.0:
            self.learned = True
            self.hearing.setText(translate("CalmCue", "Done. CalmCue now knows your usual voice."))
