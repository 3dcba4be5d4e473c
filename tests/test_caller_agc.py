"""A caller on a line with automatic gain control (a mobile phone, a softphone): the gain comes down after loud
speech and moves the line's floor with the voice, so a raise read against the floor still fires; a calm voice at
any gain, and a floor that fell on its own (the noise went), do not.

Feature frames go straight into the caller's track (no audio): the gain and the floor are known exactly here
(benchmarks/detection_stress.py, agcline, measures the same on speech).
"""

from __future__ import annotations

import math

from calmcue.detector.speaker import SpeakerTrack
from conftest import caller_prior_track

CALM_LEVEL_DBFS = -30.0
CALM_TILT_DB = -10.0
CALM_F0_HZ = 150.0
FLOOR_DBFS = -70.0


def _turns(track: SpeakerTrack, *, start: int, count: int, level_dbfs: float, floor_dbfs: float,
           tilt_db: float = CALM_TILT_DB, semitones_up: float = 0.0) -> int:
    """`count` turns of 1.5 s of voicing, each after 1 s of pause at `floor_dbfs` (NaN: digital silence), from
    frame `start`; returns how many raised-voice episodes started."""
    started = 0
    frame = start
    for _ in range(count):
        for index in range(250):
            voiced = index >= 100
            line_dbfs = level_dbfs if voiced else (-100.0 if math.isnan(floor_dbfs) else floor_dbfs)
            transition = track.step(frame, level_dbfs=level_dbfs, f0_hz=CALM_F0_HZ * 2 ** (semitones_up / 12),
                                    tilt_db=tilt_db, rate_syl_s=4.0, voiced=voiced, speech=voiced,
                                    line_level_dbfs=line_dbfs)
            started += transition is not None and transition.started
            frame += 1
    return started


def _calibrated_caller(*, floor_dbfs: float = FLOOR_DBFS) -> SpeakerTrack:
    """A caller calm for 6 turns (9 s of voicing) on a line whose pauses sit at `floor_dbfs`."""
    track = caller_prior_track()
    assert _turns(track, start=0, count=6, level_dbfs=CALM_LEVEL_DBFS, floor_dbfs=floor_dbfs) == 0
    assert not track.baseline.from_prior
    return track


def _raise_after_the_gain_came_down(*, floor_dbfs: float, gain_db: float) -> int:
    """The AGC took the gain down `gain_db` (voice and floor alike); then a raise 12 dB louder than the calm voice
    with a flatter tilt and a higher pitch: on the line it reads 12 + gain_db over the calm voice's level."""
    track = _calibrated_caller(floor_dbfs=floor_dbfs)
    return _turns(track, start=1500, count=2, level_dbfs=CALM_LEVEL_DBFS + 12.0 + gain_db,
                  floor_dbfs=floor_dbfs + gain_db, tilt_db=CALM_TILT_DB + 4.0, semitones_up=3.0)


def test_a_raise_after_the_line_gain_came_down_still_fires() -> None:
    """10 dB of the raise went to the AGC: it reads +2 dB over the learned calm level, +12 dB over the floor."""
    assert _raise_after_the_gain_came_down(floor_dbfs=FLOOR_DBFS, gain_db=-10.0) >= 1


def test_without_a_floor_the_same_raise_reads_only_its_level() -> None:
    """A line that gates its pauses to digital silence has no floor: the reading is not made (the contrast that
    shows the floor is what finds the raise above)."""
    assert _raise_after_the_gain_came_down(floor_dbfs=math.nan, gain_db=-10.0) == 0
    assert _raise_after_the_gain_came_down(floor_dbfs=math.nan, gain_db=0.0) >= 1  # a raise at the old gain does


def test_a_calm_caller_at_any_line_gain_does_not_fire() -> None:
    """The AGC moves the gain both ways; a calm voice with it (voice and floor together) is never raised."""
    for gain_db in (-15.0, -8.0, 6.0, 12.0):
        track = _calibrated_caller()
        assert _turns(track, start=1500, count=4, level_dbfs=CALM_LEVEL_DBFS + gain_db,
                      floor_dbfs=FLOOR_DBFS + gain_db, tilt_db=CALM_TILT_DB + 1.0) == 0, gain_db


def test_a_floor_that_fell_on_its_own_does_not_make_calm_speech_raised() -> None:
    """Noise on the caller's side stops (the floor falls 20 dB, the voice stays): once their calm voice has been
    heard over the new floor, a slightly brighter calm turn is not read as 20 dB louder."""
    track = _calibrated_caller(floor_dbfs=-50.0)
    assert _turns(track, start=1500, count=2, level_dbfs=CALM_LEVEL_DBFS, floor_dbfs=-70.0) == 0
    assert _turns(track, start=2000, count=3, level_dbfs=CALM_LEVEL_DBFS + 1.0, floor_dbfs=-70.0,
                  tilt_db=CALM_TILT_DB + 3.0, semitones_up=1.0) == 0
