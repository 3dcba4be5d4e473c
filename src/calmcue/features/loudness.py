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


# One sample near full scale alone gives its level window a mean square of NEAR_FULL_SCALE^2 / LEVEL_WINDOW:
# -27.3 dBFS. A window quieter than this (with a margin for the level's rounding) holds no such sample.
CLIP_LEVEL_DBFS = -28.0


def clip_share_where_loud(windows: np.ndarray, level_dbfs: np.ndarray) -> np.ndarray:
    """`clip_share` (the same numbers), looking at the samples only of the windows at or above CLIP_LEVEL_DBFS
    (`level_dbfs`, their level): speech at a sane gain stays under it (97 % of the hops of the AMI excerpts), and
    the four numpy calls cost a live hop more than the level itself."""
    loud = level_dbfs >= CLIP_LEVEL_DBFS
    count = np.count_nonzero(loud)  # without an axis: no Python wrapper
    if count == loud.size:
        return clip_share(windows)
    share = np.zeros(level_dbfs.shape)
    if count:
        share[loud] = clip_share(windows[loud])
    return share
