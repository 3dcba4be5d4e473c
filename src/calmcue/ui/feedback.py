"""Feedback on cues: the last few cues shown, each of which the agent can mark "not helpful" (and unmark).

Marks are kept on this computer as counts in the cue history (numbers only) and never sent anywhere. Cues from
the demo call are listed but never counted. Ctrl+Alt+Shift+X (or the menu) marks the latest cue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from PyQt6.QtCore import QObject, pyqtSignal

from calmcue.ui.history import CueHistory

KEEP = 5  # cues listed in the menu


@dataclass(frozen=True)
class ShownCue:
    at: dt.datetime  # wall clock, for the menu ("14:05")
    kind: str
    speaker: str
    message: str
    counted: bool  # in the cue history (False for the demo call)
    not_helpful: bool = False


class RecentCues(QObject):
    changed = pyqtSignal(object)  # tuple[ShownCue, ...], newest first

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.history: CueHistory | None = None
        self.cues: tuple[ShownCue, ...] = ()

    def add(self, cue: ShownCue) -> None:
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
