"""Spectral tilt (vocal effort) from bands that survive a telephone line (300-3400 Hz).

Raised effort puts relatively more energy into the upper formants, so the tilt flattens; a gain change moves
every band alike and leaves these ratios alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calmcue.audio.signal import ANALYSIS_RATE_HZ, LEVEL_WINDOW

_FREQS_HZ = np.fft.rfftfreq(LEVEL_WINDOW, 1.0 / ANALYSIS_RATE_HZ)
_WINDOW = np.hanning(LEVEL_WINDOW).astype(np.float32)
_LOW = (_FREQS_HZ >= 300) & (_FREQS_HZ < 1000)
_HIGH = (_FREQS_HZ >= 1000) & (_FREQS_HZ < 3400)
_HAM_LOW = (_FREQS_HZ >= 300) & (_FREQS_HZ < 2000)
_HAM_HIGH = (_FREQS_HZ >= 2000) & (_FREQS_HZ < 3400)
_SLOPE = (_FREQS_HZ >= 300) & (_FREQS_HZ < 3400)
_SLOPE_KHZ = _FREQS_HZ[_SLOPE] / 1000.0
_SLOPE_WEIGHTS = (_SLOPE_KHZ - _SLOPE_KHZ.mean()) / np.sum((_SLOPE_KHZ - _SLOPE_KHZ.mean()) ** 2)
_TINY = 1e-20


@dataclass(frozen=True)
class SpectralShape:
    """Per-frame spectral shape; all gain-independent."""

    tilt_db: np.ndarray  # alpha ratio: energy 1000-3400 Hz over 300-1000 Hz, dB
    hammarberg_db: np.ndarray  # strongest bin 300-2000 Hz minus strongest 2000-3400 Hz, dB
    slope_db_per_khz: np.ndarray  # least-squares slope of the dB spectrum over 300-3400 Hz
    band_db: np.ndarray  # 300-3400 Hz band energy in dB (the envelope for syllable nuclei)


def power_spectrum(windows: np.ndarray) -> np.ndarray:
    """Hann-windowed power spectrum of each window's last 32 ms; (..., n) -> (..., 257)."""
    spectrum = np.fft.rfft(windows[..., -LEVEL_WINDOW:] * _WINDOW, axis=-1)
    return spectrum.real**2 + spectrum.imag**2


def spectral_shape(power: np.ndarray) -> SpectralShape:
    low = power[..., _LOW].sum(axis=-1)
    high = power[..., _HIGH].sum(axis=-1)
    peak_ratio = (power[..., _HAM_LOW].max(axis=-1) + _TINY) / (power[..., _HAM_HIGH].max(axis=-1) + _TINY)
    return SpectralShape(
        tilt_db=10.0 * np.log10((high + _TINY) / (low + _TINY)),
        hammarberg_db=10.0 * np.log10(peak_ratio),
        slope_db_per_khz=10.0 * np.log10(power[..., _SLOPE] + _TINY) @ _SLOPE_WEIGHTS,
        band_db=10.0 * np.log10(low + high + _TINY),
    )
