"""The detection benchmark's stress conditions are what they say: a shelf of +-6 dB, a mu-law line that clips only
at full scale, a room of the given RT60, noises set under the calm voice (benchmarks/detection_stress.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import signal

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import conditions
import detection_stress as stress
import line_agc
import line_compressor
import line_faults
from needs import missing

RATE = 16000


def bursts(levels_dbfs: list[float], *, seconds: int = 4) -> np.ndarray:
    """Noise bursts (0.3 s on, 0.3 s off, a faint floor between) at an active level per channel: speech-like."""
    rng = np.random.default_rng(1)
    on = (np.arange(RATE * seconds) // round(0.3 * RATE)) % 2 == 0
    columns = [rng.standard_normal(RATE * seconds) * np.where(on, 10 ** (level / 20), 1e-5) for level in levels_dbfs]
    return np.stack(columns, axis=1).astype(np.float32)


def _gain_db(sos: np.ndarray, freq_hz: float) -> float:
    _, response = signal.sosfreqz(sos, worN=[freq_hz], fs=RATE)
    return float(20 * np.log10(np.abs(response[0])))


@pytest.mark.parametrize("gain_db", [6.0, -6.0])
def test_the_shelf_moves_the_highs_and_leaves_the_lows(gain_db: float) -> None:
    sos = stress.high_shelf_sos(gain_db=gain_db, corner_hz=stress.SHELF_HZ, rate_hz=RATE)
    assert abs(_gain_db(sos, 100.0)) < 0.5
    assert abs(_gain_db(sos, 5000.0) - gain_db) < 0.5
    assert abs(_gain_db(sos, stress.SHELF_HZ) - gain_db / 2) < 0.5  # half the gain at the corner


def test_mu_law_keeps_the_voice_under_full_scale_and_clips_over_it() -> None:
    x = np.array([-0.5, -0.05, 0.002, 0.05, 0.5, 0.9], dtype=np.float32)
    y = stress.mu_law(x)
    assert np.all(np.abs(y - x) <= 0.05 * np.abs(x) + 2e-4)  # 8-bit companding: a few per cent of the value
    assert np.array_equal(stress.mu_law(np.array([1.7, -3.0], dtype=np.float32)), np.array([1.0, -1.0], np.float32))


@pytest.mark.parametrize("rt60_s", [0.3, 0.5, 0.8])
def test_the_room_decays_60_db_in_its_rt60(rt60_s: float) -> None:
    response = line_faults.room_response(rt60_s=rt60_s, rate_hz=RATE, seed=3,
                                         direct_to_reverb_db=stress.DIRECT_TO_REVERB_DB)
    tail = response[1:]
    assert response[0] == 1.0 and abs(10 * np.log10(np.sum(tail**2)) + stress.DIRECT_TO_REVERB_DB) < 0.01
    remaining = np.cumsum(tail[::-1] ** 2)[::-1]  # Schroeder's backward integral
    decay_db = 10 * np.log10(remaining / remaining[0])
    t_s = np.arange(len(tail)) / RATE
    slope_db_s = np.polyfit(t_s[(decay_db < -5) & (decay_db > -25)], decay_db[(decay_db < -5) & (decay_db > -25)], 1)[0]
    assert abs(-60.0 / slope_db_s - rt60_s) < 0.1 * rt60_s


@pytest.mark.data
def test_babble_sits_10_db_under_each_channel_s_calm_voice(shared_data: Path) -> None:
    voice = bursts([-20.0, -40.0])
    noisy, rate_hz = conditions.apply_condition(voice, RATE, "babble10", 5, level_span_s=(0.0, 4.0))
    level_db = 10 * np.log10(np.mean((noisy - voice).astype(np.float64) ** 2, axis=0))
    assert rate_hz == RATE and noisy.shape == voice.shape
    assert np.allclose(level_db, [-30.0, -50.0], atol=0.1)


@pytest.mark.data
def test_a_looped_sound_sits_about_10_db_under_the_calm_voice(shared_data: Path) -> None:
    """The sound is set by its whole file's level: a minute of it (dishes, footsteps) is within a few dB of that."""
    voice = bursts([-20.0], seconds=60)
    noisy, rate_hz = conditions.apply_condition(voice, RATE, "sfx10", 5, level_span_s=(0.0, 60.0))
    level_db = 10 * np.log10(np.mean((noisy - voice).astype(np.float64) ** 2))
    assert rate_hz == RATE and noisy.shape == voice.shape
    assert abs(level_db + 30.0) < 3.0


def test_the_codec_line_is_8_khz_with_the_calm_voice_at_the_nominal_level() -> None:
    voice = bursts([-50.0])[:, 0]
    line, rate_hz = conditions.apply_condition(voice, RATE, "codec", 1, level_span_s=(0.0, 4.0))
    level_db = conditions.active_speech_level_dbfs(line, rate_hz=rate_hz)
    assert rate_hz == stress.CODEC_RATE_HZ and len(line) == len(voice) // 2
    in_band_db = 10 * np.log10((stress.CODEC_BAND_HZ[1] - stress.CODEC_BAND_HZ[0]) / (RATE / 2))  # of white noise
    assert abs(level_db - (stress.CODEC_CALM_DBFS + in_band_db)) < 1.0


def test_the_clip_step_turns_the_agent_s_mic_up_30_db_after_the_opening_and_clips_at_full_scale() -> None:
    voice = bursts([-40.0, -40.0])
    stepped, _ = conditions.apply_condition(voice, RATE, "clipstep30", 1, level_span_s=(0.0, 2.0))
    before, after = slice(0, 2 * RATE), slice(2 * RATE, None)
    assert np.array_equal(stepped[before], voice[before]) and np.array_equal(stepped[:, 1], voice[:, 1])
    expected = np.clip(voice[after, 0] * np.float32(10 ** (conditions.CLIP_STEP_DB / 20)), -1.0, 1.0)
    assert np.allclose(stepped[after, 0], expected) and np.max(np.abs(stepped[after, 0])) == 1.0


def _need_music() -> None:
    reason = stress.missing("music10")
    if reason is not None:
        missing(reason, what="stress-row")


def test_music_rows_say_what_to_install_when_the_music_is_absent(monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    monkeypatch.setattr(conditions.stress, "MUSIC_GLOBS", ((str(tmp_path), "*.ogg"),))
    reason = conditions.missing("musicline")
    assert reason is not None and "hyperrogue-music" in reason and "make sysdeps" in reason
    assert conditions.missing("babble10") is None and conditions.missing("clean") is None


def test_music_sits_about_10_db_under_each_calm_voice_a_different_piece_per_channel() -> None:
    _need_music()
    voice = bursts([-20.0, -40.0], seconds=30)
    noisy, rate_hz = conditions.apply_condition(voice, RATE, "music10", 5, level_span_s=(0.0, 30.0))
    added = (noisy - voice).astype(np.float64)
    level_db = 10 * np.log10(np.mean(added**2, axis=0))
    assert rate_hz == RATE and noisy.shape == voice.shape
    assert np.all(np.abs(level_db - [-30.0, -50.0]) < 4.0)  # set by the whole piece's level; 30 s of it is near
    assert abs(np.corrcoef(added[:, 0], added[:, 1])[0, 1]) < 0.5  # two pieces, not one


def test_musicline_puts_music_behind_the_caller_only() -> None:
    _need_music()
    voice = bursts([-20.0, -30.0], seconds=10)
    noisy, _ = conditions.apply_condition(voice, RATE, "musicline", 5, level_span_s=(0.0, 10.0))
    assert np.array_equal(noisy[:, 0], voice[:, 0])
    assert not np.allclose(noisy[:, 1], voice[:, 1])


def _burst_level_db(samples: np.ndarray, start_s: float, end_s: float) -> float:
    return conditions.active_speech_level_dbfs(samples[int(start_s * RATE):int(end_s * RATE)], rate_hz=RATE)


def test_the_agc_line_levels_the_caller_s_raise_over_seconds_and_leaves_the_agent_alone() -> None:
    """agcline: a sustained +12 dB raise reads most of its +12 dB at first and is taken down over seconds; the calm
    voice before it sits at the AGC's target from the start (it starts settled on it); the agent's channel is
    untouched."""
    calm, raised = bursts([-40.0, -40.0], seconds=12), bursts([-28.0, -28.0], seconds=8)
    session = np.concatenate([calm, raised])
    line, rate_hz = conditions.apply_condition(session, RATE, "agcline", 3, level_span_s=(0.0, 12.0))
    caller = line[:, stress.CALLER_CHANNEL]
    assert rate_hz == RATE and np.array_equal(line[:, 0], session[:, 0])
    calm_db = _burst_level_db(caller, 6.0, 12.0)
    assert abs(calm_db - line_agc.TARGET_DBFS) < 1.5, "the AGC starts settled on the calm voice"
    first_db, late_db = _burst_level_db(caller, 12.0, 12.6) - calm_db, _burst_level_db(caller, 17.4, 20.0) - calm_db
    assert first_db > 6.0, "most of the raise comes through at first (the limiter takes its peaks)"
    assert late_db < first_db - 4.0, "then the gain comes down, seconds later"
    assert np.max(np.abs(caller)) <= 10 ** (-1.0 / 20) + 1e-6, "the limiter keeps peaks under -1 dBFS"


def _rms_db(samples: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(samples.astype(np.float64) ** 2)))


def test_the_compressor_squeezes_a_raise_from_its_first_syllable_and_leaves_a_calm_voice_nearly_alone() -> None:
    """comp: a calm voice passes within a dB or two; a +12 dB raise reads a few dB over it from its first 0.3 s on
    (3:1 over the threshold), and no later than that; both channels get it."""
    calm, raised = bursts([-40.0, -36.0], seconds=6), bursts([-28.0, -24.0], seconds=6)
    session = np.concatenate([calm, raised])
    line, rate_hz = stress.apply(session, RATE, "comp", 0, calm_dbfs=[-40.0, -36.0])
    assert rate_hz == RATE and line.shape == session.shape
    for channel, calm_dbfs in enumerate([-40.0, -36.0]):
        column = line[:, channel]
        calm_db = _burst_level_db(column, 0.0, 6.0)
        assert abs(calm_db - calm_dbfs) < 2.0, "a calm voice passes nearly untouched"
        first_db = _rms_db(column[6 * RATE:round(6.3 * RATE)]) - _rms_db(column[: round(0.3 * RATE)])  # 1st bursts
        late_db = _burst_level_db(column, 9.0, 12.0) - calm_db
        threshold_over_calm = line_compressor.THRESHOLD_OVER_CALM_DB
        squeezed = threshold_over_calm + (12.0 - threshold_over_calm) / line_compressor.RATIO
        assert abs(first_db - squeezed) < 2.0 and abs(late_db - squeezed) < 2.0


@pytest.mark.parametrize(("condition", "gain_db"), [("hotline", 10.0), ("quietline", -12.0), ("hotline22", 22.0)])
def test_a_line_gain_row_moves_the_caller_only_and_clips_at_full_scale(condition: str, gain_db: float) -> None:
    samples = bursts([-30.0, -40.0])
    samples[: RATE // 10, 1] = 0.5  # a loud start on the caller's line: a hot line drives it past full scale
    out, rate_hz = stress.apply(samples, RATE, condition, 0, calm_dbfs=[-30.0, -40.0])
    assert rate_hz == RATE and out.shape == samples.shape
    np.testing.assert_array_equal(out[:, 0], samples[:, 0])  # the agent's channel as recorded
    quiet = slice(RATE // 10, None)
    ratio_db = 20 * np.log10(np.sqrt(np.mean(out[quiet, 1] ** 2) / np.mean(samples[quiet, 1] ** 2)))
    assert abs(ratio_db - gain_db) < 0.1
    assert np.max(np.abs(out[:, 1])) <= 1.0
    if gain_db > 6.0:
        assert np.all(out[: RATE // 10, 1] == 1.0)  # clipped, as a codec would
    mono, _ = stress.apply(samples[:, 0].copy(), RATE, condition, 0, calm_dbfs=[-30.0])
    np.testing.assert_array_equal(mono, samples[:, 0])  # a mono session stays as recorded


def test_the_line_faults_are_what_they_say() -> None:
    calm = bursts([-26.0, -30.0], seconds=8)
    lost = line_faults.lost_packets(200_000, seed=3)
    assert 0.04 < lost.mean() < 0.06  # 5 % of packets...
    starts = np.flatnonzero(np.diff(lost.astype(np.int8)) == 1)
    assert 2.0 < lost.sum() / len(starts) < 3.0  # ...in bursts of 2.5 on average
    loss, _ = line_faults.apply(calm, RATE, "loss5", 1, calm_dbfs=[-26.0, -30.0])
    assert np.array_equal(loss[:, 0], calm[:, 0]) and (loss[:, 1] == 0).any()
    dc, _ = line_faults.apply(calm, RATE, "dc", 1, calm_dbfs=[-26.0, -30.0])
    np.testing.assert_allclose(dc[:, 0] - calm[:, 0], line_faults.DC_OFFSET, atol=1e-6)
    gated, _ = line_faults.apply(calm, RATE, "dtx", 1, calm_dbfs=[-26.0, -30.0])
    assert (gated[:, 1] == 0).mean() > 0.1  # the faint floor between bursts, past the hang-over, is sent as nothing...
    on = np.abs(calm[:, 1]) > 10 ** (-40 / 20)
    assert np.array_equal(gated[on, 1], calm[on, 1])  # ...and every loud sample is kept
    echoed, _ = line_faults.apply(calm, RATE, "echo", 1, calm_dbfs=[-26.0, -30.0])
    echo = echoed[:, 1] - calm[:, 1]
    lag = int(np.argmax(signal.correlate(echo, calm[:, 0], mode="full", method="fft"))) - (len(calm) - 1)
    assert round(line_faults.ECHO_DELAY_S[0] * RATE) <= lag <= round(line_faults.ECHO_DELAY_S[1] * RATE)
    level_db = 10 * np.log10(np.mean(echo**2) / np.mean(calm[:, 0] ** 2))
    assert -26.0 < level_db < -20.0  # 20 dB down, less what the telephone band takes off the white bursts
    hum, _ = line_faults.apply(calm, RATE, "hum", 1, calm_dbfs=[-26.0, -30.0])
    hum_db = 10 * np.log10(np.mean((hum[:, 1] - calm[:, 1]).astype(np.float64) ** 2))
    assert abs(hum_db - (-30.0 - line_faults.HUM_BELOW_SPEECH_DB)) < 0.2


def test_a_jittered_echo_moves_its_delay_within_its_range_and_a_room_echo_rings_on() -> None:
    n = RATE * 120
    delays = line_faults.echo_delays(n, rate_hz=RATE, seed=4, jitter=True)
    low, high = (round(s * RATE) for s in line_faults.ECHO_JITTER_DELAY_S)
    assert low <= delays.min() and delays.max() <= high
    moves = np.flatnonzero(np.diff(delays))
    assert 120 / 15 - 1 <= len(moves) <= 120 / 5  # a move every 5-15 s
    steps = np.abs(np.diff(delays)[moves]) / RATE
    assert np.all((steps >= 0.0099) & (steps <= 0.0401))
    assert len(set(line_faults.echo_delays(n, rate_hz=RATE, seed=4, jitter=False))) == 1
    click = np.zeros(RATE * 2, np.float32)
    click[100] = 0.5
    plain = line_faults.echo_of(click, rate_hz=RATE, seed=2, condition="echo")
    room = line_faults.echo_of(click, rate_hz=RATE, seed=2, condition="echoroom")
    def energy_after(x: np.ndarray, ms: float) -> float:
        start = int(np.argmax(np.abs(x))) + int(ms * RATE / 1000)
        return float(np.sum(x[start:].astype(np.float64) ** 2) / np.sum(x.astype(np.float64) ** 2))
    assert energy_after(plain, 50) < 1e-3 < 0.03 < energy_after(room, 50)  # the room's tail, not only the band's
