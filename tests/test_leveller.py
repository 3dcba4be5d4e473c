"""A voice leveller (an AGC on the agent's mic) answers a raised voice: its moves are no gain step (issue 13)."""

from __future__ import annotations

import pytest

from calmcue.detector.gainstep import GainStep
from calmcue.detector.rebase import GainRebase


def _calm_then_room(step: GainStep) -> None:
    for _ in range(300):
        step.learn(-30.0)
    for i in range(400):
        step.hop(raised=False)
        step.pause(-70.0 + 0.5 * (i % 3))


def _voice(step: GainStep, levels_dbfs: list[float], *, calm: bool) -> list[float]:
    moves = []
    for i, level in enumerate(levels_dbfs):
        step.hop(raised=not calm)
        moved = step.voiced(level + (i % 5) - 2.0, calm_sounding=calm, effort_level_db=0.0 if calm else 10.0)
        moves += [round(moved, 1)] if moved else []
    return moves


def _pauses(step: GainStep, levels_dbfs: list[float]) -> None:
    for i, level in enumerate(levels_dbfs):
        step.hop(raised=False)
        step.pause(level + 0.5 * (i % 3))


def test_a_leveller_that_takes_8_db_during_a_raise_and_gives_it_back_moves_no_step() -> None:
    """2 s of raised voice; the leveller takes 8 dB (the pauses fall with it, the calm voice after it reads 8 dB
    low) and gives it back over 3 s of calm voice and pauses: no gain step either way."""
    step = GainStep()
    _calm_then_room(step)
    moves = _voice(step, [-20.0] * 200, calm=False)
    _pauses(step, [-78.0] * 150)
    moves += _voice(step, [-38.0] * 100, calm=True)
    for k in range(6):  # the gain comes back in 0.5 s stretches of voice and pauses
        back_db = 8.0 * (k + 1) / 6
        moves += _voice(step, [-38.0 + back_db] * 50, calm=True)
        _pauses(step, [-78.0 + back_db] * 50)
    _pauses(step, [-70.0] * 300)
    moves += _voice(step, [-30.0] * 300, calm=True)
    assert moves == []


def test_a_gain_step_on_a_calm_voice_still_moves_the_baseline() -> None:
    """The same room, no raise: the gain goes up 12 dB under a calm voice and stays: one step of about 12 dB."""
    step = GainStep()
    _calm_then_room(step)
    _pauses(step, [-58.0] * 200)
    assert _voice(step, [-18.0] * 200, calm=True) == [pytest.approx(12.0, abs=1.0)]


def test_a_step_down_long_after_a_raise_still_moves_the_baseline() -> None:
    """A raise, 6 s of calm voice and pauses, then the gain down 12 dB and staying: one step of about -12 dB."""
    step = GainStep()
    _calm_then_room(step)
    _voice(step, [-20.0] * 200, calm=False)
    _pauses(step, [-70.0] * 300)
    _voice(step, [-30.0] * 300, calm=True)
    _pauses(step, [-82.0] * 200)
    assert _voice(step, [-42.0] * 200, calm=True) == [pytest.approx(-12.0, abs=1.0)]


def test_what_a_leveller_took_after_a_raise_is_read_back() -> None:
    """A raise, then the pauses 8 dB lower (the leveller took that much): the track is told about 8 dB were taken, so
    the next raise at the lower gain is read against the calm voice at the gain it was learned at."""
    step = GainStep()
    _calm_then_room(step)
    _voice(step, [-20.0] * 200, calm=False)
    _pauses(step, [-78.0] * 150)
    assert step.line_dipped
    assert step.line_taken_db == pytest.approx(8.0, abs=1.0)
    _pauses(step, [-70.0] * 100)
    assert not step.line_dipped
    assert step.line_taken_db == 0.0


def test_a_calm_voice_heard_in_a_leveller_s_dip_moves_no_re_basing_after_it() -> None:
    """1 s of calm voice 14 dB under the baseline while a leveller's dip stands, then 1 s of it once the pauses came
    back (a soft voice after the dip): no re-basing down, as 1 s alone is too little to re-base on. The same 2 s
    with no dip is a gain turned down: one move of -14 dB. A calm voice louder than the baseline during a dip is no
    dip's: it still moves the baseline up."""
    def moves(*, dipped_frames: int, level_over_db: float = -14.0) -> list[float]:
        rebase = GainRebase()
        shifts = [rebase.step(level_over_db=level_over_db, pitch_over_st=0.5, tilt_over_db=0.0,
                              line_dipped=i < dipped_frames) for i in range(200)]
        return [round(shift, 1) for shift in shifts if shift]

    assert moves(dipped_frames=100) == []
    assert moves(dipped_frames=0) == [-14.0]
    assert moves(dipped_frames=200, level_over_db=12.0) == [12.0]
