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


def test_a_calm_call_takes_turns_politely_on_two_lines(shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """benchmarks/eval_calm_calls.py: after the agent's calibration the two readers take turns, never at once, the
    agent answering 0.3-1.2 s after the caller; each chunk lies on its own speaker's line."""
    import eval_calm_calls

    monkeypatch.setenv("CALMCUE_DATA", str(shared_data))
    first, second = librispeech_pace.readers()[:2]
    call = eval_calm_calls.calm_call(first, second)
    assert call.samples.shape[1] == 2 and call.agent_turns and call.caller_chunks
    assert all(start >= call.calibration_s for start, _ in call.agent_turns)
    for start_s, end_s in call.agent_turns:
        before = call.samples[round((start_s - 0.3) * readers.RATE_HZ):round(start_s * readers.RATE_HZ), 1]
        answer = call.samples[round(start_s * readers.RATE_HZ):round(end_s * readers.RATE_HZ)]
        caller_floor = readers.recording_floor_dbfs([call.samples[:, 1]])
        for piece in (before, answer[:, 1]):  # the caller's line holds only its room then
            assert 10 * np.log10(np.mean(piece.astype(np.float64) ** 2)) < caller_floor + 6.0
    for chunk in call.caller_chunks:
        piece = call.samples[round(chunk.start_s * readers.RATE_HZ):round(chunk.end_s * readers.RATE_HZ)]
        assert np.mean(piece[:, 1].astype(np.float64) ** 2) > 10 * np.mean(piece[:, 0].astype(np.float64) ** 2)


def test_a_prompt_voices_session_is_a_narrowband_line_with_its_noise_under_the_voice(
        shared_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """benchmarks/phone_prompts.py (--corpus prompts): real telephone prompts, brought to 16 kHz with nothing above
    the 4 kHz of their 8 kHz recording, the line's noise 45 dB under the calm voice in every pause."""
    import phone_prompts

    if not phone_prompts.voice_dir("fr").is_dir():
        from needs import missing

        missing(f"no Asterisk fr prompts in {phone_prompts.voice_dir('fr')}: "
                "apt-get install asterisk-core-sounds-fr-wav (make sysdeps installs it)", what="prompt")
    monkeypatch.setenv("CALMCUE_DATA", str(shared_data))
    session = readers.reader_session("fr", corpus="prompts")
    calibration, _ = phone_prompts.split("fr")
    assert session.calibration_s >= librispeech_pace.CALIBRATION_S
    assert session.chunks and all(chunk.start_s >= session.calibration_s for chunk in session.chunks)
    spectrum = np.abs(np.fft.rfft(session.samples[: readers.RATE_HZ * 20].astype(np.float64))) ** 2
    band = np.fft.rfftfreq(readers.RATE_HZ * 20, 1 / readers.RATE_HZ)
    speech_band = spectrum[(band > 300) & (band < 3400)].mean()
    assert spectrum[band > 4500].mean() < speech_band * 1e-3  # narrowband: the line's noise only, far under the voice
    start = len(calibration[0]) + readers.RATE_HZ // 10  # inside the first inserted pause
    pause = session.samples[start:start + readers.RATE_HZ // 5].astype(np.float64)
    pause_dbfs = 10 * np.log10(np.mean(pause**2))
    assert abs(pause_dbfs - (session.calm_dbfs - readers.LINE_NOISE_UNDER_CALM_DB)) < 3.0
