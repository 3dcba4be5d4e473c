"""Spectral tilt (vocal effort) from bands that survive a telephone line (300-3400 Hz).

Raised effort puts relatively more energy into the upper formants, so the tilt flattens; a gain change moves
every band alike and leaves these ratios alone.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from calmcue.timebase import ANALYSIS_RATE_HZ, LEVEL_WINDOW

_BIN_HZ = ANALYSIS_RATE_HZ / LEVEL_WINDOW  # 31.25 Hz
_WINDOW = np.hanning(LEVEL_WINDOW).astype(np.float32)
_WINDOW_64 = _WINDOW.astype(np.float64)


def _bins(low_hz: float, high_hz: float) -> slice:
    """The FFT bins with low_hz <= f < high_hz, as a slice (bands are contiguous: no fancy indexing per hop)."""
    return slice(int(np.ceil(low_hz / _BIN_HZ)), int(np.ceil(high_hz / _BIN_HZ)))


_LOW = _bins(300, 1000)
_HIGH = _bins(1000, 3400)
_TINY = 1e-20


class SpectralShape(NamedTuple):
    """Per-frame band energies. Their difference high - low is the alpha ratio (the tilt), gain-independent; the
    extractor takes each band's tracked noise out before subtracting. (A NamedTuple, not a frozen dataclass: it
    never leaves the engine's thread, and a live hop makes one.)"""

    band_db: np.ndarray  # 300-3400 Hz band energy in dB (the envelope for syllable nuclei)
    low_db: np.ndarray  # 300-1000 Hz band energy in dB
    high_db: np.ndarray  # 1000-3400 Hz band energy in dB


def power_spectrum(windows: np.ndarray) -> np.ndarray:
    """Hann-windowed power spectrum of each window's last 32 ms; (..., n) -> (..., 257)."""
    spectrum = np.fft.rfft(windows[..., -LEVEL_WINDOW:] * _WINDOW_64, axis=-1)  # float64: see pitch.py
    power = np.square(spectrum.real)  # not a sum over a (..., 2) axis: 10x cheaper
    power += np.square(spectrum.imag)  # in place: the same addition, one array fewer
    return power


def spectral_shape(power: np.ndarray) -> SpectralShape:
    low = np.add.reduce(power[..., _LOW], axis=-1)  # what .sum() calls, without its wrapper
    high = np.add.reduce(power[..., _HIGH], axis=-1)
    # the three bands' dB in one array: the same operations on each value as three separate 10 log10(x + tiny),
    # in four numpy calls instead of nine (a live hop's arrays hold two values: the calls cost more than the maths)
    bands = np.empty((3, *low.shape))
    np.add(low, high, out=bands[0])
    bands[1], bands[2] = low, high
    bands += _TINY
    db = np.log10(bands, out=bands)
    db *= 10.0
    return SpectralShape(band_db=db[0], low_db=db[1], high_db=db[2])
