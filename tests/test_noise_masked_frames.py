"""Noise that hides a calm voice's weakest voiced frames does not shrink a raise.

Noise 10 dB under a calm voice leaves its loud syllables voiced but hides the weak frames at the edges of each
(the voicing decision cannot tell them from the noise), while a raised voice, 10 dB louder, keeps nearly all of its
frames. Read over the voiced frames alone, the calm voice's level quantile then comes out higher than on a quiet
line, and a raise reads smaller over it. Those hidden frames are still speech, and where the noise is as loud as
they are it may have covered them (detector/masking.py): counted where they stood, the raise reads over the calm
voice as it does without the noise, and the calm voice still reads calm.

Feature frames go straight into a track (no audio): each syllable's frames rise and fall over 24 dB over steady
noise 16 dB under the calm peaks; a frame the noise hides is one under the noise plus a 4 dB voicing margin, and
the features take the noise's power off exactly (so a frame is half noise where it stood at the noise or under).
"""

from __future__ import annotations

import math

import numpy as np

from calmcue.config.schema import DetectorSettings
from calmcue.detector.baseline import SpeakerBaseline
from calmcue.detector.masking import NoiseMask
from calmcue.detector.speaker import SpeakerTrack, Thresholds

CALM_PEAK_DBFS = -30.0
CALM_TILT_DB = -10.0
CALM_F0_HZ = 150.0
SYLLABLE = np.concatenate([np.linspace(-24.0, 0.0, 12), np.linspace(0.0, -24.0, 12)[1:]])  # dB, one syllable
NOISE_DBFS = CALM_PEAK_DBFS - 16.0
HIDDEN_UNDER_DBFS = NOISE_DBFS + 4.0  # voicing needs this much
RAISE_DB = 10.0


def _track() -> SpeakerTrack:
    settings = DetectorSettings()
    thresholds = Thresholds.from_settings(settings.raised_voice, scale=settings.threshold_scale)
    baseline = SpeakerBaseline(calibration_speech_s=8.0, adapt_speech_s=300.0)
    return SpeakerTrack(baseline=baseline, thresholds=thresholds, min_s=0.6, exit_s=2.0, rebase=False)


def _speak(track: SpeakerTrack, frame: int, *, syllables: int, over_db: float, noisy: bool, masked_seen: bool,
           semitones_up: float = 0.0, tilt_over_db: float = 0.0) -> tuple[int, list[float]]:
    """`syllables` syllables `over_db` over the calm voice (a short pause after each); returns the next frame and
    the track's level over its baseline at each syllable's loudest frame."""
    readings = []
    for _ in range(syllables):
        for level_db in [*SYLLABLE + over_db, *[math.nan] * 6]:
            speech = not math.isnan(level_db)
            level_dbfs = CALM_PEAK_DBFS + level_db if speech else -120.0
            hidden = noisy and speech and level_dbfs < HIDDEN_UNDER_DBFS
            heard_dbfs = 10 * math.log10(10 ** (level_dbfs / 10) + 10 ** (NOISE_DBFS / 10)) if noisy else level_dbfs
            track.step(frame, level_dbfs=level_dbfs, f0_hz=CALM_F0_HZ * 2 ** (semitones_up / 12),
                       tilt_db=CALM_TILT_DB + tilt_over_db, rate_syl_s=4.0, voiced=speech and not hidden,
                       speech=speech, heard_dbfs=heard_dbfs if masked_seen else math.nan)
            if speech and level_db == over_db:
                readings.append(track.over[0])
            frame += 1
    return frame, readings


def _raise_reads(*, noisy: bool, masked_seen: bool) -> tuple[float, float]:
    """(calm voice, raise) over the baseline: medians of the readings after 10 s of calm calibrating voice."""
    track = _track()
    frame, _ = _speak(track, 0, syllables=350, over_db=0.0, noisy=noisy, masked_seen=masked_seen)
    frame, calm = _speak(track, frame, syllables=60, over_db=0.0, noisy=noisy, masked_seen=masked_seen)
    _, raised = _speak(track, frame, syllables=20, over_db=RAISE_DB, noisy=noisy, masked_seen=masked_seen,
                       semitones_up=4.0, tilt_over_db=3.0)
    return float(np.median(calm)), float(np.median(raised))


def test_a_raise_reads_as_on_a_quiet_line_when_the_hidden_frames_count() -> None:
    _, quiet_raise = _raise_reads(noisy=False, masked_seen=False)
    unseen_calm, unseen_raise = _raise_reads(noisy=True, masked_seen=False)
    seen_calm, seen_raise = _raise_reads(noisy=True, masked_seen=True)
    assert quiet_raise - unseen_raise >= 1.5  # the effect: read over voiced frames alone, the raise shrinks
    assert abs(seen_raise - quiet_raise) < 0.5 * (quiet_raise - unseen_raise)
    assert abs(seen_calm - unseen_calm) < 1.0  # and the calm voice reads no louder for the frames counted


def test_an_unvoiced_speech_frame_is_covered_where_the_noise_is_as_loud() -> None:
    mask = NoiseMask()
    assert mask.covered(heard_dbfs=-40.0, speech_dbfs=-44.0, speech=True, voiced=False)  # half noise or more
    assert not mask.covered(heard_dbfs=-40.0, speech_dbfs=-44.0, speech=True, voiced=True)  # voiced: read as it is
    assert not mask.covered(heard_dbfs=-40.0, speech_dbfs=-40.5, speech=True, voiced=False)  # no pauses heard yet
    for index in range(100):  # a noise that comes and goes: its pauses' median is -45 dBFS
        mask.covered(heard_dbfs=-50.0 if index % 2 else -40.0, speech_dbfs=-60.0, speech=False, voiced=False)
    assert mask.covered(heard_dbfs=-46.0, speech_dbfs=-46.5, speech=True, voiced=False)
    assert not mask.covered(heard_dbfs=-40.0, speech_dbfs=-40.5, speech=True, voiced=False)  # clearer than the noise
    assert not mask.covered(heard_dbfs=-50.0, speech_dbfs=-50.0, speech=False, voiced=False)  # a pause: no speech
