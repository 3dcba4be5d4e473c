"""Known-answer tests for every per-frame feature."""

from __future__ import annotations

import numpy as np
import pytest

from calmcue.features.extractor import FeatureExtractor
from calmcue.features.loudness import level_dbfs
from calmcue.features.pitch import yin, yin_audible, yin_where
from calmcue.features.reframer import Reframer
from calmcue.features.spectral import power_spectrum, spectral_shape
from conftest import RATE, harmonic, silence, syllables

pytestmark = pytest.mark.usefixtures("classic_activity")


def frames(signal: np.ndarray):
    windows = Reframer(channels=1).push(signal[:, None])
    return FeatureExtractor(channels=1).process(windows)


def test_full_scale_sine_is_minus_3_dbfs() -> None:
    t = np.arange(RATE) / RATE
    sine = np.sin(2 * np.pi * 1000 * t).astype(np.float32)
    assert level_dbfs(sine[None, -800:])[0] == pytest.approx(-3.01, abs=0.02)


def test_level_follows_gain_and_floors_at_minus_100() -> None:
    tone = harmonic(200.0, seconds=0.1, level_dbfs=-20.0)
    assert level_dbfs(tone[None, -800:])[0] == pytest.approx(-20.0, abs=0.5)
    assert level_dbfs((tone * 10 ** (-18 / 20))[None, -800:])[0] == pytest.approx(-38.0, abs=0.5)
    assert level_dbfs(np.zeros((1, 800), np.float32))[0] == -100.0


@pytest.mark.parametrize("f0_hz", [62.0, 85.0, 110.0, 147.0, 220.0, 310.0, 440.0, 495.0])
def test_yin_finds_the_f0_of_a_harmonic_complex(f0_hz: float) -> None:
    tone = harmonic(f0_hz, seconds=0.06)
    track = yin(tone[None, -800:])
    assert track.f0_hz[0] == pytest.approx(f0_hz, rel=0.005)
    assert track.aperiodicity[0] < 0.05


def test_yin_with_a_missing_fundamental_keeps_the_period() -> None:
    t = np.arange(800) / RATE
    tone = sum(np.sin(2 * np.pi * 150 * h * t) for h in (2, 3, 4, 5)).astype(np.float32)
    assert yin(tone[None]).f0_hz[0] == pytest.approx(150.0, rel=0.01)


def test_noise_is_aperiodic_and_unvoiced() -> None:
    noise = np.random.default_rng(3).standard_normal(RATE).astype(np.float32) * 0.05
    windows = Reframer(channels=1).push(noise[:, None])
    assert np.median(yin(windows[10:, 0]).aperiodicity) > 0.5
    batch = FeatureExtractor(channels=1).process(windows)
    assert batch.voiced[10:, 0].mean() < 0.05


def test_yin_where_computes_only_the_chosen_windows() -> None:
    tone = harmonic(150.0, seconds=0.2)
    windows = Reframer(channels=1).push(tone[:, None])[:, 0]
    where = np.arange(windows.shape[0]) % 3 == 0
    some, every = yin_where(windows, where), yin(windows)
    np.testing.assert_allclose(some.f0_hz[where], every.f0_hz[where], rtol=1e-6)
    np.testing.assert_allclose(some.aperiodicity[where], every.aperiodicity[where], rtol=1e-5, atol=1e-7)
    assert np.isnan(some.f0_hz[~where]).all() and np.isnan(some.aperiodicity[~where]).all()


def test_no_pitch_is_computed_in_digital_silence_and_it_resumes_with_a_voice() -> None:
    signal = np.concatenate([np.zeros(RATE // 2, np.float32), harmonic(180.0, seconds=0.5, level_dbfs=-20.0)])
    batch = frames(signal)
    quiet, voice = slice(0, 45), slice(60, batch.count)
    assert (batch.level_dbfs[quiet, 0] == -100.0).all()
    assert np.isnan(batch.periodicity[quiet, 0]).all() and np.isnan(batch.f0_hz[quiet, 0]).all()
    assert np.isfinite(batch.periodicity[voice, 0]).all()
    assert np.nanmedian(batch.f0_hz[voice, 0]) == pytest.approx(180.0, rel=0.01)


def test_pitch_track_on_a_glide_has_no_octave_jumps() -> None:
    f0 = np.linspace(90, 260, 2 * RATE)
    gate = np.clip(np.sin(np.pi * 3.0 * np.arange(2 * RATE) / RATE) ** 2 * 2, 0, 1)
    batch = frames(harmonic(f0, seconds=2.0, harmonics=12) * gate.astype(np.float32))
    track = batch.f0_hz[10:, 0]
    expected = f0[(np.arange(10, batch.count) + 1) * 160 - 400]
    voiced = np.isfinite(track)
    assert voiced.mean() > 0.5
    assert np.max(np.abs(np.log2(track[voiced] / expected[voiced]))) < 0.05  # within 3.5 %: no octave error


def alpha_ratio_db(windows: np.ndarray) -> np.ndarray:
    """The tilt before noise compensation: 1000-3400 Hz over 300-1000 Hz band energy, in dB."""
    shape = spectral_shape(power_spectrum(windows))
    return np.asarray(shape.high_db - shape.low_db)


def test_tilt_is_flatter_for_more_effort_and_independent_of_gain() -> None:
    calm = harmonic(150.0, seconds=0.1, tilt_db_per_octave=-12.0, harmonics=22)
    effort = harmonic(150.0, seconds=0.1, tilt_db_per_octave=-6.0, harmonics=22)
    tilt = alpha_ratio_db(np.stack([calm, effort, calm * 0.1])[:, -800:])
    assert tilt[1] > tilt[0] + 6.0
    assert tilt[2] == pytest.approx(tilt[0], abs=0.01)


def test_white_noise_is_flatter_than_pink_noise() -> None:
    rng = np.random.default_rng(0)
    white = rng.standard_normal((200, 800))
    spectrum = np.fft.rfft(white, axis=-1)
    spectrum[:, 1:] /= np.sqrt(np.arange(1, spectrum.shape[-1]))
    pink = np.fft.irfft(spectrum, axis=-1)
    tilt_white = alpha_ratio_db(white.astype(np.float32))
    tilt_pink = alpha_ratio_db(pink.astype(np.float32))
    assert np.mean(tilt_white) == pytest.approx(10 * np.log10(2400 / 700), abs=0.5)  # the bandwidth ratio
    assert np.mean(tilt_pink) == pytest.approx(10 * np.log10(np.log(3400 / 1000) / np.log(1000 / 300)), abs=0.5)


def test_voice_activity_separates_speech_from_silence() -> None:
    signal = np.concatenate([silence(2.0), syllables(seconds=3.0), silence(2.0)])
    prob = frames(signal).speech_prob[:, 0]
    speech, before, after = prob[220:480], prob[50:190], prob[560:690]
    assert speech.mean() > 0.6
    assert before.max() < 0.5 and after.max() < 0.5


def test_voice_activity_ignores_steady_noise_at_speech_level() -> None:
    noise = np.random.default_rng(5).standard_normal(6 * RATE).astype(np.float32) * 10 ** (-30 / 20)
    prob = frames(noise).speech_prob[:, 0]
    assert prob[300:].mean() < 0.2


def test_tilt_is_null_in_silence() -> None:
    batch = frames(np.concatenate([syllables(seconds=2.0), np.zeros(RATE, np.float32)]))
    assert np.isnan(batch.tilt_db[-50:, 0]).all()
    assert np.isfinite(batch.tilt_db[50:150, 0]).any()


@pytest.mark.parametrize("rate_syl_s", [3.0, 4.0, 6.5, 8.0])
def test_speaking_rate_moves_at_least_in_proportion_to_the_syllable_rate(rate_syl_s: float) -> None:
    """features/rate.py expands the modulation centroid about a typical 5 syllables a second (it moves less
    than the tempo on real speech, whose modulation spectrum is broad); a synthetic train's narrow one moves in
    full, so its reading is right near 5 a second and moves at least in proportion either side of it."""
    typical = frames(syllables(seconds=8.0, rate_syl_s=5.0))
    batch = frames(syllables(seconds=8.0, rate_syl_s=rate_syl_s))
    # the syllables run on without pauses, so every frame of the last 5 s is speech
    assert (batch.speech_prob[-500:, 0] >= 0.5).all()
    assert typical.rate_syl_s[-1, 0] == pytest.approx(5.0, rel=0.1)
    moved = batch.rate_syl_s[-1, 0] / typical.rate_syl_s[-1, 0]
    assert moved >= rate_syl_s / 5.0 if rate_syl_s > 5.0 else moved <= rate_syl_s / 5.0
    assert 0.5 < moved / (rate_syl_s / 5.0) < 2.0  # expanded, not another scale


def test_speaking_rate_orders_slow_and_fast_speech() -> None:
    slow = frames(syllables(seconds=8.0, rate_syl_s=3.0)).rate_syl_s[-1, 0]
    fast = frames(syllables(seconds=8.0, rate_syl_s=5.5)).rate_syl_s[-1, 0]
    assert fast > 1.4 * slow


def test_noise_after_digital_silence_is_not_speech() -> None:
    """A muted mic or a call stream that has not started (exact zeros) must not make the first noise look loud."""
    signal = np.concatenate([np.zeros(2 * RATE, np.float32), silence(4.0, noise_dbfs=-60.0)])
    prob = frames(signal).speech_prob[:, 0]
    assert prob.max() < 0.5


def test_yin_audible_gives_yins_numbers_and_skips_digital_silence() -> None:
    signal = np.concatenate([np.zeros(RATE // 4, np.float32), harmonic(150.0, seconds=0.3),
                             np.zeros(RATE // 4, np.float32)])
    windows = Reframer(channels=1).push(signal[:, None])[:, 0]
    silent = ~windows[:, -800:].any(axis=-1)
    assert silent.any() and not silent.all()
    skipped, every = yin_audible(windows), yin(windows)
    # silent rows are the very same numbers; the others differ only as any batch of another size does (the FFT
    # works on several rows at once)
    np.testing.assert_array_equal(skipped.dprime[silent], every.dprime[silent])
    np.testing.assert_array_equal(skipped.f0_hz[silent], every.f0_hz[silent])
    np.testing.assert_allclose(skipped.f0_hz, every.f0_hz, rtol=1e-6)
    np.testing.assert_allclose(skipped.aperiodicity, every.aperiodicity, rtol=1e-5, atol=1e-7)


def test_one_pole_mean_matches_lfilter_across_calls() -> None:
    import scipy.signal

    from calmcue.features.activity_input import _SLOW, ActivityInput

    level = np.random.default_rng(3).normal(-40.0, 10.0, (700, 2))
    inputs = ActivityInput(channels=2)
    ours = np.concatenate([inputs._slow_mean(level[i : i + n]) for i, n in ((0, 3), (3, 250), (253, 447))])
    zi = (_SLOW * level[0])[None, :]
    expected, _ = scipy.signal.lfilter([1.0 - _SLOW], [1.0, -_SLOW], level, axis=0, zi=zi)
    np.testing.assert_array_equal(ours, expected)


def test_the_model_skips_silent_hops_whatever_the_block_sizes(monkeypatch) -> None:
    monkeypatch.setenv("CALMCUE_ACTIVITY", "model")
    quiet = np.zeros((RATE // 2, 2), np.float32)
    voice = np.stack([syllables(seconds=1.0), syllables(seconds=1.0, f0_hz=210.0, seed=4)], axis=1)
    signal = np.concatenate([quiet, voice, quiet, voice])

    def speech(block: int) -> np.ndarray:
        reframer, extractor = Reframer(channels=2), FeatureExtractor(channels=2)
        if extractor.model is None:
            pytest.skip("the activity model did not load")
        parts = [extractor.process(reframer.push(signal[i : i + block])) for i in range(0, len(signal), block)]
        return np.concatenate([p.speech_prob for p in parts if p.count])

    live, batch = speech(480), speech(16000)
    np.testing.assert_allclose(live, batch, atol=1e-5)  # float rounding of batches of other sizes, no more
    assert (live[:40] == 0.0).all() and live[60:150].max() > 0.5


def test_the_live_engine_imports_no_scipy() -> None:
    """scipy.fft and scipy.signal cost the tray 18 and 40 MB of memory (issue 15: idle RSS under 150 MB); the live
    path runs on numpy alone (the benchmarks and training may still use scipy)."""
    import subprocess
    import sys

    code = ("import sys, numpy as np; from calmcue.engine.pipeline import Pipeline; "
            "from calmcue.config.schema import Settings; "
            "p = Pipeline(Settings(), channels=2, in_rate_hz=48000); "
            "[p.push(np.random.default_rng(0).normal(0, 0.1, (n, 2)).astype(np.float32)) for n in (480, 48000)]; "
            "print(sorted({m.split('.')[0] + '.' + m.split('.')[1] for m in sys.modules "
            "if m.startswith('scipy.')}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "[]", done.stdout
