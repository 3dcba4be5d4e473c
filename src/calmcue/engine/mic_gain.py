"""The microphone's gain as the system sets it, passed on to the detector when it moves.

A source that knows the gain (audio.sources.ReportsMicGain: the sound server's volume of the microphone source)
is asked after each block; a move of `MIN_MOVE_DB` or more since the last one passed on is a gain change the
detector takes at once (Detector.mic_gain_moved). Sources that cannot say (files, other platforms) pass nothing,
and the detector finds gain changes from the voice and the pauses as before.
"""

from __future__ import annotations

import logging
import math

from calmcue.audio.sources import ReportsMicGain, Source
from calmcue.detector.detector import Detector

log = logging.getLogger(__name__)

MIN_MOVE_DB = 0.5  # smaller moves are a slider's rounding, not a change a voice would show


class MicGainFollower:
    """Remembers the gain last passed on; tells the detector of each move."""

    def __init__(self) -> None:
        self._source: ReportsMicGain | None = None
        self._gain_db = math.nan

    def attach(self, source: Source | None) -> None:
        """A source was opened (or closed: None): its first reading is the gain the baseline was heard at."""
        self._source = source if isinstance(source, ReportsMicGain) else None
        self._gain_db = math.nan

    def check(self, detector: Detector) -> float:
        """Passes a move of the gain since the last one on to `detector`; returns it in dB (0.0: none)."""
        if self._source is None:
            return 0.0
        now_db = self._source.mic_gain_db()
        if math.isnan(now_db):
            return 0.0
        if math.isnan(self._gain_db):
            self._gain_db = now_db
            return 0.0
        moved_db = now_db - self._gain_db
        if abs(moved_db) < MIN_MOVE_DB:
            return 0.0
        self._gain_db = now_db
        detector.mic_gain_moved(moved_db)
        log.info("the microphone's volume moved %+.1f dB: the baseline follows", moved_db)
        return moved_db
