"""Any block size in, whole 10 ms hops out, each with the analysis window that ends at it.

Frame k covers the samples up to 160 (k + 1); the window is the last `HISTORY` samples, zeros before the start.
The hops are cut from one continuous stream, so the frames never depend on the block sizes that arrived.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from calmcue.timebase import HISTORY, HOP


class Reframer:
    def __init__(self, *, channels: int) -> None:
        self.channels = channels
        self._history = np.zeros((channels, HISTORY), np.float32)
        self._pending = np.zeros((channels, 0), np.float32)
        self.frames_out = 0

    def push(self, block: np.ndarray) -> np.ndarray:
        """Takes (n, channels) float32; returns windows (hops, channels, HISTORY), possibly zero hops."""
        block = np.asarray(block, np.float32).reshape(-1, self.channels).T
        if self._pending.shape[1] == 0 and block.shape[1] == HOP:  # the live case: exactly one hop
            return self._one_hop(block)
        samples = np.concatenate([self._pending, block], axis=1)
        hops = samples.shape[1] // HOP
        self._pending = samples[:, hops * HOP:]
        if hops == 0:
            return np.zeros((0, self.channels, HISTORY), np.float32)
        stream = np.concatenate([self._history, samples[:, : hops * HOP]], axis=1)
        # window h ends at sample HISTORY + HOP (h + 1) of the stream; a strided view (sliding_window_view does
        # the same with more checks, a fifth of a live push's cost), copied out contiguous
        c_step, s_step = stream.strides
        windows = as_strided(stream[:, HOP:], shape=(hops, self.channels, HISTORY),
                             strides=(HOP * s_step, c_step, s_step), writeable=False)
        self._history = stream[:, -HISTORY:].copy()
        self.frames_out += hops
        return np.ascontiguousarray(windows)

    def _one_hop(self, hop: np.ndarray) -> np.ndarray:
        window = np.empty((1, self.channels, HISTORY), np.float32)
        window[0, :, :-HOP] = self._history[:, HOP:]
        window[0, :, -HOP:] = hop
        self._history = window[0]
        self.frames_out += 1
        return window
