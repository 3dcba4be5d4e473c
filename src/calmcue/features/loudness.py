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

NEAR_FULL_SCALE = 0.98  # a sample this close to full scale (-0.2 dBFS) is a clipped one: a converter driven past
# full scale holds its largest code (a resampler after it rings a little about that plateau, hence not 1.0)


def clip_share(windows: np.ndarray) -> np.ndarray:
    """Share (0..1) of each window's last `LEVEL_WINDOW` samples at or near full scale; windows (..., n) -> (...).

    Speech at a sane gain peaks 10-20 dB under full scale, so its share is 0; a voice driven into clipping keeps
    a share that grows with how far past full scale it is driven (its measured level no longer does).
    """
    tail = windows[..., -LEVEL_WINDOW:]
    # np.add.reduce over the mask with an integer count: what np.count_nonzero(axis=) does, without its wrapper
    # (a fifth of the call on a live hop)
    return np.add.reduce(np.abs(tail) >= NEAR_FULL_SCALE, axis=-1, dtype=np.intp) / LEVEL_WINDOW
