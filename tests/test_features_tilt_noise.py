"""The tilt's band noise follows noise that comes and goes: a calm voice's tilt does not flatten under it."""

from __future__ import annotations

import numpy as np
import pytest

from calmcue.features.activity_model import ActivityKind
from calmcue.features.extractor import FeatureExtractor
from calmcue.features.noise_now import NOISE_FRAMES, SETTLE_FRAMES, BandNoiseNow
from calmcue.features.reframer import Reframer
from conftest import RATE, silence, syllables

TURN_S, PAUSE_S = 1.6, 1.2  # a burst covers a pause and the turn after it: 2.8 s, under the floor's 3 s minimum


def _voice_and_bursts(*, turns: int) -> tuple[np.ndarray, np.ndarray]:
    """Calm turns at -26 dBFS with pauses; white noise 10 dB under the voice over every other pause and turn."""
    parts, bursts = [], []
    rng = np.random.default_rng(7)
    for turn in range(turns):
        pause, voice = silence(PAUSE_S, seed=50 + turn), syllables(seconds=TURN_S, seed=turn, harmonics=28)
        parts += [pause, voice]
        on = turn % 2 == 1
        n = len(pause) + len(voice)
        bursts.append(rng.standard_normal(n).astype(np.float32) * 10 ** (-36 / 20) * on)
    return np.concatenate(parts), np.concatenate(bursts)


def _tilt(signal: np.ndarray, activity: ActivityKind) -> np.ndarray:
    extractor = FeatureExtractor(channels=1, activity=activity)
    if activity is ActivityKind.MODEL and extractor.model is None:
        pytest.skip("the activity model did not load")
    return extractor.process(Reframer(channels=1).push(signal[:, None])).tilt_db[:, 0]


def test_intermittent_noise_10_db_under_a_calm_voice_moves_its_tilt_by_under_1_db() -> None:
    """With the learned model only: the classic rule is energy over the floor, so it calls a burst speech and the
    tilt has no noise of now to read under it."""
    voice, bursts = _voice_and_bursts(turns=8)
    clean, noisy = _tilt(voice, ActivityKind.MODEL), _tilt(voice + bursts, ActivityKind.MODEL)
    # the frames of the turns under a burst that carry a tilt in both (the first burst left out: nothing heard yet)
    hop = RATE // 100
    frame_turn = np.arange(len(clean)) * hop // round((TURN_S + PAUSE_S) * RATE)
    under = (frame_turn % 2 == 1) & (frame_turn >= 3) & np.isfinite(clean) & np.isfinite(noisy)
    assert under.sum() > 300
    shift = np.median(noisy[under]) - np.median(clean[under])
    assert abs(shift) < 1.0


def test_frames_followed_by_speech_within_the_settling_time_are_never_noise() -> None:
    """A word's onset the speech decision is late for must not be taken out of the words after it."""
    noise = BandNoiseNow()
    for _ in range(3):  # runs of onsets louder than any noise, each cut short by speech
        for _ in range(SETTLE_FRAMES):
            noise.hear(low_db=40.0, high_db=30.0)
        noise.pending.clear()
    assert noise.low_power == 0.0 and noise.high_power == 0.0
    for _ in range(SETTLE_FRAMES + NOISE_FRAMES):
        noise.hear(low_db=10.0, high_db=0.0)
    assert noise.low_power == pytest.approx(10.0) and noise.high_power == pytest.approx(1.0)
