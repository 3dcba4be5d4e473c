"""A caller on a telephone line at its nominal level (G.711 at -26 dBov: the codec stress row), a few dB over the
prior's guess: the bright calm syllables the prior phase took for raised come back into the calibration, so a calm
caller is not flagged; a raised caller still is, and a raised opening stays out of the calm voice.

Feature frames go straight into the caller's track (no audio): the calm voice is known exactly here
(benchmarks/detection_stress.py, codec, measures the same on speech through a mu-law line).
"""

from __future__ import annotations

import numpy as np

from calmcue.detector.speaker import SpeakerTrack
from conftest import CALLER_PRIOR, caller_prior_track

CALM_F0_HZ = 150.0
# a calm caller's turns (level dBFS, tilt dB), a few dB over the prior's guess (-28 dBFS, -10 dB) as on a nominal
# line: they open with two brighter turns, which read raised against the guess (4 dB louder, 6 dB brighter)
OPENING = [(CALLER_PRIOR.level_dbfs + 4.0, CALLER_PRIOR.tilt_db + 6.0)] * 2
CALM_TURNS = OPENING + [(-27.0, -13.0), (-26.0, -10.0), (-25.0, -8.0), (-24.0, -6.0)] * 2


def _turn(track: SpeakerTrack, *, start: int, level_dbfs: float, tilt_db: float, frames: int = 100,
          semitones_up: float = 0.0) -> int:
    """One turn of `frames` voiced frames from `start`, then 0.6 s of silence; how many episodes started."""
    started = 0
    for frame in range(start, start + frames + 60):
        voiced = frame < start + frames
        transition = track.step(frame, level_dbfs=level_dbfs, f0_hz=CALM_F0_HZ * 2 ** (semitones_up / 12),
                                tilt_db=tilt_db, rate_syl_s=4.0, voiced=voiced, speech=voiced)
        started += transition is not None and transition.started
    return started


def _calm_opening(track: SpeakerTrack) -> int:
    """The calm caller's turns of 1 s each (8 s of voicing); how many episodes started."""
    return sum(_turn(track, start=i * 160, level_dbfs=level, tilt_db=tilt)
               for i, (level, tilt) in enumerate(CALM_TURNS))


def test_a_calm_caller_a_few_db_over_the_prior_learns_their_whole_calm_voice() -> None:
    """The brighter opening turns read raised against the prior and were left out; judged again against the
    calibration's own estimate they are calm, so the learned calm voice is all of the calm turns' (the tilt's
    median, the level's 80th percentile), not only the duller ones'; a calm caller is never flagged."""
    track = caller_prior_track()
    assert _calm_opening(track) == 0
    assert not track.baseline.from_prior
    levels, tilts = np.repeat(np.array(CALM_TURNS), 100, axis=0).T
    assert abs(track.baseline.values.tilt_db - float(np.median(tilts))) <= 0.5
    assert abs(track.baseline.values.level_dbfs - float(np.percentile(levels, 80))) <= 0.5
    assert _turn(track, start=2000, level_dbfs=OPENING[0][0], tilt_db=OPENING[0][1]) == 0  # a bright calm turn


def test_a_raised_turn_after_the_calm_opening_still_fires() -> None:
    """9 dB over the brighter calm turns, 3 dB flatter still and 3 semitones up: raised."""
    track = caller_prior_track()
    _calm_opening(track)
    level_dbfs, tilt_db = OPENING[0]
    assert _turn(track, start=2000, level_dbfs=level_dbfs + 9.0, tilt_db=tilt_db + 3.0, frames=150,
                 semitones_up=3.0) >= 1


def test_a_raised_opening_stays_out_of_the_calm_voice() -> None:
    """A caller raised from the first word (12 dB over the calm voice, 6 dB flatter) fires, and those frames do
    not lift the calm voice learned from the calm turns after them."""
    track = caller_prior_track()
    calm_level_dbfs, calm_tilt_db = -25.0, -9.0
    raised = sum(_turn(track, start=i * 160, level_dbfs=calm_level_dbfs + 12.0, tilt_db=calm_tilt_db + 6.0,
                       frames=150, semitones_up=4.0) for i in range(3))
    assert raised >= 1
    for i in range(8):
        _turn(track, start=600 + i * 160, level_dbfs=calm_level_dbfs, tilt_db=calm_tilt_db)
    assert not track.baseline.from_prior
    assert abs(track.baseline.values.level_dbfs - calm_level_dbfs) <= 1.0
    assert abs(track.baseline.values.tilt_db - calm_tilt_db) <= 1.0
