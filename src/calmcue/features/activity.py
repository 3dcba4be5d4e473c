"""Voice activity from energy over a tracked noise floor and from periodicity.

This is the interface a learned model will later sit behind: `VoiceActivity.step` takes one frame's numbers
and returns a speech probability in 0..1.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

NOISE_WINDOW_FRAMES = 300  # 3 s: the floor is the quietest level seen in this span
INITIAL_FLOOR_DBFS = -50.0
DIGITAL_SILENCE_DBFS = -99.0  # exact zeros read as -100 dBFS
ABSOLUTE_FLOOR_DBFS = -90.0  # nothing quieter is speech, whatever the noise floor (16-bit silence is -101)
VOICED_MAX_APERIODICITY = 0.35
VOICED_MIN_SNR_DB = 5.0
SPEECH_PROB = 0.5  # a frame whose speech probability reaches this is speech (the detector, the hold state)
PERIODICITY_DECAY = 0.93  # per frame: the memory of a vowel halves in about 100 ms


class NoiseFloor:
    """Sliding minimum of the level over the last 3 s (a monotonic deque: O(1) per frame), smoothed.

    Digital silence (a muted mic, a call stream that has not started) says nothing about the room's noise, so
    those frames are left out: otherwise the floor would sit at -100 dBFS for 3 s after the sound starts, and
    the first seconds of plain noise would pass for speech.
    """

    def __init__(self, *, digital_silence_db: float = DIGITAL_SILENCE_DBFS) -> None:
        self.digital_silence_db = digital_silence_db
        self._window: deque[tuple[int, float]] = deque()
        self._frame = 0
        self.floor_dbfs = math.nan  # set by the first frame that is not digital silence

    def step(self, level_dbfs: float) -> float:
        """The floor after one more frame."""
        return self.steps([level_dbfs])[0]

    def steps(self, levels_dbfs: list[float]) -> list[float]:
        """The floors after each frame of a block, in one call: the state is kept in local variables over the block
        (a third of the cost of a call per frame)."""
        window, frame, floor, silence_db = self._window, self._frame, self.floor_dbfs, self.digital_silence_db
        isnan, out = math.isnan, []
        for level in levels_dbfs:
            frame += 1
            if level > silence_db:
                while window and window[-1][1] >= level:
                    window.pop()
                window.append((frame, level))
            while window and window[0][0] <= frame - NOISE_WINDOW_FRAMES:
                window.popleft()
            if window:
                minimum = window[0][1]
                if isnan(floor):  # start low: a stream may begin mid-word
                    floor = min(minimum, INITIAL_FLOOR_DBFS)
                floor += (0.5 if minimum < floor else 0.05) * (minimum - floor)
            out.append(floor)
        self._frame, self.floor_dbfs = frame, floor
        return out


class VoiceActivity:
    """Energy above the noise floor, raised by recent periodicity (vowels), with a short decay."""

    def __init__(self) -> None:
        self.noise = NoiseFloor()
        self._recent_periodicity = 0.0

    def step(self, level_dbfs: float, aperiodicity: float) -> tuple[float, bool]:
        """Returns (speech probability, voiced) for one frame."""
        return self.decide(level_dbfs, self.noise.step(level_dbfs), aperiodicity)

    def decide(self, level_dbfs: float, floor: float, aperiodicity: float) -> tuple[float, bool]:
        """`step` with the noise floor already stepped (`self.noise.step(level_dbfs)` returned `floor`): the
        extractor steps the floors of a whole block first, to know which frames may be voiced (`may_be_voiced`)
        before it computes their pitch. `aperiodicity` is read only for those frames."""
        snr_db = level_dbfs - floor if not math.isnan(floor) else 0.0
        audible = level_dbfs > ABSOLUTE_FLOOR_DBFS
        voiced = is_voiced(level_dbfs, floor, aperiodicity)
        periodicity = 1.0 - aperiodicity if voiced else 0.0
        self._recent_periodicity = max(periodicity, PERIODICITY_DECAY * self._recent_periodicity)
        if not audible:
            return 0.0, False
        # vowels carry the decision (periodicity survives noise that buries the energy cue); consonants and
        # short gaps ride on the decaying memory of the last vowel
        score = (snr_db - 6.0) / 3.0 + 8.0 * (self._recent_periodicity - 0.45)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, score)))), voiced


def is_voiced(level_dbfs: float, floor: float, aperiodicity: float) -> bool:
    """`decide`'s voicing alone (audible, above the floor, periodic): all the learned model's path needs of it."""
    snr_db = level_dbfs - floor if not math.isnan(floor) else 0.0
    return level_dbfs > ABSOLUTE_FLOOR_DBFS and snr_db > VOICED_MIN_SNR_DB and aperiodicity < VOICED_MAX_APERIODICITY


def may_be_voiced(level_dbfs: np.ndarray, floor_dbfs: np.ndarray) -> np.ndarray:
    """The frames `decide` can call voiced (audible and above the floor), whatever their aperiodicity; elsewhere
    the aperiodicity is never read, so the pitch need not be computed there. NaN floors give False."""
    return (level_dbfs > ABSOLUTE_FLOOR_DBFS) & (level_dbfs - floor_dbfs > VOICED_MIN_SNR_DB)
