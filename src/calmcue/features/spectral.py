"""Spectral tilt (vocal effort) from bands that survive a telephone line (300-3400 Hz).

Raised effort puts relatively more energy into the upper formants, so the tilt flattens; a gain change moves
every band alike and leaves these ratios alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.fft

from calmcue.timebase import ANALYSIS_RATE_HZ, LEVEL_WINDOW

_BIN_HZ = ANALYSIS_RATE_HZ / LEVEL_WINDOW  # 31.25 Hz
_WINDOW = np.hanning(LEVEL_WINDOW).astype(np.float32)


def _bins(low_hz: float, high_hz: float) -> slice:
    """The FFT bins with low_hz <= f < high_hz, as a slice (bands are contiguous: no fancy indexing per hop)."""
    return slice(int(np.ceil(low_hz / _BIN_HZ)), int(np.ceil(high_hz / _BIN_HZ)))


_LOW = _bins(300, 1000)
_HIGH = _bins(1000, 3400)
_HAM_LOW = _bins(300, 2000)
_HAM_HIGH = _bins(2000, 3400)
_SLOPE = _bins(300, 3400)
_SLOPE_KHZ = np.arange(_SLOPE.start, _SLOPE.stop) * _BIN_HZ / 1000.0
_SLOPE_WEIGHTS = (_SLOPE_KHZ - _SLOPE_KHZ.mean()) / np.sum((_SLOPE_KHZ - _SLOPE_KHZ.mean()) ** 2)
_TINY = 1e-20


@dataclass(frozen=True)
class SpectralShape:
    """Per-frame spectral shape; all gain-independent."""

    tilt_db: np.ndarray  # alpha ratio: energy 1000-3400 Hz over 300-1000 Hz, dB
    hammarberg_db: np.ndarray  # strongest bin 300-2000 Hz minus strongest 2000-3400 Hz, dB
    slope_db_per_khz: np.ndarray  # least-squares slope of the dB spectrum over 300-3400 Hz
    band_db: np.ndarray  # 300-3400 Hz band energy in dB (the envelope for syllable nuclei)
    low_db: np.ndarray  # 300-1000 Hz band energy in dB
    high_db: np.ndarray  # 1000-3400 Hz band energy in dB


def power_spectrum(windows: np.ndarray) -> np.ndarray:
    """Hann-windowed power spectrum of each window's last 32 ms; (..., n) -> (..., 257)."""
    spectrum = scipy.fft.rfft(windows[..., -LEVEL_WINDOW:] * _WINDOW, axis=-1)
    return np.square(spectrum.view(np.float32)).reshape(*spectrum.shape, 2).sum(axis=-1)


def spectral_shape(power: np.ndarray) -> SpectralShape:
    low = power[..., _LOW].sum(axis=-1)
    high = power[..., _HIGH].sum(axis=-1)
    peak_ratio = (power[..., _HAM_LOW].max(axis=-1) + _TINY) / (power[..., _HAM_HIGH].max(axis=-1) + _TINY)
    return SpectralShape(
        tilt_db=10.0 * np.log10((high + _TINY) / (low + _TINY)),
        hammarberg_db=10.0 * np.log10(peak_ratio),
        slope_db_per_khz=10.0 * np.log10(power[..., _SLOPE] + _TINY) @ _SLOPE_WEIGHTS,
        band_db=10.0 * np.log10(low + high + _TINY),
        low_db=10.0 * np.log10(low + _TINY),
        high_db=10.0 * np.log10(high + _TINY),
    )
