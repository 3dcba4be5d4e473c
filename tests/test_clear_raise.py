"""A short phrase clearly raised is confirmed in half the agent's minimum duration; a short lively calm exclamation
still needs the whole minimum.

The raise index counts level, pitch and brightness together, so a calm exclamation (much higher, a little brighter,
hardly louder) can read over its enter threshold as a raise does. What tells them apart is the level: a raise is
clearly louder than the level a raise needs (+3 dB over it, twice the power), a calm exclamation is not. Only a
pending raise that clear for its whole length is confirmed early (speaker.CLEAR_OVER_ENTER_DB, state.EpisodeMachine's
early_frames); any other waits the minimum, as before.

Feature frames go straight into the agent's track (no audio): each syllable's voiced frames rise and fall over
24 dB, an unvoiced consonant joins it to the next.
"""

from __future__ import annotations

import math

import numpy as np

from calmcue.config.schema import DetectorSettings
from calmcue.detector.baseline import SpeakerBaseline
from calmcue.detector.detector import AGENT_PENDING_GAP_FRAMES
from calmcue.detector.speaker import SpeakerTrack, Thresholds
from calmcue.detector.state import Transition

CALM_PEAK_DBFS = -30.0
CALM_TILT_DB = -10.0
CALM_F0_HZ = 150.0
VOWEL = np.concatenate([np.linspace(-24.0, 0.0, 12), np.linspace(0.0, -24.0, 12)[1:]])  # dB, one syllable's voicing
CONSONANT_FRAMES = 6  # unvoiced speech between syllables, 20 dB under the vowel's peak
SYLLABLE_S = (len(VOWEL) + CONSONANT_FRAMES) * 0.01
MIN_S = DetectorSettings().raised_voice.agent_min_s


def _agent_track() -> SpeakerTrack:
    settings = DetectorSettings()
    thresholds = Thresholds.from_settings(settings.raised_voice, scale=settings.threshold_scale)
    baseline = SpeakerBaseline(calibration_speech_s=8.0, adapt_speech_s=300.0)
    return SpeakerTrack(baseline=baseline, thresholds=thresholds, min_s=MIN_S, exit_s=1.5,
                        pending_gap_frames=AGENT_PENDING_GAP_FRAMES)


def _phrase(track: SpeakerTrack, frame: int, *, syllables: int, over_db: float = 0.0, pitch_st: float = 0.0,
            tilt_db: float = 0.0) -> tuple[int, list[Transition]]:
    """`syllables` joined syllables this far over the calm voice, then 1 s of silence; returns the next frame and
    the episodes started."""
    started: list[Transition] = []
    f0_hz = CALM_F0_HZ * 2.0 ** (pitch_st / 12.0)
    frames = [(level_db, True) for _ in range(syllables)
              for level_db in [*VOWEL, *[-20.0] * CONSONANT_FRAMES]] + [(math.nan, False)] * 100
    for level_db, speech in frames:
        voiced = speech and level_db > -20.0
        moved = track.step(frame, level_dbfs=CALM_PEAK_DBFS + over_db + level_db if speech else -120.0,
                           f0_hz=f0_hz if voiced else math.nan, tilt_db=CALM_TILT_DB + tilt_db if voiced else math.nan,
                           rate_syl_s=4.0, voiced=voiced, speech=speech)
        if moved is not None and moved.started:
            started.append(moved)
        frame += 1
    return frame, started


def _calibrated() -> tuple[SpeakerTrack, int]:
    """A track that learned 80 s of the calm voice (in sentences of ten syllables)."""
    track, frame = _agent_track(), 0
    for _ in range(30):
        frame, _ = _phrase(track, frame, syllables=10)
    return track, frame


def test_a_short_clearly_raised_phrase_is_caught_before_the_minimum() -> None:
    syllables = math.floor(0.6 / SYLLABLE_S)  # a phrase of 0.6 s or less: shorter than the 0.8 s minimum
    assert syllables * SYLLABLE_S < MIN_S
    track, frame = _calibrated()
    _, started = _phrase(track, frame, syllables=syllables, over_db=12.0, pitch_st=3.0, tilt_db=3.0)
    assert len(started) == 1, "a short phrase 12 dB over the calm voice with its effort was not caught"
    (start,) = started
    assert (start.end_frame - start.start_frame) * 0.01 < MIN_S  # confirmed before the minimum would have


def test_a_short_lively_calm_exclamation_is_not_caught() -> None:
    """Much higher and a little brighter, hardly louder: its raise index is over the threshold, its level is not
    clearly over the level a raise needs. As short as the raised phrase it is not caught; held for the minimum it
    is judged as before (the index and level rules are unchanged)."""
    syllables = math.floor(0.6 / SYLLABLE_S)
    track, frame = _calibrated()
    frame, started = _phrase(track, frame, syllables=syllables, over_db=7.0, pitch_st=10.0, tilt_db=1.0)
    assert started == [], "a short lively calm exclamation was taken for a raise"
    _, started = _phrase(track, frame, syllables=2 * syllables, over_db=7.0, pitch_st=10.0, tilt_db=1.0)
    assert len(started) == 1, "held for twice the minimum, the index and level rules no longer catch it"
    (start,) = started
    assert (start.end_frame - start.start_frame) * 0.01 >= MIN_S - 0.01
