"""RunningQuantile's cheap paths (`add`, `defer`) hold exactly what `push` holds and give the same quantiles."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from calmcue.detector.linefloor import FLOOR_FRAMES, FLOOR_QUANTILE, PAUSE_AFTER_SPEECH_FRAMES, LineFloor
from calmcue.detector.quantile import MERGE_MAX, RunningQuantile


def _stream(seed: int, n: int) -> list[float]:
    rng = random.Random(seed)
    values = [round(rng.gauss(-40.0, 8.0), rng.choice((1, 6))) for _ in range(n)]  # rounding makes ties
    for index in rng.sample(range(n), n // 20):
        values[index] = math.nan
    return values


@pytest.mark.parametrize("quantile", [0.1, 0.5, 0.8])
def test_push_matches_numpy_over_the_window(quantile: float) -> None:
    running, kept = RunningQuantile(50, quantile=quantile), []
    for value in _stream(1, 600):
        got = running.push(value)
        if not math.isnan(value):
            kept = [*kept, value][-50:]
        assert got == pytest.approx(float(np.percentile(kept, quantile * 100)), abs=1e-9)


def test_add_and_defer_give_what_push_gives() -> None:
    """Any mix of add, defer and push, read at any time, reads the same as push alone (bit for bit)."""
    rng = random.Random(7)
    reference, mixed = RunningQuantile(40), RunningQuantile(40)
    for step, value in enumerate(_stream(2, 2000)):
        expected = reference.push(value)
        way = rng.choice(("add", "defer", "defer", "push"))
        if way == "push":
            assert mixed.push(value) == expected
        else:
            getattr(mixed, way)(value)
        if way == "push" or rng.random() < 0.3:
            assert mixed.value() == expected
        assert len(mixed) == len(reference) and mixed.values() == reference.values()
        if step == 1500:
            mixed.clear()
            reference.clear()
            assert math.isnan(mixed.value())


def test_long_and_short_deferred_stretches_read_as_push_does() -> None:
    """Stretches of deferred values shorter and longer than MERGE_MAX (merged into the list, or sorted afresh),
    read between them, give the same quantiles and the same sorted list as push alone, bit for bit."""
    rng = random.Random(11)
    reference, mixed = RunningQuantile(60, quantile=0.1), RunningQuantile(60, quantile=0.1)
    values = iter(_stream(3, 20000))
    for _ in range(300):
        for _ in range(rng.choice((0, 1, 5, MERGE_MAX - 1, MERGE_MAX, MERGE_MAX + 1, 200))):
            value = next(values)
            reference.push(value)
            mixed.defer(value)
        value = next(values)
        assert mixed.push(value) == reference.push(value)
        assert mixed._sorted == sorted(mixed.values()) == reference._sorted


def test_a_line_floor_read_after_a_long_pause_is_the_quantile_of_its_last_frames() -> None:
    """The line's floor (deferred while nobody speaks) is the 10th percentile of the last FLOOR_FRAMES pause frames
    when the voice comes back, after short pauses and long ones alike."""
    rng = random.Random(5)
    line, pauses = LineFloor(), []
    for pause_frames in (400, 40, 25, 1500, 60):
        for _ in range(PAUSE_AFTER_SPEECH_FRAMES):  # the first frames after speech are no pause yet
            line.frame(line_level_dbfs=-55.0, speech=False)
        for _ in range(pause_frames):
            level = round(rng.gauss(-60.0, 3.0), 2)
            line.frame(line_level_dbfs=level, speech=False)
            pauses.append(level)
        line.frame(line_level_dbfs=-30.0, speech=True)
        expected = float(np.percentile(pauses[-FLOOR_FRAMES:], FLOOR_QUANTILE * 100))
        assert line.floor_dbfs == pytest.approx(expected, abs=1e-9)
