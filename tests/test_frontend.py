"""The streaming front end: results never depend on the block sizes audio arrives in."""

from __future__ import annotations

import numpy as np
import pytest

from calmcue.analysis.offline import analyze_samples
from calmcue.audio.resample import StreamResampler
from calmcue.features.reframer import Reframer
from calmcue.timebase import HISTORY, HOP, frame_time_s
from conftest import RATE, harmonic, speech_with_pauses


def test_frame_k_ends_at_sample_160_k_plus_1_with_zeros_before_the_start() -> None:
    ramp = np.arange(1, 1001, dtype=np.float32)
    windows = Reframer(channels=1).push(ramp[:, None])
    assert windows.shape == (6, 1, HISTORY)
    for k in range(6):
        assert windows[k, 0, -1] == HOP * (k + 1)  # the last sample of frame k is sample 160(k+1) - 1 (1-based)
    assert (windows[0, 0, : HISTORY - HOP] == 0).all()
    assert frame_time_s(0) == pytest.approx(0.01)


def test_reframer_keeps_partial_hops_for_the_next_block() -> None:
    reframer = Reframer(channels=2)
    assert reframer.push(np.ones((100, 2), np.float32)).shape[0] == 0
    assert reframer.push(np.ones((100, 2), np.float32)).shape[0] == 1
    assert reframer.frames_out == 1


def _two_party(seed: int = 0) -> np.ndarray:
    agent = speech_with_pauses(turns=10, seed=seed)
    customer = np.roll(speech_with_pauses(turns=10, seed=seed + 50, f0_hz=210.0), len(agent) // 20)
    loud = speech_with_pauses(turns=3, seed=seed + 7, level_dbfs=-12.0, f0_hz=170.0, tilt_db_per_octave=-3.0)
    agent = np.concatenate([agent, loud])
    customer = np.concatenate([customer, np.zeros_like(loud)])
    return np.stack([agent, customer], axis=1)


@pytest.mark.parametrize("block", [317, 1024])
def test_block_size_does_not_change_features_or_events(block: int) -> None:
    samples = _two_party()
    reference = analyze_samples(samples, rate_hz=RATE, block_samples=160)
    other = analyze_samples(samples, rate_hz=RATE, block_samples=block)
    assert reference.episodes, "the session should produce episodes to compare"
    assert other.episodes == reference.episodes
    assert other.cues == reference.cues
    for speaker in ("agent", "customer"):
        for key, values in reference.frames[speaker].items():
            np.testing.assert_allclose(other.frames[speaker][key], values, rtol=1e-5, atol=1e-4, err_msg=key)


def test_block_size_invariance_holds_through_the_resampler() -> None:
    samples = np.repeat(_two_party(seed=3), 3, axis=0)  # 48 kHz
    a = analyze_samples(samples, rate_hz=48_000, block_samples=480)
    b = analyze_samples(samples, rate_hz=48_000, block_samples=3072 + 17)
    assert a.episodes == b.episodes and a.cues == b.cues
    np.testing.assert_allclose(a.frames["agent"]["level_dbfs"], b.frames["agent"]["level_dbfs"], atol=1e-3)


@pytest.mark.parametrize("rate_hz", [8_000, 22_050, 44_100, 48_000])
def test_resampler_keeps_pitch_and_level(rate_hz: int) -> None:
    tone = harmonic(180.0, seconds=0.4, level_dbfs=-20.0, rate_hz=rate_hz, harmonics=15)
    result = analyze_samples(tone, rate_hz=rate_hz)
    f0 = result.frames["agent"]["f0_hz"][10:-5]
    level = result.frames["agent"]["level_dbfs"][10:-5]
    assert np.isfinite(f0).mean() > 0.9
    assert np.nanmedian(f0) == pytest.approx(180.0, rel=0.005)
    # above 8 kHz nothing is lost; at 8 kHz the harmonics above 4 kHz are gone, a little energy with them
    assert np.median(level) == pytest.approx(-20.0, abs=0.3 if rate_hz > 8_000 else 1.0)
    assert abs(len(result.frames["t_s"]) - 40) <= 1


def test_resampler_output_length_matches_the_duration() -> None:
    resampler = StreamResampler(in_rate_hz=44_100, channels=1)
    total = sum(len(resampler.process(np.zeros((441 * 7, 1), np.float32))) for _ in range(100))
    total += len(resampler.flush())
    assert total == pytest.approx(16_000 * 7 * 441 * 100 / 44_100, abs=2)
