"""A voice's level over the line's own floor: a reading that a slowly moving line gain leaves alone.

Mobile phones and softphones level the talker's voice with an automatic gain control (AGC): the gain moves slowly
(a few dB a second), both ways, and holds in pauses; headsets and OS "enhancements" do the same to the agent's
microphone. After a raised sentence it has come down, so the next raised sentence starts quieter over the
learned calm level (on the agcline stress row a caller's raised clips read 0-3 dB under it and went unseen); the
calm voice after it reads 10-20 dB under it. Whatever the gain is, it moves the
line's noise in the pauses with the voice: the voice's level over the floor of the pauses just before it is what
it was on the line before the gain moved. So beside the level over the learned baseline, the track keeps the
calm voice's level over the floor (learned from the same frames as the baseline, the same way: the 80th
percentile of the calibration, then a slow sign-step tracker), and reads the short-term level over the floor
against it. That reading is coarser than the baseline's (the floor is read before the utterance, and the gain
moves on during it: up during a calm one after a fall, by several dB on the development speech), so it only
speaks when it reads a raised voice as the issue defines one, `FLOOR_RAISED_DB` (+9 dB) over the calm voice; then
the higher of the two readings is the level the raised-voice judge sees: a floor that rose (a fan
switched on, noise on the line) lowers this reading, so the baseline's stands; a gain that came down lowers the
baseline's, so this one stands. A floor that fell without the gain (the noise went: a car stopped, a television
went off) would lift this reading for every word after it; the calm voice tells the two apart, since a gain
moves it with the floor and a noise does not: while the speaker's calm-sounding voice (rebase.calm_sounding)
stands well over its usual place over the floor, the reading is not made.

The reading takes the higher of that floor and the floor of the latest pause alone: an AGC holds its gain in a
pause, so the latest pause is the gain the voice starts at, while the lowest over 3 s of pauses is the deepest
point of a dip the gain has since climbed back from (on the agc row two of the agent's three calm clips flagged
read +10..+11 dB over such a floor with their level 0-1 dB over the calm voice's; a higher floor only lowers the
reading, so typing in the latest pause - keys0 - costs a raise at most, never a calm flag).

A floor is only read from frames at least `PAUSE_AFTER_SPEECH_FRAMES` after speech (no decay or breath of it),
never from digital silence (a gated line has no floor: the reading is then not made), and it goes stale after
`STALE_FRAMES` without a pause frame.
"""

from __future__ import annotations

import math

import numpy as np

from calmcue.detector.baseline import LEVEL_QUANTILE
from calmcue.detector.gainstep import AGREE_BEYOND_DB
from calmcue.detector.quantile import RunningQuantile

FLOOR_RAISED_DB = 9.0  # the reading over the floor speaks for a raise this far over the calm voice at least: the
# issue's "raised" (+9 dB over the calm voice; from +7 dB it also flagged calm clips the AGC lifted as it rose)
PAUSE_AFTER_SPEECH_FRAMES = 20  # a pause frame comes 200 ms after speech at least
SILENT_LEVEL_DBFS = -99.9  # digital silence: no floor (a gated or muted line)
FLOOR_QUANTILE = 0.1  # the floor: other sounds in a pause (a breath, a click) only add to it
FLOOR_FRAMES = 300  # ...of the last 3 s of pause frames (over 1 s, typing in the pauses - keys0 - lifted the floor
# the calm voice was learned over by ~10 dB, and later calm speech over a key-free floor read raised; the longer
# window keeps key-free frames in it, and an AGC's dip still shows: it lowers the floor, which the 10th percentile
# takes first)
FLOOR_MIN_FRAMES = 30  # ...once 0.3 s of them were heard
STALE_FRAMES = 1000  # a floor last read over 10 s ago says nothing about the gain now
CHECK_FRAMES = 300  # the calm-sounding voice's reading over the floor: the median of its last 3 s...
CHECK_MIN_FRAMES = 50  # ...once 0.5 s of it was heard...
# ...stands at most AGREE_BEYOND_DB over the calm voice's (gainstep.py: raised sentences whose pitch and tilt read
# calm lift such a median), or the floor fell without the gain (a fan, a car, a television went off)
EFFORTFUL_DB = 9.0  # voicing whose pitch and tilt explain a raise (the issue's +9 dB) is effortful...
SQUEEZE_FRAMES = 300  # ...and the last 3 s of it...
SQUEEZE_MIN_FRAMES = 100  # ...(1 s at least) tell how much level the line takes off it
SQUEEZED_DB = 10.0  # a median deficit this large says the line squeezes (on the clean row a caller's reads 0-9 dB
# by speaker and stretch of the call: effort explains a clip's level within about 4.5 dB, and questions and bright
# vowels read effortful with little level; on agcline 2-16 dB)
SQUEEZED_STEP_DB = 2.0  # ...then the level a raise needs comes down this much at once, and dB for dB beyond it
SQUEEZED_SHARE = 0.4  # effortful voicing that keeps this share of the level its effort explains or less (its median
# over the same frames) says the line squeezes too, however much effort there was: a compressor passes a fixed
# share of a rise over its threshold (1 / ratio), so a small raise loses few dB but most of its level. On the goal
# rows callers keep 0.46..1.1 (medians 0.57..0.97), on the comp row 0.25..0.45...
SQUEEZED_SHARE_LEVEL_DB = 3.0  # ...and there a raise needs this much level over the calm voice (the issue's +9 dB
# raise keeps 3.6 dB at that share; at 2 dB the bright first syllables of calm words, +2..+4 dB with their tilt
# +9..+10 dB, entered on agcline)
SQUEEZED_LEVEL_MIN_DB = 2.0  # ...never under this over the calm voice
# A lively voice moves its pitch and brightness a long way while its level stays put (read speech, a friendly "service
# voice"): its effortful-looking voicing keeps almost none of the level its effort explains, and read as a squeeze
# that lowered the level a raise needs to 2-4 dB over the calm voice and flagged its calm stretches (LibriSpeech
# readers, benchmarks/eval_detection_readers.py: 5-10 % of calm chunks). A compressor always passes a share of a rise
# (1 / ratio over its threshold, all of it under): below `SQUEEZED_MIN_SHARE` kept, the voice, not the line, is why.
# Kept shares where the squeeze came in (session 14): the readers' median 0.12 (75th percentile 0.18); the comp row's
# 0.36 (5th percentile 0.27), the agc row's 0.31 (25th percentile 0.25). An AGC that brought its gain down after a
# raise can leave less; the floor's reading (LineFloor.level_over_db) is what sees that.
SQUEEZED_MIN_SHARE = 0.25
MIN_CALIBRATION_FRAMES = 100  # the calm voice over the floor is known from 1 s of voicing with a floor


class LevelSqueeze:
    """How much level a line takes off effortful voicing: a levelling line (an AGC, a limiter) squeezes a raise.

    A raised voice is louder by about what its pitch and tilt over the calm voice explain (gainstep.effort_level_db:
    the level rises with effort). A limiter caps the loudest syllables whatever the voice does, and an AGC takes the
    gain down while the voice stays raised: on such a line effortful voicing reads far quieter than its effort
    explains (the caller's loudest raises, +17..+25 dB over the calm voice, read +3..+5 dB on the agcline row, with
    their pitch +8..+11 st and tilt +3..+6 dB over the calm voice's intact). So the track keeps the median, over its
    last `SQUEEZE_FRAMES` of effortful voicing (effort explaining `EFFORTFUL_DB` or more), of what the effort
    explains less the level read; a median of `SQUEEZED_DB` or more says the line squeezes, and the level a raise
    needs (to enter and to stay) comes down by `SQUEEZED_STEP_DB` and the part of the median beyond `SQUEEZED_DB`,
    to `SQUEEZED_LEVEL_MIN_DB` at least (the voice is still louder than the calm voice). A compressor takes a
    share of a rise, not a number of dB: its small raises lack few dB but keep only one over its ratio. So the
    median share of the explained level that effortful voicing kept speaks too: at `SQUEEZED_SHARE` or less, a
    raise needs `SQUEEZED_SHARE_LEVEL_DB`. On the caller's track the raise index, which adds pitch and tilt to the
    level, still has to be met; on the agent's it comes down too (speaker.SpeakerTrack._relieved says why). Nothing
    here is fitted to one leveller's rate, target or ceiling: any that caps or levels a raise leaves its effort and
    takes its level (the deficit was set on the agcline row's AGC and limiter and carried to the comp row's fast
    compressor; the share was set from the comp row against the goal rows: line13).
    """

    def __init__(self) -> None:
        self._deficit = RunningQuantile(SQUEEZE_FRAMES)
        self._kept = RunningQuantile(SQUEEZE_FRAMES)

    def voiced(self, *, level_over_db: float, effort_db: float) -> None:
        """A settled voiced frame: its level over the calm voice's and the level its effort explains (dB)."""
        if effort_db >= EFFORTFUL_DB:
            self._deficit.push(effort_db - level_over_db)
            self._kept.push(level_over_db / effort_db)

    @property
    def squeeze_db(self) -> float:
        """The median level effortful voicing lacked lately (dB); 0.0 until `SQUEEZE_MIN_FRAMES` of it were heard."""
        return self._deficit.value() if len(self._deficit) >= SQUEEZE_MIN_FRAMES else 0.0

    @property
    def kept_share(self) -> float:
        """The median share of the level its effort explains that effortful voicing kept lately; 1.0 until
        `SQUEEZE_MIN_FRAMES` of it were heard."""
        return self._kept.value() if len(self._kept) >= SQUEEZE_MIN_FRAMES else 1.0

    def relief_db(self, level_enter_db: float) -> float:
        """How far the level a raise needs comes down on this line (dB; 0.0 on a line that does not squeeze)."""
        if self.kept_share < SQUEEZED_MIN_SHARE:  # a lively voice's melody, not a line's squeeze
            return 0.0
        beyond_db = self.squeeze_db - SQUEEZED_DB
        relief_db = beyond_db + SQUEEZED_STEP_DB if beyond_db >= 0.0 else 0.0
        if self.kept_share <= SQUEEZED_SHARE:
            relief_db = max(relief_db, level_enter_db - SQUEEZED_SHARE_LEVEL_DB)
        return max(0.0, min(relief_db, level_enter_db - SQUEEZED_LEVEL_MIN_DB))


class LineFloor:
    """The floor of a line's pauses and the calm voice's level over it."""

    def __init__(self) -> None:
        self._pauses = RunningQuantile(FLOOR_FRAMES, quantile=FLOOR_QUANTILE)
        self._since_speech = PAUSE_AFTER_SPEECH_FRAMES + 1
        self._since_pause = STALE_FRAMES + 1
        self._latest = RunningQuantile(FLOOR_FRAMES, quantile=FLOOR_QUANTILE)  # the latest pause's frames (its floor)
        self._calibration: list[float] = []
        self._calm_check = RunningQuantile(CHECK_FRAMES)
        self.calm_over_floor_db = math.nan  # the calm voice's level over the floor (80th percentile, as the baseline)
        self.squeeze = LevelSqueeze()  # how much level the line takes off effortful voicing

    @property
    def floor_dbfs(self) -> float:
        """The pauses' floor now; NaN when unknown or stale."""
        if len(self._pauses) < FLOOR_MIN_FRAMES or self._since_pause > STALE_FRAMES:
            return math.nan
        return self._pauses.value()

    def frame(self, *, line_level_dbfs: float, speech: bool) -> None:
        """Every frame of the line: its level as the line carries it (noise and all) and whether it is speech."""
        self._since_speech = 0 if speech else self._since_speech + 1
        self._since_pause += 1
        if self._since_speech > PAUSE_AFTER_SPEECH_FRAMES and line_level_dbfs > SILENT_LEVEL_DBFS:
            # deferred: the floors are read only with the voice (a long quiet stretch sorts its frames once, when
            # the voice comes back, instead of an insertion each; issue 15)
            self._pauses.defer(line_level_dbfs)
            if self._since_pause > 1:
                self._latest.clear()
            self._latest.defer(line_level_dbfs)
            self._since_pause = 0

    def gain_moved(self, shift_db: float) -> None:
        """The system moved the mic's gain by `shift_db` (the sound server said so): the pauses' floors moved with
        the voice, and the calm voice over the floor stays where it was."""
        self._pauses.shift(shift_db)
        self._latest.shift(shift_db)

    def voice(self, level_dbfs: float, *, calibrating: bool, step_db: float) -> None:
        """A voiced frame the baseline learns from (`calibrating`: its calibration; else it follows by `step_db`)."""
        floor_dbfs = self.floor_dbfs
        if math.isnan(floor_dbfs):
            return
        over_db = level_dbfs - floor_dbfs
        if calibrating:
            self._calibration.append(over_db)
            return
        if math.isnan(self.calm_over_floor_db):
            return
        if over_db > self.calm_over_floor_db:  # the baseline's sign-step tracker of its 80th percentile
            self.calm_over_floor_db += 2 * LEVEL_QUANTILE * step_db
        else:
            self.calm_over_floor_db -= 2 * (1 - LEVEL_QUANTILE) * step_db

    def calibrated(self) -> None:
        """The baseline has just been learned: so is the calm voice over the floor, from the same frames (each
        against the floor it was heard over)."""
        if len(self._calibration) >= MIN_CALIBRATION_FRAMES:
            self.calm_over_floor_db = float(np.percentile(self._calibration, LEVEL_QUANTILE * 100))
        self._calibration = []

    def level_over_db(self, short_term_dbfs: float, *, calm_sounding: bool) -> float:
        """The short-term level over the floor, against the calm voice's (dB); NaN when either is unknown, or when
        the calm-sounding voice says the floor moved without the gain (`calm_sounding`: this frame's pitch and
        tilt are those of the calm voice, rebase.calm_sounding)."""
        floor_dbfs = self.floor_dbfs
        latest_dbfs = self._latest.value() if len(self._latest) >= FLOOR_MIN_FRAMES else math.nan
        if latest_dbfs > floor_dbfs:  # never when either is NaN (a stale or unknown floor stays unknown)
            floor_dbfs = latest_dbfs
        over_db = short_term_dbfs - floor_dbfs - self.calm_over_floor_db
        if math.isnan(over_db):
            return math.nan
        if calm_sounding:
            self._calm_check.push(over_db)
        if len(self._calm_check) >= CHECK_MIN_FRAMES and self._calm_check.value() > AGREE_BEYOND_DB:
            return math.nan  # the calm voice stands this far over the floor: the noise went, not the gain
        return over_db

