"""Hold music on the call channel is not a customer: no talk-over, no customer raised voice, an "on hold" state."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr

from calmcue.analysis.offline import analyze_samples
from calmcue.config.schema import Settings
from calmcue.engine.pipeline import Pipeline
from calmcue.features import activity_model
from calmcue.features.activity_model import ActivityKind
from conftest import RATE

HELD_OUT_MUSIC = Path("/usr/share/asterisk/moh/macroform-robot_dity.wav")  # never seen in training


@pytest.fixture
def hold_music() -> np.ndarray:
    if not HELD_OUT_MUSIC.exists():
        message = f"{HELD_OUT_MUSIC} missing: apt-get install asterisk-moh-opsound-wav (make sysdeps does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    data, rate = sf.read(str(HELD_OUT_MUSIC), dtype="float32", frames=8000 * 60)
    return soxr.resample(data, rate, RATE).astype(np.float32)


@pytest.fixture
def agent_speech(shared_data: Path) -> np.ndarray:
    files = sorted((shared_data / "train" / "resemblyzer-librispeech" / "audio_data" /
                    "librispeech_test-other").glob("*/*.flac"))[::9][:6]
    return np.concatenate([sf.read(str(f), dtype="float32")[0] for f in files])


@pytest.mark.data
def test_agent_talking_over_hold_music_gives_no_customer_cues(agent_speech, hold_music):
    activity_model._cache.clear()
    n = min(agent_speech.size, hold_music.size)
    call = np.stack([agent_speech[:n], hold_music[:n] * 0.5], axis=1)
    result = analyze_samples(call, rate_hz=RATE, activity=ActivityKind.MODEL)
    assert result.store is not None
    customer = result.store.speaker("customer")
    assert np.mean(customer["music_prob"][100:] >= 0.5) > 0.7
    kinds = [(e.kind, e.speaker) for e in result.episodes]
    assert ("talk_over", "agent") not in kinds
    assert ("raised_voice", "customer") not in kinds
    assert not result.cues


def test_the_detector_reports_on_hold_while_music_plays(hold_music):
    activity_model._cache.clear()
    pipeline = Pipeline(Settings(), channels=2, in_rate_hz=RATE, activity=ActivityKind.MODEL)
    silence = np.zeros((RATE * 4, 2), np.float32)
    music = np.stack([np.zeros(RATE * 8, np.float32), hold_music[: RATE * 8]], axis=1)
    for part, expected in ((silence, False), (music, True), (silence, False)):
        for i in range(0, part.shape[0], 1600):
            pipeline.push(part[i : i + 1600])
        assert pipeline.detector.status().on_hold is expected
