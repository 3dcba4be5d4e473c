"""The quiet path in a real room (issue 15): a headset between calls hears noise, never digital silence. On the
bench's generated room the extractor stops computing pitch after a while (a counter says so), the engine's reads
get longer, and a soft voice is still heard as soon as it would be with pitch on every frame."""

from __future__ import annotations

import numpy as np
import pytest

from calmcue.bench.room import ROOM_DBFS, room_noise
from calmcue.config.schema import Settings
from calmcue.engine.pipeline import Pipeline, heard_nothing
from calmcue.features import trackers as trackers_module
from conftest import RATE, syllables

ROOM_S = 10.0
PUSH = 800  # 50 ms pushes, as the live worker reads


def _room_then_voice(*, voice_dbfs: float, channels: int = 1) -> np.ndarray:
    """ROOM_S of the bench's room, then a second of soft syllables over the same room (on channel 0)."""
    room = room_noise(seconds=ROOM_S + 1.5, rate_hz=RATE, channels=channels)
    start = round(ROOM_S * RATE)
    room[start : start + RATE, 0] += syllables(seconds=1.0, level_dbfs=voice_dbfs)
    return room


def _run(signal: np.ndarray) -> tuple[np.ndarray, list[int], list[bool]]:
    """Speech probability of channel 0 per frame, the cheap-frame counter and the engine's verdict per push."""
    pipeline = Pipeline(Settings(), channels=signal.shape[1], in_rate_hz=RATE)
    probs, counted, quiet = [], [], []
    for start in range(0, signal.shape[0] - PUSH + 1, PUSH):
        result = pipeline.push(signal[start : start + PUSH])
        assert result.batch is not None and result.batch.count == PUSH // 160
        probs.append(result.batch.speech_prob[:, 0])
        counted.append(pipeline.path_counts.cheap_frames)
        quiet.append(heard_nothing(result.batch))
    return np.concatenate(probs), counted, quiet


def _first_speech_s(probs: np.ndarray) -> float:
    """Seconds from the voice's start to the first frame the engine calls speech (frame k ends at 10 (k + 1) ms)."""
    onset_frame = round(ROOM_S * 100)
    heard = np.flatnonzero(probs[onset_frame:] >= 0.5)
    assert heard.size, "the voice was never heard"
    return (int(heard[0]) + 1) / 100.0


@pytest.fixture(autouse=True)
def _model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALMCUE_ACTIVITY", "model")


def test_the_room_is_quiet_noise_at_its_level_and_loops_without_a_click() -> None:
    room = room_noise(seconds=2.0, rate_hz=48000).astype(np.float64)
    level = 10.0 * np.log10(np.mean(room**2, axis=0))
    np.testing.assert_allclose(level, ROOM_DBFS, atol=0.5)
    assert np.corrcoef(room[:, 0], room[:, 1])[0, 1] < 0.1  # independent channels
    looped = np.concatenate([room, room])[:, 0]
    step = np.abs(np.diff(looped))
    assert step[room.shape[0] - 1] < 4.0 * np.percentile(step, 99)  # the seam is no louder than the noise


def test_the_cheap_path_switches_on_in_room_noise_and_off_on_speech() -> None:
    _, counted, quiet = _run(_room_then_voice(voice_dbfs=-40.0, channels=2))
    per_push = np.diff(counted)  # frames (both channels) that took the cheap path in each push
    pushes_per_s = RATE // PUSH
    onset = round(ROOM_S * pushes_per_s)
    room_part = per_push[5 * pushes_per_s : onset - 1]
    assert (room_part == 2 * PUSH // 160).all()  # after the floors settled: every frame of both channels
    assert all(quiet[5 * pushes_per_s : onset])  # and the worker's reads get longer
    voice_part = per_push[onset + 2 : onset + pushes_per_s - 1]
    assert (voice_part <= PUSH // 160).all()  # channel 0 speaks: only the silent channel 1 stays cheap
    assert not any(quiet[onset + 1 : onset + pushes_per_s])


@pytest.mark.parametrize("voice_dbfs", [-50.0, -55.0])
def test_a_soft_voice_after_ten_seconds_of_room_noise_is_heard_as_with_pitch_on_every_frame(
        voice_dbfs: float, monkeypatch: pytest.MonkeyPatch) -> None:
    signal = _room_then_voice(voice_dbfs=voice_dbfs)
    cheap, counted, _ = _run(signal)
    assert counted[round(ROOM_S * RATE / PUSH) - 1] > 0.8 * ROOM_S * 100  # the room went through the cheap path
    monkeypatch.setattr(trackers_module, "QUIET_HOLD_FRAMES", 10**9)  # pitch on every frame
    full, never, _ = _run(signal)
    assert never[-1] == 0
    assert _first_speech_s(cheap) == _first_speech_s(full)
    if voice_dbfs >= -50.0:
        assert _first_speech_s(cheap) <= 0.1  # heard within its first 100 ms
