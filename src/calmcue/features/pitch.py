"""F0 with periodicity: a vectorised YIN (de Cheveigné & Kawahara, 2002) and a frame-to-frame octave guard.

`yin` works on many windows at once (all channels and all hops that arrived together); `OctaveGuard` is the
small stateful part that runs frame by frame, live and in batch alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from calmcue.audio.signal import ANALYSIS_RATE_HZ, PITCH_WINDOW

F0_MIN_HZ = 60.0
F0_MAX_HZ = 500.0
TAU_MIN = int(ANALYSIS_RATE_HZ // F0_MAX_HZ)  # 32 samples
TAU_MAX = int(math.ceil(ANALYSIS_RATE_HZ / F0_MIN_HZ))  # 267 samples
INTEGRATION = PITCH_WINDOW - TAU_MAX  # 533 samples, about two periods at 60 Hz
NFFT = 1024  # >= PITCH_WINDOW: lags up to TAU_MAX never wrap around
DIP_THRESHOLD = 0.15  # YIN's absolute threshold on the normalised difference


@dataclass(frozen=True)
class PitchCandidates:
    """Per-window YIN result plus the octave alternatives the guard may prefer. Shapes (...)."""

    f0_hz: np.ndarray
    aperiodicity: np.ndarray  # normalised difference at the chosen lag: 0 = perfectly periodic
    f0_up_hz: np.ndarray  # one octave up (half the lag)
    aperiodicity_up: np.ndarray
    f0_down_hz: np.ndarray  # one octave down (twice the lag); NaN beyond the 60 Hz floor
    aperiodicity_down: np.ndarray


def normalised_difference(windows: np.ndarray) -> np.ndarray:
    """YIN's cumulative-mean-normalised difference d'(tau) for tau = 0..TAU_MAX; (..., n) -> (..., TAU_MAX+1)."""
    x = windows[..., -PITCH_WINDOW:].astype(np.float64)
    head = x[..., :INTEGRATION]
    spectrum = np.fft.rfft(x, NFFT, axis=-1)
    spectrum *= np.conj(np.fft.rfft(head, NFFT, axis=-1))
    correlation = np.fft.irfft(spectrum, NFFT, axis=-1)[..., : TAU_MAX + 1]
    energy = np.cumsum(x * x, axis=-1)
    energy = np.concatenate([np.zeros_like(energy[..., :1]), energy], axis=-1)
    shifted = energy[..., INTEGRATION : INTEGRATION + TAU_MAX + 1] - energy[..., : TAU_MAX + 1]
    difference = np.maximum(energy[..., INTEGRATION, None] + shifted - 2.0 * correlation, 0.0)
    running = np.cumsum(difference[..., 1:], axis=-1)
    lags = np.arange(1, TAU_MAX + 1)
    out = np.ones_like(difference)
    out[..., 1:] = difference[..., 1:] * lags / np.maximum(running, 1e-12)
    return out


def _refine(dprime: np.ndarray, lag: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parabolic interpolation around integer lags; returns (fractional lag, value at the minimum)."""
    lag = np.clip(lag, 1, TAU_MAX - 1)
    left = np.take_along_axis(dprime, (lag - 1)[..., None], axis=-1)[..., 0]
    mid = np.take_along_axis(dprime, lag[..., None], axis=-1)[..., 0]
    right = np.take_along_axis(dprime, (lag + 1)[..., None], axis=-1)[..., 0]
    curvature = left - 2.0 * mid + right
    safe = np.where(curvature > 1e-12, curvature, 1.0)
    shift = np.where(curvature > 1e-12, np.clip(0.5 * (left - right) / safe, -0.5, 0.5), 0.0)
    return lag + shift, np.clip(mid - 0.25 * (left - right) * shift, 0.0, None)


def _best_near(dprime: np.ndarray, lag: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The lowest of lags lag-1..lag+1 (clipped to the searchable range), refined."""
    lag = np.clip(lag, TAU_MIN + 1, TAU_MAX - 1)
    around = np.stack([lag - 1, lag, lag + 1], axis=-1)
    values = np.take_along_axis(dprime, around, axis=-1)
    best = np.take_along_axis(around, np.argmin(values, axis=-1)[..., None], axis=-1)[..., 0]
    return _refine(dprime, best)


def yin(windows: np.ndarray) -> PitchCandidates:
    """YIN on windows (..., n >= PITCH_WINDOW) at the analysis rate: the first dip under the threshold."""
    dprime = normalised_difference(windows)
    search = dprime[..., TAU_MIN : TAU_MAX + 1]
    below = search < DIP_THRESHOLD
    first = np.argmax(below, axis=-1)
    rising = np.concatenate([search[..., 1:] >= search[..., :-1], np.ones_like(below[..., :1])], axis=-1)
    rising &= np.arange(search.shape[-1]) >= first[..., None]
    dip = np.where(below.any(axis=-1), np.argmax(rising, axis=-1), np.argmin(search, axis=-1)) + TAU_MIN
    lag, aperiodicity = _refine(dprime, dip)
    up_lag, up_aperiodicity = _best_near(dprime, np.rint(lag / 2).astype(np.intp))
    down_int = np.rint(lag * 2).astype(np.intp)
    down_lag, down_aperiodicity = _best_near(dprime, down_int)
    down_ok = down_int <= TAU_MAX - 1
    return PitchCandidates(
        f0_hz=ANALYSIS_RATE_HZ / lag,
        aperiodicity=aperiodicity,
        f0_up_hz=np.where(up_lag >= TAU_MIN, ANALYSIS_RATE_HZ / up_lag, np.nan),
        aperiodicity_up=np.where(up_lag >= TAU_MIN, up_aperiodicity, np.inf),
        f0_down_hz=np.where(down_ok, ANALYSIS_RATE_HZ / down_lag, np.nan),
        aperiodicity_down=np.where(down_ok, down_aperiodicity, np.inf),
    )


class OctaveGuard:
    """Keeps a voiced track from jumping an octave between neighbouring frames.

    When a frame's F0 is about twice (or half) the recent track and the other octave's dip is almost as deep,
    the other octave wins. The recent track forgets after `memory_frames` unvoiced frames.
    """

    def __init__(self, *, tolerance: float = 0.12, memory_frames: int = 15) -> None:
        self.tolerance = tolerance
        self.memory_frames = memory_frames
        self._recent_log_f0 = math.nan
        self._unvoiced_run = memory_frames

    def step(self, f0_hz: float, aperiodicity: float, f0_up_hz: float, aperiodicity_up: float,
             f0_down_hz: float, aperiodicity_down: float, voiced: bool) -> float:
        """Returns the guarded F0 in Hz (NaN when unvoiced)."""
        if not voiced:
            self._unvoiced_run += 1
            return math.nan
        if self._unvoiced_run < self.memory_frames:
            jump = math.log2(f0_hz) - self._recent_log_f0
            if jump > 0.75 and aperiodicity_down <= aperiodicity + self.tolerance:
                f0_hz = f0_down_hz
            elif jump < -0.75 and aperiodicity_up <= aperiodicity + self.tolerance:
                f0_hz = f0_up_hz
        log_f0 = math.log2(f0_hz)
        if self._unvoiced_run >= self.memory_frames:
            self._recent_log_f0 = log_f0
        else:
            self._recent_log_f0 += 0.3 * (log_f0 - self._recent_log_f0)
        self._unvoiced_run = 0
        return f0_hz
