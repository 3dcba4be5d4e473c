"""A microphone gain change is not a raised voice: re-base the level when it moves without the voice's effort.

A raised voice is louder *and* made with more effort: a higher pitch and a flatter spectral tilt rise with the
level (vocal-effort studies; on the development speech the level over the calm voice is about 1.2 dB per semitone
of pitch plus 1.5 dB per dB of tilt, residual spread about 4.5 dB). A boom moved nearer the mouth or a gain knob
turned up moves the level alone. So the residual - the level over the baseline that pitch and tilt do not explain -
is tracked over the last few seconds of voicing; when its median stays beyond `GAIN_OFFSET_DB` either way, the level
baseline moves by it. A wrong move (a long raised stretch with little pitch rise) is undone the same way by the
next seconds of calm speech.
"""

from __future__ import annotations

from calmcue.detector.quantile import RunningQuantile

DB_PER_ST = 1.0  # the level a semitone of pitch rise explains (the fit is 1.2; kept lower: conservative)
DB_PER_TILT_DB = 1.0  # the level a dB of tilt flattening explains (the fit is 1.5)
GAIN_OFFSET_DB = 8.0  # a median residual this far from zero is a gain change
WINDOW_FRAMES = 300  # the residual's median over the last 3 s of voicing
MIN_FRAMES = 200  # at least 2 s of voicing since the last move


class GainRebase:
    """Tracks the unexplained level; says by how much to move the level baseline."""

    def __init__(self) -> None:
        self._residual = RunningQuantile(WINDOW_FRAMES)
        self.rebased = 0  # how many times the baseline moved

    def step(self, *, level_over_db: float, pitch_over_st: float, tilt_over_db: float) -> float:
        """One voiced, settled frame; returns the dB to add to the level baseline (0.0 when nothing to do)."""
        residual = self._residual.push(level_over_db - DB_PER_ST * pitch_over_st - DB_PER_TILT_DB * tilt_over_db)
        if len(self._residual) < MIN_FRAMES or abs(residual) < GAIN_OFFSET_DB:
            return 0.0
        self._residual.clear()
        self.rebased += 1
        return residual

    def reset(self) -> None:
        self._residual.clear()
