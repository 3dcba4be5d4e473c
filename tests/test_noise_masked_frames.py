"""Noise that hides a calm voice's weakest voiced frames does not shrink a raise.

Noise 10 dB under a calm voice leaves its loud syllables voiced but hides the weak frames at the edges of each
(the voicing decision cannot tell them from the noise), while a raised voice, 10 dB louder, keeps nearly all of its
frames. Read over the voiced frames alone, the calm voice's level quantile then comes out higher than on a quiet
line, and a raise reads smaller over it. Those hidden frames are still speech and half noise or more
(speaker.in_noise): counted where they stood, the raise reads over the calm voice as it does without the noise, and
the calm voice still reads calm.

Feature frames go straight into a track (no audio): each syllable's frames rise and fall over 24 dB, and a frame
the noise hides is exactly one whose level stood under the noise floor plus the voicing margin.
"""

from __future__ import annotations

import math

import numpy as np

from calmcue.config.schema import DetectorSettings
from calmcue.detector.baseline import SpeakerBaseline
from calmcue.detector.speaker import MASKED_DB, SpeakerTrack, Thresholds, in_noise
from calmcue.features.extractor import ChannelFrame

CALM_PEAK_DBFS = -30.0
CALM_TILT_DB = -10.0
CALM_F0_HZ = 150.0
SYLLABLE = np.concatenate([np.linspace(-24.0, 0.0, 12), np.linspace(0.0, -24.0, 12)[1:]])  # dB, one syllable
HIDDEN_UNDER_DBFS = CALM_PEAK_DBFS - 12.0  # the noise 16 dB under the calm peaks, voicing 4 dB over it
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
            level_dbfs = CALM_PEAK_DBFS + level_db if speech else -90.0
            hidden = noisy and speech and level_dbfs < HIDDEN_UNDER_DBFS
            track.step(frame, level_dbfs=level_dbfs, f0_hz=CALM_F0_HZ * 2 ** (semitones_up / 12),
                       tilt_db=CALM_TILT_DB + tilt_over_db, rate_syl_s=4.0, voiced=speech and not hidden,
                       speech=speech, masked=hidden and masked_seen)
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
    quiet_calm, quiet_raise = _raise_reads(noisy=False, masked_seen=False)
    _, unseen_raise = _raise_reads(noisy=True, masked_seen=False)
    seen_calm, seen_raise = _raise_reads(noisy=True, masked_seen=True)
    assert quiet_raise - unseen_raise >= 1.5  # the effect: read over voiced frames alone, the raise shrinks
    assert abs(seen_raise - quiet_raise) < 0.5 * (quiet_raise - unseen_raise)
    assert abs(seen_calm - quiet_calm) < 1.0  # and the calm voice still reads calm


def test_a_frame_is_in_noise_when_the_noise_took_half_its_power() -> None:
    def frame(level_dbfs: float, speech_level_dbfs: float) -> ChannelFrame:
        return ChannelFrame(level_dbfs, speech_level_dbfs, math.nan, math.nan, math.nan, 0.9, False)

    assert in_noise(frame(-40.0, -40.0 - MASKED_DB))
    assert not in_noise(frame(-40.0, -40.5))  # a voice far over its floor: the noise took little
