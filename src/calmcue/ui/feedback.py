"""Feedback on cues: the last few cues shown, each of which the agent can mark "not helpful" (and unmark).

Marks are kept on this computer as counts in the cue history (numbers only) and never sent anywhere. Cues from
the demo call are listed but never counted. Ctrl+Alt+Shift+X (or the menu) marks the latest cue. Counted cues and
marks also go to `nudges` (ui/nudge.py), which may raise that cue kind's threshold a little.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from PyQt6.QtCore import QObject, pyqtSignal

from calmcue.ui.history import CueHistory
from calmcue.ui.nudge import Nudges

KEEP = 5  # cues listed in the menu


@dataclass(frozen=True)
class ShownCue:
    at: dt.datetime  # wall clock, for the menu ("14:05")
    kind: str
    speaker: str
    message: str
    counted: bool  # in the cue history (False for the demo call)
    not_helpful: bool = False
    cue_id: int = 0  # given by RecentCues.add: which shown cue a mark is about
    detail: str = ""  # the reason in words and the figure behind it (the menu item's tooltip)


class RecentCues(QObject):
    changed = pyqtSignal(object)  # tuple[ShownCue, ...], newest first

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history: CueHistory | None = None
        self.nudges: Nudges | None = None
        self.cues: tuple[ShownCue, ...] = ()
        self._next_id = 1

    def add(self, cue: ShownCue) -> None:
        cue = replace(cue, cue_id=self._next_id)
        self._next_id += 1
        if cue.counted and self.nudges is not None:
            self.nudges.shown(cue_id=cue.cue_id, kind=cue.kind, speaker=cue.speaker)
        self._set((cue, *self.cues)[:KEEP])

    def toggle(self, index: int) -> ShownCue | None:
        """Marks the cue at `index` (0 = newest) not helpful, or takes the mark back."""
        if not 0 <= index < len(self.cues):
            return None
        cue = replace(self.cues[index], not_helpful=not self.cues[index].not_helpful)
        if cue.counted and self.history is not None:
            self.history.mark_not_helpful(kind=cue.kind, speaker=cue.speaker, marked=cue.not_helpful,
                                          day=cue.at.date())
        self._set((*self.cues[:index], cue, *self.cues[index + 1:]))
        if cue.counted and self.nudges is not None:
            self.nudges.marked(cue_id=cue.cue_id, kind=cue.kind, speaker=cue.speaker, marked=cue.not_helpful)
        return cue

    def mark_latest(self) -> ShownCue | None:
        """The hotkey: the newest cue is not helpful (already marked: left as it is)."""
        if not self.cues or self.cues[0].not_helpful:
            return None
        return self.toggle(0)

    def clear(self) -> None:
        self._set(())

    def _set(self, cues: tuple[ShownCue, ...]) -> None:
        self.cues = cues
        self.changed.emit(cues)
