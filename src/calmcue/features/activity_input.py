"""The activity model's input: per 10 ms hop and channel, a few numbers computed in numpy.

Per hop: 20 log-mel band energies over 300-3400 Hz (the telephone band, so a phone line changes little) taken
relative to the hop's mean band energy (spectral shape, independent of gain), the band level relative to its
own slow running mean (about 2 s, so a gain change fades out), the band level itself, and the periodicity that
the pitch tracker computes anyway. The same function feeds training (whole files) and the live path (the hops
that arrived together), so both see identical numbers.
"""

from __future__ import annotations

import numpy as np

from calmcue.timebase import ANALYSIS_RATE_HZ, LEVEL_WINDOW

MEL_BANDS = 20
LOW_HZ = 300.0
HIGH_HZ = 3400.0
FEATURES = MEL_BANDS + 3
FLOOR_DB = -100.0
SLOW_MEAN_S = 2.0
HOP_S = 0.01
_SLOW = float(np.exp(-HOP_S / SLOW_MEAN_S))  # one-pole smoothing factor per hop
_TAKE = 1.0 - _SLOW
_BIN_HZ = ANALYSIS_RATE_HZ / LEVEL_WINDOW
_HANN_POWER = float(np.sum(np.hanning(LEVEL_WINDOW) ** 2))


def _mel(hz: np.ndarray) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + hz / 700.0)


def mel_matrix() -> np.ndarray:
    """(257, MEL_BANDS) triangular filters, equally spaced in mel between LOW_HZ and HIGH_HZ, scaled so that
    a band's value is the mean square (full scale = 1) of the signal in that band."""
    edges_mel = np.linspace(_mel(np.array(LOW_HZ)), _mel(np.array(HIGH_HZ)), MEL_BANDS + 2)
    edges_hz = 700.0 * (10.0 ** (edges_mel / 2595.0) - 1.0)
    bins_hz = np.arange(LEVEL_WINDOW // 2 + 1) * _BIN_HZ
    weights = np.zeros((bins_hz.size, MEL_BANDS))
    for band in range(MEL_BANDS):
        low, mid, high = edges_hz[band : band + 3]
        rise = (bins_hz - low) / (mid - low)
        fall = (high - bins_hz) / (high - mid)
        weights[:, band] = np.clip(np.minimum(rise, fall), 0.0, None)
    return (weights * 2.0 / (LEVEL_WINDOW * _HANN_POWER)).astype(np.float32)


_MEL = mel_matrix()
_MEL_64 = _MEL.astype(np.float64)  # what numpy casts _MEL to for the float64 power on every call
_FLOOR_POWER = 10.0 ** (FLOOR_DB / 10.0)


_BANDS = np.intp(MEL_BANDS)


def _band_mean(band_db: np.ndarray) -> np.ndarray:
    """`band_db.mean(axis=-1, keepdims=True)` by the same two operations numpy's mean does (so the same bits),
    without its bookkeeping, which costs more than the sum on a few hops."""
    total = np.add.reduce(band_db, axis=-1, keepdims=True)
    return np.true_divide(total, _BANDS, out=total, casting="unsafe")


class ActivityInput:
    """Stateful feature maker for `channels` streams: only the slow running mean carries from call to call."""

    def __init__(self, *, channels: int) -> None:
        self.channels = channels
        self._slow_db: np.ndarray | None = None  # (channels,) running mean of the band level

    def process(self, power: np.ndarray, periodicity: np.ndarray) -> np.ndarray:
        """power: (hops, channels, 257) from `spectral.power_spectrum`; periodicity: (hops, channels), 0..1.

        Returns float32 (hops, channels, FEATURES)."""
        hops = power.shape[0]
        out = np.empty((hops, self.channels, FEATURES), np.float32)
        if hops == 0:
            return out
        mel = _MEL_64 if power.dtype == np.float64 else _MEL
        band_power = power @ mel  # (hops, channels, bands)
        np.maximum(band_power, _FLOOR_POWER, out=band_power)
        band_db = np.log10(band_power)
        band_db *= 10.0  # in place: the same operation as 10 * log10, one array fewer
        level_db = np.log10(np.add.reduce(band_power, axis=-1, dtype=np.float64))  # .sum() without its wrapper
        level_db *= 10.0
        band_db -= _band_mean(band_db)
        band_db /= 10.0
        out[..., :MEL_BANDS] = band_db
        slow = self._slow_mean(level_db)
        out[..., MEL_BANDS] = (level_db - slow) / 10.0
        out[..., MEL_BANDS + 1] = (level_db + 50.0) / 25.0
        # np.clip's own bookkeeping costs more than the two comparisons on a few hops; the same numbers
        out[..., MEL_BANDS + 2] = np.minimum(np.maximum(periodicity, 0.0), 1.0)
        return out

    def _slow_mean(self, level_db: np.ndarray) -> np.ndarray:
        """One-pole running mean along the hops, per channel, continuing from the previous call's last value.

        Plain float arithmetic per channel: the same IEEE operations, in the same order, as
        scipy.signal.lfilter([1 - a], [1, -a]) (so the numbers are identical), at a fraction of its cost for
        the few hops of a live block, and without importing scipy.signal (about 40 MB the tray does not need)."""
        if self._slow_db is None:
            self._slow_db = level_db[0].astype(np.float64)
        if level_db.shape[0] == 1:  # a live hop: the same three operations, on every channel at once
            slow_db = _TAKE * level_db + _SLOW * self._slow_db
            self._slow_db = slow_db[0]
            return slow_db
        slow_db = np.empty(level_db.shape, np.float64)
        keep, take = _SLOW, _TAKE
        last = self._slow_db.tolist()
        for channel, series in enumerate(level_db.T.tolist()):
            previous, out = last[channel], []
            for value in series:
                previous = take * value + keep * previous
                out.append(previous)
            slow_db[:, channel] = out
        self._slow_db = slow_db[-1].copy()
        return slow_db
