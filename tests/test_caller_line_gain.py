"""A caller's line hotter or quieter than the telephone prior guesses (benchmarks/detection_stress.py: hotline,
hotline22, quietline): a calm caller on a hot line raises no cue in the opening; a raised one still does.

Feature frames go straight into the caller's track (no audio), so the line's level and the voice's tilt are known
exactly; the prior is the shipped one (-28 dBFS, tilt -10 dB).
"""

from __future__ import annotations

import math

from calmcue.config.schema import DetectorSettings
from calmcue.detector.baseline import SpeakerBaseline
from calmcue.detector.detector import Detector
from calmcue.detector.speaker import SpeakerTrack
from calmcue.detector.state import Phase

PRIOR_TILT_DB = -10.0
F0_HZ = 150.0
UTTERANCE_FRAMES = 150  # 1.5 s of voicing...
GAP_FRAMES = 60  # ...then 0.6 s of pause


def _caller_track() -> SpeakerTrack:
    track = Detector(DetectorSettings(), channels=2).customer  # the caller's track as a call starts: on the prior
    assert track.baseline.from_prior and track.baseline.values is not None
    assert track.baseline.values.level_dbfs == -28.0 and track.baseline.values.tilt_db == PRIOR_TILT_DB
    return track


def _utterances(track: SpeakerTrack, voice: list[tuple[float, float]]) -> list[int]:
    """One utterance per (level dBFS, tilt dB), each followed by a pause; the indices of those in which a raised
    voice episode started."""
    return _heard(track, voice)[0]


def _heard(track: SpeakerTrack, voice: list[tuple[float, float]]) -> tuple[list[int], list[bool]]:
    """(the utterances in which an episode started, whether one is active as each utterance's voicing ends)."""
    started: list[int] = []
    active: list[bool] = []
    frame = 0
    for index, (level_dbfs, tilt_db) in enumerate(voice):
        for step in range(UTTERANCE_FRAMES + GAP_FRAMES):
            voiced = step < UTTERANCE_FRAMES
            wobble_db = 0.5 * math.sin(step / 7.0)  # syllables: the level moves a little within an utterance
            transition = track.step(frame, level_dbfs=level_dbfs + wobble_db, f0_hz=F0_HZ, tilt_db=tilt_db,
                                    rate_syl_s=4.0, voiced=voiced, speech=voiced, line_level_dbfs=-70.0)
            if transition is not None and transition.started:
                started.append(index)
            if step == UTTERANCE_FRAMES - 1:
                active.append(track.machine.phase == Phase.ACTIVE)
            frame += 1
    return started, active


# a calm voice: its tilt within a dB or so of calm telephone speech, a brighter vowel stretch now and then
CALM_TILTS_DB = [-10.0, -9.5, -6.5, -10.5, -7.0, -9.0, -6.0, -10.0, -9.5, -7.5]


def test_a_calm_caller_on_a_line_12_db_over_the_prior_raises_no_cue_in_the_opening() -> None:
    """Against the prior the calm voice reads 12 dB louder; its brighter stretches (3-4 dB flatter than the prior's
    tilt) then read raised. The calm-sounding utterances show the line's gain: the track follows them up first."""
    track = _caller_track()
    assert _utterances(track, [(-16.0, tilt_db) for tilt_db in CALM_TILTS_DB]) == []
    values = track.baseline.values
    assert values is not None and abs(values.level_dbfs - (-16.0)) <= 1.5  # learned the calm voice, not the guess


def test_a_caller_raised_from_the_first_word_on_a_hot_line_still_fires_and_is_not_learned() -> None:
    """12 dB over the prior with a 5 dB flatter tilt from the first word: raised. An utterance among them whose tilt
    reads calm does not make the raised voice the line's gain (it opened raised), so the last one still reads
    raised against the prior."""
    track = _caller_track()
    started, active = _heard(track, [(-16.0, -5.0), (-16.0, -5.0), (-16.0, -9.5), (-16.0, -5.0)])
    assert started and started[0] == 0
    assert active[-1]  # the last raised utterance is heard raised
    values = track.baseline.values
    assert track.baseline.from_prior and values is not None and values.level_dbfs <= -26.0


def test_a_quiet_line_is_learned_as_before_and_a_later_raise_fires() -> None:
    """A calm caller 24 dB under the prior (a -12 dB line under a quiet talker): the track comes down to them;
    a raise 12 dB over that calm voice, 5 dB flatter, fires."""
    track = _caller_track()
    calm = [(-52.0, tilt_db) for tilt_db in CALM_TILTS_DB]
    assert _utterances(track, calm) == []
    assert not track.baseline.from_prior
    assert _utterances(track, [(-40.0, -5.0)]) == [0]


def test_the_hot_line_reading_ends_with_the_prior() -> None:
    """Only a track still on the prior can take a loud calm voice for the line's gain; a learned one (the agent,
    a caller after calibration) judges as before."""
    learned = SpeakerBaseline(calibration_speech_s=5.0, adapt_speech_s=300.0)
    assert not learned.may_be_hot_line
    track = _caller_track()
    assert track.baseline.may_be_hot_line
    _utterances(track, [(-52.0, PRIOR_TILT_DB)])
    assert not track.baseline.may_be_hot_line  # the voice came under the guess: the line is not hot
