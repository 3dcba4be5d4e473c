"""The model gives music's own frames almost no speech probability and a voice over it some, but less than over a quiet
line: over such a bed a frame it gives BED_SPEECH_PROB is the caller's (foreground.MusicBed.voice_under), which keeps
their turn going on hold; a bed the model itself hears as somewhat speech-like (talkers) never passes."""

from __future__ import annotations

import numpy as np

from calmcue.config.schema import Settings
from calmcue.detector.detector import Detector
from calmcue.detector.events import Episode
from calmcue.detector.foreground import BED_SPEECH_PROB, MusicBed
from calmcue.features.extractor import ChannelFrame, FrameBatch

BED_DBFS = -40.0
BED_FRAMES = 4000  # 40 s of the bed alone: its share of speech-like frames is learned slowly (a bed starts speech-like)


def _bed(*, speech_prob: float, voiced: bool = True) -> MusicBed:
    bed = MusicBed()
    for i in range(BED_FRAMES):  # the bed's level moves a little, as music's does
        bed.turn_speech(heard=voiced, model_speech=False, music=True, level_dbfs=BED_DBFS + (i % 7 - 3),
                        voiced=voiced, speech_prob=speech_prob)
    return bed


def test_over_music_the_model_rarely_hears_as_speech_its_weaker_belief_is_the_voice() -> None:
    bed = _bed(speech_prob=0.02)
    assert bed.voice_under(BED_SPEECH_PROB)
    assert not bed.voice_under(BED_SPEECH_PROB / 2)


def test_a_bed_the_model_hears_as_somewhat_speech_or_an_unpitched_one_lends_no_voice() -> None:
    assert not _bed(speech_prob=BED_SPEECH_PROB + 0.05).voice_under(0.45)  # talkers behind the caller
    assert not _bed(speech_prob=0.02, voiced=False).voice_under(0.45)  # wind, water: not music (MusicBed.pitched)
    assert not MusicBed().voice_under(0.45)  # nothing learned yet


MUSIC = ChannelFrame(level_dbfs=BED_DBFS, speech_level_dbfs=BED_DBFS, f0_hz=220.0, tilt_db=-10.0,
                     rate_syl_s=float("nan"), speech_prob=0.02, voiced=True)
# the caller's words as the model hears them under the music: some belief in speech, never 0.5; voiced frames
# 6 dB over the bed (under every margin that counts a voiced frame by its level)
WORDS = MUSIC._replace(level_dbfs=BED_DBFS + 6.0, speech_level_dbfs=BED_DBFS + 6.0, f0_hz=150.0,
                       speech_prob=BED_SPEECH_PROB + 0.1)
AGENT = [ChannelFrame(level_dbfs=level, speech_level_dbfs=level, f0_hz=150.0, tilt_db=-10.0, rate_syl_s=4.0,
                      speech_prob=0.9, voiced=True) for level in (-15.0, -21.0)]
QUIET = ChannelFrame(level_dbfs=-70.0, speech_level_dbfs=-70.0, f0_hz=float("nan"), tilt_db=float("nan"),
                     rate_syl_s=float("nan"), speech_prob=0.0, voiced=False)
CYCLE = 400
CYCLES = 20  # the first 60 s teach the bed (and are not judged)


def _talk_over_starts_s(*, agent_start_frames: int) -> list[float]:
    """Each 4 s the caller talks 1.4 s over music (the hold state on throughout: music, never 0.5 speech), the agent
    talks 1.5 s from `agent_start_frames` into the cycle; the talk-over episodes' starts after the first 60 s."""
    caller = [WORDS] * 140 + [MUSIC] * (CYCLE - 140)
    agent = [QUIET] * agent_start_frames + [AGENT[i // 10 % 2] for i in range(150)] + \
        [QUIET] * (CYCLE - 150 - agent_start_frames)
    columns = {name: np.array([[getattr(a, name), getattr(c, name)] for a, c in zip(agent, caller, strict=True)])
               for name in ChannelFrame._fields}
    detector = Detector(Settings().detector, channels=2)
    events = []
    for cycle in range(CYCLES):
        batch = FrameBatch(first_frame=cycle * CYCLE, periodicity=np.full((CYCLE, 2), np.nan),
                           music_prob=np.array([[0.0, 0.9]] * CYCLE), **columns)
        events += detector.process(batch)
        assert detector.on_hold
    return [e.start_s for e in events if isinstance(e, Episode) and e.kind == "talk_over" and e.start_s >= 60.0]


def test_on_hold_a_caller_the_model_half_hears_under_music_is_cut_in_on() -> None:
    starts = _talk_over_starts_s(agent_start_frames=100)  # 1.0 s into their words
    assert [round(s % 4.0, 1) for s in starts] == [1.0] * ((CYCLES * CYCLE - 6000) // CYCLE)


def test_on_hold_an_answer_after_such_a_caller_stops_is_not_talk_over() -> None:
    assert _talk_over_starts_s(agent_start_frames=200) == []  # 0.6 s after their last word
