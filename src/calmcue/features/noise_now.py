"""The noise of now in the tilt's two bands: what a 3 s minimum misses of noise that comes and goes.

A calm voice's weak frames over a street or other talkers carry noise brighter than the voice: against the bands'
3 s minimum floor alone their tilt read 0.7-2.8 dB flatter (benchmarks/results/detection_tiltband13.txt), so a
raise stood out less over a calm baseline read too flat. The mean power of the frames heard without speech just
before is a reading of the noise the next words are spoken over.
"""

from __future__ import annotations

from collections import deque

NOISE_FRAMES = 30  # 0.3 s: the mean is over the last 30 frames heard without speech
# A frame joins the mean only once this many frames after it were also without speech: the speech decision lags
# a word's onset by up to about 0.1-0.2 s, and onsets read as noise would be taken out of the words after them
# (measured: on clean speech the mean sat a median 9-15 dB over the floor without this lag).
SETTLE_FRAMES = 20


class BandNoiseNow:
    """One channel's mean power (linear) of each band over the last NOISE_FRAMES settled frames without speech;
    0.0 until any frame has settled (no reading), divided by NOISE_FRAMES until the buffer is full."""

    def __init__(self) -> None:
        self.pending: deque[tuple[float, float]] = deque()  # this run of frames without speech, not settled yet
        self._heard: deque[tuple[float, float]] = deque()
        self._sums = [0.0, 0.0]  # stepped with the buffer, not summed again: a tilt may be read on every frame
        self.low_power = 0.0
        self.high_power = 0.0

    def hear(self, *, low_db: float, high_db: float) -> None:
        """One more frame without speech (neither the speech decision nor the voicing says speech)."""
        self.pending.append((10.0 ** (low_db / 10.0), 10.0 ** (high_db / 10.0)))
        if len(self.pending) <= SETTLE_FRAMES:
            return
        low, high = self.pending.popleft()
        sums, heard = self._sums, self._heard
        if len(heard) == NOISE_FRAMES:
            old_low, old_high = heard.popleft()
            sums[0] -= old_low
            sums[1] -= old_high
        heard.append((low, high))
        sums[0] += low
        sums[1] += high
        self.low_power, self.high_power = sums[0] / NOISE_FRAMES, sums[1] / NOISE_FRAMES
