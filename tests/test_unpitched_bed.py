"""A steady sound the model hears as music but that is not periodic (wind, running water, a bicycle) is no music bed
for turn-taking: a voiced frame over it is the speaker (detector/foreground.py's MusicBed.pitched)."""

from __future__ import annotations

import numpy as np

from calmcue.config.schema import Settings
from calmcue.detector.detector import Detector
from calmcue.detector.events import Episode
from calmcue.detector.foreground import PITCHED_RATE, MusicBed
from calmcue.features.extractor import ChannelFrame, FrameBatch

BED_DBFS = -40.0
LEARN_FRAMES = round(10 / PITCHED_RATE)  # the bed's own frames that make its voiced share settle (e^-10 of the start)
# wind on the caller's line: the model hears music in it, and it is not periodic
WIND = ChannelFrame(level_dbfs=BED_DBFS, speech_level_dbfs=BED_DBFS, f0_hz=float("nan"), tilt_db=-6.0,
                    rate_syl_s=float("nan"), speech_prob=0.1, voiced=False)
# the caller's calm voice 8 dB over it, which the model (hearing the wind) does not take for speech; voiced
CALLER = WIND._replace(level_dbfs=BED_DBFS + 8.0, speech_level_dbfs=BED_DBFS + 8.0, f0_hz=180.0, speech_prob=0.2,
                       voiced=True)
MUSIC = WIND._replace(f0_hz=220.0, voiced=True)
AGENT = [ChannelFrame(level_dbfs=level, speech_level_dbfs=level, f0_hz=120.0, tilt_db=-10.0, rate_syl_s=4.0,
                      speech_prob=0.9, voiced=True) for level in (-15.0, -21.0)]
QUIET = ChannelFrame(level_dbfs=-70.0, speech_level_dbfs=-70.0, f0_hz=float("nan"), tilt_db=float("nan"),
                     rate_syl_s=float("nan"), speech_prob=0.0, voiced=False)


def _bed(frames: list[ChannelFrame]) -> MusicBed:
    bed = MusicBed()
    for frame in frames:
        bed.turn_speech(heard=frame.voiced, model_speech=False, music=True, level_dbfs=frame.level_dbfs,
                        voiced=frame.voiced)
    return bed


def test_a_voiced_frame_over_an_unpitched_bed_is_the_speaker() -> None:
    bed = _bed([WIND] * LEARN_FRAMES)
    assert bed.active and not bed.pitched
    assert bed.turn_speech(heard=True, model_speech=False, music=True, level_dbfs=CALLER.level_dbfs, voiced=True)
    assert not bed.turn_speech(heard=False, model_speech=False, music=True, level_dbfs=BED_DBFS, voiced=False)


def test_music_stays_pitched_and_a_voiced_frame_over_it_does_not_count() -> None:
    bed = _bed([MUSIC] * LEARN_FRAMES)
    assert bed.active and bed.pitched
    assert not bed.turn_speech(heard=True, model_speech=False, music=True, level_dbfs=CALLER.level_dbfs, voiced=True)


def test_the_callers_own_voiced_frames_do_not_make_the_bed_pitched() -> None:
    """Only the bed's frames at or under its median level are read: a voice the model misses stands over it."""
    bed = _bed([WIND, WIND, WIND, CALLER] * LEARN_FRAMES)
    assert bed.active and not bed.pitched


CYCLES = 2 * LEARN_FRAMES // 250  # the bed is learned from the 250 frames of wind in each cycle
LEARNED_S = 4.0 * (LEARN_FRAMES // 250 + 1)


def _call(*, agent_starts_s: float) -> tuple[list[Episode], bool]:
    """The caller talks 1.5 s over wind on their line (the model hears music, not speech, all through), the wind
    goes on 2.5 s; the agent talks 1.5 s from `agent_starts_s` into each 4 s cycle, `CYCLES` of them. The
    talk-over episodes, and whether the call is on hold at the end of the last pause."""
    caller = [CALLER] * 150 + [WIND] * 250
    agent_start = round(agent_starts_s * 100)
    agent = [QUIET] * agent_start + [AGENT[i // 10 % 2] for i in range(150)] + [QUIET] * (250 - agent_start)
    detector = Detector(Settings().detector, channels=2)
    events = []
    for cycle in range(CYCLES):
        columns = {name: np.array([[getattr(a, name), getattr(c, name)] for a, c in zip(agent, caller, strict=True)])
                   for name in ChannelFrame._fields}
        batch = FrameBatch(first_frame=cycle * 400, periodicity=np.full((400, 2), np.nan),
                           music_prob=np.array([[0.0, 0.9]] * 400), **columns)
        events += detector.process(batch)
    on_hold = detector.on_hold
    events += detector.finish()
    return [e for e in events if isinstance(e, Episode) and e.kind == "talk_over"], on_hold


def test_cutting_into_a_caller_over_wind_is_talk_over() -> None:
    episodes = [e for e in _call(agent_starts_s=1.0)[0] if e.start_s >= LEARNED_S]
    assert len(episodes) == CYCLES - round(LEARNED_S / 4.0)
    assert all(round(e.start_s % 4.0, 1) == 1.0 for e in episodes)


def test_an_answer_after_the_caller_stops_over_wind_is_not_talk_over() -> None:
    assert _call(agent_starts_s=2.0)[0] == []


def test_wind_on_the_line_does_not_put_the_call_on_hold() -> None:
    """Hold is music on the line; once the wind is heard to be no music, the caller's pauses are no hold."""
    assert not _call(agent_starts_s=2.0)[1]
