"""Talk-over in an open-plan room: the talkers behind each speaker are not their turn (detector/foreground.py).

Feature frames go straight into the detector (no audio), so the room is known exactly: other talkers 10 dB under
each calm voice, heard as speech on both channels all the time (as the activity model hears office babble), their
level wandering from frame to frame as a room's does (a few dB; now and then a frame 6-9 dB over its usual level).
"""

from __future__ import annotations

import numpy as np

from calmcue.detector.events import Episode
from calmcue.detector.foreground import Foreground
from calmcue.detector.kinds import CueKind
from calmcue.features.extractor import ChannelFrame
from conftest import detector_events

VOICE_DBFS = -30.0
ROOM_DBFS = VOICE_DBFS - 10.0
ROOM_SPREAD_DB = 3.0  # a frame's level in the room: normal around ROOM_DBFS (a 6 dB frame is a 2-sigma one)
TURN_FRAMES = 250
TURNS = 16
WARM_TURNS = 6  # the first turns are polite: the detector learns the room (scored after them)


def _power_sum(*levels_dbfs: float) -> float:
    return float(10 * np.log10(sum(10 ** (level / 10) for level in levels_dbfs)))


class _Room:
    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def level(self) -> float:
        return ROOM_DBFS + float(self.rng.normal(0.0, ROOM_SPREAD_DB))

    def frame(self, voice_dbfs: float | None = None) -> ChannelFrame:
        """One frame of this channel: the room, with the speaker's voice over it when `voice_dbfs` is given."""
        level = self.level() if voice_dbfs is None else \
            _power_sum(voice_dbfs + float(self.rng.normal(0.0, 3.0)), self.level())
        return ChannelFrame(level_dbfs=level, speech_level_dbfs=level, f0_hz=150.0, tilt_db=-10.0, rate_syl_s=4.0,
                            speech_prob=0.9, voiced=True)


def _conversation(*, gap_frames: int, seed: int = 5) -> tuple[list[tuple[ChannelFrame, ChannelFrame]], list[int]]:
    """Caller turns answered by the agent `gap_frames` after each ends (negative: the agent starts that many frames
    before the caller's end, a cut-in); returns the frames (agent, caller) and the onsets of the scored answers."""
    agent_room, caller_room = _Room(seed), _Room(seed + 1)
    frames: list[tuple[ChannelFrame, ChannelFrame]] = []
    onsets: list[int] = []
    for turn in range(TURNS):
        gap = 60 if turn < WARM_TURNS else gap_frames
        caller_end = len(frames) + TURN_FRAMES
        agent_start = caller_end + gap
        end = max(caller_end, agent_start + TURN_FRAMES) + 60
        for frame in range(len(frames), end):
            caller = caller_room.frame(VOICE_DBFS if frame < caller_end else None)
            agent = agent_room.frame(VOICE_DBFS if agent_start <= frame < agent_start + TURN_FRAMES else None)
            frames.append((agent, caller))
        if turn >= WARM_TURNS:
            onsets.append(agent_start)
    return frames, onsets


def _talk_over_starts(frames: list[tuple[ChannelFrame, ChannelFrame]]) -> list[int]:
    """Feeds the frames a second at a time; returns the start frames of the talk-over episodes."""
    _, events = detector_events(frames)
    return [round(e.start_s / 0.01) for e in events if isinstance(e, Episode) and e.kind == CueKind.TALK_OVER]


def test_talkers_behind_a_finished_caller_do_not_make_a_polite_answer_a_cut_in() -> None:
    """The agent answers 0.5 or 0.8 s after each caller's turn; the room goes on behind both of them in every pause."""
    for gap_frames in (50, 80):
        frames, onsets = _conversation(gap_frames=gap_frames)
        scored_from = onsets[0] - gap_frames - TURN_FRAMES
        assert [start for start in _talk_over_starts(frames) if start >= scored_from] == [], \
            f"answer {gap_frames * 10} ms after the caller"


def test_a_cut_in_over_the_same_room_is_still_talk_over() -> None:
    """The agent starts 1 s before the caller's turn ends, with the same room behind both."""
    frames, onsets = _conversation(gap_frames=-100)
    starts = _talk_over_starts(frames)
    caught = [onset for onset in onsets if any(abs(start - onset) <= 30 for start in starts)]
    assert caught == onsets


def test_a_frame_of_the_room_over_its_usual_level_is_not_the_speaker_but_a_syllable_of_their_voice_is() -> None:
    """Past the speaker's last word, one loud frame of the room (8 dB over its usual level) does not bring them back;
    their voice does, from its first frames."""
    room = _Room(9)
    foreground = Foreground()
    for second in range(20):  # alternate turns: this speaker over the room, then the other speaker (room only here)
        own = second % 2 == 0
        for _ in range(100):
            foreground.step(heard=True, level_dbfs=room.frame(VOICE_DBFS if own else None).level_dbfs,
                            other_heard=not own)
    assert foreground.active
    for _ in range(40):  # the other speaker's turn: the room alone, at its usual level
        foreground.step(heard=True, level_dbfs=ROOM_DBFS, other_heard=True)
    burst = [foreground.step(heard=True, level_dbfs=ROOM_DBFS + 8.0, other_heard=True) for _ in range(2)]
    assert burst == [False, False]
    for _ in range(40):
        foreground.step(heard=True, level_dbfs=ROOM_DBFS, other_heard=True)
    voice = [foreground.step(heard=True, level_dbfs=_power_sum(VOICE_DBFS, ROOM_DBFS), other_heard=False)
             for _ in range(10)]
    assert voice[3:] == [True] * 7
