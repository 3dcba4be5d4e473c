"""The speaking rate learned from pairs (benchmarks/learned_rate.py, benchmarks/train_rate.py): measured in the pace
benchmark (`eval_detection_pace.py --rate learned`), not shipped. Small stable properties on synthetic input."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import learned_rate
import train_rate


def syllable_envelope(rate_hz: float, frames: int) -> np.ndarray:
    """Amplitude of a train of syllables: a raised-sine pulse over 60 % of each period, quiet between."""
    phase = (np.arange(frames) * 0.01 * rate_hz) % 1.0
    return np.where(phase < 0.6, 0.05 + np.sin(np.pi * phase / 0.6) ** 2, 0.01)


def rate_after(band_db: list[float], voiced: list[bool]) -> float:
    rate = learned_rate.LearnedRate(window_speech_s=6.5)
    values = [rate.step(level, is_voiced, True) for level, is_voiced in zip(band_db, voiced, strict=True)]
    return values[-1]


def train(rate_hz: float, frames: int = 1000) -> float:
    envelope = syllable_envelope(rate_hz, frames)
    return rate_after((20.0 * np.log10(envelope) - 30.0).tolist(), (envelope > 0.02).tolist())


def test_every_cue_has_a_weight() -> None:
    assert len(learned_rate.RATE_WEIGHTS) == len(learned_rate.CUE_NAMES)
    rate = learned_rate.LearnedRate(window_speech_s=6.5)
    for i in range(400):
        rate.step(-30.0 + 10.0 * np.sin(i * 0.25), i % 25 < 18, True)
    assert rate.cues().shape == (len(learned_rate.CUE_NAMES),)


def test_a_faster_syllable_train_reads_faster() -> None:
    assert train(3.0) < train(4.0) < train(5.4)


@pytest.mark.parametrize("jitter_db", [0.3, 1.0, 3.0])
def test_a_steady_speech_like_tone_does_not_read_faster_than_a_syllable_train(jitter_db: float) -> None:
    """One long voiced sound whose level only flickers (a held vowel, a hum) has no syllables to count: it must
    not read faster than speech at an ordinary pace (a 4 Hz syllable train)."""
    flicker = np.random.default_rng(0).normal(0.0, jitter_db, 1000)
    assert rate_after((-30.0 + flicker).tolist(), [True] * 1000) < train(4.0)


def test_longer_pauses_add_unvoiced_speech_after_each_phrase_only() -> None:
    speech = [1.0] * 50 + [0.0] * 20 + [1.0] * 40 + [0.0] * 10
    fed = np.column_stack([np.full(120, -30.0), np.ones(120), speech])
    longer = train_rate.with_longer_pauses(fed)
    assert len(longer) == len(fed) + 2 * train_rate.PAUSE_FRAMES
    added = longer[:, 3] == 1
    assert np.all(longer[added, 2] == 1) and np.all(longer[added, 1] == 0)
    assert np.array_equal(longer[~added, :3], fed)  # the original frames, in order
