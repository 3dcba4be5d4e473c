"""A caller on a line that squeezes a raise (a limiter, an AGC): the loudest raises read only a few dB over the calm
voice, with a raised voice's pitch and tilt intact. Once the line has been seen taking level off effortful voicing,
such a raise fires; a calm voice on that line does not, and a line that leaves a raise its level asks it of the
next one in full.

Feature frames go straight into the caller's track (no audio): the levels the line leaves are set exactly here
(benchmarks/detection_stress.py, agcline, measures the same on speech through benchmarks/line_agc.py).
"""

from __future__ import annotations

from calmcue.config.schema import DetectorSettings
from calmcue.detector.baseline import SpeakerBaseline
from calmcue.detector.linefloor import SQUEEZED_DB, SQUEEZED_MIN_SHARE, SQUEEZED_SHARE, LevelSqueeze
from calmcue.detector.speaker import SpeakerTrack, Thresholds
from conftest import caller_prior_track

CALM_LEVEL_DBFS = -30.0
CALM_TILT_DB = -10.0
CALM_F0_HZ = 150.0
FLOOR_DBFS = -70.0
RAISED_SEMITONES = 8.0  # a raised voice's pitch and tilt over the calm voice's (the agcline row's loudest raises:
RAISED_TILT_DB = 4.0  # +8..+11 st and +3..+6 dB); at +4 dB a squeezed raise keeps a quarter of the level they explain


def _turns(track: SpeakerTrack, *, start: int, count: int, level_over_db: float, tilt_over_db: float = 0.0,
           semitones_up: float = 0.0) -> int:
    """`count` turns of 1.5 s of voicing `level_over_db` over the calm voice, each after 1 s of pause, from frame
    `start`; returns how many raised-voice episodes started."""
    started = 0
    frame = start
    level_dbfs = CALM_LEVEL_DBFS + level_over_db
    for _ in range(count):
        for index in range(250):
            voiced = index >= 100
            transition = track.step(frame, level_dbfs=level_dbfs, f0_hz=CALM_F0_HZ * 2 ** (semitones_up / 12),
                                    tilt_db=CALM_TILT_DB + tilt_over_db, rate_syl_s=4.0, voiced=voiced,
                                    speech=voiced, line_level_dbfs=level_dbfs if voiced else FLOOR_DBFS)
            started += transition is not None and transition.started
            frame += 1
    return started


def _calibrated_caller() -> SpeakerTrack:
    track = caller_prior_track()
    assert _turns(track, start=0, count=6, level_over_db=0.0) == 0
    assert not track.baseline.from_prior
    return track


def _raises(track: SpeakerTrack, *, start: int, count: int, level_over_db: float) -> int:
    return _turns(track, start=start, count=count, level_over_db=level_over_db, tilt_over_db=RAISED_TILT_DB,
                  semitones_up=RAISED_SEMITONES)


def test_a_raise_squeezed_to_a_few_db_fires_on_a_line_seen_squeezing() -> None:
    """Raises that read only +4 dB (under the caller's 5 dB level threshold): once the line was seen squeezing
    them, they fire."""
    track = _calibrated_caller()
    assert _raises(track, start=1500, count=4, level_over_db=4.0) >= 1
    assert track.line.squeeze.relief_db(5.0) > 0.0


def test_a_calm_voice_on_a_squeezing_line_does_not_fire() -> None:
    """The same line, the same +4 dB, with the calm voice's pitch and tilt (a bright word, the gain coming back):
    the level a raise needs came down, the raise index did not, so it stays unflagged."""
    track = _calibrated_caller()
    _raises(track, start=1500, count=4, level_over_db=4.0)
    assert track.line.squeeze.relief_db(5.0) > 0.0
    assert _turns(track, start=2500, count=4, level_over_db=4.0, tilt_over_db=1.0, semitones_up=1.0) == 0
    assert _turns(track, start=3500, count=4, level_over_db=0.0) == 0


def test_a_line_that_leaves_raises_their_level_asks_for_it_in_full() -> None:
    """On a line that passes a raise's level (+16 dB with the same pitch and tilt), nothing is squeezed: the level
    a raise needs stays where it was."""
    track = _calibrated_caller()
    assert _raises(track, start=1500, count=4, level_over_db=16.0) >= 1
    assert track.line.squeeze.relief_db(5.0) == 0.0


def test_the_squeeze_is_read_only_from_effortful_voicing_and_keeps_the_level_over_the_calm_voice() -> None:
    """Calm voicing (no effort) says nothing of the line; the relief never takes the level needed under
    the floor it is given."""
    squeeze = LevelSqueeze()
    for _ in range(500):
        squeeze.voiced(level_over_db=-15.0, effort_db=2.0)  # a quiet calm voice: no effort, no evidence
    assert squeeze.relief_db(5.0) == 0.0
    for _ in range(500):
        squeeze.voiced(level_over_db=8.0, effort_db=30.0)  # effort explains 30 dB, the line left a quarter of it
    assert 0.0 < squeeze.relief_db(5.0) <= 3.0
    assert squeeze.relief_db(2.0) == 0.0


def test_a_lively_voice_whose_melody_keeps_its_level_is_no_squeeze() -> None:
    """A voice that moves its pitch and brightness a long way at its usual level (read speech, a friendly service
    voice) keeps almost none of the level that effort would explain: that is the voice, not a line taking level, so
    the level a raise needs stays where it was - on the agent's track such stretches at +2.5 dB stay unflagged."""
    squeeze = LevelSqueeze()
    for _ in range(500):
        squeeze.voiced(level_over_db=1.0, effort_db=20.0)
    assert squeeze.squeeze_db >= SQUEEZED_DB and squeeze.kept_share < SQUEEZED_MIN_SHARE
    assert squeeze.relief_db(6.0) == 0.0
    track = _calibrated_agent()
    assert _turns(track, start=1500, count=10, level_over_db=2.5, tilt_over_db=5.0, semitones_up=10.0) == 0
    assert track.line.squeeze.relief_db(track.thresholds.level_enter_db) == 0.0


def _calibrated_agent() -> SpeakerTrack:
    settings = DetectorSettings()
    baseline = SpeakerBaseline(calibration_speech_s=5.0, adapt_speech_s=300.0)
    thresholds = Thresholds.from_settings(settings.raised_voice, scale=settings.threshold_scale)
    track = SpeakerTrack(baseline=baseline, thresholds=thresholds, min_s=settings.raised_voice.agent_min_s, exit_s=2.0)
    assert _turns(track, start=0, count=6, level_over_db=0.0) == 0
    assert track.baseline.values is not None
    return track


def test_the_agent_s_raise_squeezed_by_a_headset_compressor_fires_once_the_squeeze_is_seen() -> None:
    """The agent's mic through a compressor: raises read +4 dB with pitch +10 st and tilt +2 dB - under the agent's
    6 dB level threshold, and their raise index (11 dB) under its 12 dB. Once the line was seen squeezing them both
    come down and they fire; a calm voice at the same +4 dB on that line does not."""
    track = _calibrated_agent()
    squeezed = _turns(track, start=1500, count=6, level_over_db=4.0, tilt_over_db=2.0, semitones_up=10.0)
    assert squeezed >= 1
    assert track.line.squeeze.relief_db(track.thresholds.level_enter_db) > 0.0
    assert _turns(track, start=3500, count=4, level_over_db=4.0, tilt_over_db=1.0, semitones_up=1.0) == 0


def test_a_line_that_keeps_a_third_of_a_small_raise_is_seen_squeezing() -> None:
    """A compressor takes a fixed share of a rise, so a small raise loses few dB: effort explaining +10.5 dB that
    reads +3.5 dB lacks 7 dB (under SQUEEZED_DB) but keeps a third of its level. Such a line squeezes; one that
    keeps most of the level does not, however many dB the effort explains."""
    squeeze = LevelSqueeze()
    for _ in range(500):
        squeeze.voiced(level_over_db=3.5, effort_db=10.5)
    assert squeeze.squeeze_db < SQUEEZED_DB
    assert squeeze.kept_share <= SQUEEZED_SHARE
    assert squeeze.relief_db(5.0) > 0.0
    kept = LevelSqueeze()
    for _ in range(500):
        kept.voiced(level_over_db=14.0, effort_db=20.0)  # 6 dB short of its effort, 70 % of its level kept
    assert kept.relief_db(5.0) == 0.0


def test_a_caller_raised_behind_a_compressor_fires_and_calm_behind_it_does_not() -> None:
    """Raises with pitch +5 st and tilt +3 dB that a compressor leaves +3.5 dB over the calm voice (under the
    caller's 5 dB level threshold; their raise index 9 dB is met): once the line was seen keeping a third of their
    level, they fire; the calm voice at the same +3.5 dB with its own pitch and tilt does not."""
    track = _calibrated_caller()
    raised = _turns(track, start=1500, count=4, level_over_db=3.5, tilt_over_db=3.0, semitones_up=5.0)
    assert raised >= 1
    assert track.line.squeeze.relief_db(track.thresholds.level_enter_db) > 0.0
    assert _turns(track, start=2500, count=4, level_over_db=3.5, tilt_over_db=1.0, semitones_up=1.0) == 0
