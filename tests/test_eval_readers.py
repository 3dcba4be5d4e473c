"""The calm-readers benchmark (benchmarks/eval_detection_readers.py) builds what it says: one recording's floor in
the pauses it inserts, and chunks scored only after the calibration, each with its level over the calm voice."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import conditions
import eval_detection_readers as readers
import librispeech_pace


def test_a_readers_session_keeps_its_floor_in_the_pauses_and_scores_after_calibration(
        shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALMCUE_DATA", str(shared_data))
    reader = librispeech_pace.readers()[3]
    session = readers.reader_session(reader)
    calibration, rest = librispeech_pace.split(reader)
    floor_dbfs = readers.recording_floor_dbfs(calibration + rest)
    # the first inserted pause (after the first utterance, past its trailing margin) sits near the recording's floor
    start = len(calibration[0]) + readers.RATE_HZ // 10
    pause = session.samples[start:start + readers.RATE_HZ // 5].astype(np.float64)
    pause_dbfs = 10 * np.log10(np.mean(pause**2))
    assert abs(pause_dbfs - (floor_dbfs - readers.PAUSE_UNDER_FLOOR_DB)) < 3.0
    assert session.calibration_s >= librispeech_pace.CALIBRATION_S
    assert session.chunks and all(chunk.start_s >= session.calibration_s for chunk in session.chunks)
    first = session.chunks[0]
    piece = session.samples[round(first.start_s * readers.RATE_HZ):round(first.end_s * readers.RATE_HZ)]
    measured = conditions.active_speech_level_dbfs(piece, rate_hz=readers.RATE_HZ) - session.calm_dbfs
    assert abs(measured - first.over_calm_db) < 1.0  # the room tone under it adds little
