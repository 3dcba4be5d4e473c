"""The spectral pace (benchmarks/spectral_pace.py, measured and not shipped): how fast the log-mel spectrum moves,
read as a correlation time. Synthetic trajectories; its figures on real speech are in
benchmarks/results/detection_velocity13.txt.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from spectral_pace import (
    MEL_BANDS,
    MIN_PAIRS,
    SpectralPace,
    combined_rate,
    log_mel_db,
    mel_matrix,
)


def trajectory(*, seconds: float, tempo: float = 1.0, seed: int = 0) -> np.ndarray:
    """(frames, MEL_BANDS) dB: a smooth random walk through spectra (each band a sum of slow random sines, the
    same for every tempo), sampled every 10 ms at `tempo` times its natural speed."""
    rng = np.random.default_rng(seed)
    freqs_hz = rng.uniform(1.0, 6.0, (8, MEL_BANDS))
    phases = rng.uniform(0.0, 2 * np.pi, (8, MEL_BANDS))
    t_s = np.arange(round(seconds / 0.01))[:, None, None] * 0.01 * tempo
    return -40.0 + 3.0 * np.sin(2 * np.pi * freqs_hz * t_s + phases).sum(axis=1)


def final_pace(mel_db: np.ndarray, *, voiced: np.ndarray | None = None) -> float:
    voiced = np.ones(len(mel_db), bool) if voiced is None else voiced
    return float(SpectralPace(window_speech_s=6.5).process(mel_db, voiced, np.ones(len(mel_db), bool))[-1])


def test_the_same_trajectory_gone_through_faster_reads_faster_in_proportion() -> None:
    natural = final_pace(trajectory(seconds=10.0))
    for tempo in (1.2, 1.4, 1.6):
        assert final_pace(trajectory(seconds=10.0, tempo=tempo)) / natural == pytest.approx(tempo, rel=0.05)


def test_a_gain_change_does_not_move_it() -> None:
    mel = trajectory(seconds=8.0)
    assert final_pace(mel + 12.0) == pytest.approx(final_pace(mel), rel=1e-9)


def test_a_band_that_holds_only_steady_noise_does_not_move_it() -> None:
    """A band far under the speech, where only a noise floor's random flutter is left, is floored flat."""
    mel = trajectory(seconds=8.0)
    noisy = mel.copy()
    noisy[:, :4] = -90.0 + np.random.default_rng(3).normal(0.0, 3.0, (len(mel), 4))
    quiet = mel.copy()
    quiet[:, :4] = -90.0
    assert final_pace(noisy) == pytest.approx(final_pace(quiet), rel=0.03)


def test_nothing_is_read_until_enough_voiced_frames_are_held() -> None:
    mel = trajectory(seconds=4.0)
    voiced = np.zeros(len(mel), bool)
    voiced[: MIN_PAIRS - 1] = True
    assert math.isnan(final_pace(mel, voiced=voiced))
    voiced[: MIN_PAIRS + 40] = True
    assert math.isfinite(final_pace(mel, voiced=voiced))


def test_pauses_between_speech_do_not_move_it() -> None:
    """It reads speech frames only: non-speech frames in between leave the reading where it was."""
    mel = trajectory(seconds=8.0)
    speech = np.ones(len(mel), bool)
    speech[200:260] = False
    with_pause = SpectralPace(window_speech_s=6.5).process(np.vstack([mel, mel[:1]]),
                                                           np.ones(len(mel) + 1, bool),
                                                           np.append(speech, False))
    assert with_pause[-1] == with_pause[-2]
    assert np.isfinite(with_pause[-1])


def test_block_sizes_do_not_change_the_readings() -> None:
    mel = trajectory(seconds=6.0)
    voiced = np.random.default_rng(1).random(len(mel)) > 0.3
    speech = np.ones(len(mel), bool)
    whole = SpectralPace().process(mel, voiced, speech)
    pace = SpectralPace()
    pieces = [pace.process(mel[i:i + 7], voiced[i:i + 7], speech[i:i + 7]) for i in range(0, len(mel), 7)]
    np.testing.assert_array_equal(np.concatenate(pieces), whole)


def test_the_mel_bands_cover_the_telephone_band_once() -> None:
    weights = mel_matrix()
    bins_hz = np.fft.rfftfreq(512, 1.0 / 16000)
    inside = (bins_hz >= 500) & (bins_hz <= 3000)  # between the first band's peak and the last one's
    assert np.allclose(weights.sum(axis=1)[inside], 1.0, atol=1e-9)  # the triangles overlap to a flat sum
    assert weights.sum(axis=1).max() <= 1.0 + 1e-9
    assert not weights[bins_hz < 290].any() and not weights[bins_hz > 3410].any()
    assert log_mel_db(np.ones((3, 257))).shape == (3, MEL_BANDS)


def test_the_combined_rate_is_the_geometric_mean_and_waits_for_both() -> None:
    out = combined_rate(np.array([4.0, np.nan, 4.0]), np.array([9.0, 9.0, np.nan]))
    assert out[0] == pytest.approx(6.0)
    assert np.isnan(out[1:]).all()
