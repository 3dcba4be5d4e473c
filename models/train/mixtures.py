"""Synthetic scenes for training: speech, music, speech over music, tones, noise and digital silence, at many
levels, signal-to-noise ratios and band limits, with per-frame labels (speech, music) from the clean parts.

Labels come from each clean clip's own energy (frames within 30 dB of the clip's loud frames, short gaps
closed so a word's stop consonants and the pauses inside a phrase stay speech), never from a model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.signal
import soxr

RATE = 16_000
HOP = 160
SCENE_S = 6.0
SCENE_HOPS = int(SCENE_S * RATE / HOP)


def hop_db(clip: np.ndarray) -> np.ndarray:
    """Level in dB of each 10 ms hop, over the 20 ms that end at it."""
    hops = clip.size // HOP
    sq = np.square(clip[: hops * HOP].astype(np.float64)).reshape(hops, HOP).mean(axis=1)
    if sq.size:
        sq = (sq + np.concatenate([sq[:1], sq[:-1]])) / 2.0
    return 10.0 * np.log10(np.maximum(sq, 1e-12))


def _close_gaps(active: np.ndarray, *, max_gap: int) -> np.ndarray:
    out = active.copy()
    idx = np.flatnonzero(active)
    if idx.size < 2:
        return out
    gaps = np.diff(idx)
    for start, gap in zip(idx[:-1], gaps, strict=True):
        if 1 < gap <= max_gap:
            out[start : start + gap] = True
    return out


def activity(clip: np.ndarray, *, below_db: float, max_gap_hops: int, pad_hops: int) -> np.ndarray:
    """Per-hop activity of a clean clip: within `below_db` of its 95th-percentile level, gaps closed, padded."""
    db = hop_db(clip)
    if db.size == 0:
        return np.zeros(0, bool)
    active = db > max(float(np.percentile(db, 95)) - below_db, -75.0)
    active = _close_gaps(active, max_gap=max_gap_hops)
    if pad_hops:
        active = np.convolve(active.astype(float), np.ones(2 * pad_hops + 1), mode="same") > 0
    return active


def speech_activity(clip: np.ndarray) -> np.ndarray:
    return activity(clip, below_db=30.0, max_gap_hops=20, pad_hops=3)


def music_activity(clip: np.ndarray) -> np.ndarray:
    return activity(clip, below_db=40.0, max_gap_hops=50, pad_hops=0)


@dataclass
class Pools:
    speech: list[np.ndarray]
    speech_active: list[np.ndarray]
    music: list[np.ndarray]
    music_active: list[np.ndarray]
    noise: list[np.ndarray]


def make_pools(speech: list[np.ndarray], music: list[np.ndarray], noise: list[np.ndarray]) -> Pools:
    return Pools(speech, [speech_activity(c) for c in speech], music, [music_activity(c) for c in music], noise)


def _rms_db(x: np.ndarray, active: np.ndarray | None = None) -> float:
    if active is not None and active.any():
        hops = min(active.size, x.size // HOP)
        x = x[: hops * HOP].reshape(hops, HOP)[active[:hops]].ravel()
    return 10.0 * float(np.log10(np.mean(np.square(x, dtype=np.float64)) + 1e-12))


def _crop(rng: np.random.Generator, clip: np.ndarray, act: np.ndarray, hops: int) -> tuple[np.ndarray, np.ndarray]:
    total = min(clip.size // HOP, act.size)
    if total <= hops:
        return clip[: total * HOP], act[:total]
    start = int(rng.integers(0, total - hops))
    return clip[start * HOP : (start + hops) * HOP], act[start : start + hops]


def tone(rng: np.random.Generator, hops: int) -> np.ndarray:
    """A call-progress or device tone: one or two sines (or a sweep), steady or with an on/off cadence."""
    t = np.arange(hops * HOP) / RATE
    kind = rng.integers(0, 4)
    if kind == 0:
        pairs = [(350, 440), (440, 480), (480, 620), (697, 1209), (852, 1477), (941, 1336), (425, 425)]
        f1, f2 = pairs[int(rng.integers(0, len(pairs)))]
        x = np.sin(2 * np.pi * f1 * t) + np.sin(2 * np.pi * f2 * t)
    elif kind == 1:
        x = np.sin(2 * np.pi * rng.uniform(200, 3300) * t)
    elif kind == 2:
        f0, f1 = rng.uniform(200, 3000, size=2)
        x = scipy.signal.chirp(t, f0, t[-1] + 1e-3, f1)
    else:  # a harmonic beep (a square-ish wave through the band)
        f = rng.uniform(300, 1200)
        x = sum(np.sin(2 * np.pi * f * k * t) / k for k in (1, 3, 5))
    if rng.random() < 0.5:
        on_s, off_s = rng.uniform(0.05, 1.0), rng.uniform(0.05, 2.0)
        x = x * ((t % (on_s + off_s)) < on_s)
    return np.asarray(x, np.float32)


def coloured_noise(rng: np.random.Generator, n: int) -> np.ndarray:
    """White, pink, brown or blue-ish noise by shaping a white spectrum with f^(-alpha/2)."""
    alpha = rng.choice([0.0, 1.0, 2.0, -1.0])
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.maximum(np.fft.rfftfreq(n, 1 / RATE), 20.0)
    return np.asarray(np.fft.irfft(spec * f ** (-alpha / 2), n), np.float32)


def _place(mix: np.ndarray, labels: np.ndarray, at: int, clip: np.ndarray, act: np.ndarray, *, level_db: float,
           column: int, ref_active: np.ndarray | None = None) -> None:
    hops = min(act.size, clip.size // HOP, mix.size // HOP - at)
    if hops <= 0:
        return
    part = clip[: hops * HOP]
    gain = 10.0 ** ((level_db - _rms_db(part, act[:hops] if ref_active is None else ref_active)) / 20.0)
    mix[at * HOP : (at + hops) * HOP] += gain * part
    if column >= 0:
        labels[at : at + hops, column] |= act[:hops]


def telephone(rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
    """8 kHz, 300-3400 Hz, sometimes mu-law 8-bit, back to 16 kHz."""
    narrow = soxr.resample(x, RATE, 8000)
    sos = scipy.signal.butter(4, [300, 3400], btype="bandpass", fs=8000, output="sos")
    narrow = scipy.signal.sosfilt(sos, narrow)
    if rng.random() < 0.5:
        mu = 255.0
        y = np.sign(narrow) * np.log1p(mu * np.minimum(np.abs(narrow), 1.0)) / np.log1p(mu)
        y = np.round(y * 127.0) / 127.0
        narrow = np.sign(y) * ((1 + mu) ** np.abs(y) - 1) / mu
    wide = soxr.resample(narrow.astype(np.float32), 8000, RATE)
    out = np.zeros_like(x)
    out[: min(x.size, wide.size)] = wide[: x.size]
    return out


def scene(rng: np.random.Generator, pools: Pools) -> tuple[np.ndarray, np.ndarray]:
    """One 6 s scene: samples (float32) and labels (hops, 2) bool: speech, music."""
    mix = np.zeros(SCENE_HOPS * HOP, np.float64)
    labels = np.zeros((SCENE_HOPS, 2), bool)
    speech_db = rng.uniform(-45, -12)
    if rng.random() < 0.2:  # hold music (or a music bed) under the whole scene
        i = int(rng.integers(0, len(pools.music)))
        clip, act = _crop(rng, pools.music[i], pools.music_active[i], SCENE_HOPS)
        _place(mix, labels, 0, clip, act, level_db=speech_db - rng.uniform(-6, 20), column=1)
    at = int(rng.integers(0, 80))
    while at < SCENE_HOPS - 10:
        hops = int(rng.integers(30, 300))
        kind = rng.choice(["speech", "music", "both", "tone", "gap"], p=[0.42, 0.18, 0.1, 0.1, 0.2])
        if kind in ("speech", "both"):
            i = int(rng.integers(0, len(pools.speech)))
            clip, act = _crop(rng, pools.speech[i], pools.speech_active[i], hops)
            _place(mix, labels, at, clip, act, level_db=speech_db + rng.uniform(-4, 4), column=0)
            hops = act.size
        if kind in ("music", "both"):
            i = int(rng.integers(0, len(pools.music)))
            clip, act = _crop(rng, pools.music[i], pools.music_active[i], hops)
            under = rng.uniform(3, 20) if kind == "both" else rng.uniform(-8, 8)
            _place(mix, labels, at, clip, act, level_db=speech_db - under, column=1)
        if kind == "tone":
            x = tone(rng, hops)
            _place(mix, labels, at, x, np.ones(hops, bool), level_db=speech_db + rng.uniform(-10, 6), column=-1)
        at += hops + int(rng.integers(0, 60))
    _add_noise(rng, pools, mix, speech_db)
    out = telephone(rng, mix) if rng.random() < 0.45 else mix
    if rng.random() < 0.15:  # a cheap headset or a wide-band codec: low-pass somewhere in 3.5-7 kHz
        sos = scipy.signal.butter(6, rng.uniform(3500, 7000), fs=RATE, output="sos")
        out = scipy.signal.sosfilt(sos, out)
    out = np.clip(out, -1.0, 1.0)
    if rng.random() < 0.5:  # 16-bit quantisation, as from a sound card
        out = np.round(out * 32767.0) / 32767.0
    return out.astype(np.float32), labels


def _add_noise(rng: np.random.Generator, pools: Pools, mix: np.ndarray, speech_db: float) -> None:
    roll = rng.random()
    if roll < 0.2:
        return  # digital silence between the sounds
    n = mix.size
    if roll < 0.6 and pools.noise:
        clip = pools.noise[int(rng.integers(0, len(pools.noise)))]
        start = int(rng.integers(0, max(1, clip.size - n)))
        noise = np.resize(clip[start : start + n], n).astype(np.float64)
    else:
        noise = coloured_noise(rng, n).astype(np.float64)
    snr = rng.uniform(-3, 35) if rng.random() < 0.85 else rng.uniform(35, 60)
    gain = 10.0 ** ((speech_db - snr - _rms_db(noise)) / 20.0)
    if rng.random() < 0.2:  # noise that swells and fades
        gain = gain * np.interp(np.arange(n), [0, n // 2, n - 1], rng.uniform(0.1, 1.5, size=3))
    mix += gain * noise
