"""Pause for a while or until the agent resumes: the UI's clock for it (the engine only hears Pause and Resume).

A timed pause (15 minutes, 1 hour) ends by itself: `ended` fires and the app resumes the engine and says "CalmCue
is listening again". A pause "until I resume" has no end; it reminds gently every hour (`remind`), because a pause
taken for one private call and forgotten would otherwise silence CalmCue for the rest of the shift, while once an
hour is rare enough for an agent who meant it (at most about eight balloons in a working day, none of them urgent).
Durations are parameters, so tests use short ones instead of waiting.
"""

from __future__ import annotations

import datetime as dt

from PyQt6.QtCore import QObject, QTimer, pyqtSignal

REMIND_EVERY_S = 3600.0
CHOICES_S = (15 * 60.0, 3600.0, 0.0)  # the menu's "for 15 minutes", "for 1 hour", "until I resume" (0)


class PauseClock(QObject):
    ended = pyqtSignal()  # a timed pause is over: resume now
    remind = pyqtSignal()  # still paused "until I resume"

    def __init__(self, *, remind_every_s: float = REMIND_EVERY_S, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.until: dt.datetime | None = None  # wall clock, for the tooltip; None while open-ended or not paused
        self.paused = False
        self.remind_every_s = remind_every_s
        self._end = QTimer(self)
        self._end.setSingleShot(True)
        self._end.timeout.connect(self._over)
        self._remind = QTimer(self)
        self._remind.timeout.connect(self.remind)

    def start(self, seconds: float) -> None:
        """Paused from now for `seconds`, or (0) until `stop`."""
        self.stop()
        self.paused = True
        if seconds > 0:
            self.until = dt.datetime.now() + dt.timedelta(seconds=seconds)
            self._end.start(max(1, round(seconds * 1000)))
        else:
            self._remind.start(max(1, round(self.remind_every_s * 1000)))

    def stop(self) -> None:
        """The agent resumed (or the pause ended): no end, no reminders."""
        self._end.stop()
        self._remind.stop()
        self.until = None
        self.paused = False

    @property
    def open_ended(self) -> bool:
        return self.paused and self.until is None

    def _over(self) -> None:
        self.stop()
        self.ended.emit()
