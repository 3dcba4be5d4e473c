"""Speaking rate: syllable nuclei per second of speech over the last few seconds of speech.

A nucleus is a voiced peak of the 300-3400 Hz band envelope that stands out by `prominence_db` from the dips on
both sides (after de Jong & Wempe, 2009), at least 80 ms after the previous one.
"""

from __future__ import annotations

import math
from collections import deque

from calmcue.timebase import HOP_S

MIN_NUCLEUS_GAP_FRAMES = 8
MIN_RATE_SPEECH_S = 2.0


class SyllableRate:
    def __init__(self, *, window_speech_s: float = 5.0, prominence_db: float = 3.0) -> None:
        self.window_frames = round(window_speech_s / HOP_S)
        self.prominence_db = prominence_db
        self._nuclei: deque[int] = deque()  # speech-time (frames of speech) of each nucleus
        self._speech_frames = 0
        self._rising = True
        self._extreme_db = math.inf  # the dip so far when rising, the peak so far when falling
        self._peak_voiced = False
        self._last_nucleus = -MIN_NUCLEUS_GAP_FRAMES
        self.nuclei_seen = 0  # every nucleus so far (benchmarks compare it with transcript syllable counts)

    def step(self, band_db: float, voiced: bool, speech: bool) -> float:
        """Feeds one frame; returns nuclei per second over the recent speech, NaN until there is enough."""
        if speech:
            self._speech_frames += 1
        if self._rising:
            if band_db < self._extreme_db:
                self._extreme_db = band_db
            elif band_db > self._extreme_db + self.prominence_db:
                self._rising, self._extreme_db, self._peak_voiced = False, band_db, voiced
        elif band_db >= self._extreme_db:
            self._extreme_db, self._peak_voiced = band_db, voiced
        elif band_db < self._extreme_db - self.prominence_db:
            if self._peak_voiced and self._speech_frames - self._last_nucleus >= MIN_NUCLEUS_GAP_FRAMES:
                self._nuclei.append(self._speech_frames)
                self._last_nucleus = self._speech_frames
                self.nuclei_seen += 1
            self._rising, self._extreme_db = True, band_db
        while self._nuclei and self._nuclei[0] <= self._speech_frames - self.window_frames:
            self._nuclei.popleft()
        span = min(self._speech_frames, self.window_frames) * HOP_S
        return len(self._nuclei) / span if span >= MIN_RATE_SPEECH_S else math.nan
