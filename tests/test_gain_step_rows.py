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
