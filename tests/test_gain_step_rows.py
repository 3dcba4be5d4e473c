"""The detection eval's gain-step stress rows: the step down and the step on a telephone-band line (issue 13)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import conditions
from test_detection_stress import RATE, bursts


def _rms_db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(np.square(x, dtype=np.float64))))


def test_the_step_down_turns_the_agent_s_mic_down_12_db_after_the_opening_only() -> None:
    voice = bursts([-30.0, -30.0])
    stepped, rate_hz = conditions.apply_condition(voice, RATE, "gainstep-12", 1, level_span_s=(0.0, 2.0))
    before, after = slice(0, 2 * RATE), slice(2 * RATE, None)
    assert rate_hz == RATE and np.array_equal(stepped[before], voice[before])
    assert np.array_equal(stepped[:, 1], voice[:, 1])  # the caller's channel is untouched
    assert abs(_rms_db(stepped[after, 0]) - _rms_db(voice[after, 0]) + conditions.GAIN_STEP_DB) < 0.01


def test_the_phone_step_is_the_phone_line_with_the_agent_s_mic_up_12_db_after_the_opening() -> None:
    voice = bursts([-40.0, -40.0])
    stepped, rate_hz = conditions.apply_condition(voice, RATE, "phonestep12", 1, level_span_s=(0.0, 2.0))
    line, line_rate_hz = conditions.apply_condition(voice, RATE, "phone", 1)
    assert rate_hz == line_rate_hz == conditions.PHONE_RATE_HZ
    before, after = slice(0, 2 * rate_hz), slice(2 * rate_hz, None)
    assert np.array_equal(stepped[before], line[before]) and np.array_equal(stepped[:, 1], line[:, 1])
    assert abs(_rms_db(stepped[after, 0]) - _rms_db(line[after, 0]) - conditions.GAIN_STEP_DB) < 0.01


def test_a_quiet_calm_voice_takes_the_12_db_step_as_it_is_and_clipstep12_is_then_the_same() -> None:
    voice = bursts([-44.0, -40.0])
    stepped, _ = conditions.apply_condition(voice, RATE, "gainstep12", 1, level_span_s=(0.0, 2.0))
    clipped, _ = conditions.apply_condition(voice, RATE, "clipstep12", 1, level_span_s=(0.0, 2.0))
    assert np.array_equal(stepped, clipped)
    assert np.array_equal(stepped[: 2 * RATE], voice[: 2 * RATE])
    assert abs(_rms_db(stepped[2 * RATE:, 0]) - _rms_db(voice[2 * RATE:, 0]) - conditions.GAIN_STEP_DB) < 0.01


def test_a_loud_calm_voice_is_brought_down_first_so_the_step_does_not_clip_it_and_clipstep12_clips() -> None:
    voice = bursts([-14.0, -20.0])  # a levelled prompt voice: +12 dB puts its peaks far over full scale
    stepped, _ = conditions.apply_condition(voice, RATE, "gainstep12", 1, level_span_s=(0.0, 2.0))
    calm_after_dbfs = conditions.active_speech_level_dbfs(stepped[2 * RATE:, 0], rate_hz=RATE)
    assert abs(calm_after_dbfs - conditions.STEP_CALM_MAX_DBFS) < 0.5
    assert np.max(np.abs(stepped)) < 1.0
    # the whole session came down together: the step is still 12 dB, the caller still 6 dB under the agent
    down_db = _rms_db(stepped[: 2 * RATE, 0]) - _rms_db(voice[: 2 * RATE, 0])
    assert down_db < -10.0
    assert abs(_rms_db(stepped[2 * RATE:, 0]) - _rms_db(voice[2 * RATE:, 0]) - down_db - conditions.GAIN_STEP_DB) < 0.01
    opening = slice(0, 2 * RATE)
    assert abs(_rms_db(stepped[opening, 1]) - _rms_db(voice[opening, 1]) - down_db) < 0.01
    clipped, _ = conditions.apply_condition(voice, RATE, "clipstep12", 1, level_span_s=(0.0, 2.0))
    assert np.array_equal(clipped[: 2 * RATE], voice[: 2 * RATE]) and np.max(np.abs(clipped)) == 1.0
