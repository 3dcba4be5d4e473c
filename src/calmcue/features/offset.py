"""A sound card's DC offset, tracked per channel and taken out of what the level and the spectrum read.

Onboard codecs without a blocking capacitor read a constant 0.1-2 % of full scale. It is no sound, but a mean
square counts it: a 1 % offset reads as a -40 dBFS room, and on the detection benchmark's `dc` row half of the
agent's raises went unseen over it (benchmarks/line_faults.py).

The offset is the mean of the last `OFFSET_HOPS` hops (100 ms): whole periods of 50 and 60 Hz, so mains hum (the
other steady fault of cheap hardware) adds nothing to it; a window's own mean would (1.6 periods of 50 Hz in
32 ms), and then a hum's level would beat from frame to frame. A voice's own mean over 100 ms is 30-40 dB under
its level, so taking it out moves nothing the detector reads.

The running sum is carried hop by hop (a sequential accumulation from the last block's value), so the offsets do
not depend on how the samples were cut into blocks: a file and a live stream read the same numbers.
"""

from __future__ import annotations

import numpy as np

from calmcue.timebase import HOP, LEVEL_WINDOW

OFFSET_HOPS = 10


class OffsetTracker:
    def __init__(self, *, channels: int) -> None:
        self._recent = np.zeros((OFFSET_HOPS, channels))  # the last hops' sample means, oldest first
        self._sum = np.zeros(channels)  # their running sum

    def remove(self, windows: np.ndarray) -> np.ndarray:
        """windows (hops, channels, n) float32 -> each window's last LEVEL_WINDOW samples less its channel's offset
        at that hop, float32 (hops, channels, LEVEL_WINDOW)."""
        newest = np.add.reduce(windows[:, :, -HOP:], axis=-1).astype(np.float64) / HOP  # each hop's own mean
        hops = len(newest)
        means = np.concatenate([self._recent, newest])
        steps = np.empty((hops + 1, newest.shape[1]))
        steps[0] = self._sum
        np.subtract(means[OFFSET_HOPS:], means[:hops], out=steps[1:])  # the hop that enters less the one that leaves
        sums = np.add.accumulate(steps, axis=0)[1:]
        self._sum, self._recent = sums[-1], means[hops:]
        offsets = (sums / OFFSET_HOPS).astype(np.float32)
        tail = windows[..., -LEVEL_WINDOW:]
        # a window of digital silence (a muted device, no call) stays silence, as the extractor reads a block of it
        offsets *= np.logical_or.reduce(tail, axis=-1)
        return tail - offsets[..., None]
