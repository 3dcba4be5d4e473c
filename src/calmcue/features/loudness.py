"""Level in dBFS: RMS over the last 32 ms, where a full-scale sine is -3.01 dBFS."""

from __future__ import annotations

import numpy as np

from calmcue.timebase import LEVEL_WINDOW

LEVEL_FLOOR_DBFS = -100.0


def level_dbfs(windows: np.ndarray) -> np.ndarray:
    """Level of each window's last `LEVEL_WINDOW` samples; windows (..., n) -> (...)."""
    tail = windows[..., -LEVEL_WINDOW:]
    mean_square = np.einsum("...i,...i->...", tail, tail, dtype=np.float64) / LEVEL_WINDOW
    return np.maximum(10.0 * np.log10(np.maximum(mean_square, 1e-30)), LEVEL_FLOOR_DBFS)
