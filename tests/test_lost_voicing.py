"""A raised voice whose loudest frames the pitch tracker lost still reads as loud as it is.

A shouted or pressed voice is rough: its loudest frames are less periodic than a calm voice's, and the voicing
decision drops some of them although the activity model hears speech there. Read over the voiced frames alone, the
raise reads smaller than it is. An unvoiced consonant is never louder than the vowels around it, so on the agent's
track an unvoiced speech frame louder than the voice's recent voiced frames is voice the tracker lost, and counts
for the short-term level the judge reads (never for pitch or tilt). A calm voice's consonants, quieter than its
vowels, change nothing.

Feature frames go straight into a track (no audio): each syllable's frames rise and fall over 24 dB.
"""

from __future__ import annotations

import math

import numpy as np

from calmcue.config.schema import DetectorSettings
from calmcue.detector.baseline import SpeakerBaseline
from calmcue.detector.speaker import SpeakerTrack, Thresholds

CALM_PEAK_DBFS = -30.0
CALM_TILT_DB = -10.0
CALM_F0_HZ = 150.0
SYLLABLE = np.concatenate([np.linspace(-24.0, 0.0, 12), np.linspace(0.0, -24.0, 12)[1:]])  # dB, one syllable
RAISE_DB = 10.0


def _agent_track() -> SpeakerTrack:
    settings = DetectorSettings()
    thresholds = Thresholds.from_settings(settings.raised_voice, scale=settings.threshold_scale)
    baseline = SpeakerBaseline(calibration_speech_s=8.0, adapt_speech_s=300.0)
    return SpeakerTrack(baseline=baseline, thresholds=thresholds, min_s=settings.raised_voice.agent_min_s,
                        exit_s=2.0)


def _speak(track: SpeakerTrack, frame: int, *, syllables: int, over_db: float, lost_top_db: float = 0.0,
           lost_bottom_db: float = -math.inf) -> tuple[int, list[float]]:
    """`syllables` syllables `over_db` over the calm voice (a short pause after each); a syllable's frames within
    `lost_top_db` of its peak, and those `lost_bottom_db` or more under it, are speech the tracker did not voice.
    Returns the next frame and the track's level over its baseline after each syllable."""
    readings = []
    for _ in range(syllables):
        for level_db in [*SYLLABLE, *[math.nan] * 6]:
            speech = not math.isnan(level_db)
            lost = speech and (level_db > -lost_top_db or level_db <= lost_bottom_db)
            track.step(frame, level_dbfs=CALM_PEAK_DBFS + over_db + level_db if speech else -120.0,
                       f0_hz=CALM_F0_HZ if speech and not lost else math.nan, tilt_db=CALM_TILT_DB, rate_syl_s=4.0,
                       voiced=speech and not lost, speech=speech)
            frame += 1
        readings.append(track.over[0])
    return frame, readings


def _reads(*, lost_top_db: float = 0.0, lost_bottom_db: float = -math.inf) -> tuple[float, float]:
    """(calm voice, raise) over the baseline after 80 s of calm voice (its consonants as in the calm voice read
    after it): medians of the readings."""
    track = _agent_track()
    frame, _ = _speak(track, 0, syllables=350, over_db=0.0, lost_bottom_db=lost_bottom_db)
    frame, calm = _speak(track, frame, syllables=60, over_db=0.0, lost_bottom_db=lost_bottom_db)
    _, raised = _speak(track, frame, syllables=20, over_db=RAISE_DB, lost_top_db=lost_top_db)
    return float(np.median(calm)), float(np.median(raised))


def test_a_raise_whose_loudest_frames_were_not_voiced_reads_as_loud() -> None:
    _, voiced_raise = _reads()
    _, rough_raise = _reads(lost_top_db=6.0)  # the top 6 dB of every raised syllable lost to the tracker
    assert voiced_raise >= RAISE_DB - 2.0
    assert abs(rough_raise - voiced_raise) < 1.0


def test_a_calm_voice_s_quieter_unvoiced_frames_leave_it_calm() -> None:
    consonant_calm, _ = _reads(lost_bottom_db=-12.0)  # every syllable's quieter edges unvoiced (consonants)
    assert abs(consonant_calm) < 1.0  # counted, they would pull the short-term level under the baseline


def _utter(track: SpeakerTrack, frame: int, starts: list[int], *, syllables: int, over_db: float = 0.0,
           pitch_st: float = 0.0, tilt_db: float = 0.0) -> int:
    """Voiced syllables `over_db`, `pitch_st` and `tilt_db` over the calm voice; episodes started go to `starts`."""
    for _ in range(syllables):
        for level_db in [*SYLLABLE, *[math.nan] * 6]:
            speech = not math.isnan(level_db)
            moved = track.step(frame, level_dbfs=CALM_PEAK_DBFS + over_db + level_db if speech else -120.0,
                               f0_hz=CALM_F0_HZ * 2.0 ** (pitch_st / 12.0) if speech else math.nan,
                               tilt_db=CALM_TILT_DB + tilt_db, rate_syl_s=4.0, voiced=speech, speech=speech)
            starts += [frame] if moved is not None and moved.started else []
            frame += 1
    return frame


def test_a_loud_unvoiced_burst_in_a_calm_voice_is_no_raise() -> None:
    """A cough, a laugh's breath or a sigh into the boom is speech to the activity model, unvoiced and louder
    than the voice: counted for the level, it must still not make a lively calm voice (a little higher and
    brighter than its baseline) read raised - a raise needs the voice's effort too, and that voice raised does."""
    for burst_s in (0.0, 0.6, 1.0):
        track, starts = _agent_track(), []
        frame, _ = _speak(track, 0, syllables=350, over_db=0.0)
        frame = _utter(track, frame, starts, syllables=3, pitch_st=2.0, tilt_db=2.0)
        for _ in range(round(burst_s / 0.01)):
            moved = track.step(frame, level_dbfs=CALM_PEAK_DBFS + 20.0, f0_hz=math.nan, tilt_db=math.nan,
                               rate_syl_s=4.0, voiced=False, speech=True)
            starts += [frame] if moved is not None and moved.started else []
            frame += 1
        _utter(track, frame, starts, syllables=10, pitch_st=2.0, tilt_db=2.0)
        assert starts == [], f"a {burst_s} s unvoiced burst started an episode"
    track, starts = _agent_track(), []
    frame, _ = _speak(track, 0, syllables=350, over_db=0.0)
    _utter(track, frame, starts, syllables=10, over_db=12.0, pitch_st=3.0, tilt_db=4.0)
    assert starts, "the same voice raised 12 dB with its effort was not caught"
