"""The cheaper per-hop paths (issue 15) give the numbers of the paths they replace."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calmcue.features import extractor as extractor_module
from calmcue.features import trackers as trackers_module
from calmcue.features.activity_input import ActivityInput
from calmcue.features.activity_model import ActivityModel
from calmcue.features.extractor import QUIET_HOLD_FRAMES, ChannelFrame, FeatureExtractor
from calmcue.features.loudness import (
    CLIP_LEVEL_DBFS,
    NEAR_FULL_SCALE,
    clip_share,
    clip_share_where_loud,
    level_dbfs,
)
from calmcue.features.pitch import (
    CHUNK_ROWS,
    INTEGRATION,
    TAU_MAX,
    _energy_spans,
    _first_dips,
    _pick_few,
    normalised_difference,
    octave_alternative,
    refine_lag,
    silent_windows,
    stand_in_periodicity,
    yin,
)
from calmcue.features.rate import FFT_SIZE, SUB_HOP_FRAMES, SUB_WINDOW_FRAMES, modulation_weights
from calmcue.features.reframer import Reframer
from calmcue.features.spectral import power_spectrum
from calmcue.timebase import ANALYSIS_RATE_HZ
from conftest import RATE, harmonic, silence, syllables


def _rows() -> np.ndarray:
    """Windows of every kind the dip search meets: voices, a missing fundamental, noise, silence, a tiny click."""
    rng = np.random.default_rng(5)
    parts = [harmonic(f0, seconds=0.06) for f0 in (62.0, 95.0, 150.0, 240.0, 480.0)]
    parts += [harmonic(120.0, seconds=0.06, harmonics=6) - harmonic(120.0, seconds=0.06, harmonics=1)]
    parts += [rng.standard_normal(960).astype(np.float32) * 0.01, np.zeros(960, np.float32)]
    click = np.zeros(960, np.float32)
    click[500] = 1e-3
    parts.append(click)
    return np.stack([p[-800:] for p in parts])


def test_the_row_by_row_dip_search_gives_the_vectorised_numbers_bit_for_bit() -> None:
    dprime = normalised_difference(_rows())
    lag, aperiodicity = refine_lag(dprime, _first_dips(dprime))
    f0, few_aperiodicity = _pick_few(dprime)
    np.testing.assert_array_equal(f0, ANALYSIS_RATE_HZ / lag)
    np.testing.assert_array_equal(few_aperiodicity, aperiodicity)
    assert np.isfinite(f0).all() and (f0 <= ANALYSIS_RATE_HZ).all()
    assert dprime.shape[-1] == TAU_MAX + 1


def test_yin_on_one_row_and_on_many_rows_agree() -> None:
    rows = _rows()
    together = yin(np.concatenate([rows] * 2))  # 18 rows: the vectorised search
    for i, row in enumerate(rows):
        alone = yin(row[None])  # one row: the row-by-row search
        assert alone.f0_hz[0] == pytest.approx(together.f0_hz[i], rel=1e-9)
        assert alone.aperiodicity[0] == pytest.approx(together.aperiodicity[i], rel=1e-6, abs=1e-9)


def test_yin_in_chunks_gives_the_numbers_of_one_call_bit_for_bit() -> None:
    rows = np.concatenate([_rows()] * (2 * CHUNK_ROWS // len(_rows()) + 2))  # more than two chunks
    assert rows.shape[0] > 2 * CHUNK_ROWS
    chunked = yin(rows)
    dprime = normalised_difference(rows)  # one call over every row
    lag, aperiodicity = refine_lag(dprime, _first_dips(dprime))
    np.testing.assert_array_equal(chunked.dprime, dprime)
    np.testing.assert_array_equal(chunked.f0_hz, ANALYSIS_RATE_HZ / lag)
    np.testing.assert_array_equal(chunked.aperiodicity, aperiodicity)


def test_the_difference_function_is_yins_definition_whatever_the_memory_held() -> None:
    # the work arrays are no longer zeroed (np.empty): a buffer reused from the heap must not leak into the result
    rows = _rows()
    x = rows.astype(np.float64)
    lags = np.arange(1, TAU_MAX + 1)
    direct = np.array([[np.sum((row[:INTEGRATION] - row[tau : tau + INTEGRATION]) ** 2) for tau in lags] for row in x])
    expected = direct * lags / np.maximum(np.cumsum(direct, axis=-1), 1e-12)
    poisoned = np.full((rows.shape[0], TAU_MAX + 1), np.nan)
    for _ in range(3):  # garbage left in freed blocks of the same sizes
        np.full((2, rows.shape[0], 800), np.nan)
        np.full((rows.shape[0], 801), np.inf)
    dprime = normalised_difference(rows, out=poisoned)
    assert dprime is poisoned and np.isfinite(dprime).all()
    np.testing.assert_array_equal(dprime, normalised_difference(rows))
    np.testing.assert_allclose(dprime[:, 1:], expected, rtol=1e-6, atol=1e-9)
    assert (dprime[:, 0] == 1.0).all()


def test_two_rows_a_chain_give_each_rows_own_sums_bit_for_bit() -> None:
    rows = np.concatenate([_rows()] * 2)[:16].astype(np.float64)  # an even count: two rows a chain
    head, spans = _energy_spans(rows.copy())
    for i, row in enumerate(rows):
        alone_head, alone_spans = _energy_spans(row[None].copy())  # one row: its own chain
        assert head[i] == alone_head[0]
        np.testing.assert_array_equal(spans[i], alone_spans[0])
    assert head[0] == pytest.approx(np.sum(rows[0, :INTEGRATION] ** 2), rel=1e-12)
    assert spans[0, 5] == pytest.approx(np.sum(rows[0, 5 : 5 + INTEGRATION] ** 2), rel=1e-12)


def _pink(seconds: float, *, level_dbfs: float) -> np.ndarray:
    """Pink noise (power falling 3 dB an octave): what a plain autocorrelation takes for a periodic sound."""
    x = np.random.default_rng(8).standard_normal(int(seconds * RATE))
    x = np.fft.irfft(np.fft.rfft(x) / np.sqrt(np.maximum(np.fft.rfftfreq(x.size, 1 / RATE), 20.0)), x.size)
    return (x / np.sqrt(np.mean(x**2)) * 10 ** (level_dbfs / 20)).astype(np.float32)


@pytest.mark.parametrize("colour", ["white", "pink"])
def test_the_stand_in_periodicity_reads_like_yins_on_steady_noise(colour: str) -> None:
    noise = silence(2.0, noise_dbfs=-70.0) if colour == "white" else _pink(2.0, level_dbfs=-70.0)
    windows = Reframer(channels=1).push(noise[:, None])[10:, 0]
    stand_in = stand_in_periodicity(power_spectrum(windows), silent=silent_windows(windows))
    reference = np.maximum(1.0 - yin(windows).aperiodicity, 0.0)
    assert abs(stand_in.mean() - reference.mean()) < 0.04
    assert np.mean(np.abs(stand_in - reference)) < 0.1
    assert ((stand_in >= 0.0) & (stand_in <= 1.0)).all()


def test_the_stand_in_periodicity_keeps_yins_value_in_digital_silence() -> None:
    zeros = np.zeros((3, 800), np.float32)
    np.testing.assert_array_equal(stand_in_periodicity(power_spectrum(zeros), silent=silent_windows(zeros)),
                                  np.maximum(1.0 - yin(zeros).aperiodicity, 0.0))


def _features(signal: np.ndarray, *, block: int) -> list:
    reframer, extractor = Reframer(channels=2), FeatureExtractor(channels=2)
    if extractor.model is None:
        pytest.skip("the activity model did not load")
    return [extractor.process(reframer.push(signal[i : i + block])) for i in range(0, len(signal), block)]


def _quiet_then_speech() -> np.ndarray:
    quiet = np.stack([silence(1.5, seed=2), silence(1.5, seed=3)], axis=1)
    voice = np.stack([syllables(seconds=1.0), silence(1.0, seed=4)], axis=1)
    return np.concatenate([quiet, voice, quiet, voice])


def test_the_quiet_path_runs_no_pitch_after_the_hold_and_whatever_the_block_sizes(monkeypatch) -> None:
    monkeypatch.setenv("CALMCUE_ACTIVITY", "model")
    signal = _quiet_then_speech()
    live, batch = (np.concatenate([p.f0_hz for p in _features(signal, block=b) if p.count])
                   for b in (480, 16000))
    np.testing.assert_array_equal(np.isnan(live), np.isnan(batch))
    periodicity = np.concatenate([p.periodicity for p in _features(signal, block=317) if p.count])
    assert np.isfinite(periodicity).all()  # the model always has its input
    counted = []
    original = extractor_module.yin_where

    def counting(windows: np.ndarray, where: np.ndarray):
        counted.append(int(np.count_nonzero(where)))
        return original(windows, where)

    monkeypatch.setattr(extractor_module, "yin_where", counting)
    quiet = np.stack([silence(5.0, seed=2), silence(5.0, seed=3)], axis=1)
    parts = _features(quiet, block=160)
    assert sum(p.count for p in parts) == 500
    # the stream's first frame (zeros before its start) holds the floor low for its 3 s window; after that and
    # the hold, no pitch is computed at all
    assert sum(counted[300 + QUIET_HOLD_FRAMES + 5 :]) == 0 and sum(counted[:10]) == 20


def test_the_quiet_path_gives_the_full_paths_events_on_quiet_noise_and_speech(monkeypatch) -> None:
    """The full path: YIN on every frame, its periodicity for the model (what main did before the quiet path)."""
    from calmcue.analysis.offline import analyze_samples

    monkeypatch.setenv("CALMCUE_ACTIVITY", "model")
    signal = _quiet_then_speech()
    cheap = analyze_samples(signal, rate_hz=RATE, keep_frames=False)
    monkeypatch.setattr(trackers_module, "QUIET_HOLD_FRAMES", 10**9)
    full = analyze_samples(signal, rate_hz=RATE, keep_frames=False)
    assert [(e.kind, e.speaker, e.start_s, e.end_s) for e in cheap.episodes] == \
        [(e.kind, e.speaker, e.start_s, e.end_s) for e in full.episodes]
    assert [(c.kind, c.t_s) for c in cheap.cues] == [(c.kind, c.t_s) for c in full.cues]
    assert cheap.speech_frames == full.speech_frames


def test_the_quiet_path_gives_the_full_paths_events_on_a_real_call_in_quiet_noise(monkeypatch, shared_data) -> None:
    """A two-channel session of real speech (RAVDESS actors, raised and calm turns, talk-over) with -70 dBFS noise
    under both channels: the quiet path runs in its pauses and gives the full path's episodes and cues exactly."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import sessions
    from calmcue.analysis.offline import analyze_samples
    from calmcue.features import pitch

    monkeypatch.setenv("CALMCUE_ACTIVITY", "model")
    samples, _ = sessions.build_two_channel_session(1, 2, 0, data_dir=shared_data, max_scored_turns=6)
    noise = np.random.default_rng(6).standard_normal(samples.shape) * 10 ** (-70 / 20)
    samples = (samples + noise).astype(np.float32)
    used = []
    original = pitch.stand_in_periodicity

    def counting(power: np.ndarray, *, silent: np.ndarray) -> np.ndarray:
        used.append(power.shape[0])
        return original(power, silent=silent)

    monkeypatch.setattr(extractor_module, "stand_in_periodicity", counting)
    cheap = analyze_samples(samples, rate_hz=RATE, keep_frames=False)
    assert sum(used) > 500  # the pauses went through the quiet path
    monkeypatch.setattr(trackers_module, "QUIET_HOLD_FRAMES", 10**9)
    full = analyze_samples(samples, rate_hz=RATE, keep_frames=False)
    assert cheap.episodes and cheap.cues
    assert [e.to_json() for e in cheap.episodes] == [e.to_json() for e in full.episodes]
    assert [c.to_json() for c in cheap.cues] == [c.to_json() for c in full.cues]


def test_the_octave_guard_refines_its_other_dip_as_refine_lag_does_bit_for_bit() -> None:
    dprime = normalised_difference(_rows())
    for row in dprime:
        for f0_hz in (65.0, 110.0, 151.0, 240.0, 330.0, 470.0):
            for factor in (0.5, 2.0):
                f0, aperiodicity = octave_alternative(row, f0_hz, factor=factor)
                centre = round(ANALYSIS_RATE_HZ / (f0_hz * factor))
                if np.isnan(f0):
                    assert not 33 <= centre <= TAU_MAX - 1
                    continue
                low, high = max(32, centre - 2), min(TAU_MAX - 1, centre + 2)
                best = low + int(np.argmin(row[low : high + 1]))
                lag, value = refine_lag(row[None, :], np.array([best]))
                assert (f0, aperiodicity) == (float(ANALYSIS_RATE_HZ / lag[0]), float(value[0]))


def _plain_modulation_weights(envelope: np.ndarray) -> np.ndarray:
    """The syllable rate's modulation weights written plainly (stacked slices, np.mean): the reference."""
    starts = range(0, envelope.size - SUB_WINDOW_FRAMES + 1, SUB_HOP_FRAMES)
    segments = np.stack([envelope[s : s + SUB_WINDOW_FRAMES] for s in starts])
    segments = (segments - segments.mean(axis=1, keepdims=True)) * np.hanning(SUB_WINDOW_FRAMES)
    power = np.square(np.abs(np.fft.rfft(segments, FFT_SIZE, axis=1)))
    power /= power.sum(axis=1, keepdims=True) + 1e-30
    return power.mean(axis=0)


@pytest.mark.parametrize("size", [256, 257, 319, 320, 500, 777, 3000, 3100])
def test_modulation_weights_are_those_of_the_plain_formula_bit_for_bit(size: int) -> None:
    from calmcue.features import rate

    envelope = np.abs(np.random.default_rng(size).standard_normal(size)) * 1e-3
    envelope[: size // 3] *= 10.0
    expected = _plain_modulation_weights(envelope)[rate._IN_BAND] * rate._PER_LN_F
    np.testing.assert_array_equal(modulation_weights(envelope), expected)


def test_without_noise_db_is_the_plain_formula_bit_for_bit() -> None:
    rng = np.random.default_rng(4)
    totals = rng.uniform(-210.0, 5.0, 5000).tolist()
    floors = [*rng.uniform(-210.0, 5.0, 4000).tolist(), *(t - 3.0 for t in totals[:999]), float("nan")]
    for total_db, floor_db in zip(totals, floors, strict=True):
        if np.isnan(floor_db):
            expected = total_db
        else:
            total, noise = 10.0 ** (total_db / 10.0), 10.0 ** ((floor_db + trackers_module.NOISE_BIAS_DB) / 10.0)
            expected = 10.0 * math.log10(max(total - noise, 0.1 * total, 1e-30))
        assert trackers_module.without_noise_db(total_db, floor_db) == expected


def test_the_models_live_branch_gives_the_masked_paths_numbers_and_state_bit_for_bit() -> None:
    """ActivityModel.process without a silence mask (the live case) returns np.where's arrays instead of filling
    zeroed ones through the mask: the same probabilities and the same recurrent state as an all-sounding mask."""
    windows = Reframer(channels=2).push(np.stack([harmonic(150.0, seconds=0.2), syllables(seconds=0.2)], axis=1))
    power = power_spectrum(windows)
    periodicity = np.linspace(0.1, 0.9, windows.shape[0] * 2).reshape(-1, 2)
    level = np.full(periodicity.shape, -30.0)
    level[3] = -120.0  # one hop under the absolute floor: its answer is 0 on both paths
    models = ActivityModel.create(channels=2), ActivityModel.create(channels=2)
    if models[0] is None or models[1] is None:
        pytest.skip("the activity model did not load")
    no_mask = [models[0].process(power[i : i + 1], periodicity[i : i + 1], level[i : i + 1])
               for i in range(len(level))]
    masked = [models[1].process(power[i : i + 1], periodicity[i : i + 1], level[i : i + 1], silent=np.zeros(1, bool))
              for i in range(len(level))]
    for (speech, music), (speech_m, music_m) in zip(no_mask, masked, strict=True):
        assert speech.dtype == speech_m.dtype == np.float32
        np.testing.assert_array_equal(speech, speech_m)
        np.testing.assert_array_equal(music, music_m)
    np.testing.assert_array_equal(models[0]._state, models[1]._state)
    assert no_mask[3][0].max() == 0.0 and max(s.max() for s, _ in no_mask) > 0.0


def test_the_clip_share_of_the_loud_windows_only_is_the_clip_share_of_all() -> None:
    """clip_share_where_loud skips the windows under CLIP_LEVEL_DBFS; one sample at 0.98 in a silent window (the
    quietest window that can hold one, -27.3 dBFS) is still counted, and so is every window of a clipped voice."""
    rng = np.random.default_rng(3)
    quiet = rng.standard_normal((4, 2, 800)).astype(np.float32) * 0.01
    lone = np.zeros((1, 2, 800), np.float32)
    lone[0, 1, -3] = NEAR_FULL_SCALE
    driven = np.clip(rng.standard_normal((3, 2, 800)) * 0.8, -1.0, 1.0).astype(np.float32)
    for windows in (quiet, lone, driven, np.concatenate([quiet, lone, driven])):
        shares = clip_share_where_loud(windows, level_dbfs(windows))
        assert shares.tobytes() == clip_share(windows).tobytes()
    assert clip_share_where_loud(lone, level_dbfs(lone))[0, 1] > 0.0
    assert level_dbfs(lone)[0, 1] >= CLIP_LEVEL_DBFS


def test_the_slow_band_mean_of_one_hop_at_a_time_is_that_of_whole_blocks() -> None:
    """ActivityInput's one-hop path (both channels in one numpy expression) gives the block loop's numbers."""
    windows = Reframer(channels=2).push(np.stack([syllables(seconds=1.0), silence(1.0)], axis=1))
    power, periodicity = power_spectrum(windows), np.full(windows.shape[:2], 0.5)
    one_by_one = ActivityInput(channels=2)
    hops = np.concatenate([one_by_one.process(power[i : i + 1], periodicity[i : i + 1])
                           for i in range(len(power))])
    assert hops.tobytes() == ActivityInput(channels=2).process(power, periodicity).tobytes()


def test_every_channels_frames_read_at_once_are_each_channels_frames() -> None:
    """FrameBatch.frames_by_channel: per channel, the frame tuples of that channel's column of every field."""
    extractor = FeatureExtractor(channels=2)
    batch = extractor.process(Reframer(channels=2).push(np.stack([syllables(seconds=0.5), silence(0.5)], axis=1)))
    for channel, frames in enumerate(batch.frames_by_channel()):
        expected = [tuple(getattr(batch, name)[i, channel].item() for name in ChannelFrame._fields)
                    for i in range(batch.count)]
        assert repr([tuple(frame) for frame in frames]) == repr(expected)  # (NaN fields: compared as text)
        assert all(isinstance(frame, ChannelFrame) for frame in frames)
