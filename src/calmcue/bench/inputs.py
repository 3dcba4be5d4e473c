"""What the benchmark feeds the engine: real speech from the development data when present, else speech-like
synthetic signals (so `calmcue bench` runs anywhere, and says which it used)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from calmcue.audio.resample import StreamResampler
from calmcue.timebase import ANALYSIS_RATE_HZ

# Real conversation (AMI meeting excerpts, 30 s each): different meetings for the two channels.
AGENT_FILES = ("ami/trn00.wav", "ami/trn02.wav", "ami/trn04.wav", "ami/trn06.wav", "ami/trn08.wav")
CUSTOMER_FILES = ("ami/trn01.wav", "ami/trn03.wav", "ami/trn05.wav", "ami/trn07.wav", "ami/trn09.wav")


@dataclass(frozen=True)
class BenchInput:
    """Two channels of the same length at the analysis rate; `source` says where they came from."""

    agent: np.ndarray  # float32 (n,)
    customer: np.ndarray
    source: str

    @property
    def stereo(self) -> np.ndarray:
        return np.ascontiguousarray(np.stack([self.agent, self.customer], axis=1))

    @property
    def duration_s(self) -> float:
        return self.agent.size / ANALYSIS_RATE_HZ


def data_root() -> Path | None:
    """`$CALMCUE_DATA`, else `../shared/data` from the working directory or from the source tree; None if absent."""
    env = os.environ.get("CALMCUE_DATA")
    if env:  # an explicit choice is kept, even when it is missing
        return Path(env) if Path(env).is_dir() else None
    candidates = [Path.cwd().parent / "shared" / "data", Path(__file__).resolve().parents[4] / "shared" / "data"]
    return next((c for c in candidates if c.is_dir()), None)


def load_inputs(data_dir: Path | None, *, seconds: float) -> BenchInput:
    """`seconds` of real speech per channel when the data is there, else synthetic speech-like signals."""
    if data_dir is not None and all((data_dir / f).exists() for f in AGENT_FILES[:1] + CUSTOMER_FILES[:1]):
        agent = _concat(data_dir, AGENT_FILES, seconds=seconds)
        customer = _concat(data_dir, CUSTOMER_FILES, seconds=seconds)
        n = min(agent.size, customer.size)
        return BenchInput(agent[:n], customer[:n], f"real speech: AMI meeting excerpts from {data_dir}")
    return BenchInput(synthetic_speech(seconds=seconds, seed=1), synthetic_speech(seconds=seconds, seed=2),
                      "synthetic speech-like signals (no development data found; set CALMCUE_DATA)")


def _concat(data_dir: Path, names: tuple[str, ...], *, seconds: float) -> np.ndarray:
    want = int(seconds * ANALYSIS_RATE_HZ)
    parts: list[np.ndarray] = []
    have = 0
    for name in names:
        path = data_dir / name
        if have >= want or not path.exists():
            break
        part = read_mono_16k(path)
        parts.append(part)
        have += part.size
    out = np.concatenate(parts)
    while out.size < want:  # not enough files: loop what there is
        out = np.concatenate([out, out])
    return np.ascontiguousarray(out[:want])


def read_mono_16k(path: Path) -> np.ndarray:
    """The first channel of a sound file, at the analysis rate (through the engine's own resampler)."""
    samples, rate_hz = sf.read(str(path), dtype="float32", always_2d=True)
    first = samples[:, :1]
    if rate_hz == ANALYSIS_RATE_HZ:
        return np.ascontiguousarray(first[:, 0])
    resampler = StreamResampler(in_rate_hz=int(rate_hz), channels=1)
    return np.concatenate([resampler.process(first), resampler.flush()])[:, 0]


def synthetic_speech(*, seconds: float, seed: int) -> np.ndarray:
    """Speech-like audio: syllables of a gliding harmonic voice (falling spectrum, 4-5 per second) with noisy
    consonant onsets, in phrases separated by pauses, over a quiet noise floor."""
    rng = np.random.default_rng(seed)
    n = int(seconds * ANALYSIS_RATE_HZ)
    out = rng.normal(0.0, 10 ** (-60 / 20), n)  # room noise at about -60 dBFS
    base_hz = rng.uniform(100.0, 220.0)
    t = 0.1
    while t < seconds - 0.3:
        for _ in range(int(rng.integers(3, 12))):  # one phrase
            dur = rng.uniform(0.12, 0.28)
            if t + dur >= seconds:
                break
            start = int(t * ANALYSIS_RATE_HZ)
            out[start : start + int(dur * ANALYSIS_RATE_HZ)] += _syllable(rng, dur_s=dur, base_hz=base_hz)
            t += dur + rng.uniform(0.0, 0.06)
        t += rng.uniform(0.25, 0.9)  # pause between phrases
    return np.clip(out, -1.0, 1.0).astype(np.float32)


def _syllable(rng: np.random.Generator, *, dur_s: float, base_hz: float) -> np.ndarray:
    m = int(dur_s * ANALYSIS_RATE_HZ)
    tt = np.arange(m) / ANALYSIS_RATE_HZ
    f0 = base_hz * 2 ** ((rng.uniform(-3, 3) + rng.uniform(-2, 2) * tt / dur_s) / 12)
    phase = 2 * np.pi * np.cumsum(f0) / ANALYSIS_RATE_HZ
    voice = sum(h ** -1.2 * np.sin(h * phase) for h in range(1, 25) if h * f0.max() < 7500)
    envelope = np.sin(np.pi * tt / dur_s) ** 0.6
    level = 10 ** (rng.uniform(-28, -16) / 20)
    consonant = np.zeros(m)
    onset = min(m, int(rng.uniform(0.01, 0.05) * ANALYSIS_RATE_HZ))
    consonant[:onset] = rng.normal(0.0, 0.3, onset)
    return np.asarray(level * (envelope * voice / 2.0 + consonant), np.float64)
