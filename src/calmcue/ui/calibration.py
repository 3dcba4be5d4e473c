"""The guided calibration: speak normally while a live meter shows your voice and a bar what is learned.

It asks the engine to forget the agent's baseline (Recalibrate) and follows the engine's own progress
(Meter.agent_calibration, 0..1); the engine saves the new baseline in the user data folder when it is done.
The words are honest: silence is "I can't hear you yet" (the wrong headset is the usual cause), the time quoted
is the setting's, and the end is a clear "Done" with a Finish button.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PyQt6.QtCore import QT_TRANSLATE_NOOP, pyqtSignal
from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from calmcue.ui.i18n import tr_label, translate
from calmcue.ui.meter import LevelMeter

if TYPE_CHECKING:
    from calmcue.engine.mailbox import Meter

READ_ALOUD = QT_TRANSLATE_NOOP(
    "CalmCue", "Thank you for calling. I can see your account here, and I will go through the last bill with you "
    "step by step. If anything is unclear, just stop me and ask. Let me check the payment date and the amount, "
    "and then we can look at the options together.")
SILENT_AFTER_S = 3.0  # this long without speech and the dialog says it cannot hear you


class CalibrationDialog(QDialog):
    start = pyqtSignal()  # the controller sends Recalibrate to the engine

    def __init__(self, *, speech_s: float = 12.0, parent: QWidget | None = None) -> None:
        """`speech_s` is the setting detector.baseline.calibration_speech_s: the speech the engine needs."""
        super().__init__(parent)
        self.setWindowTitle(translate("CalmCue", "Learn my usual voice"))
        self.started = False
        self.restarted = False  # the engine has confirmed it is learning afresh
        self.learned = False
        self._last_speech_s: float | None = None  # engine time of the latest speech heard
        self._first_s: float | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(translate("CalmCue", "Speak normally, as on a calm call, until the bar \"Learned\" is full: "
                                            "CalmCue needs %1 seconds of your speech. You can read this aloud:")
                       .replace("%1", f"{speech_s:g}"))
        intro.setWordWrap(True)
        sample = QLabel(f"<i>{tr_label(READ_ALOUD)}</i>")
        sample.setWordWrap(True)
        self.meter = LevelMeter()
        self.meter.setAccessibleName(translate("CalmCue", "Your voice"))
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setAccessibleName(translate("CalmCue", "Learned"))
        form = QFormLayout()
        form.addRow(translate("CalmCue", "Your voice"), self.meter)
        form.addRow(translate("CalmCue", "Learned"), self.progress)
        self.hearing = QLabel(translate("CalmCue", "Waiting for your voice…"))
        self.hearing.setWordWrap(True)
        self.note = QLabel(translate("CalmCue", "Nothing is recorded: only a few numbers about your usual voice "
                                                "are kept."))
        self.note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self.reject)
        self.finish_button = QPushButton(translate("CalmCue", "Finish"))
        self.finish_button.clicked.connect(self.accept)
        self.buttons.addButton(self.finish_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.finish_button.hide()  # until the engine has learned the voice
        layout.addWidget(intro)
        layout.addWidget(sample)
        layout.addLayout(form)
        for widget in (self.hearing, self.note, self.buttons):
            layout.addWidget(widget)
        self.setMinimumWidth(intro.fontMetrics().horizontalAdvance("M") * 32)

    def begin(self) -> None:
        self.started, self.restarted, self.learned = True, False, False
        self.progress.setValue(0)
        self.start.emit()

    def on_status(self, state: str, detail: str) -> None:
        if state == "calibrating":
            self.restarted = True
        elif state in ("no_microphone", "device_lost", "paused") and not self.learned:
            self.hearing.setText(detail or state)

    def on_meter(self, meter: Meter) -> None:
        if not meter.level_dbfs:
            return
        self.meter.set_level(meter.level_dbfs[0], meter.speech[0])
        if self.learned:
            return
        self._say_what_is_heard(meter)
        if not self.started:
            return
        if meter.agent_calibration < 1.0:
            self.restarted = True  # an old, finished calibration reads 1.0 until the engine has restarted it
        if not self.restarted:
            return
        self.progress.setValue(round(100 * meter.agent_calibration))
        if meter.agent_calibration >= 1.0:
            self._done()

    def _say_what_is_heard(self, meter: Meter) -> None:
        if self._first_s is None:
            self._first_s = meter.t_s
        if meter.speech[0] and not meter.muted:
            self._last_speech_s = meter.t_s
            self.hearing.setText(translate("CalmCue", "Hearing you - keep going."))
            return
        since = meter.t_s - (self._last_speech_s if self._last_speech_s is not None else self._first_s)
        if meter.muted or since >= SILENT_AFTER_S:
            self.hearing.setText(translate("CalmCue", "I can't hear you yet - check that the headset you speak "
                                                      "into is the microphone selected in CalmCue's menu."))

    def _done(self) -> None:
        self.learned = True
        self.hearing.setText(translate("CalmCue", "Done - CalmCue knows your usual voice."))
        cancel = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        if cancel is not None:
            cancel.hide()
        self.finish_button.show()
        self.finish_button.setDefault(True)
        self.finish_button.setFocus()
