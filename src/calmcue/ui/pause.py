"""Pause for a while or until the agent resumes: the UI keeps the time (the engine only hears Pause and Resume).

A timed pause (15 minutes, 1 hour) ends by itself: `ended` fires and the app resumes the engine and says "CalmCue
is listening again". A pause "until I resume" has no end; it reminds gently every hour (`remind`), because a pause
taken for one private call and forgotten would otherwise silence CalmCue for the rest of the shift, while once an
hour is rare enough for an agent who meant it (at most about eight balloons in a working day, none of them urgent).
Durations are parameters, so tests use short ones instead of waiting.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from PyQt6.QtCore import QObject, QTimer, pyqtSignal

from calmcue.ui import trace
from calmcue.ui.i18n import translate

if TYPE_CHECKING:
    from calmcue.ui.app_state import AppState
    from calmcue.ui.engine_link import EngineLink

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


class PauseControl(QObject):
    """The menu's Pause and Resume: tells the engine, keeps the clock, shows the end in the app state, and says
    when a timed pause is over or an open one goes on."""

    def __init__(self, *, link: EngineLink, state: AppState, notify: Callable[[str, str], None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.link, self.state, self.notify = link, state, notify
        self.clock = PauseClock(parent=self)
        self.clock.ended.connect(self._over)
        self.clock.remind.connect(self._remind)

    def pause(self, seconds: float) -> None:
        """Pause for `seconds` (0: until the agent resumes); the engine only hears Pause, the UI keeps the time."""
        trace.event("action", name="pause", seconds=seconds)
        self.clock.start(seconds)
        self.state.set_pause(until=self.clock.until, open_ended=self.clock.open_ended)
        self.link.pause()

    def resume(self) -> None:
        trace.event("action", name="resume")
        self.clock.stop()
        self.state.set_pause(until=None, open_ended=False)
        self.link.resume()
        if self.state.snoozed_until is not None:
            self.link.snooze(0.0)
            self.state.end_snooze()

    def _over(self) -> None:
        trace.event("pause_over")
        self.resume()
        self.notify("CalmCue", translate("CalmCue", "CalmCue is listening again."))

    def _remind(self) -> None:
        trace.event("pause_reminder")
        self.notify(translate("CalmCue", "CalmCue is still paused"),
                    translate("CalmCue", "No cues while paused. Choose Resume in the menu when you are ready."))
