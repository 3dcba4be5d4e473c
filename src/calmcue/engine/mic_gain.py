"""The microphone's gain as the system sets it, passed on to the detector when it moves.

The worker reads it from the source after each block (`reported_gain_db`: the sound server's volume of the
microphone source, audio.sources.ReportsMicGain) and hands it to the pipeline with the block; offline analysis
hands it the gain a benchmark replays. A move of `MIN_MOVE_DB` or more since the last one passed on is a gain change
the detector takes at once (Detector.mic_gain_moved). Sources that cannot say (files, other platforms) give NaN, and
the detector finds gain changes from the voice and the pauses as before.
"""

from __future__ import annotations

import logging
import math

from calmcue.audio.sources import ReportsMicGain, Source
from calmcue.detector.detector import Detector

log = logging.getLogger(__name__)

MIN_MOVE_DB = 0.5  # smaller moves are a slider's rounding, not a change a voice would show


def reported_gain_db(source: Source) -> float:
    """The mic's gain as `source` reports it now (dB on its own fixed scale); NaN when it cannot say."""
    return source.mic_gain_db() if isinstance(source, ReportsMicGain) else math.nan


class MicGainFollower:
    """Remembers the gain last passed on (the first reading is the gain the baseline is heard at); tells the
    detector of each move."""

    def __init__(self) -> None:
        self._gain_db = math.nan

    def check(self, detector: Detector, gain_db: float) -> float:
        """Passes a move of `gain_db` since the last one on to `detector`; returns it in dB (0.0: none)."""
        if math.isnan(gain_db):
            return 0.0
        if math.isnan(self._gain_db):
            self._gain_db = gain_db
            return 0.0
        moved_db = gain_db - self._gain_db
        if abs(moved_db) < MIN_MOVE_DB:
            return 0.0
        self._gain_db = gain_db
        detector.mic_gain_moved(moved_db)
        log.info("the microphone's volume moved %+.1f dB: the baseline follows", moved_db)
        return moved_db
