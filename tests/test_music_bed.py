"""Music behind a speaker (a radio in the room, a shop behind the caller) is not their turn; their voice over it is
(detector/foreground.py's MusicBed, detector/hold.py)."""

from __future__ import annotations

import numpy as np

from calmcue.config.schema import Settings
from calmcue.detector.detector import Detector
from calmcue.detector.events import Episode
from calmcue.detector.foreground import BED_MARGIN_DB, MusicBed
from calmcue.features.extractor import ChannelFrame, FrameBatch

BED_DBFS = -40.0
# the caller's room: music the model hears as music, voiced like any music, under the voice
MUSIC = ChannelFrame(level_dbfs=BED_DBFS, speech_level_dbfs=BED_DBFS, f0_hz=220.0, tilt_db=-10.0,
                     rate_syl_s=float("nan"), speech_prob=0.1, voiced=True)
VOICE = ChannelFrame(level_dbfs=-30.0, speech_level_dbfs=-30.0, f0_hz=150.0, tilt_db=-10.0, rate_syl_s=4.0,
                     speech_prob=0.9, voiced=True)
# the mic hears its wearer well over the line; syllables 6 dB apart (a voice's level is never flat)
AGENT = [VOICE._replace(level_dbfs=level, speech_level_dbfs=level) for level in (-15.0, -21.0)]
QUIET = ChannelFrame(level_dbfs=-70.0, speech_level_dbfs=-70.0, f0_hz=float("nan"), tilt_db=float("nan"),
                     rate_syl_s=float("nan"), speech_prob=0.0, voiced=False)


def _bed_after_music(frames: int = 400) -> MusicBed:
    bed = MusicBed()
    for _ in range(frames):
        bed.turn_speech(heard=True, model_speech=False, music=True, level_dbfs=BED_DBFS)
    return bed


def test_over_a_music_bed_only_the_voice_counts_for_the_turn() -> None:
    bed = _bed_after_music()
    assert bed.active
    assert not bed.turn_speech(heard=True, model_speech=False, music=True, level_dbfs=BED_DBFS + 6.0)
    assert bed.turn_speech(heard=True, model_speech=True, music=True, level_dbfs=BED_DBFS + 6.0)
    assert bed.turn_speech(heard=True, model_speech=False, music=True, level_dbfs=BED_DBFS + BED_MARGIN_DB + 1.0)
    assert not bed.turn_speech(heard=False, model_speech=False, music=False, level_dbfs=BED_DBFS + 30.0)


def test_without_music_behind_them_a_voiced_frame_still_counts() -> None:
    """A quiet room (the model hears no music in the pauses): voiced frames the model misses are still speech."""
    bed = MusicBed()
    for _ in range(400):
        bed.turn_speech(heard=False, model_speech=False, music=False, level_dbfs=-70.0)
    assert not bed.active
    assert bed.turn_speech(heard=True, model_speech=False, music=True, level_dbfs=-35.0)


def _talk_over(*, agent_starts_s: float) -> list[Episode]:
    """Calm turns over music behind the caller: the caller talks 1.5 s, the music plays on for 2.5 s; the agent
    talks 1.5 s from `agent_starts_s` into each 4 s cycle. Six cycles; the talk-over episodes."""
    caller = [VOICE] * 150 + [MUSIC] * 250
    agent_start = round(agent_starts_s * 100)
    agent = [QUIET] * agent_start + [AGENT[i // 10 % 2] for i in range(150)] + [QUIET] * (250 - agent_start)
    music_prob = [0.9] * 400  # the model hears the music under the voice too
    detector = Detector(Settings().detector, channels=2)
    events = []
    for cycle in range(6):
        columns = {name: np.array([[getattr(a, name), getattr(c, name)] for a, c in zip(agent, caller, strict=True)])
                   for name in ChannelFrame._fields}
        batch = FrameBatch(first_frame=cycle * 400, periodicity=np.full((400, 2), np.nan),
                           music_prob=np.array([[0.0, m] for m in music_prob]), **columns)
        events += detector.process(batch)
    events += detector.finish()
    return [e for e in events if isinstance(e, Episode) and e.kind == "talk_over"]


def test_an_answer_after_the_caller_stops_is_not_talk_over_while_their_music_plays() -> None:
    # half a second after the caller's last word; the first cycle's music is heard before the bed is learned
    assert [e for e in _talk_over(agent_starts_s=2.0) if e.start_s >= 4.0] == []


def test_cutting_into_a_caller_over_their_music_is_still_talk_over() -> None:
    episodes = _talk_over(agent_starts_s=1.0)
    assert len(episodes) >= 5  # every cycle but perhaps the first (the bed is learned in the first pauses)
    assert all(round(e.start_s % 4.0, 1) == 1.0 for e in episodes)


def _agent_over_music(*, cycles: int, raised_from: int) -> tuple[Detector, list[Episode]]:
    """A mic with a radio behind its wearer: each 4 s, 2.5 s of calm voice then 1.5 s of music alone, 14 dB under
    the voice's louder syllables and as calm-sounding (same pitch and tilt); from cycle `raised_from` on the voice
    is 12 dB louder with a 4 dB flatter tilt (a raised voice). The detector and its raised-voice episodes."""
    radio = MUSIC._replace(level_dbfs=-44.0, speech_level_dbfs=-44.0, f0_hz=150.0)
    detector = Detector(Settings().detector, channels=1)
    events = []
    for cycle in range(cycles):
        raise_db, flatter_db = (12.0, 4.0) if cycle >= raised_from else (0.0, 0.0)
        voice = [VOICE._replace(level_dbfs=level + raise_db, speech_level_dbfs=level + raise_db,
                                tilt_db=VOICE.tilt_db + flatter_db) for level in (-30.0, -36.0)]
        frames = [voice[i // 10 % 2] for i in range(250)] + [radio] * 150
        columns = {name: np.array([[getattr(f, name)] for f in frames]) for name in ChannelFrame._fields}
        batch = FrameBatch(first_frame=cycle * 400, periodicity=np.full((400, 1), np.nan),
                           music_prob=np.array([[0.1 if f is not radio else 0.9] for f in frames]), **columns)
        events += detector.process(batch)
    events += detector.finish()
    return detector, [e for e in events if isinstance(e, Episode) and e.kind == "raised_voice"]


def test_music_alone_in_the_pauses_never_moves_the_level_baseline() -> None:
    """The radio's calm-sounding stretches sit 14 dB under the calm voice: read as the wearer's voice they re-based
    the level 14 dB down (a gain turned down), and the calm voice then read as raised."""
    detector, episodes = _agent_over_music(cycles=30, raised_from=30)
    assert detector.gain_moves == []
    assert episodes == []


def test_a_raised_voice_over_music_still_fires() -> None:
    _, episodes = _agent_over_music(cycles=30, raised_from=25)
    assert episodes
    assert min(e.start_s for e in episodes) >= 25 * 4.0
