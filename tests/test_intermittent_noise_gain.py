"""A sound of the room that comes and goes (a tap, a street, a dish) moves the pauses' floor, not the mic's gain
(detector/gainstep.py: a floor the pauses read within the last 30 s at this gain raises no candidate step)."""

from __future__ import annotations

import pytest

from calmcue.detector.gainstep import GainStep

ROOM_DBFS = -70.0
CALM_DBFS = -30.0


def _room_with_noise(*, noise_over_db: float, cycles: int = 4) -> GainStep:
    """A GainStep that learned the calm voice, then heard pauses alternate 3 s of the quiet room and 3 s of a noise
    `noise_over_db` over it, `cycles` times, ending on the noise."""
    step = GainStep()
    for _ in range(300):
        step.learn(CALM_DBFS)
    for _ in range(cycles):
        for level in (ROOM_DBFS, ROOM_DBFS + noise_over_db):
            for i in range(300):
                step.pause(level + 0.5 * (i % 3))
    return step


def _then(step: GainStep, *, pauses_dbfs: float, voice_over_db: float) -> list[float]:
    """2 s of pauses at `pauses_dbfs`, then 2 s of calm-sounding voice `voice_over_db` from the calm voice (a 4 dB
    spread); the moves the step made."""
    for i in range(200):
        step.pause(pauses_dbfs + 0.5 * (i % 3))
    return [round(moved, 1) for i in range(200)
            if (moved := step.voiced(CALM_DBFS + voice_over_db + (i % 5) - 2.0, calm_sounding=True))]


def test_the_noise_stopping_is_no_step_down_though_the_voice_reads_low() -> None:
    """The pauses fall 12 dB as the noise stops, back to the floor they read seconds before; the calm voice then
    reads 8 dB low (enough to confirm a real step down): the baseline does not move."""
    step = _room_with_noise(noise_over_db=12.0)
    assert _then(step, pauses_dbfs=ROOM_DBFS, voice_over_db=-8.0) == []


def test_the_noise_coming_back_is_no_step_up_though_the_voice_reads_high() -> None:
    """The noise comes back after 2 s of quiet pauses, 12 dB over them, and the calm voice reads 9 dB high: no step."""
    step = _room_with_noise(noise_over_db=12.0)
    _then(step, pauses_dbfs=ROOM_DBFS, voice_over_db=0.0)
    assert _then(step, pauses_dbfs=ROOM_DBFS + 12.0, voice_over_db=9.0) == []


@pytest.mark.parametrize("step_db", [12.0, -12.0])
def test_a_real_step_past_every_floor_the_room_read_is_still_found(step_db: float) -> None:
    """After the same on-and-off noise (6 dB over the room), the gain moves 12 dB: the pauses go past the loudest or
    the quietest floor they read, the calm voice moves with them, and the step is found."""
    step = _room_with_noise(noise_over_db=6.0)
    _then(step, pauses_dbfs=ROOM_DBFS, voice_over_db=0.0)
    moves = _then(step, pauses_dbfs=ROOM_DBFS + step_db, voice_over_db=step_db)
    assert moves == [pytest.approx(step_db, abs=1.0)]
