"""The agent's mic gain: a step is found from the median of the calm voice after it (one sentence decides nothing),
moves the baseline by no more than the step, and a voice driven into clipping is read for the level it lost."""

from __future__ import annotations

import pytest

from calmcue.detector.gainstep import GainStep


def _step_then(voice_db: list[float], *, room_jump_db: float = 12.0, later_pauses_db: float = 0.0) -> list[float]:
    """GainStep fed 3 s of calm voice at -30 dBFS, 4 s of pauses, the room `room_jump_db` louder for 2 s (and, after
    those, 3 s of pauses `later_pauses_db` louder still), then calm-sounding voice at -30 + each of `voice_db`."""
    step, moves = GainStep(), []
    for _ in range(300):
        step.learn(-30.0)
    for i in range(400):
        step.pause(-70.0 + 0.5 * (i % 3))
    for i in range(200):
        step.pause(-70.0 + room_jump_db + 0.5 * (i % 3))
    for i in range(300):
        step.pause(-70.0 + room_jump_db + later_pauses_db + 0.5 * (i % 3))
    for voice in voice_db:
        moved = step.voiced(-30.0 + voice, calm_sounding=True)
        moves += [round(moved, 1)] if moved else []
    return moves


def test_a_soft_calm_sentence_right_after_a_step_does_not_drop_it() -> None:
    """A few frames of calm voice still near the old level (the end of a soft word), then the calm voice at the new
    level: the step is found (a single frame near the old level used to drop it; the baseline then waited for the
    slow re-basing)."""
    voice = [1.0] * 6 + [12.0 + (i % 5) - 2.0 for i in range(200)]
    assert _step_then(voice) == [pytest.approx(12.0, abs=1.0)]


def test_calm_sounding_raised_speech_after_a_step_does_not_stall_it_nor_make_it_overshoot() -> None:
    """After a 12 dB step the calm-sounding voicing reads 17-19 dB over the old calm voice (raised sentences whose pitch
    and tilt read calm): the step is found, and the baseline moves by the pauses' 12 dB, not by 18."""
    voice = [18.0 + (i % 3) - 1.0 for i in range(200)]
    assert _step_then(voice) == [pytest.approx(12.0, abs=1.0)]


def test_louder_pauses_later_do_not_make_the_move_overshoot_the_step() -> None:
    """Breaths and echoes of raised sentences lift the later pauses' floor 3 dB: the move stays the step's."""
    voice = [14.0 + (i % 5) - 2.0 for i in range(200)]
    assert _step_then(voice, later_pauses_db=3.0) == [pytest.approx(12.0, abs=1.0)]


def test_a_louder_room_with_the_voice_where_it_was_moves_nothing() -> None:
    voice = [(i % 5) - 2.0 for i in range(200)]
    assert _step_then(voice) == []
