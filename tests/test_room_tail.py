"""A room ringing on after the caller's last word is not the caller talking (detector/turns.py RoomTail): an agent who
answers after the word, over the tail of a large room, is no cut-in; one who starts mid-word still is."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calmcue.detector.turns import TAIL_FALL_DB, RoomTail
from calmcue.timebase import HOP_S
from test_detector import _talk_over_with

WORDS_END = 200  # the caller speaks frames 0-199
HEARD_TAIL_FRAMES = 40  # the activity model goes on hearing the tail this long (0.2-0.6 s traced on reverb08)


def caller_levels(*, rt60_s: float, n_frames: int, speak_until: int = WORDS_END) -> np.ndarray:
    """Syllables at 5 per second (each falling 12 dB from its peak, the next rising again), then the room's tail
    carrying the last syllable's fall on: a decay of 60 dB per `rt60_s` with a ripple of a dB, down to a floor."""
    rng = np.random.default_rng(7)
    frames = np.arange(n_frames)
    syllables = -25.0 - 12.0 * ((frames % 20) / 20.0)
    decay_db = -60.0 * np.maximum(frames - speak_until + 1, 0) * HOP_S / rt60_s
    tail = syllables[speak_until - 1] + np.maximum(decay_db, -50.0) + rng.uniform(-1.0, 1.0, n_frames)
    return np.where(frames < speak_until, syllables, tail)


@pytest.mark.parametrize("rt60_s", [0.3, 0.8, 1.5])
def test_the_tail_reads_as_the_room_once_fallen_and_a_new_syllable_is_the_voice(rt60_s: float) -> None:
    levels = caller_levels(rt60_s=rt60_s, n_frames=400)
    tail = RoomTail()
    reads = [tail.step(float(level)) for level in levels]
    assert not any(reads[:WORDS_END])  # syllables come back over their dips: never the room
    fallen = WORDS_END + math.ceil((TAIL_FALL_DB + 2.0) / (60.0 * HOP_S / rt60_s))  # the ripple may delay it
    assert all(reads[fallen:])
    assert not tail.step(-40.0)  # a new syllable 30+ dB over the tail's end: the caller again


def test_an_unknown_level_is_never_the_tail() -> None:
    tail = RoomTail()
    assert not tail.step(-20.0) and not tail.step(math.nan) and tail.step(-40.0)


def _talk_over(agent_frames: range, *, levels: np.ndarray | None, caller_until: int) -> list[bool]:
    """TalkOverTracker: the caller heard through `caller_until`, their level `levels` (None: not fed)."""
    return _talk_over_with(agent_frames, customer_until=caller_until, turn_min_frames=80, frames=500,
                           caller_levels_dbfs=levels)


def test_an_answer_over_a_large_room_s_tail_is_no_cut_in() -> None:
    levels = caller_levels(rt60_s=0.8, n_frames=500)
    answer = range(WORDS_END + 20, WORDS_END + 120)  # 0.2 s after the word, while the tail is still heard
    heard_until = WORDS_END + HEARD_TAIL_FRAMES
    assert _talk_over(answer, levels=None, caller_until=heard_until)[:1] == [True], "the tail alone reads as talking"
    assert _talk_over(answer, levels=levels, caller_until=heard_until) == []


def test_a_cut_in_mid_word_in_the_same_room_is_still_talk_over() -> None:
    speaking_until = 300
    levels = caller_levels(rt60_s=0.8, n_frames=500, speak_until=speaking_until)
    cut_in = range(150, 250)  # the agent starts 1.5 s into the caller's turn; the caller goes on a second
    assert _talk_over(cut_in, levels=levels, caller_until=speaking_until + HEARD_TAIL_FRAMES)[:1] == [True]


def test_a_soft_syllable_after_a_loud_vowel_is_the_voice_not_the_room() -> None:
    """A vowel, then soft unvoiced syllables 15-19 dB under it that rise 5 dB over their dips (traced on noise10)."""
    tail = RoomTail()
    reads = [tail.step(level) for level in (-39.0, -39.0, -45.0, -52.0, -58.5, -58.5, -53.5, -54.0, -55.0)]
    assert reads[4] and not any(reads[6:])
