"""Shared fixtures: known-answer signals and the development data location."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from calmcue.config.schema import DetectorSettings, Settings
from calmcue.detector.baseline import BaselineValues, SpeakerBaseline
from calmcue.detector.detector import Detector
from calmcue.detector.events import Episode
from calmcue.detector.speaker import SpeakerTrack, Thresholds
from calmcue.features.extractor import ChannelFrame, FrameBatch
from needs import missing

RATE = 16_000
REPO = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    return Path(os.environ.get("CALMCUE_DATA") or REPO.parent / "shared" / "data")


@pytest.fixture
def shared_data() -> Path:
    """../shared/data; skips with a reason when absent, fails under CI (which must never skip these)."""
    path = data_dir()
    if not (path / "README.md").exists():
        missing(f"development speech data not found at {path}; set CALMCUE_DATA to ../shared/data", what="data")
    return path


# Two synthetic voices of the detector tests (gated harmonic complexes): a calm one and the same speaker raised
# (+12 dB, higher and brighter), as `speech_with_pauses` keyword arguments.
CALM = {"level_dbfs": -30.0, "f0_hz": 120.0, "tilt_db_per_octave": -9.0}
RAISED = {"level_dbfs": -18.0, "f0_hz": 170.0, "tilt_db_per_octave": -5.0}
CALLER_PRIOR = BaselineValues(level_dbfs=-28.0, pitch_st=math.nan, tilt_db=-10.0, rate_syl_s=math.nan)


@pytest.fixture
def classic_activity(monkeypatch: pytest.MonkeyPatch) -> None:
    """The classic voice-activity detector: synthetic scenes and known answers (harmonic complexes, syllable
    trains) are tuned with it, so tests on them pin it; the learned model is tested on real speech, music and
    tones in test_model*.py. Modules use it with `pytestmark = pytest.mark.usefixtures("classic_activity")`."""
    monkeypatch.setenv("CALMCUE_ACTIVITY", "classic")


def harmonic(f0_hz: float | np.ndarray, *, seconds: float, level_dbfs: float = -20.0, harmonics: int = 10,
             tilt_db_per_octave: float = -6.0, rate_hz: int = RATE) -> np.ndarray:
    """A harmonic complex (a steady vowel-like tone) with a given F0 and RMS level; F0 may vary per sample."""
    n = int(seconds * rate_hz)
    f0 = np.broadcast_to(np.asarray(f0_hz, np.float64), (n,))
    phase = 2 * np.pi * np.cumsum(f0) / rate_hz
    x = np.zeros(n)
    for h in range(1, harmonics + 1):
        amplitude = 10 ** (tilt_db_per_octave * np.log2(h) / 20)
        x += amplitude * np.sin(h * phase + h) * (h * f0 < 0.45 * rate_hz)
    x *= 10 ** (level_dbfs / 20) / np.sqrt(np.mean(x**2))
    return x.astype(np.float32)


def syllables(*, seconds: float, rate_syl_s: float = 4.0, f0_hz: float = 120.0, level_dbfs: float = -26.0,
              tilt_db_per_octave: float = -6.0, seed: int = 0, harmonics: int = 10) -> np.ndarray:
    """Speech-like: a voiced harmonic complex gated into syllables at a given rate, with gliding pitch."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    f0 = f0_hz * (1 + 0.06 * np.sin(2 * np.pi * 0.7 * t + rng.uniform(0, 6)))
    voice = harmonic(f0, seconds=seconds, level_dbfs=0.0, tilt_db_per_octave=tilt_db_per_octave,
                     harmonics=harmonics)
    envelope = np.clip(np.sin(np.pi * rate_syl_s * t) ** 2 * 1.4, 0, 1) ** 1.5
    x = voice * envelope + rng.standard_normal(n).astype(np.float32) * 1e-4
    active = envelope > 0.1
    x *= 10 ** (level_dbfs / 20) / np.sqrt(np.mean(x[active] ** 2))
    return x.astype(np.float32)


def silence(seconds: float, *, noise_dbfs: float = -70.0, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(int(seconds * RATE)) * 10 ** (noise_dbfs / 20)).astype(np.float32)


def speech_with_pauses(*, turns: int, turn_s: float = 3.0, pause_s: float = 0.8, seed: int = 0,
                       **voice: float) -> np.ndarray:
    parts = []
    for i in range(turns):
        parts += [syllables(seconds=turn_s, seed=seed + i, **voice), silence(pause_s, seed=seed + 100 + i)]
    return np.concatenate(parts)


def gain_step_moves(voice_db: list[float], *, room_jump_db: float, later_pauses_db: float = 0.0,
                    later_pause_frames: int = 0) -> list[float]:
    """A GainStep (detector/gainstep.py) fed 3 s of calm voice at -30 dBFS, 4 s of pauses, the room `room_jump_db`
    louder for 2 s (then `later_pause_frames` of pauses `later_pauses_db` louder still), then calm-sounding voice
    at -30 + each of `voice_db`; returns the moves it made (dB, rounded to 0.1)."""
    from calmcue.detector.gainstep import GainStep

    step, moves = GainStep(), []
    for _ in range(300):
        step.learn(-30.0)
    for i in range(400):
        step.pause(-70.0 + 0.5 * (i % 3))  # a steady room, a little ripple
    for i in range(200):
        step.pause(-70.0 + room_jump_db + 0.5 * (i % 3))
    for i in range(later_pause_frames):
        step.pause(-70.0 + room_jump_db + later_pauses_db + 0.5 * (i % 3))
    for voice in voice_db:
        moved = step.voiced(-30.0 + voice, calm_sounding=True)
        moves += [round(moved, 1)] if moved else []
    return moves


def caller_prior_track(*, calibration_speech_s: float = 5.0) -> SpeakerTrack:
    """The caller's raised-voice track as the detector builds it (customer thresholds, no re-basing), starting
    from the telephone prior (-28 dBFS, tilt -10 dB) and calibrating from `calibration_speech_s` of voicing."""
    settings = DetectorSettings()
    baseline = SpeakerBaseline(calibration_speech_s=calibration_speech_s, adapt_speech_s=300.0, prior=CALLER_PRIOR)
    thresholds = Thresholds.from_settings(settings.raised_voice, scale=settings.threshold_scale, customer=True)
    return SpeakerTrack(baseline=baseline, thresholds=thresholds, min_s=0.6, exit_s=2.0, rebase=False)


def two_channel_batch(first_frame: int, pairs: Sequence[tuple[ChannelFrame, ChannelFrame]], *,
                      music_prob: Sequence[float] | None = None) -> FrameBatch:
    """Feature frames of the agent and the caller, (agent, caller) per hop, as one FrameBatch for the detector;
    `music_prob`: the caller's per hop (the agent's is 0), else 0 on both."""
    columns = {name: np.array([[getattr(a, name), getattr(c, name)] for a, c in pairs])
               for name in ChannelFrame._fields}
    music = np.zeros((len(pairs), 2)) if music_prob is None else np.array([[0.0, m] for m in music_prob])
    return FrameBatch(first_frame=first_frame, periodicity=np.full((len(pairs), 2), np.nan), music_prob=music,
                      **columns)


def talk_over_cycles(agent: Sequence[ChannelFrame], caller: Sequence[ChannelFrame], *, music_prob: float,
                     cycles: int) -> list[Episode]:
    """The same cycle of (agent, caller) frames fed `cycles` times to a fresh two-channel detector, one batch a
    cycle, the caller's music probability `music_prob` throughout; the talk-over episodes it gave."""
    pairs = list(zip(agent, caller, strict=True))
    detector = Detector(Settings().detector, channels=2)
    events: list[object] = []
    for cycle in range(cycles):
        events += detector.process(two_channel_batch(cycle * len(pairs), pairs, music_prob=[music_prob] * len(pairs)))
    events += detector.finish()
    return [e for e in events if isinstance(e, Episode) and e.kind == "talk_over"]


def detector_events(pairs: Sequence[tuple[ChannelFrame, ChannelFrame]], *,
                    per_batch: int = 100) -> tuple[Detector, list[object]]:
    """A fresh two-channel detector fed `pairs` a second at a time, then finished; it and every event it gave."""
    detector = Detector(Settings().detector, channels=2)
    events: list[object] = []
    for first in range(0, len(pairs), per_batch):
        events += detector.process(two_channel_batch(first, pairs[first:first + per_batch]))
    events += detector.finish()
    return detector, events
