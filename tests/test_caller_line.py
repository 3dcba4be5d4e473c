"""The caller's line: a brighter line (headset, codec) must not read as a raised voice; a raised caller still does.

Feature frames go straight into the caller's track (no audio): the line's tilt is known exactly here, and the
judgement after calibration is what a bright line changed (benchmarks/detection_stress.py, bright6).
"""

from __future__ import annotations

import numpy as np

from calmcue.detector.baseline import BaselineValues, SpeakerBaseline
from calmcue.detector.speaker import SpeakerTrack
from conftest import CALLER_PRIOR, caller_prior_track

CALM_LEVEL_DBFS = -40.0
CALM_F0_HZ = 150.0


def _speak(track: SpeakerTrack, *, start: int, frames: int, level_dbfs: float, tilt_db: float,
           f0_hz: float = CALM_F0_HZ) -> list[bool]:
    """`frames` voiced frames from `start`, then 1 s of silence; the episode starts seen on the way."""
    started = []
    for frame in range(start, start + frames + 100):
        voiced = frame < start + frames
        transition = track.step(frame, level_dbfs=level_dbfs, f0_hz=f0_hz, tilt_db=tilt_db, rate_syl_s=4.0,
                                voiced=voiced, speech=voiced)
        started += [transition.started] if transition is not None else []
    return [s for s in started if s]


def _turn_after_calm_speech(*, line_tilt_db: float, level_over_db: float, tilt_over_db: float) -> bool:
    """A caller calm for 8 s on a line whose calm tilt is `line_tilt_db`, then one 1.5 s turn this far over it."""
    track = caller_prior_track()
    assert _speak(track, start=0, frames=800, level_dbfs=CALM_LEVEL_DBFS, tilt_db=line_tilt_db) == []
    assert not track.baseline.from_prior and abs(track.baseline.values.tilt_db - line_tilt_db) < 0.5
    turn = _speak(track, start=900, frames=150, level_dbfs=CALM_LEVEL_DBFS + level_over_db,
                  tilt_db=line_tilt_db + tilt_over_db, f0_hz=CALM_F0_HZ * 2 ** (1 / 12))
    return bool(turn)


def test_a_brighter_turn_on_a_bright_line_is_not_raised_where_a_flat_line_would_flag_it() -> None:
    """6.5 dB louder, 3 dB flatter, a semitone up: raised on a line at the prior's tilt; on a line 6 dB brighter
    the same readings are mostly the line lifting the bright turn's level."""
    assert _turn_after_calm_speech(line_tilt_db=CALLER_PRIOR.tilt_db, level_over_db=6.5, tilt_over_db=3.0)
    assert not _turn_after_calm_speech(line_tilt_db=CALLER_PRIOR.tilt_db + 6.0, level_over_db=6.5, tilt_over_db=3.0)


def test_a_raised_caller_on_a_bright_line_still_fires() -> None:
    """The line's discount is bounded: 9 dB louder with a flatter tilt is raised on any line."""
    for line_tilt_db in (CALLER_PRIOR.tilt_db, CALLER_PRIOR.tilt_db + 6.0, CALLER_PRIOR.tilt_db + 15.0):
        assert _turn_after_calm_speech(line_tilt_db=line_tilt_db, level_over_db=9.0, tilt_over_db=3.0)


def test_a_line_no_brighter_than_calm_voices_gets_no_discount() -> None:
    """A naturally bright calm voice (within the margin of the prior) is judged as on a flat line."""
    assert _turn_after_calm_speech(line_tilt_db=CALLER_PRIOR.tilt_db + 2.0, level_over_db=6.0, tilt_over_db=3.0)



def _calibrated(frames: list[tuple[float, float, bool]]) -> BaselineValues:
    """A caller's baseline fed voiced frames (level, tilt, whether the prior phase judged the frame raised)."""
    baseline = SpeakerBaseline(calibration_speech_s=5.0, adapt_speech_s=300.0, prior=CALLER_PRIOR)
    for level_dbfs, tilt_db, raised in frames:
        baseline.observe(level_dbfs=level_dbfs, pitch_st=7.0, tilt_db=tilt_db, rate_syl_s=4.0, voiced=True,
                         raised=raised)
    assert not baseline.from_prior and baseline.values is not None
    return baseline.values


def test_calm_frames_the_prior_took_for_raised_count_in_the_calibration() -> None:
    """On a line louder than the prior's guess, the caller's louder calm frames read raised against the prior and
    were left out: the learned calm voice sat under the real one. Judged again against the calibration's own
    first estimate, those near it count (the top 30 % left out here: about a third of the 2.2 dB comes back)."""
    rng = np.random.default_rng(5)
    calm_levels = -20.0 + rng.normal(0.0, 3.0, 800)
    frames = [(float(level), -10.0 + 0.3 * float(level + 20.0), bool(level > -18.5)) for level in calm_levels]
    learned = _calibrated(frames)
    kept_only_dbfs = float(np.percentile([level for level, _, raised in frames if not raised], 80))
    assert learned.level_dbfs >= kept_only_dbfs + 0.4  # the left-out calm frames moved it up...
    assert learned.level_dbfs <= float(np.percentile(calm_levels, 80)) + 0.5  # ...never past the calm voice


def test_a_caller_s_raised_frames_stay_out_of_the_calibration() -> None:
    """A raised opening (12 dB over the calm voice, 6 dB flatter) the prior judged raised never comes back."""
    rng = np.random.default_rng(6)
    raised = [(float(-8.0 + rng.normal(0.0, 2.0)), -4.0, True) for _ in range(400)]
    calm_levels = -20.0 + rng.normal(0.0, 2.0, 600)
    calm = [(float(level), -10.0, False) for level in calm_levels]
    learned = _calibrated(raised + calm)
    assert abs(learned.level_dbfs - float(np.percentile(calm_levels, 80))) <= 1.0
