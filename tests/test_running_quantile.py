"""RunningQuantile's cheap paths (`add`, `defer`) hold exactly what `push` holds and give the same quantiles."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from calmcue.detector.quantile import RunningQuantile


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
