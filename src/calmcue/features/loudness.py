"""Level in dBFS: RMS over the last 32 ms, where a full-scale sine is -3.01 dBFS, without the window's DC.

A DC offset (some headset converters have one, and a constant is not sound) would otherwise count as level: a
constant 0.3 read -10.5 dBFS, and a -29 dBFS tone under it -10.4. Each window's mean is taken out first.
"""

from __future__ import annotations

import numpy as np

from calmcue.timebase import LEVEL_WINDOW

LEVEL_FLOOR_DBFS = -100.0


def level_dbfs(windows: np.ndarray) -> np.ndarray:
    """Level of each window's last `LEVEL_WINDOW` samples; windows (..., n) -> (...)."""
    tail = without_dc(windows[..., -LEVEL_WINDOW:])
    mean_square = np.einsum("...i,...i->...", tail, tail, dtype=np.float64) / LEVEL_WINDOW
    return np.maximum(10.0 * np.log10(np.maximum(mean_square, 1e-30)), LEVEL_FLOOR_DBFS)


def without_dc(tails: np.ndarray) -> np.ndarray:
    """Each window minus its own mean (..., n) -> (..., n): what a DC offset adds is gone, sound is not."""
    return tails - tails.mean(axis=-1, keepdims=True)
