"""A microphone gain change is not a raised voice: re-base the level when it moves without the voice's effort.

A raised voice is louder *and* made with more effort: a higher pitch and a flatter spectral tilt rise with the
level (vocal-effort studies; on the development speech the level over the calm voice is about 1.2 dB per semitone
of pitch plus 1.5 dB per dB of tilt, residual spread about 4.5 dB). A boom moved nearer the mouth or a gain knob
turned up moves the level alone. So only the voicing whose pitch and tilt stay those of the calm voice (effort
under `CALM_EFFORT_DB`, pitch less than `CALM_PITCH_ST` over the calm pitch) is watched: when the median level of
that calm-sounding voicing over the last seconds sits `GAIN_UP_DB` above or `GAIN_DOWN_DB` below the baseline,
the level baseline moves by it. Raised speech (its effort is high) stays out of the median, so it neither moves
the baseline nor inflates the move after a real gain step. The caller's track does not re-base: a line's gain
does not jump mid-call.
"""

from __future__ import annotations

from calmcue.detector.quantile import RunningQuantile

PITCH_WEIGHT_DB_PER_ST = 0.5  # effort: tilt flattening plus half the pitch rise (as in the raise index)
CALM_EFFORT_DB = 2.0  # voicing with less effort than this over the baseline sounds like the calm voice
CALM_PITCH_ST = 7.0  # ...and its pitch under this over the calm pitch: a gain change never moves the pitch, and a
# rise of over half an octave is a raised voice whatever the tilt reads (a telephone band hides the tilt's rise)
GAIN_UP_DB = 10.0  # calm-sounding voice this much louder than the baseline: the gain went up (8 also moved on
# raised voices whose tilt reads calm through noise or a telephone band)
GAIN_DOWN_DB = 12.0  # this much quieter: the gain went down (soft calm speech reads several dB under the baseline)
LEVEL_QUANTILE = 0.5  # the median (lower quantiles re-base faster after a step but also on low-effort raises)
WINDOW_FRAMES = 250  # over the last 2.5 s of calm-sounding voicing
MIN_FRAMES = 120  # at least 1.2 s of it since the last move


def calm_sounding(*, pitch_over_st: float, tilt_over_db: float) -> bool:
    """Voicing whose effort (tilt flattening plus half the pitch rise) and pitch are those of the calm voice."""
    effort_db = tilt_over_db + PITCH_WEIGHT_DB_PER_ST * pitch_over_st
    return effort_db < CALM_EFFORT_DB and pitch_over_st < CALM_PITCH_ST


class GainRebase:
    """Tracks the level of calm-sounding voicing; says by how much to move the level baseline."""

    def __init__(self) -> None:
        self._level = RunningQuantile(WINDOW_FRAMES, quantile=LEVEL_QUANTILE)
        self.rebased = 0  # how many times the baseline moved

    def step(self, *, level_over_db: float, pitch_over_st: float, tilt_over_db: float,
             line_dipped: bool = False) -> float:
        """One voiced, settled frame; returns the dB to add to the level baseline (0.0 when nothing to do).

        `line_dipped`: a leveller took the line's gain down after a raise and has not given it back (gainstep.py):
        a calm voice that reads low then is that dip, not a gain change, and moves nothing. Nor is it kept for
        later: it is the leveller's gain, which is coming back, and left in the window it carried the dip past its
        end (on the agc row a calm voice heard 9 dB into a dip, then 0.8 s of a soft one after the pauses came
        back, re-based the baseline 12 dB down, and the calm clips after it read +14 dB: both of actors 1-3's
        agent calm flags). A voice that reads louder than the baseline during a dip is no dip's and still counts."""
        if not calm_sounding(pitch_over_st=pitch_over_st, tilt_over_db=tilt_over_db) or \
                (line_dipped and level_over_db < 0.0):
            return 0.0
        offset = self._level.push(level_over_db)
        if len(self._level) < MIN_FRAMES or -GAIN_DOWN_DB < offset < GAIN_UP_DB or (line_dipped and offset < 0):
            return 0.0
        self._level.clear()
        self.rebased += 1
        return offset

    def reset(self) -> None:
        self._level.clear()
