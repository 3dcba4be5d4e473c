"""A sound card's DC offset, tracked per channel and taken out of what the level and the spectrum read.

Onboard codecs without a blocking capacitor read a constant 0.1-2 % of full scale. It is no sound, but a mean
square counts it: a 1 % offset reads as a -40 dBFS room, and on the detection benchmark's `dc` row half of the
agent's raises went unseen over it (benchmarks/line_faults.py).

An offset is best read where nothing else sounds: each hop's own mean, weighted by the inverse of the hop's power
about that mean, over the last `OFFSET_HOPS` hops (0.5 s). A pause's hops outweigh a voice's by the voice's level
over the room (30-60 dB), so a loud voice's own asymmetry (and a clipped voice's, which is large) leaves no offset
behind it in the pause that follows; while a voice runs, its quietest hops set the offset. Half a second holds
whole periods of 50 and 60 Hz, so steady mains hum adds nothing to it either; a window's own mean would (1.6
periods of 50 Hz in 32 ms), and then a hum's level would beat from frame to frame.

The two sums (of weighted means, of weights) run hop by hop, each a sequential accumulation from the last block's
value, so the offsets do not depend on how the samples were cut into blocks: a file and a live stream read the same
numbers.
"""

from __future__ import annotations

import numpy as np

from calmcue.timebase import HOP, LEVEL_WINDOW

OFFSET_HOPS = 50
POWER_FLOOR = 1e-12  # -120 dB: a hop of digital silence weighs this much at most


class OffsetTracker:
    def __init__(self, *, channels: int) -> None:
        # the last OFFSET_HOPS hops' weighted means and weights (zeros: weightless) in a ring whose oldest column is
        # at `_head`, and their running sums
        self._recent = np.zeros((2, OFFSET_HOPS, channels))
        self._head = 0
        self._sums = np.zeros((2, channels))

    def remove(self, windows: np.ndarray) -> np.ndarray:
        """windows (hops, channels, n) float32 -> each window's last LEVEL_WINDOW samples less its channel's offset
        at that hop, float32 (hops, channels, LEVEL_WINDOW)."""
        entering = self._weighed(windows[:, :, -HOP:].astype(np.float64))  # (2, hops, channels)
        hops = entering.shape[1]
        if hops == 1:  # a live hop: the same arithmetic as below, in a few calls
            sums = self._sums + (entering[:, 0] - self._recent[:, self._head])
            self._recent[:, self._head] = entering[:, 0]
            self._head = (self._head + 1) % OFFSET_HOPS
            self._sums = sums
            sums = sums[:, None]
        else:
            recent = np.concatenate([np.roll(self._recent, -self._head, axis=1), entering], axis=1)
            steps = np.empty((2, hops + 1, entering.shape[2]))
            steps[:, 0] = self._sums
            np.subtract(recent[:, OFFSET_HOPS:], recent[:, :hops], out=steps[:, 1:])  # what enters less what leaves
            sums = np.add.accumulate(steps, axis=1)[:, 1:]
            self._sums, self._recent, self._head = sums[:, -1], recent[:, hops:].copy(), 0
        offsets = (sums[0] / sums[1]).astype(np.float32)
        tail = windows[..., -LEVEL_WINDOW:]
        # a window of digital silence (a muted device, no call) stays silence, as the extractor reads a block of it
        offsets *= np.logical_or.reduce(tail, axis=-1)
        return tail - offsets[..., None]

    @staticmethod
    def _weighed(newest: np.ndarray) -> np.ndarray:
        """Each hop's mean times its weight, and its weight: (hops, channels, HOP) -> (2, hops, channels)."""
        out = np.empty((2, *newest.shape[:2]))
        mean = np.add.reduce(newest, axis=-1) / HOP
        power = np.einsum("...i,...i->...", newest, newest) / HOP - mean * mean  # about the hop's own mean
        power += POWER_FLOOR  # (rounding may leave it a hair under zero: the floor is far over that)
        np.reciprocal(power, out=out[1])
        np.multiply(mean, out[1], out=out[0])
        return out
