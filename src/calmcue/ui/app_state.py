"""What the tray app is doing, in one place: the engine's state, the call audio, a snooze, the demo, a cue on
screen and today's count. Whoever shows state (the tray icon, its menu) listens to `changed` and draws the
`Shown` it gets; nobody pushes state into widgets one by one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from PyQt6.QtCore import QObject, QTimer, pyqtSignal

from calmcue.ui.i18n import translate

if TYPE_CHECKING:
    from calmcue.engine.mailbox import Meter

SNOOZABLE = ("listening", "calibrating", "no_call_audio", "on_hold")  # engine states a snooze shows over
DEMO_SHOWS_OVER = ("starting", *SNOOZABLE)  # engine states the demo's own line replaces while it plays


@dataclass(frozen=True)
class Shown:
    """One state with its detail line, and what the menu can offer in it."""

    state: str = "starting"
    detail: str = ""
    cue_showing: bool = False
    snoozed_until: dt.datetime | None = None
    demo_playing: bool = False
    demo_left_s: int | None = None  # while the demo plays: seconds left
    cues_today: int = 0
    not_helpful_today: int = 0  # of those, marked "not helpful" by the agent
    paused_until: dt.datetime | None = None  # a timed pause ends then (ui/pause.py)
    paused_open: bool = False  # paused "until I resume"

    @property
    def paused(self) -> bool:
        return self.state == "paused"

    @property
    def can_snooze(self) -> bool:
        """A snooze means "measure but show no cues": nothing to snooze while paused or without a microphone."""
        return self.state in (*SNOOZABLE, "snoozed", "demo")


class AppState(QObject):
    changed = pyqtSignal(object)  # Shown

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.engine_state, self.engine_detail = "starting", ""
        self.channels = 0
        self.shown = Shown()
        self._snooze_timer = QTimer(self)
        self._snooze_timer.setSingleShot(True)
        self._snooze_timer.timeout.connect(self.end_snooze)

    @property
    def snoozed_until(self) -> dt.datetime | None:
        return self.shown.snoozed_until

    # --- inputs ------------------------------------------------------------------------------------------

    def on_status(self, state: str, detail: str) -> None:
        self.engine_state, self.engine_detail = state, detail
        self._update()

    def on_meter(self, meter: Meter) -> None:
        channels = len(meter.level_dbfs)
        if channels != self.channels:
            self.channels = channels
            self._update()

    def snooze(self, seconds: float) -> None:
        self._snooze_timer.stop()
        if seconds <= 0:
            self.end_snooze()
            return
        self._snooze_timer.start(round(seconds * 1000))
        self._update(snoozed_until=dt.datetime.now() + dt.timedelta(seconds=seconds))

    def end_snooze(self) -> None:
        self._snooze_timer.stop()
        self._update(snoozed_until=None)

    def set_pause(self, *, until: dt.datetime | None, open_ended: bool) -> None:
        """The pause the agent chose: when it ends (None: not timed), or that it lasts until they resume."""
        self._update(paused_until=until, paused_open=open_ended)

    def set_demo_playing(self, playing: bool) -> None:
        self.channels = 0  # a new worker: its first meter says how many channels it has
        self._update(demo_playing=playing)

    def set_demo_left(self, seconds: int | None) -> None:
        self._update(demo_left_s=seconds)

    def set_cue_showing(self, showing: bool) -> None:
        self._update(cue_showing=showing)

    def set_cues_today(self, count: int, not_helpful: int = 0) -> None:
        self._update(cues_today=count, not_helpful_today=not_helpful)

    # --- inside ------------------------------------------------------------------------------------------

    def _update(self, **changes: object) -> None:
        base = replace(self.shown, **changes)  # type: ignore[arg-type]
        state, detail = self.engine_state, self.engine_detail
        if state == "listening" and self.channels == 1:
            state = "no_call_audio"
        if base.snoozed_until is not None and state in SNOOZABLE:
            state = "snoozed"
            detail = translate("CalmCue", "until %1").replace("%1", base.snoozed_until.strftime("%H:%M"))
        if state == "paused" and base.paused_until is not None:
            detail = translate("CalmCue", "until %1").replace("%1", base.paused_until.strftime("%H:%M"))
        elif state == "paused" and base.paused_open:
            detail = translate("CalmCue", "until you resume")
        if base.demo_playing and state in DEMO_SHOWS_OVER:
            state, detail = "demo", translate("CalmCue", "Playing the demo call")
            if base.demo_left_s is not None:
                left = f"{base.demo_left_s // 60}:{base.demo_left_s % 60:02d}"
                detail = translate("CalmCue", "Playing the demo call - %1 left").replace("%1", left)
        elif base.demo_playing:
            detail = translate("CalmCue", "demo call") + (f" - {detail}" if detail else "")
        self.shown = replace(base, state=state, detail=detail)
        self.changed.emit(self.shown)
