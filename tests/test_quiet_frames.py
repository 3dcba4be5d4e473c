"""Quiet frames cost less and change nothing the detector reports (issue 15): the pauses' quantiles of the line
floors and the gain step are deferred while nobody reads them (quantile.RunningQuantile.defer), and brought up to
date when the voice comes back. The same frames through a detector whose quantiles sort every value at once (the
eager path, `add`) give the same episodes, cues, gain moves and meter readings."""

from __future__ import annotations

import numpy as np
import pytest

from calmcue.config.schema import Settings
from calmcue.detector.detector import Detector
from calmcue.detector.events import Cue
from calmcue.detector.quantile import RunningQuantile
from calmcue.engine.pipeline import Pipeline
from calmcue.features.extractor import FrameBatch
from conftest import CALM, RAISED, RATE, silence, speech_with_pauses

BLOCK = RATE // 2  # 0.5 s pushes


def _batches(agent: np.ndarray, caller: np.ndarray) -> list[FrameBatch]:
    """The feature frames of a two-channel call, computed once for both detectors."""
    samples = np.stack([agent, caller], axis=1).astype(np.float32)
    pipeline = Pipeline(Settings(), channels=2, in_rate_hz=RATE)
    steps = [pipeline.push(samples[start : start + BLOCK]) for start in range(0, samples.shape[0], BLOCK)]
    return [step.batch for step in steps if step.batch is not None]


def _run(batches: list[FrameBatch]) -> tuple[list[object], list[object], list[tuple[float, ...]]]:
    """Events, the agent's gain moves and, after each batch, what a meter shows (levels over the baselines) and
    the floors the deferred quantiles hold (both lines' pauses, the agent's pauses since a jump)."""
    detector = Detector(Settings().detector, channels=2)
    events: list[object] = []
    readings = []
    for batch in batches:
        events += detector.process(batch)
        status = detector.status()
        readings.append((status.agent_level_over_db, status.agent_pitch_over_st, status.customer_level_over_db,
                         detector.agent.line.floor_dbfs, detector.customer.line.floor_dbfs,
                         detector.agent.gain_step.pause_jump_db if detector.agent.gain_step else None))
    events += detector.finish()
    return events, list(detector.gain_moves), readings


def test_a_raise_after_a_long_silence_is_caught_as_the_eager_quantiles_catch_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calm = speech_with_pauses(turns=10, **CALM)
    quiet = silence(40.0, noise_dbfs=-62.0, seed=7)  # a room between calls: 40 s of pause frames on both lines
    raised = speech_with_pauses(turns=2, seed=40, **RAISED)
    gap = silence(3.0, noise_dbfs=-62.0, seed=8)
    agent = np.concatenate([calm, quiet, raised, gap, speech_with_pauses(turns=3, seed=60, **CALM)])
    # the caller: the room until after the agent's raise, then a raised turn of their own over it
    before = silence((len(agent) - len(gap)) / RATE - 12.0, noise_dbfs=-60.0, seed=3)
    caller = np.concatenate([before, speech_with_pauses(turns=1, seed=70, **RAISED)])
    caller = np.concatenate([caller, silence(len(agent) / RATE, noise_dbfs=-60.0, seed=4)])[: len(agent)]
    batches = _batches(agent, caller)
    deferred = _run(batches)
    # the eager path: every value sorted in at once (`add`; with no deferred value the list is never stale)
    monkeypatch.setattr(RunningQuantile, "defer", RunningQuantile.add)
    eager = _run(batches)
    raised_at_s = (len(calm) + len(quiet)) / RATE
    cues = [(event.speaker, event.t_s > raised_at_s) for event in deferred[0] if isinstance(event, Cue)]
    assert ("agent", True) in cues, "the agent's raise after the silence was not caught at all"
    assert ("customer", True) in cues, "nor the caller's"
    assert repr(deferred) == repr(eager)  # (repr: every float to its last bit, and NaN equal to NaN)

